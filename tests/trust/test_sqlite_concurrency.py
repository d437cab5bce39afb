"""SQLite under a busy morning: reads never take the write lock, so slow pages beside a filing
all succeed; a write that still cannot get the lock in time answers 503 with Retry-After."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from factcheck import close_app, create_app, db
from factcheck.accounts import operations as accounts
from factcheck.audit import Event
from factcheck.claims.models import Claim
from factcheck.web import public
from tests.deployment import wait_for
from tests.live import live_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def slow_app(config, busy_timeout: float):
    """The app with a page that reads, takes 1.5 s (a slow page), and reads again."""
    app = create_app(config.replace(database_busy_timeout=busy_timeout))

    @public
    def slow_read() -> str:
        session = db.session()
        before = session.scalar(select(func.count()).select_from(Claim))
        time.sleep(1.5)
        after = session.scalar(select(func.count()).select_from(Claim))
        return f"{before} {after}"

    app.add_url_rule("/test/slow-read", "slow_read", slow_read)
    return app


def token_for(app, user) -> str:
    with app.app_context():
        _row, token = accounts.create_token(db.session().merge(user), "test")
        db.commit()
    return token


def test_slow_reads_beside_filings_all_succeed(config, make_user):
    app = slow_app(config, busy_timeout=2.0)
    token = token_for(app, make_user("volunteer"))
    with live_server(app, threads=16) as base:
        with ThreadPoolExecutor(max_workers=12) as pool:
            reads = [pool.submit(requests.get, f"{base}/test/slow-read", timeout=30) for _ in range(8)]
            time.sleep(0.2)
            filings = [pool.submit(requests.post, f"{base}/api/claims", timeout=30,
                                   json={"text": f"filed while pages are slow {n}", "platform": "whatsapp"},
                                   headers={"Authorization": f"Bearer {token}"}) for n in range(3)]
            filed = [f.result() for f in filings]
            read = [r.result() for r in reads]
    # Before reads stopped taking the write lock, eight 1.5 s pages held it in turn for 12 s, past
    # the 2 s busy timeout: pages and filings failed with "database is locked".
    assert [r.status_code for r in read] == [200] * 8
    assert [f.status_code for f in filed] == [201] * 3
    close_app(app)


def test_a_write_that_cannot_get_the_lock_answers_503_with_retry_after(config, make_user, browser):
    app = create_app(config.replace(database_busy_timeout=0.3))
    user = make_user("volunteer")
    token = token_for(app, user)
    path = config.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        client = app.test_client()
        refused = client.post("/api/claims", json={"text": "busy", "platform": "x"},
                              headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 503
        assert refused.json["error"] == "unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        page = client.get("/fact-checks")  # reads go on while the lock is held
        assert page.status_code == 200
    finally:
        holder.rollback()
        holder.close()
    accepted = app.test_client().post("/api/claims", json={"text": "busy", "platform": "x"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert accepted.status_code == 201
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Claim)) == 1
    close_app(app)


def test_the_503_page_is_a_page(config, make_user):
    app = create_app(config.replace(database_busy_timeout=0.2))
    user = make_user("volunteer")
    from tests.conftest import Browser

    session = Browser(app.test_client())
    assert session.login(user.email).status_code == 302
    token = session.csrf_token()
    path = config.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = session.client.post("/claims/new", data={"text": "busy", "platform": "x", "csrf_token": token})
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    close_app(app)


def test_two_moves_at_once_do_not_both_win(config, make_user, make_claim):
    """Reads no longer serialise requests, so a move re-reads its claim under the write lock."""
    app = create_app(config)
    claim = make_claim()
    reviewers = [token_for(app, make_user("reviewer")) for _ in range(2)]
    barrier = threading.Barrier(2)
    results = []

    def move(token: str, target: str) -> None:
        client = app.test_client()
        barrier.wait()
        body = {"to": target, "note": "decided"} if target == "rejected" else {"to": target}
        results.append(client.post(f"/api/claims/{claim.id}/transitions", json=body,
                                   headers={"Authorization": f"Bearer {token}"}).status_code)

    threads = [threading.Thread(target=move, args=(reviewers[0], "researching")),
               threading.Thread(target=move, args=(reviewers[1], "rejected"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) in ([200, 200], [200, 409])
    with app.app_context():
        moves = db.session().scalars(select(Event).where(Event.claim_id == claim.id, Event.kind == "transition")
                                     .order_by(Event.id)).all()
        chain = [(e.from_status, e.to_status) for e in moves]
        # Each move starts where the one before it ended: no two moves both started from "submitted".
        assert chain[0][0] == "submitted"
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:], strict=False)), chain
        assert db.session().get(Claim, claim.id).status == chain[-1][1]
    close_app(app)


# -- writers of one process take turns ------------------------------------------------------------


def turn_taking_connection(path: str, connection_class: type) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=connection_class)


def test_writers_of_one_process_go_in_the_order_they_came(config):
    """SQLite's busy handler lets a newcomer in before a writer that has waited long (it polls
    with growing sleeps); the threads of one process queue instead, first come first served."""
    path = config.database_url.removeprefix("sqlite:///")
    connection_class = db._writer_turns(10.0)  # noqa: SLF001 - the engine's connection class
    first = turn_taking_connection(path, connection_class)
    first.begin_write()
    order: list[int] = []
    waiting = []

    def write(number: int) -> None:
        connection = turn_taking_connection(path, connection_class)
        connection.begin_write()
        order.append(number)
        connection.commit()
        connection.close()

    for number in range(1, 6):
        waiting.append(threading.Thread(target=write, args=(number,)))
        waiting[-1].start()
        # Each is waiting for its turn before the next comes (CPython keeps a condition's waiters).
        wait_for(lambda n=number: len(connection_class.turns._changed._waiters) == n, 10, 0.005,  # noqa: SLF001
                 what=f"writer {number} to wait for its turn")
    assert order == []  # nobody writes while the first holds its turn
    first.commit()
    for thread in waiting:
        thread.join(10)
    assert order == [1, 2, 3, 4, 5]
    first.close()


def test_a_turn_not_given_in_time_fails_as_a_busy_database_and_a_dropped_writer_passes_it_on(config):
    path = config.database_url.removeprefix("sqlite:///")
    connection_class = db._writer_turns(0.2)  # noqa: SLF001 - the engine's connection class
    holder = turn_taking_connection(path, connection_class)
    holder.begin_write()
    other = turn_taking_connection(path, connection_class)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        other.begin_write()
    del holder  # dropped mid-transaction: SQLite lets its lock go, and so does the turn
    gc.collect()
    other.begin_write()
    other.execute("CREATE TABLE IF NOT EXISTS turns_probe (n INTEGER)")
    other.rollback()
    again = turn_taking_connection(path, connection_class)
    again.begin_write()  # the rollback passed the turn on
    again.rollback()
    other.close()
    again.close()
