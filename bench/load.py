"""Load benchmark: many clients file claims with links while others search and read, against the
embedded deployment (`factcheck serve` on SQLite) and the scale-out one (PostgreSQL, Redis,
gunicorn, two `factcheck worker`s), each started from the README's commands on loopback ports.

Run on demand (bounded: --seconds of load, at most --max-filings claims, loopback only):
    .venv/bin/python bench/load.py [--deployment both|embedded|scale-out] [--clients 50] [--seconds 60]
        [--filings 50] [--searches 25] [--reads 25] [--closed]

Each client sends at a steady pace (an open loop: a slow answer does not lower the offered load,
and the time it waited counts in its latency). Afterwards it checks that every accepted claim is in
the database, every link has a captured snapshot and every claim is searchable, and prints
throughput and p50/p95/p99 per endpoint, and how long the queued work took to settle.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import load  # noqa: E402 - after the path is set
from tests.deployment import PageServer, embedded, missing_services, scale_out  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def real_claims(corpus: Path, seed: int) -> tuple[list[str], list[str]]:
    """LIAR's statements: ``seed`` of them to seed the desk with, the rest to file; or none."""
    path = corpus / "claims-liar" / "train.tsv"
    if not path.exists():
        return [], []
    with path.open(encoding="utf-8") as rows:
        statements = [line.split("\t")[2] for line in rows if line.count("\t") >= 2]
    return statements[:seed], statements[seed:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployment", choices=("both", "embedded", "scale-out"), default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--filings", type=float, default=50.0, help="offered filings per second")
    parser.add_argument("--searches", type=float, default=25.0, help="offered searches per second")
    parser.add_argument("--reads", type=float, default=25.0, help="offered claim reads per second")
    parser.add_argument("--closed", action="store_true",
                        help="each client sends as soon as it is answered (the rates then only split the clients)")
    parser.add_argument("--max-filings", type=int, default=5000)
    parser.add_argument("--web-processes", type=int, default=3, help="gunicorn processes (scale-out)")
    parser.add_argument("--seed-claims", type=int, default=5000, help="claims filed and indexed before the load")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="the shared corpus: real claims (LIAR) are seeded and filed when it is there")
    args = parser.parse_args()
    if not 0 < args.seconds <= 600 or not 0 < args.clients <= 200:
        sys.exit("--seconds must be at most 600 and --clients at most 200")
    seeded, filed = real_claims(args.corpus, args.seed_claims)
    print(f"claims: {'LIAR statements from ' + str(args.corpus) if seeded else 'made-up texts (no corpus)'}; "
          f"{args.seed_claims} indexed before the load")
    plan = load.Plan(texts=tuple(filed), clients=args.clients, seconds=args.seconds, filings_per_s=args.filings,
                     searches_per_s=args.searches, reads_per_s=args.reads, max_filings=args.max_filings,
                     closed=args.closed)
    kinds = ["embedded", "scale-out"] if args.deployment == "both" else [args.deployment]
    failed = False
    with tempfile.TemporaryDirectory(prefix="factcheck-load-") as folder, PageServer() as pages:
        for kind in kinds:
            if kind == "scale-out" and (reason := missing_services()):
                print(f"scale-out: skipped ({reason})")
                continue
            start = embedded if kind == "embedded" else scale_out
            options: dict[str, object] = {"seed_claims": args.seed_claims, "seed_texts": seeded}
            if kind == "scale-out":
                options["web_processes"] = args.web_processes
            with start(Path(folder) / kind, pages, **options) as deployment:  # type: ignore[operator]
                result = load.run(deployment, pages, plan)
                verdict = load.verify(deployment, result)
            offered = ("each as fast as answered" if args.closed else
                       f"offered {args.filings:g} filings/s, {args.searches:g} searches/s, {args.reads:g} reads/s")
            print(f"{kind}: {args.clients} clients, {args.seconds:.0f} s, {offered}")
            print(load.summary(result, verdict))
            for error in result.errors[:5]:
                print("   ", error)
            failed |= bool(result.server_errors() or verdict.missing_claims or verdict.uncaptured
                           or verdict.unsearchable)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
