"""Archive benchmark: all 181 pages of pages-zyte, served from a local server, archived end to end
through the queue by the in-process worker (as `factcheck serve` runs it).

Run on demand: .venv/bin/python bench/archive.py [--workers 3] [--pages 181] [--corpus DIR]
Prints pages/s on an honest clock: from the worker's start (the extraction processes' warm-up
included, as a server's first captures pay it) until every page is captured, its images hashed
and read, *and searchable*; the
rate to the last capture committed for comparison; the median and p95 per-page time split into
fetch / extract / store, peak RSS, and the word-level F1 of the extracted text against
ground-truth.json.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import logging
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, or_, select

from factcheck import create_app, db
from factcheck.accounts.models import User
from factcheck.archive import extract_pool
from factcheck.archive.models import Snapshot, State
from factcheck.archive.quality import word_f1
from factcheck.audit import Event
from factcheck.claims.operations import ClaimInput, file_claim
from factcheck.config import PROJECT_ROOT, Config
from factcheck.images.models import Image, OcrState
from factcheck.jobs import BackgroundWorker, queue_of
from factcheck.migrate import upgrade
from factcheck.search.models import IndexRequest
from tests.httpserver import stay_on_loopback

CORPUS = PROJECT_ROOT.parent / "shared" / "corpus" / "pages-zyte"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Timings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.rows: list[dict[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        timings = getattr(record, "capture_timings", None)
        if timings:
            self.rows.append(timings)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _all_settled(app) -> bool:
    """No capture pending, no job queued, no image waiting to be hashed or read, nothing left to
    index."""
    session = db.session()
    pending = session.scalar(select(func.count()).select_from(Snapshot).where(Snapshot.state == State.PENDING.value))
    images = session.scalar(select(func.count()).select_from(Image).where(
        or_(Image.hashed_at.is_(None), Image.ocr_state == OcrState.PENDING.value)))
    outbox = session.scalar(select(func.count()).select_from(IndexRequest))
    db.rollback()
    return not pending and not images and not outbox and queue_of(app).waiting() == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3, help="in-process worker threads")
    parser.add_argument("--pages", type=int, default=181)
    parser.add_argument("--extract-processes", type=int, default=None,
                        help="FACTCHECK_EXTRACT_PROCESSES (default: one less than the cores)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the pages-zyte folder of the shared corpus")
    args = parser.parse_args()
    stay_on_loopback()  # names beyond loopback do not resolve: a job never leaves the machine
    corpus = args.corpus
    if not corpus.is_dir():
        sys.exit(f"the corpus is absent: {corpus}")
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    page_ids = sorted(truth)[: args.pages]

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(corpus / "html")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]

    timings = _Timings()
    logging.getLogger("factcheck.archive.capture").addHandler(timings)
    logging.getLogger("factcheck.archive.capture").setLevel(logging.DEBUG)

    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as folder:
        instance = Path(folder)
        database = f"sqlite:///{instance / 'factcheck.db'}"
        upgrade(database)
        config = Config(instance_dir=instance, database_url=database, index_dir=instance / "index",
                        archive_dir=instance / "archive", queue_url=f"sqlite:///{instance / 'queue.db'}",
                        secret_key="bench", fetch_allow=frozenset({f"{host}:{port}"}),
                        extract_processes=args.extract_processes)
        app = create_app(config)
        with app.app_context():
            user = User(email="bench@example.org", role="reviewer", password_hash="x")
            db.session().add(user)
            db.commit()

        # The clock starts with the worker: the extraction processes' start (a server's first
        # captures wait for it too) counts.
        started = time.perf_counter()
        started_at = db.utcnow()
        worker = BackgroundWorker(app.extensions["factcheck.queue"], workers=args.workers)
        worker.start()
        with app.test_request_context():
            for start in range(0, len(page_ids), 10):
                urls = tuple(f"http://{host}:{port}/{page_id}.html" for page_id in page_ids[start:start + 10])
                file_claim(db.session().merge(user), ClaimInput(urls=urls, platform="web"),
                           app.extensions["factcheck.archive"].blobs)
                db.commit()
        filed = time.perf_counter()
        with app.app_context():
            # Done when every capture ended, its follow-up jobs (images fetched, hashed and read)
            # ran and the index holds it all; twice in a row, since a job being run shows nowhere.
            settled = 0
            while settled < 2:
                settled = settled + 1 if _all_settled(app) else 0
                time.sleep(0.05)
            indexed = time.perf_counter() - started
            # When the last capture committed (this poll may lag behind a busy worker).
            last = db.session().scalar(select(func.max(Event.created_at))
                                       .where(Event.kind.in_(("snapshot_archived", "snapshot_failed"))))
        elapsed = (last - started_at).total_seconds()
        worker.stop()

        with app.app_context():
            snapshots = db.session().scalars(select(Snapshot).order_by(Snapshot.id)).all()
        archived = [s for s in snapshots if s.state == State.ARCHIVED.value]
        scores = [word_f1(s.main_text, truth[Path(s.url).stem]["articleBody"]) for s in archived]
        app.extensions[db.EXTENSION_KEY].dispose()
    server.shutdown()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    extract_pool.shutdown()
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"pages: {len(snapshots)} filed in {filed - started:.2f} s, {len(archived)} archived, "
          f"{len(snapshots) - len(archived)} failed")
    print(f"until all captured, read and searchable: {indexed:.2f} s = {len(snapshots) / indexed:.1f} pages/s "
          f"({args.workers} in-process worker threads, warm-up included)")
    print(f"  (until the last capture committed: {elapsed:.2f} s = {len(snapshots) / elapsed:.1f} pages/s)")
    for phase in ("fetch", "extract", "store"):
        values = [row[phase] * 1000 for row in timings.rows]
        print(f"  {phase:8s} median {statistics.median(values):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms")
    totals = [sum(row.values()) * 1000 for row in timings.rows]
    print(f"  {'total':8s} median {statistics.median(totals):7.1f} ms   p95 {percentile(totals, 0.95):7.1f} ms")
    print(f"peak RSS: web app + worker {peak_mb:.0f} MB; largest extraction process {children_mb:.0f} MB "
          f"({extract_pool.size()} of them)")
    print(f"word F1 against ground-truth.json: mean {statistics.mean(scores):.4f} over {len(scores)} pages")


if __name__ == "__main__":
    main()
