"""A load run against a running deployment, and the check that nothing accepted was lost.

Clients file claims with a link (through the JSON API, with a token), search, and read claims,
each at a steady pace (an open loop: a slow answer does not slow the offered load down, and its
wait counts in its latency), or each as fast as it is answered (``Plan.closed``). Afterwards
:func:`verify` checks that every accepted claim is in the database, every link has a snapshot
that was captured, and every claim is found by search.
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import create_engine, text

from tests.deployment import Deployment, PageServer, wait_for

FILE, SEARCH, READ = "POST /api/claims", "GET /api/search", "GET /api/claims/{id}"


def word(number: int) -> str:
    """A letters-only word for ``number`` that is no English word (search analyzers keep it
    whole, and no stop list drops it: ``but`` or ``the`` would not be found)."""
    letters = ""
    number += 26 * 26  # at least three letters
    while number:
        number, digit = divmod(number, 26)
        letters = string.ascii_lowercase[digit] + letters
    return "qx" + letters


@dataclass
class Plan:
    """How much load: ``clients`` threads for ``seconds``, split among filing, searching and reading."""

    clients: int = 50
    seconds: float = 60.0
    filings_per_s: float = 50.0
    searches_per_s: float = 25.0
    reads_per_s: float = 25.0
    max_filings: int = 10_000
    timeout: float = 30.0
    texts: tuple[str, ...] = ()  # real claims to file (each gets the run's words); made up when empty
    closed: bool = False  # each client sends its next request as soon as the last is answered (no pace)


@dataclass
class Result:
    run: str
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)  # transport failures, 5xx answers
    accepted: dict[int, str] = field(default_factory=dict)  # claim id -> its unique word
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, status: int, seconds: float, note: str = "") -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)
            self.statuses[endpoint][status] += 1
            if status >= 500 or status == 0:
                self.errors.append(f"{endpoint}: {status} {note[:200]}")

    def server_errors(self) -> int:
        return sum(n for counts in self.statuses.values() for status, n in counts.items()
                   if status >= 500 or status == 0)

    def report(self) -> str:
        lines = []
        for endpoint in (FILE, SEARCH, READ):
            values = sorted(self.latencies.get(endpoint, []))
            if not values:
                continue
            counts = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses[endpoint].items()))
            lines.append(f"  {endpoint:22s} {len(values) / self.seconds:6.1f}/s  p50 {pct(values, 0.5) * 1000:6.0f} ms"
                         f"  p95 {pct(values, 0.95) * 1000:6.0f} ms  p99 {pct(values, 0.99) * 1000:6.0f} ms"
                         f"  max {values[-1] * 1000:6.0f} ms  ({counts})")
        return "\n".join(lines)


def pct(ordered: list[float], share: float) -> float:
    """The ``share`` percentile of sorted values (nearest rank)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, int(round(share * len(ordered) + 0.5)) - 1))]


def _client(deployment: Deployment, pages: PageServer, plan: Plan, result: Result, kind: str, rate: float,
            counter: Any, stop_at: float, seed: int) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {deployment.token}"
    chance = random.Random(seed)  # noqa: S311 - load shaping, not security
    due = time.monotonic() + chance.uniform(0, 1 / rate)
    while True:
        now = time.monotonic()
        if plan.closed:
            due = now  # no pace: the next request as soon as the last is answered
        if due > stop_at:
            break
        if due > now:
            time.sleep(due - now)
        endpoint, method, url, body, number = _request(deployment, pages, plan, result, kind, counter, chance)
        if endpoint is None:
            break
        started = due  # the wait for a slow server counts
        try:
            response = session.request(method, url, json=body, timeout=plan.timeout)
            status, note = response.status_code, response.text if response.status_code >= 500 else ""
        except requests.RequestException as exc:
            response, status, note = None, 0, repr(exc)
        result.record(endpoint, status, time.monotonic() - started, note)
        if endpoint == FILE and status == 201 and response is not None:
            with result.lock:
                result.accepted[int(response.json()["id"])] = word(number)
        due += chance.expovariate(rate)
    session.close()


def _request(deployment: Deployment, pages: PageServer, plan: Plan, result: Result, kind: str, counter: Any,
             chance: random.Random) -> tuple[Any, str, str, Any, int]:
    base = deployment.base_url
    if kind == FILE:
        number = next(counter)
        if number >= plan.max_filings:
            return None, "", "", None, 0
        said = (plan.texts[number % len(plan.texts)] if plan.texts else
                "says the bridge collapsed and the minister ran away. Share before they delete it!")
        body = {"text": f"Forwarded as received: {result.run} claim {word(number)} {said}",
                "urls": [pages.url(f"{result.run}-{number}")], "platform": chance.choice(["whatsapp", "facebook", "x"])}
        return FILE, "POST", f"{base}/api/claims", body, number
    if kind == SEARCH:
        query = chance.choice(["bridge", "minister collapsed", result.run, "viral story", "\"ran away\""])
        return SEARCH, "GET", f"{base}/api/search?q={query}&per_page=10", None, 0
    with result.lock:
        ids = list(result.accepted)
    if not ids:
        return READ, "GET", f"{base}/api/claims?per_page=10", None, 0
    return READ, "GET", f"{base}/api/claims/{chance.choice(ids[-200:])}", None, 0


