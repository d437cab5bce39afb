"""export / import: a complete backup restores into a fresh instance, rows, ids, files and all."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, func, select, text

from factcheck import create_app, db
from factcheck.backup import BackupError, export_backup, import_backup, tables
from factcheck.migrate import upgrade


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
        restored.extensions[db.EXTENSION_KEY].dispose()


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
        restored.extensions[db.EXTENSION_KEY].dispose()


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
        fresh.extensions[db.EXTENSION_KEY].dispose()
    assert counts(fresh_url)["claims"] == 1
