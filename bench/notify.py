"""Notify benchmark: what telling everyone costs the request that publishes.

A claim with N duplicates, each filed by a different volunteer (half of them asking for e-mail,
with an SMTP URL configured, so their messages are queued too), is published in one request's
transaction; the peer in the same run is the same publication with notify's receiver
disconnected. Then the inbox's unread count (the query every signed-in page runs for the nav).

Run on demand: .venv/bin/python bench/notify.py [--duplicates 200] [--runs 5]
Prints, per run and as the median and range: publish+commit milliseconds with and without
notify, and the unread-count query in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factcheck import close_app, create_app, db
from factcheck.accounts.models import User
from factcheck.claims import signals
from factcheck.claims.models import Claim, Status
from factcheck.claims.operations import ClaimInput, file_claim
from factcheck.config import Config
from factcheck.migrate import upgrade
from factcheck.notify import operations as notify
from factcheck.publish.operations import DraftInput, publish_rebuttal, save_draft
from tests.httpserver import stay_on_loopback


def build(app, duplicates: int) -> tuple[int, int]:
    """A claim ready to publish with ``duplicates`` duplicates; returns (claim id, reviewer id)."""
    blobs = app.extensions["factcheck.archive"].blobs
    with app.test_request_context():
        session = db.session()
        people = [User(email=f"v{n}-{time.monotonic_ns()}@example.org", role="volunteer", password_hash="!",
                       notify_by_email=n % 2 == 0, locale="hi" if n % 3 == 0 else "en")
                  for n in range(duplicates + 1)]
        writer = User(email=f"w{time.monotonic_ns()}@example.org", name="Wasim", role="reviewer", password_hash="!")
        reviewer = User(email=f"r{time.monotonic_ns()}@example.org", name="Rita", role="reviewer", password_hash="!")
        session.add_all([*people, writer, reviewer])
        session.flush()
        claim = file_claim(people[0], ClaimInput(text="सभी बैंक 10 दिन बंद रहेंगे", urls=("https://example.org/hoax",),
                                                 platform="whatsapp"), blobs)
        claim.status = Status.RESEARCHING.value
        session.flush()
        save_draft(writer, claim, DraftInput(headline="No ten-day closure", summary="False.", body="RBI says no.",
                                             verdict="False", snapshot_ids=(claim.sources[0].snapshots[0].id,)))
        claim.status = Status.APPROVED.value
        for person in people[1:]:
            session.add(Claim(text="सभी बैंक 10 दिन बंद रहेंगे!", platform="whatsapp", status=Status.DUPLICATE.value,
                              submitted_by=person, duplicate_of=claim))
        db.commit()
        return claim.id, reviewer.id


def publish(app, claim_id: int, reviewer_id: int) -> float:
    with app.test_request_context():
        session = db.session()
        started = time.perf_counter()
        publish_rebuttal(session.get(User, reviewer_id), session.get(Claim, claim_id))
        db.commit()
        return (time.perf_counter() - started) * 1000


def unread(app, user_id: int, repeat: int = 200) -> float:
    with app.test_request_context():
        user = db.session().get(User, user_id)
        started = time.perf_counter()
        for _ in range(repeat):
            notify.unread_count(user)
        return (time.perf_counter() - started) / repeat * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duplicates", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    stay_on_loopback()  # names beyond loopback do not resolve: a job never leaves the machine
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = f"sqlite:///{instance / 'bench.db'}"
        upgrade(url)
        config = Config(instance_dir=instance, database_url=url, index_dir=instance / "index",
                        archive_dir=instance / "archive", queue_url=f"sqlite:///{instance / 'queue.db'}",
                        secret_key="bench", public_url="https://factcheck.example.org",
                        smtp_url="smtp://127.0.0.1:2525")  # queued only: nothing is sent here
        app = create_app(config)
        with_notify, without, counts = [], [], []
        for run in range(args.runs):
            claim_id, reviewer_id = build(app, args.duplicates)
            with_notify.append(publish(app, claim_id, reviewer_id))
            with app.app_context():
                filer = db.session().get(Claim, claim_id).submitted_by_id
            claim_id, reviewer_id = build(app, args.duplicates)
            signals.claim_moved.disconnect(notify.on_claim_moved)
            try:
                without.append(publish(app, claim_id, reviewer_id))
            finally:
                signals.claim_moved.connect(notify.on_claim_moved)
            counts.append(unread(app, filer))
            print(f"run {run + 1}: publish with notify {with_notify[-1]:.1f} ms, without {without[-1]:.1f} ms, "
                  f"unread count {counts[-1]:.0f} µs")
        close_app(app)
    for name, values, unit in (("publish with notify", with_notify, "ms"), ("publish without notify", without, "ms"),
                               ("unread count", counts, "µs")):
        print(f"{name}: median {statistics.median(values):.1f} {unit}, range {min(values):.1f}–{max(values):.1f} {unit}"
              f" ({args.duplicates} duplicates, {args.runs} runs)")


if __name__ == "__main__":
    main()
