"""Archiving end to end: filing a claim queues captures; jobs fetch from a real loopback server,
store the body once by SHA-256 with a WARC record, extract text and metadata, and record
failures with their kind. Idempotent, and safe against a run that died halfway."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from factcheck import db
from factcheck.archive.capture import Archive, capture, request_capture
from factcheck.archive.fetch import FetchPolicy
from factcheck.archive.models import Snapshot
from tests.httpserver import png_bytes, respond

ARTICLE = """<!doctype html><html lang="hi"><head><meta charset="utf-8">
<title>कल से बैंक बंद: सच क्या है</title>
<meta property="og:title" content="बैंक बंद होने का दावा">
<meta property="og:description" content="दावे की जाँच">
<link rel="canonical" href="/articles/banks">
<script>document.cookie = "stolen"</script>
</head><body><nav>Home | News</nav><article>
<h1>कल से बैंक बंद: सच क्या है</h1>
<p>सोशल मीडिया पर दावा किया जा रहा है कि कल से सभी बैंक दस दिनों तक बंद रहेंगे। भारतीय रिज़र्व बैंक ने
ऐसी कोई घोषणा नहीं की है और बैंक सामान्य रूप से खुले रहेंगे।</p>
<p>रिज़र्व बैंक की वेबसाइट पर छुट्टियों की सूची देखी जा सकती है। इस सूची में लगातार दस दिन की कोई छुट्टी नहीं है।</p>
<p><a href="https://rbi.org.in/holidays">छुट्टियों की सूची</a></p>
</article></body></html>"""


def file_claim(api, *urls: str) -> dict:
    response = api.post("/api/claims", json={"text": "check these links", "urls": list(urls), "platform": "web"})
    assert response.status_code == 201, response.json
    return response.json


def snapshots_of(app) -> list[Snapshot]:
    with app.app_context():
        return list(db.session().scalars(select(Snapshot).order_by(Snapshot.id)))


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def api(api_client, make_user):
    return api_client(make_user("reviewer"))


def test_filing_a_claim_archives_its_links(app, site, api, run_jobs, config):
    site.route("/banks", respond(ARTICLE.encode(), content_type="text/html; charset=utf-8"))
    site.route("/flyer.png", respond(png_bytes(4, 3), content_type="image/png"))
    claim = file_claim(api, site.url("/banks"), site.url("/flyer.png"))
    pending = api.get(f"/api/claims/{claim['id']}").json["sources"]
    assert [s["snapshots"][0]["state"] for s in pending] == ["pending", "pending"]

    run_jobs()

    sources = api.get(f"/api/claims/{claim['id']}").json["sources"]
    page, image = sources[0]["snapshots"][0], sources[1]["snapshots"][0]
    assert page["state"] == image["state"] == "archived"
    assert page["sha256"] == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert image["sha256"] == hashlib.sha256(png_bytes(4, 3)).hexdigest()
    assert (page["content_type"], image["content_type"]) == ("text/html", "image/png")

    detail = api.get(page["page"].replace("/snapshots/", "/api/snapshots/")).json
    assert detail["title"] == "कल से बैंक बंद: सच क्या है"
    assert "भारतीय रिज़र्व बैंक" in detail["main_text"]
    assert "Home | News" not in detail["main_text"]
    assert detail["og_title"] == "बैंक बंद होने का दावा"
    assert detail["canonical_url"] == site.url("/articles/banks")
    assert detail["language"] == "hi"
    assert "https://rbi.org.in/holidays" in detail["links"]

    blobs = Archive.at(config.archive_dir).blobs
    assert blobs.read(page["sha256"]) == ARTICLE.encode()
    events = api.get(f"/api/claims/{claim['id']}").json["events"]
    assert [e["kind"] for e in events].count("snapshot_archived") == 2


def test_the_warc_holds_the_request_and_response(app, site, api, run_jobs, config):
    site.route("/page", respond(ARTICLE.encode(), content_type="text/html; charset=utf-8"))
    file_claim(api, site.url("/page"))
    run_jobs()
    snapshot = snapshots_of(app)[0]
    records, bodies = {}, {}
    with (config.archive_dir / "warc" / snapshot.warc_name).open("rb") as stream:
        for record in ArchiveIterator(stream):
            records[record.rec_type] = record
            bodies[record.rec_type] = record.content_stream().read()
    assert set(records) == {"warcinfo", "request", "response", "metadata"}
    response = records["response"]
    assert response.rec_headers.get_header("WARC-Target-URI") == site.url("/page")
    assert response.http_headers.get_statuscode() == "200"
    assert bodies["response"] == ARTICLE.encode()
    assert records["request"].http_headers.get_header("User-Agent").startswith("FactcheckWorkbench")
    assert (records["request"].rec_headers.get_header("WARC-Concurrent-To")
            == response.rec_headers.get_header("WARC-Record-ID"))
    assert json.loads(bodies["metadata"])["sha256"] == snapshot.sha256


def test_the_same_body_twice_is_two_snapshots_and_one_blob(app, site, api, run_jobs, config):
    site.route("/same", respond(b"<html><body><p>Unchanged page</p></body></html>"))
    claim = file_claim(api, site.url("/same"))
    run_jobs()
    source_id = claim["sources"][0]["id"]
    again = api.post(f"/api/sources/{source_id}/snapshots")
    assert again.status_code == 202 and again.json["state"] == "pending"
    run_jobs()
    first, second = snapshots_of(app)
    assert first.sha256 == second.sha256 and first.id != second.id
    assert len(files_under(config.archive_dir / "blobs")) == 1
    assert len(files_under(config.archive_dir / "warc")) == 2


def test_a_job_that_runs_twice_leaves_one_snapshot(app, site, api, run_jobs, config):
    site.route("/once", respond(b"<p>once</p>"))
    file_claim(api, site.url("/once"))
    snapshot_id = snapshots_of(app)[0].id
    queue = app.extensions["factcheck.queue"]
    queue.enqueue("archive.capture", snapshot_id)  # a duplicate delivery
    run_jobs()
    assert len(snapshots_of(app)) == 1
    assert site.connection_count() == 1
    assert len(files_under(config.archive_dir / "warc")) == 1


def test_a_run_that_died_after_writing_leaves_no_orphans(app, site, config):
    """A run killed between writing its blob and committing: the next run removes what it left."""
    site.route("/story", respond(b"<p>the story as it is now</p>"))
    archive = Archive.at(config.archive_dir)
    with app.test_request_context():
        snapshot = request_capture(site.url("/story"))
        db.commit()
        orphan = b"<p>the story as the dead run saw it</p>"
        sha256, _size = archive.blobs.put(orphan)
        snapshot.staged_sha256 = sha256
        db.commit()
        warc_file = config.archive_dir / "warc" / "0000" / f"{snapshot.id}.warc.gz"
        warc_file.parent.mkdir(parents=True)
        warc_file.write_bytes(b"half a warc")

        result = capture(snapshot.id, FetchPolicy.from_config(app.config["FACTCHECK"]), archive)

    assert result is not None and result.state == "archived"
    assert not archive.blobs.exists(sha256)
    assert archive.blobs.read(result.sha256) == b"<p>the story as it is now</p>"
    assert [p.name for p in files_under(config.archive_dir / "blobs")] == [result.sha256]
    with warc_file.open("rb") as stream:
        assert any(r.rec_type == "response" for r in ArchiveIterator(stream))


def test_not_found_is_a_failed_snapshot_with_its_status(app, site, api, run_jobs):
    site.route("/gone", respond(b"deleted", status=404))
    claim = file_claim(api, site.url("/gone"))
    run_jobs()
    snapshot = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    assert (snapshot["state"], snapshot["error_kind"], snapshot["http_status"]) == ("failed", "http_error", 404)
    assert snapshot["attempts"] == 1


def test_server_errors_are_retried_three_times_then_fail(app, site, api, run_jobs):
    site.route("/flaky", respond(b"busy", status=503))
    claim = file_claim(api, site.url("/flaky"))
    run_jobs()
    first = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    assert (first["state"], first["attempts"]) == ("pending", 1)
    run_jobs(scheduled=True)
    final = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    assert (final["state"], final["error_kind"], final["attempts"]) == ("failed", "http_error", 3)
    assert sum(1 for r in site.requests if r.path == "/flaky") == 3


def test_a_transient_error_that_clears_is_archived(app, site, api, run_jobs):
    answers = iter([respond(b"down", status=503), respond(b"<p>back up</p>")])
    site.route("/recovers", lambda request, channel: next(answers)(request, channel))
    claim = file_claim(api, site.url("/recovers"))
    run_jobs(scheduled=True)
    final = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    assert (final["state"], final["attempts"]) == ("archived", 2)


def test_a_link_to_our_own_network_is_refused_without_connecting(app, site, http_server, api, run_jobs):
    other = http_server()  # on loopback, but not in FACTCHECK_FETCH_ALLOW
    claim = file_claim(api, other.url("/admin"))
    run_jobs()
    snapshot = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    assert (snapshot["state"], snapshot["error_kind"]) == ("failed", "blocked_address")
    assert other.connection_count() == 0


def test_archived_html_never_runs_in_the_app_origin(app, site, api, browser, make_user, run_jobs):
    payload = b"<html><head><title>t</title></head><body><script>alert('pwned')</script><p>Body text</p></body></html>"
    site.route("/evil", respond(payload))
    claim = file_claim(api, site.url("/evil"))
    run_jobs()
    snapshot = api.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]
    reviewer = browser(make_user("reviewer"))
    page = reviewer.get(snapshot["page"]).get_data(as_text=True)
    assert "<script>alert" not in page
    assert '<iframe class="replay" sandbox src="' in page
    replay_path = page.split('<iframe class="replay" sandbox src="')[1].split('"')[0]

    replay = reviewer.get(replay_path.replace("&amp;", "&"))
    assert replay.status_code == 200
    assert b"<script" not in replay.data and b"Body text" in replay.data
    assert replay.headers["Content-Security-Policy"].startswith(
        "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    assert "allow-same-origin" not in page

    with reviewer.get(snapshot["raw"]) as raw:
        assert raw.data == payload
        assert raw.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in raw.headers["Content-Security-Policy"]
        assert raw.headers["X-Content-Type-Options"] == "nosniff"

    for path in ("/claims/mine", f"/claims/{claim['id']}", "/claims"):
        assert "<script>alert" not in reviewer.get(path).get_data(as_text=True)
    assert reviewer.get(replay_path.replace("&amp;", "&")[:-3] + "xyz").status_code == 404


def test_volunteers_see_only_snapshots_of_their_claims(app, site, api_client, make_user, run_jobs):
    site.route("/p", respond(b"<p>x</p>"))
    owner, stranger = make_user("volunteer"), make_user("volunteer")
    claim = file_claim(api_client(owner), site.url("/p"))
    run_jobs()
    snapshot_id = snapshots_of(app)[0].id
    assert api_client(owner).get(f"/api/snapshots/{snapshot_id}").status_code == 200
    assert api_client(stranger).get(f"/api/snapshots/{snapshot_id}").status_code == 404
    assert api_client(owner).post(f"/api/sources/{claim['sources'][0]['id']}/snapshots").status_code == 403


def test_stalled_captures_are_found_again(app, site, api, config):
    from factcheck.archive.tasks import requeue_stalled

    site.route("/lost", respond(b"<p>lost job</p>"))
    file_claim(api, site.url("/lost"))
    queue = app.extensions["factcheck.queue"]
    queue.huey.flush()  # the queued job is lost, as with a Redis that restarted
    with app.app_context():
        assert requeue_stalled(queue, grace=0) == 1
    queue.run_pending()
    assert snapshots_of(app)[0].state == "archived"
    with app.app_context():
        assert requeue_stalled(queue, grace=0) == 0


def test_the_archive_command_prints_the_snapshot(app, site, config, tmp_path):
    import os
    import subprocess
    import sys

    site.route("/cli", respond(ARTICLE.encode()))
    site.route("/cli-gone", respond(b"", status=410))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_QUEUE_URL": config.queue_url, "FACTCHECK_FETCH_ALLOW": site.allow_entry}
    factcheck = str(Path(sys.executable).with_name("factcheck"))
    done = subprocess.run([factcheck, "archive", site.url("/cli")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    snapshot = json.loads(done.stdout)
    assert snapshot["state"] == "archived" and snapshot["title"] == "कल से बैंक बंद: सच क्या है"
    assert "भारतीय रिज़र्व बैंक" in snapshot["main_text"]
    failed = subprocess.run([factcheck, "archive", site.url("/cli-gone")], env=env, capture_output=True,
                            text=True, timeout=120)
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["error_kind"] == "http_error"
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Snapshot)) == 2
