"""The archive's disk fills up while a capture is stored: the capture says so, leaves nothing
half-written (no temporary or orphaned blob, no WARC file, no snapshot pointing at a missing file)
and is tried again later, succeeding once there is room.

Two real ways to run out of room, neither a mock: a file-size limit (``RLIMIT_FSIZE``: writes past
it fail with EFBIG; any user may lower and raise again their own soft limit), and, when the tests
run as root, a small tmpfs mounted as the archive folder (ENOSPC), grown again with a remount.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from factcheck import close_app, create_app, db
from factcheck.accounts import operations as accounts
from factcheck.accounts.models import User
from factcheck.archive.capture import STORAGE_RETRY_DELAY, request_capture
from factcheck.archive.labels import capture_state
from factcheck.archive.models import Snapshot
from factcheck.archive.store import current_archive
from factcheck.claims.models import Claim
from tests.httpserver import HTTPTestServer, respond
from tests.images import image_bytes

KIB = 1024
MOUNT, UMOUNT = shutil.which("mount"), shutil.which("umount")


def pdf(size: int) -> bytes:
    """A body that neither compresses nor gets extracted: archived as it is."""
    return b"%PDF-1.4\n" + os.urandom(size)


def ask_capture(app: Any, url: str) -> int:
    with app.app_context():
        snapshot = request_capture(url)
        db.commit()
        return snapshot.id


def snapshot_row(app: Any, snapshot_id: int) -> Snapshot:
    with app.test_request_context():
        snapshot = db.session().get(Snapshot, snapshot_id)
        assert snapshot is not None
        db.session().expunge(snapshot)
        return snapshot


def state_text(app: Any, snapshot_id: int) -> str:
    with app.test_request_context():
        return capture_state(db.session().get(Snapshot, snapshot_id))  # type: ignore[arg-type]


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def archive_files(app: Any) -> list[Path]:
    """Every file in the blob store and the WARC folder (temporary ones included)."""
    with app.app_context():
        archive = current_archive()
        return files_under(archive.blobs.root) + files_under(archive.warc_dir)


def assert_waits_for_room(app: Any, snapshot_id: int, problem: str) -> None:
    """The capture is pending, says why, has used none of its attempts and nothing is on disk."""
    snapshot = snapshot_row(app, snapshot_id)
    assert snapshot.state == "pending"
    assert snapshot.error_message.startswith(f"storage: {problem}: ")
    assert snapshot.sha256 is None and snapshot.warc_name is None and snapshot.staged_sha256 is None
    assert snapshot.lease_token is None and snapshot.attempts == 0
    assert archive_files(app) == []
    queue = app.extensions["factcheck.queue"]
    assert queue.huey.scheduled_count() == 1  # the retry, STORAGE_RETRY_DELAY seconds on
    assert "tried again" in state_text(app, snapshot_id)


def assert_archived(app: Any, snapshot_id: int, body: bytes) -> None:
    snapshot = snapshot_row(app, snapshot_id)
    assert snapshot.state == "archived", snapshot.error_message
    assert snapshot.error_message == "" and snapshot.attempts == 1
    with app.app_context():
        archive = current_archive()
        assert archive.blobs.read(snapshot.sha256 or "") == body
        assert (archive.warc_dir / (snapshot.warc_name or "")).is_file()
        assert not [p for p in archive_files(app) if p.name.startswith(".tmp-")]


@contextmanager
def file_size_limit(max_bytes: int) -> Iterator[None]:
    """Lower this process's soft RLIMIT_FSIZE (writes past it fail with EFBIG instead of the
    default SIGXFSZ, which is ignored meanwhile), then raise it back."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_capture_too_large_to_write_leaves_nothing_and_is_retried(app, site, run_jobs):
    body = pdf(1536 * KIB)  # larger than the limit below; the database files stay well under it
    site.route("/report.pdf", respond(body, content_type="application/pdf"))
    snapshot_id = ask_capture(app, site.url("/report.pdf"))

    with file_size_limit(1024 * KIB):
        run_jobs()
    assert_waits_for_room(app, snapshot_id, "error")

    run_jobs(scheduled=True)  # the retry, once files may be large again
    assert_archived(app, snapshot_id, body)