def run(deployment: Deployment, pages: PageServer, plan: Plan, run_name: str | None = None) -> Result:
    """Offer ``plan``'s load to ``deployment``; return what happened."""
    result = Result(run=run_name or "qzr" + word(random.randrange(26**4))[2:])  # noqa: S311 - not a claim word
    counter = _Counter()
    total_rate = plan.filings_per_s + plan.searches_per_s + plan.reads_per_s
    kinds = []
    for kind, rate in ((FILE, plan.filings_per_s), (SEARCH, plan.searches_per_s), (READ, plan.reads_per_s)):
        if rate:
            share = max(1, round(plan.clients * rate / total_rate))
            kinds += [(kind, rate / share)] * share
    started = time.monotonic()
    stop_at = started + plan.seconds
    threads = [threading.Thread(target=_client, args=(deployment, pages, plan, result, kind, rate, counter,
                                                      stop_at, seed), daemon=True)
               for seed, (kind, rate) in enumerate(kinds)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(plan.seconds + plan.timeout + 30)
    result.seconds = time.monotonic() - started
    return result


class _Counter:
    """Numbers 0, 1, 2, … shared by threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next = 0

    def __next__(self) -> int:
        with self.lock:
            self.next += 1
            return self.next - 1


@dataclass
class Verdict:
    missing_claims: list[int]
    uncaptured: list[tuple[int, str]]
    unsearchable: list[int]
    settle_seconds: float


def verify(deployment: Deployment, result: Result, *, timeout: float = 120.0, sample: int = 30) -> Verdict:
    """Wait for the work to settle, then check that nothing accepted was lost."""
    started = time.monotonic()
    url = deployment.env.get("FACTCHECK_DATABASE_URL") or (
        f"sqlite:///{deployment.env['FACTCHECK_INSTANCE_DIR']}/factcheck.db")
    engine = create_engine(url)
    ids = sorted(result.accepted)
    try:
        def settled() -> bool:
            with engine.connect() as connection:
                pending = connection.execute(text("SELECT count(*) FROM snapshots WHERE state = 'pending'")).scalar()
                waiting = connection.execute(text("SELECT count(*) FROM index_requests")).scalar()
            return not pending and not waiting

        try:
            wait_for(settled, timeout, 0.25, what="captures and indexing to finish")
        except TimeoutError:
            pass  # what is still missing is reported below
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT c.id, s.id, sn.state FROM claims c LEFT JOIN sources s ON s.claim_id = c.id "
                "LEFT JOIN snapshots sn ON sn.source_id = s.id")).all()
    finally:
        engine.dispose()
    present = {row[0] for row in rows}
    states: dict[int, list[str]] = defaultdict(list)
    for claim_id, source_id, state in rows:
        if source_id is not None:
            states[claim_id].append(state or "none")
    missing = [i for i in ids if i not in present]
    uncaptured = [(i, ",".join(states.get(i, ["no source"]))) for i in ids
                  if i in present and "archived" not in states.get(i, [])]
    unsearchable = _unsearchable(deployment, result, sample, timeout - (time.monotonic() - started))
    return Verdict(missing, uncaptured, unsearchable, time.monotonic() - started)


def _unsearchable(deployment: Deployment, result: Result, sample: int, timeout: float) -> list[int]:
    """Claims search does not find: all of them by the run's word (a count), a sample one by one."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {deployment.token}"

    def total(query: str) -> int:
        answer = session.get(f"{deployment.base_url}/api/search", params={"q": query, "kind": "claim"}, timeout=30)
        answer.raise_for_status()
        return int(answer.json()["total"])

    try:
        wait_for(lambda: total(result.run) >= len(result.accepted), max(timeout, 5), 0.5, what="search")
    except TimeoutError:
        pass
    chosen = random.sample(sorted(result.accepted), min(sample, len(result.accepted)))
    missing = [claim_id for claim_id in chosen if total(result.accepted[claim_id]) < 1]
    found = total(result.run)
    if found < len(result.accepted):
        result.errors.append(f"search finds {found} of the {len(result.accepted)} claims of run {result.run}; "
                             f"not found by their word: {[(i, result.accepted[i]) for i in missing]}")
        missing.append(-1)  # the count is short: some claim is not searchable
    session.close()
    return missing


def summary(result: Result, verdict: Verdict) -> str:
    return (f"{len(result.accepted)} claims accepted in {result.seconds:.1f} s = "
            f"{len(result.accepted) / result.seconds:.1f} filings/s; {result.server_errors()} 5xx or failed requests\n"
            f"{result.report()}\n"
            f"  settled (all captured and searchable) {verdict.settle_seconds:.1f} s after the load; "
            f"missing claims {len(verdict.missing_claims)}, links without a snapshot {len(verdict.uncaptured)}, "
            f"unsearchable {len(verdict.unsearchable)}")
