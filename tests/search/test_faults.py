"""Faults around the index in a running app: its folder deleted while serving, two reindex runs
at once, and ``/healthz`` telling a sound index from a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from factcheck.search import service
from factcheck.search.engine import exclusive

GENERATION_PREFIX = "gen-"

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))
NOTICE = "The search index is being rebuilt from the database"


@pytest.fixture
def filed(make_user, make_claim, run_jobs):
    reviewer = make_user("reviewer")
    claims = [make_claim(f"Rumour {n} about the vaccine microchip", by=reviewer) for n in range(3)]
    published = make_claim("The vaccine microchip story, debunked", status="published", draft_by=reviewer,
                           headline="No microchip in the vaccine")
    run_jobs(scheduled=True)
    return {"reviewer": reviewer, "claims": claims, "published": published}


def index_of(app):
    return app.extensions[service.EXTENSION_KEY]["index"]


def cli_env(config) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
            "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
            "FACTCHECK_INDEX_DIR": str(config.index_dir)}


def generations(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX))


def test_the_index_folder_deleted_while_serving_answers_with_a_notice_rebuilds_and_catches_up(
    filed, app, api_client, browser, make_user, make_claim, run_jobs, config
):
    staff_user = make_user("staff")
    staff, page = api_client(staff_user), browser(staff_user)
    before = staff.get("/api/search?q=microchip").json
    assert before["total"] == 5 and "notice" not in before  # 4 claims and the fact-check
    shutil.rmtree(config.index_dir)

    html = page.get("/search?q=microchip").get_data(as_text=True)  # answers at once, saying why
    assert NOTICE in html and 'id="no-results"' not in html
    late = make_claim("A new microchip rumour filed during the rebuild", by=filed["reviewer"])
    assert index_of(app).wait_for_rebuild(timeout=60)
    assert staff.get("/healthz").json["checks"]["index"]["ok"] is True

    run_jobs(scheduled=True)  # the outbox's sync catches up with what was filed meanwhile
    after = staff.get("/api/search?q=microchip&per_page=50").json
    assert "notice" not in after
    assert after["total"] == 6
    assert late.id in {r["id"] for r in after["results"] if r["kind"] == "claim"}
    assert NOTICE not in page.get("/search?q=microchip").get_data(as_text=True)
    anonymous = api_client(None).get("/api/search?q=microchip").json
    assert [r["kind"] for r in anonymous["results"]] == ["factcheck"]


def test_a_second_reindex_refuses_clearly_and_the_index_stays_sound(filed, app, api_client, make_user, config):
    staff = api_client(make_user("staff"))
    assert staff.get("/api/search?q=microchip").json["total"] == 5
    index_of(app).close()
    app.extensions[service.EXTENSION_KEY]["index"] = None
    inside, release, outcome = threading.Event(), threading.Event(), {}

    def first() -> None:
        def progress(count: int) -> None:
            if count:  # the last call: the new generation is built, not yet swapped in
                inside.set()
                assert release.wait(60)

        with app.app_context():
            outcome["count"] = service.reindex(progress)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(60)
        with app.app_context(), pytest.raises(service.ReindexRunning):
            service.reindex()  # another thread of this process
        second = subprocess.run([FACTCHECK, "reindex"], env=cli_env(config), capture_output=True, text=True,
                                timeout=120)  # and another process
        assert second.returncode == 1
        assert "another reindex" in second.stderr and "not starting a second one" in second.stderr
        assert "Indexed" not in second.stdout
    finally:
        release.set()
        thread.join(60)
    assert outcome["count"] == 5
    assert len(generations(config.index_dir)) == 1
    assert staff.get("/api/search?q=microchip").json["total"] == 5
    with app.app_context():
        assert service.reindex() == 5  # the lock was let go


def test_a_reindex_lock_held_elsewhere_is_reported_not_waited_for(filed, config):
    with exclusive(config.index_dir, service.REINDEX_LOCK) as held:
        assert held
        with exclusive(config.index_dir, service.REINDEX_LOCK) as again:
            assert not again


def test_healthz_reports_the_index_and_its_outbox(filed, app, client, make_claim, config):
    healthy = client.get("/healthz")
    assert healthy.status_code == 200, healthy.json
    index = healthy.json["checks"]["index"]
    assert (index["ok"], index["documents"], index["error"]) == (True, 5, None)
    assert index["outbox"] == {"waiting": 0, "oldest_seconds": None}

    make_claim("waiting in the outbox")  # committed, its sync not run
    lag = client.get("/healthz").json["checks"]["index"]["outbox"]
    assert lag["waiting"] == 1 and lag["oldest_seconds"] is not None

    [generation] = generations(config.index_dir)
    for path in (config.index_dir / generation).iterdir():
        if path.suffix in (".toc", ".seg"):
            path.write_bytes(b"garbage")
    broken = client.get("/healthz")
    assert broken.status_code == 503
    assert broken.json["checks"]["index"]["ok"] is False and broken.json["checks"]["index"]["error"]