# -- a real full disk (root only) -----------------------------------------------------------------


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[None]:
    """A tmpfs of ``size`` mounted at ``path`` (skips when mounting is not permitted)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the RLIMIT_FSIZE test covers the same code")
    if not (MOUNT and UMOUNT):
        pytest.skip("mount and umount are not installed")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run([MOUNT, "-t", "tmpfs", "-o", f"size={size},mode=0700", "factcheck-test", str(path)],
                             capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([UMOUNT, "--lazy", str(path)], capture_output=True, timeout=30)


def resize(path: Path, size: str) -> None:
    assert MOUNT
    resized = subprocess.run([MOUNT, "-o", f"remount,size={size}", str(path)], capture_output=True, text=True,
                             timeout=30)
    assert resized.returncode == 0, resized.stderr


@pytest.fixture
def full_disk_app(config: Any, site: HTTPTestServer, tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """An app whose archive folder is a 400 KiB tmpfs (room for a 300 KiB body, not also its WARC)."""
    folder = tmp_path / "small-disk"
    with small_disk(folder, "400k"):
        application = create_app(config.replace(archive_dir=folder, fetch_allow=frozenset({site.allow_entry}),
                                                fetch_timeout=5.0))
        try:
            yield application, folder
        finally:
            close_app(application)


@pytest.mark.parametrize("room", ["none", "for the body only"])
def test_a_full_disk_leaves_nothing_half_written_and_the_capture_succeeds_once_there_is_room(
        full_disk_app, site, room):
    app, folder = full_disk_app
    body = pdf(300 * KIB)
    site.route("/big.pdf", respond(body, content_type="application/pdf"))
    if room == "none":  # the blob itself does not fit
        filler = folder / "filler"
        filler.write_bytes(b"\0" * 200 * KIB)
    snapshot_id = ask_capture(app, site.url("/big.pdf"))
    queue = app.extensions["factcheck.queue"]

    queue.run_pending()
    if room == "none":
        filler.unlink()
    assert_waits_for_room(app, snapshot_id, "full")

    resize(folder, "4m")
    queue.run_pending(scheduled=True)
    assert_archived(app, snapshot_id, body)
    assert STORAGE_RETRY_DELAY >= 60  # a full disk is not emptied in seconds: no retry storm


def test_the_archive_command_says_when_it_could_not_store_and_does_not_wait(app, site):
    body = pdf(1536 * KIB)
    site.route("/big.pdf", respond(body, content_type="application/pdf"))
    with file_size_limit(1024 * KIB):
        result = app.test_cli_runner().invoke(args=["archive", site.url("/big.pdf")])
    assert result.exit_code == 1
    assert "could not store the capture (storage: error: " in result.stderr
    assert '"state": "pending"' in result.stdout
    assert archive_files(app) == []


def test_a_screenshot_filed_while_the_disk_is_full_is_a_clear_503_and_files_nothing(full_disk_app):
    app, folder = full_disk_app
    (folder / "filler").write_bytes(b"\0" * 399 * KIB)
    with app.app_context():
        user = User(email="volunteer@example.org", role="volunteer", password_hash="x", name="Volunteer")
        db.session().add(user)
        db.session().flush()
        _row, token = accounts.create_token(user, "tests")
        db.commit()
    photo = image_bytes("PNG", size=(400, 400))
    answer = app.test_client().post("/api/claims", headers={"Authorization": f"Bearer {token}"}, data={
        "text": "a photo of the flood", "platform": "whatsapp", "screenshot": (io.BytesIO(photo), "a.png")})
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.json["error"] == "unavailable" and "storage is full" in answer.json["message"]
    assert int(answer.headers["Retry-After"]) >= 60
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Claim)) == 0
