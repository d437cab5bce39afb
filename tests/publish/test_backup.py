"""export / import: a complete backup restores into a fresh instance, rows, ids, files and all; and a
tampered backup is refused through the real command, with one clear message and nothing written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from factcheck import close_app, create_app, db
from factcheck.accounts import operations as accounts
from factcheck.accounts.models import User
from factcheck.backup import BackupError, export_backup, import_backup, tables
from factcheck.config import Config
from factcheck.migrate import upgrade
from tests.conftest import ApiClient
from tests.httpserver import HTTPTestServer, respond
from tests.images import image_bytes
from tests.publish.conftest import HOAX, OFFICIAL

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {t.name: connection.scalar(select(func.count()).select_from(t)) for t in tables()}
    finally:
        engine.dispose()


def test_a_backup_restores_into_a_fresh_instance(publish_claim, app, config, tmp_path):
    claim = publish_claim()
    backup = tmp_path / "backup"
    with app.app_context():
        manifest = export_backup(db.session(), config.archive_dir, backup)
    assert manifest["rows"]["claims"] == 1 and manifest["rows"]["events"] > 5
    assert manifest["files"] == len([p for p in config.archive_dir.rglob("*") if p.is_file()
                                     and p.parent.name != "cards"])

    fresh = tmp_path / "fresh"
    fresh_url = f"sqlite:///{fresh / 'restored.db'}"
    fresh.mkdir()
    upgrade(fresh_url)
    restored = create_app(config.replace(instance_dir=fresh, database_url=fresh_url, archive_dir=fresh / "archive",
                                         queue_url=f"sqlite:///{fresh / 'queue.db'}"))
    try:
        with restored.app_context():
            import_backup(db.session(), fresh / "archive", backup)
            db.commit()
        assert counts(fresh_url) == counts(config.database_url)
        client = restored.test_client()
        original_page = app.test_client().get(f"/fact-checks/{claim['rebuttal']['slug']}").get_data(as_text=True)
        restored_page = client.get(f"/fact-checks/{claim['rebuttal']['slug']}").get_data(as_text=True)
        without_csrf = re.compile(r'<meta name="csrf-token" content="[^"]*">')
        assert without_csrf.sub("", restored_page) == without_csrf.sub("", original_page)
        sha = claim["rebuttal"]["current"]["sources"][0]["sha256"]
        assert (fresh / "archive" / "blobs" / sha[:2] / sha[2:4] / sha).is_file()
        with restored.app_context():  # new rows continue after the restored ids
            next_id = db.session().execute(text("SELECT max(id) FROM claims")).scalar()
            assert next_id == claim["id"]
        with pytest.raises(BackupError, match="not empty"), restored.app_context():
            import_backup(db.session(), fresh / "archive", backup)
    finally:
        close_app(restored)


def test_a_damaged_blob_is_refused(make_claim, app, config, tmp_path):
    blob = config.archive_dir / "blobs" / "ab" / "cd"
    blob.mkdir(parents=True)
    (blob / ("abcd" + "0" * 60)).write_bytes(b"not what the name says")
    with app.app_context():
        export_backup(db.session(), config.archive_dir, tmp_path / "backup")
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(fresh_url)
    restored = create_app(config.replace(database_url=fresh_url, archive_dir=tmp_path / "fresh-archive"))
    try:
        with pytest.raises(BackupError, match="damaged"), restored.app_context():
            import_backup(db.session(), tmp_path / "fresh-archive", tmp_path / "backup")
    finally:
        close_app(restored)
    assert not (tmp_path / "fresh-archive").exists()


def test_the_commands_round_trip(make_claim, app, config, tmp_path):
    make_claim("exported by the command line")
    done = app.test_cli_runner().invoke(args=["export", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["rows"]["claims"] == 1
    again = app.test_cli_runner().invoke(args=["export", str(tmp_path / "out")])
    assert again.exit_code != 0 and "not empty" in again.output
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_app(config.replace(instance_dir=tmp_path / "fresh", database_url=fresh_url,
                                      archive_dir=tmp_path / "fresh" / "archive"))
    try:
        assert fresh.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
        restored = fresh.test_cli_runner().invoke(args=["import", str(tmp_path / "out")])
        assert restored.exit_code == 0, restored.output
    finally:
        close_app(fresh)
    assert counts(fresh_url)["claims"] == 1


# -- tampered backups ---------------------------------------------------------------------------
#
# One real backup is made per session (a published fact-check citing an archived page, a claim with
# a screenshot, a duplicate of it); each test copies it, tampers with the copy and imports it through
# the `factcheck import` command into the test's empty database (SQLite and PostgreSQL).


@pytest.fixture(scope="session")
def pristine_backup(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, password_hash: str) -> Path:
    """A backup of a desk that published a fact-check, made once through the real API and jobs."""
    folder = tmp_path_factory.mktemp("pristine")
    shutil.copyfile(sqlite_template, folder / "source.db")
    with HTTPTestServer() as site:
        site.route("/hoax", respond(HOAX.encode()))
        site.route("/rbi", respond(OFFICIAL.encode()))
        instance = folder / "instance"
        source = create_app(Config(
            instance_dir=instance, database_url=f"sqlite:///{folder / 'source.db'}", index_dir=instance / "index",
            archive_dir=instance / "archive", queue_url=f"sqlite:///{instance / 'queue.db'}",
            secret_key=uuid.uuid4().hex, public_url="https://factcheck.example.org", testing=True,
            fetch_allow=frozenset({site.allow_entry}), fetch_timeout=5.0))
        try:
            _publish_and_mark_a_duplicate(source, site, password_hash)
            with source.app_context():
                export_backup(db.session(), instance / "archive", folder / "backup")
        finally:
            close_app(source)
    return folder / "backup"


def _publish_and_mark_a_duplicate(app: Any, site: HTTPTestServer, password_hash: str) -> None:
    def client(role: str, name: str) -> ApiClient:
        with app.app_context():
            user = User(email=f"{name.lower()}@example.org", role=role, name=name, password_hash=password_hash)
            db.session().add(user)
            db.session().flush()
            _row, token = accounts.create_token(user, "tests")
            db.commit()
        return ApiClient(app.test_client(), token)

    volunteer, writer, reviewer = client("volunteer", "Vani"), client("reviewer", "Wasim"), client("reviewer", "Rita")
    run_jobs = app.extensions["factcheck.queue"].run_pending
    claim = volunteer.post_multipart("/api/claims", {
        "text": "सभी बैंक 10 दिन बंद रहेंगे", "urls": site.url("/hoax"), "platform": "whatsapp",
        "screenshot": (image_bytes("PNG", (40, 30)), "forward.png")}).json
    run_jobs()
    snapshot_id = volunteer.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]["id"]
    copy = volunteer.post("/api/claims", json={"text": "Banks shut for ten days!", "platform": "facebook"}).json
    steps = [
        (reviewer.post, f"/api/claims/{copy['id']}/transitions", {"to": "duplicate", "duplicate_of": claim["id"]}),
        (reviewer.post, f"/api/claims/{claim['id']}/transitions", {"to": "researching"}),
        (writer.put, f"/api/claims/{claim['id']}/rebuttal", {
            "headline": "बैंक 10 दिन बंद नहीं रहेंगे", "summary": "The viral message is false.",
            "body": "RBI has announced **no** closure.", "verdict": "False",
            "sources": [{"snapshot_id": snapshot_id}, {"url": site.url("/rbi")}]}),
        (writer.post, f"/api/claims/{claim['id']}/transitions", {"to": "in_review"}),
        (reviewer.post, f"/api/claims/{claim['id']}/reviews", {"decision": "approve"}),
        (reviewer.post, f"/api/claims/{claim['id']}/transitions", {"to": "published"}),
    ]
    for send, path, body in steps:
        answer = send(path, json=body)
        assert answer.status_code == 200, (path, answer.json)
        run_jobs()


@pytest.fixture
def backup(pristine_backup: Path, tmp_path: Path) -> Path:
    """A copy of the pristine backup, to tamper with."""
    copy = tmp_path / "backup"
    shutil.copytree(pristine_backup, copy, symlinks=True)
    return copy


@pytest.fixture
def archive(config: Any) -> Iterator[Callable[[], dict[str, Any]]]:
    """The target archive folder, holding a file of its own; returns a function listing it."""
    kept = config.archive_dir / "cards" / "kept.png"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"a share card the import must leave alone")

    def listing() -> dict[str, Any]:
        return {path.relative_to(config.archive_dir).as_posix(): path.read_bytes() if path.is_file() else "folder"
                for path in sorted(config.archive_dir.rglob("*"))}

    yield listing


def read_rows(backup: Path, table: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (backup / "tables" / f"{table}.jsonl").read_text().splitlines()]


def write_rows(backup: Path, table: str, rows: list[dict[str, Any]]) -> None:
    (backup / "tables" / f"{table}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))


def edit_manifest(backup: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest))


def blob_of(backup: Path, table: str, column: str = "sha256") -> Path:
    digest = next(row[column] for row in read_rows(backup, table) if row[column])
    return backup / "archive" / "blobs" / digest[:2] / digest[2:4] / digest


def refused(app: Any, config: Any, backup: Path, listing: Callable[[], dict[str, Any]], *expected: str) -> str:
    """Import ``backup`` with the command; assert a clean refusal naming ``expected`` that wrote nothing."""
    before = listing()
    result = app.test_cli_runner().invoke(args=["import", str(backup)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exc_info  # refused, not crashed
    assert "Traceback" not in result.output
    message = result.stderr
    assert message.startswith("Error: backup refused: ") and message.count("\n") == 1, message
    for words in expected:
        assert words in message
    assert set(counts(config.database_url).values()) == {0}
    assert listing() == before
    return message


def test_the_untouched_backup_imports_through_the_command(app, config, backup, archive, make_user):
    manifest = json.loads((backup / "manifest.json").read_text())
    result = app.test_cli_runner().invoke(args=["import", str(backup)])
    assert result.exit_code == 0, result.output
    assert counts(config.database_url) == manifest["rows"]
    assert make_user("volunteer").id == manifest["rows"]["users"] + 1  # ids continue after the restored ones
    assert manifest["rows"]["screenshots"] == 1 and manifest["files"] >= 3
    restored = archive()
    for path in (backup / "archive").rglob("*"):
        if path.is_file():
            assert restored[path.relative_to(backup / "archive").as_posix()] == path.read_bytes()
    assert restored["cards/kept.png"]


# -- what the folder holds


def test_a_symbolic_link_to_a_file_outside_is_refused(app, config, backup, archive, tmp_path):
    blob = blob_of(backup, "screenshots")
    outside = tmp_path / "outside"
    blob.rename(outside)  # the very content the name promises: only the link is wrong
    blob.symlink_to(outside)
    refused(app, config, backup, archive, f"{blob.relative_to(backup).as_posix()} is a symbolic link")


@pytest.mark.parametrize("folder", ["tables", "archive", "archive/blobs", "archive/warc"])
def test_a_symlinked_folder_is_refused(app, config, backup, archive, tmp_path, folder):
    real = tmp_path / "elsewhere"
    (backup / folder).rename(real)
    (backup / folder).symlink_to(real, target_is_directory=True)
    refused(app, config, backup, archive, f"{folder} is a symbolic link")


def test_a_special_file_is_refused(app, config, backup, archive):
    os.mkfifo(backup / "archive" / "warc" / "pipe.warc.gz")
    refused(app, config, backup, archive, "archive/warc/pipe.warc.gz is a special file")


@pytest.mark.parametrize(("path", "expected"), [
    ("notes.txt", "notes.txt is not part of a backup"),
    ("tables/passwords.jsonl", "tables/passwords.jsonl is not the file of a table"),
    ("tables/claims.json", "tables/claims.json is not the file of a table"),
    ("archive/cards/x.png", "archive/cards/ is not part of a backup"),
    ("archive/blobs/ab/cd/" + "ab" * 32, "is not named by the SHA-256 of a blob in its folders"),
    ("archive/blobs/ab/cd/.tmp-123", "is not named by the SHA-256"),
    ("archive/warc/.hidden.warc.gz", "archive/warc/.hidden.warc.gz is not a plain name"),
    ("archive/warc/evil\nname", r"archive/warc/evil\nname is not a plain name"),
    ("archive/warc/.." + "\\" + "escape", "is not a plain name"),
])
def test_a_file_out_of_place_is_refused(app, config, backup, archive, path, expected):
    target = backup / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"stray")
    refused(app, config, backup, archive, expected)


@pytest.mark.parametrize("name", ["../../../escape.warc.gz", "/etc/passwd", "0000/../../x.warc.gz",
                                  "C:\\Windows\\x.warc.gz", "0000//1.warc.gz", ""])
def test_a_warc_name_that_leaves_the_warc_folder_is_refused(app, config, backup, archive, name):
    rows = read_rows(backup, "snapshots")
    line = next(i for i, row in enumerate(rows, start=1) if row["warc_name"])
    rows[line - 1]["warc_name"] = name
    write_rows(backup, "snapshots", rows)
    refused(app, config, backup, archive, f"tables/snapshots.jsonl line {line}: warc_name", "is not a plain name")


# -- rows


def change(table: str, line: int, **values: Any) -> tuple[str, Callable[[list[dict[str, Any]]], None]]:
    def apply(rows: list[dict[str, Any]]) -> None:
        rows[line - 1].update(values)
    return table, apply


def drop(table: str, line: int, column: str) -> tuple[str, Callable[[list[dict[str, Any]]], None]]:
    return table, lambda rows: rows[line - 1].pop(column)


@pytest.mark.parametrize(("tamper", "expected"), [
    (change("claims", 1, id="1"), 'tables/claims.jsonl line 1: id should be an integer, not the string "1"'),
    (change("claims", 1, id=1.5), "tables/claims.jsonl line 1: id should be an integer, not a fractional number"),
    (change("claims", 1, id=2**40), "line 1: id is 1099511627776, out of the column's range"),
    (change("users", 2, active=1), "tables/users.jsonl line 2: active should be true or false, not the number 1"),
    (change("claims", 2, created_at="yesterday"), 'line 2: created_at is "yesterday", not a date and time'),
    (change("claims", 2, created_at=1700000000), "line 2: created_at should be a date and time"),
    (change("claims", 1, text=["a", "list"]), "line 1: text should be a string, not a list"),
    (change("claims", 1, platform="w" * 17), "line 1: platform is 17 characters long; the column holds at most 16"),
    (change("users", 1, name="n" * 121), "tables/users.jsonl line 1: name is 121 characters long"),
    (change("claims", 1, text="nul\x00byte"), "line 1: text holds a NUL character"),
    (change("claims", 1, text="\ud800"), "line 1: text holds text that is not valid Unicode"),
    (change("snapshots", 1, links=["\udfff"]), "tables/snapshots.jsonl line 1: links holds text that is not valid"),
    (drop("users", 1, "email"), "tables/users.jsonl line 1: email is missing, and the column may not be null"),
    (change("claims", 1, submitted_by_id=None), "line 1: submitted_by_id is null, and the column may not be null"),
    (change("events", 1, data=None), "tables/events.jsonl line 1: data is null"),
    (change("claims", 1, evil=1), 'tables/claims.jsonl line 1: "evil" is not a column of claims'),
    (change("claims", 1, submitted_by_id=999), "line 1: submitted_by_id 999 refers to no row of users"),
    (change("claims", 2, duplicate_of_id=999), "line 2: duplicate_of_id 999 refers to no row of claims"),
    (change("claims", 1, status="duplicate", duplicate_of_id=2), "lines 1, 2 refer to each other in a circle"),
    (change("revision_sources", 1, snapshot_id=999), "line 1: snapshot_id 999 refers to no row of snapshots"),
    (change("users", 2, email="vani@example.org"), "tables/users.jsonl line 2: email 'vani@example.org' appears "
                                                   "already on line 1"),
    (change("screenshots", 1, sha256="abc"), 'line 1: sha256 "abc" is not a SHA-256 digest'),
    (change("screenshots", 1, sha256="A" * 64), "is not a SHA-256 digest"),
    (change("screenshots", 1, sha256="0" * 64), f"tables/screenshots.jsonl line 1: sha256 {'0' * 64} has no blob"),
    (change("snapshots", 1, staged_sha256="../x"), "line 1: staged_sha256 \"../x\" is not a SHA-256 digest"),
    (change("snapshots", 1, warc_name="9999/9.warc.gz"), "warc_name 9999/9.warc.gz names a WARC file that"),
])
def test_a_row_that_breaks_the_rules_is_refused(app, config, backup, archive, tamper, expected):
    table, apply = tamper
    rows = read_rows(backup, table)
    apply(rows)
    write_rows(backup, table, rows)
    refused(app, config, backup, archive, expected)


def test_a_duplicate_id_is_refused(app, config, backup, archive):
    rows = read_rows(backup, "users")
    rows.append({**rows[0], "email": "another@example.org"})
    write_rows(backup, "users", rows)
    edit_manifest(backup, lambda manifest: manifest["rows"].update(users=len(rows)))
    refused(app, config, backup, archive, f"tables/users.jsonl line {len(rows)}: id 1 appears already on line 1")


def test_a_row_the_database_refuses_is_rolled_back(app, config, backup, archive):
    """Every check passes, but a CHECK constraint refuses the row: the rows before it go too."""
    rows = read_rows(backup, "claims")
    rows[0]["status"] = "bogus"
    write_rows(backup, "claims", rows)
    refused(app, config, backup, archive, "tables/claims.jsonl line 1: the database refused the row:", "status_known")


def test_a_failed_write_takes_back_the_files_already_copied(app, config, backup, archive):
    (config.archive_dir / "warc").write_bytes(b"a file where the WARC folder belongs")
    message = refused(app, config, backup, archive, "the archive's files cannot be written")
    assert "warc" in message
    assert not (config.archive_dir / "blobs").exists()


# -- files


def test_a_blob_whose_content_does_not_match_its_name_is_refused(app, config, backup, archive):
    blob = blob_of(backup, "snapshots")
    blob.write_bytes(blob.read_bytes() + b"<script>edited</script>")
    refused(app, config, backup, archive, f"{blob.relative_to(backup).as_posix()} is damaged: its content hashes to")


def test_a_row_whose_blob_is_missing_is_refused(app, config, backup, archive):
    blob = blob_of(backup, "screenshots")
    blob.unlink()
    edit_manifest(backup, lambda manifest: manifest.update(files=manifest["files"] - 1))
    # The screenshot's row, or the images feature's row of the same image: the first table read.
    refused(app, config, backup, archive, f".jsonl line 1: sha256 {blob.name} has no blob")


def test_a_row_whose_warc_is_missing_is_refused(app, config, backup, archive):
    row = next(row for row in read_rows(backup, "snapshots") if row["warc_name"])
    (backup / "archive" / "warc" / row["warc_name"]).unlink()
    edit_manifest(backup, lambda manifest: manifest.update(files=manifest["files"] - 1))
    refused(app, config, backup, archive, f"warc_name {row['warc_name']} names a WARC file that archive/warc does "
                                          "not hold")


def test_a_warc_file_already_in_the_archive_is_not_replaced(app, config, backup, archive):
    name = next(row["warc_name"] for row in read_rows(backup, "snapshots") if row["warc_name"])
    existing = config.archive_dir / "warc" / name
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"another capture")
    refused(app, config, backup, archive, f"warc/{name} exists already with other content")


# -- JSON Lines


def cut_last_line(data: bytes) -> bytes:
    """Lose the second half of the last line, as a copy cut short does."""
    return data[:len(data) - len(data.splitlines()[-1]) // 2 - 1]


@pytest.mark.parametrize(("table", "tamper", "expected"), [
    ("events", cut_last_line, "line {last}: is not valid JSON"),
    ("claims", lambda data: data + b"{\n", "tables/claims.jsonl line 3: is not valid JSON"),
    ("claims", lambda data: data + b"[1, 2]\n", "tables/claims.jsonl line 3: holds a list, not a JSON object"),
    ("claims", lambda data: data + b"\n", "tables/claims.jsonl line 3: is empty"),
    ("claims", lambda data: data.replace(b'"id": 1,', b'"id": NaN,', 1), "line 1: is not valid JSON (NaN"),
    ("claims", lambda data: data.replace(b'"id": 1,', b'"id": 1, "id": 5,', 1),
     'tables/claims.jsonl line 1: is not valid JSON (the key "id" appears twice)'),
    ("claims", lambda data: b"\xff\xfe" + data, "tables/claims.jsonl line 1: is not UTF-8 text"),
    ("snapshots", lambda data: data.replace(b'"redirects": []', b'"redirects": [1e999]', 1),
     "tables/snapshots.jsonl line 1: redirects holds a number too large for JSON"),
    ("claims", lambda data: b"[" * 100_000 + b"\n" + data, "tables/claims.jsonl line 1: is not valid JSON"),
])
def test_lines_that_are_not_json_objects_are_refused(app, config, backup, archive, table, tamper, expected):
    path = backup / "tables" / f"{table}.jsonl"
    last = len(path.read_bytes().splitlines())
    path.write_bytes(tamper(path.read_bytes()))
    refused(app, config, backup, archive, expected.format(last=last))


# -- the manifest


@pytest.mark.parametrize(("tamper", "expected"), [
    (lambda m: m.pop("rows"), 'manifest.json: the field "rows" is missing'),
    (lambda m: m.pop("format"), 'manifest.json: the field "format" is missing'),
    (lambda m: m.update(rows="3"), 'manifest.json: "rows" should be an object of table names and row counts, '
                                   'not the string "3"'),
    (lambda m: m.update(files="7"), 'manifest.json: "files" should be a whole number, not the string "7"'),
    (lambda m: m.update(files=True), '"files" should be a whole number, not true'),
    (lambda m: m.update(files=-1), '"files" should be a whole number, not negative'),
    (lambda m: m.update(revision=None), '"revision" should be a string, not null'),
    (lambda m: m.update(created_at="soon"), '"created_at" should be a date and time (ISO 8601), not "soon"'),
    (lambda m: m.update(format="something-else/1"), 'the format is "something-else/1", not factcheck-backup/1'),
    (lambda m: m.update(revision="0000"), "the backup is at migration 0000, the database at"),
    (lambda m: m["rows"].update(passwords=1), '"rows" names "passwords", which is not a table'),
    (lambda m: m["rows"].update(claims="2"), 'the row count of claims should be a whole number, not the string "2"'),
    (lambda m: m["rows"].pop("claims"), "manifest.json gives no row count for claims"),
    (lambda m: m["rows"].update(claims=3), "manifest.json says claims has 3 rows; tables/claims.jsonl has 2"),
    (lambda m: m.update(files=m["files"] + 1), "manifest.json says the archive holds"),
])
def test_a_manifest_with_wrong_fields_is_refused(app, config, backup, archive, tamper, expected):
    edit_manifest(backup, tamper)
    refused(app, config, backup, archive, expected)


@pytest.mark.parametrize(("content", "expected"), [
    (b"[]", "manifest.json holds a list, not a JSON object"),
    (b'{"format": ', "manifest.json: is not valid JSON"),
    (b"", "manifest.json: is empty"),
    (None, "manifest.json is missing"),
])
def test_a_manifest_that_is_not_an_object_is_refused(app, config, backup, archive, content, expected):
    if content is None:
        (backup / "manifest.json").unlink()
    else:
        (backup / "manifest.json").write_bytes(content)
    refused(app, config, backup, archive, expected)


def test_a_missing_table_file_is_refused(app, config, backup, archive):
    (backup / "tables" / "events.jsonl").unlink()
    refused(app, config, backup, archive, "tables/events.jsonl is missing")


# -- the console script


def test_the_console_script_refuses_a_tampered_backup_without_a_traceback(app, config, backup, archive, tmp_path):
    blob = blob_of(backup, "snapshots")
    outside = tmp_path / "outside"
    blob.rename(outside)
    blob.symlink_to(outside)
    before = archive()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_ARCHIVE_DIR": str(config.archive_dir)}
    done = subprocess.run([FACTCHECK, "import", str(backup)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr == (f"Error: backup refused: {blob.relative_to(backup).as_posix()} is a symbolic link: "
                           "a backup holds only regular files and folders\n")
    assert set(counts(config.database_url).values()) == {0}
    assert archive() == before
