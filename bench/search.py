"""Search benchmark: the index beside SQLite FTS5 doing the same work (run on demand; prints figures).

    .venv/bin/python bench/search.py [--docs 100000] [--per-shape 50] [--updates 300] [--near 400]
                                     [--procs 1] [--seed 20240601] [--skip-near] [--build-only] [--json FILE]
    .venv/bin/python bench/search.py --sync 70 [--docs 100000]     (indexing under load)

Documents: the real claims (LIAR) and Hindi posts (CONSTRAINT) of ``../shared/corpus`` and the
main text of its archived pages, then spliced variants (half of one text, half of another) up to
``--docs``; claims, fact-checks (most published) and snapshots with every facet, owners and dates.

- Build: ``SearchIndex.rebuild`` from a lazy document stream (what ``factcheck reindex`` does with
  the rows it reads) in a child process, its rate and its peak RSS (``ru_maxrss``; the child's RSS
  before building is printed too). FTS5 is built from the same stream, our analyzer's tokens
  included, so both index the same words (stemmed, the same stop words dropped).
- Search: queries of five shapes (AND, OR, NOT, phrase, and an AND with filters) made of words of
  held-out claims and posts (half Hindi), each asked once as each viewer (anonymous, a volunteer,
  a reviewer, staff) in a shuffled order; every request timed alone (total, facet counts, top 20
  with snippets), ours and FTS5's in turn, by the wall clock and (the last line, "all, CPU
  time") by this process's CPU time, which other programs on a shared machine disturb less.
  FTS5 runs the same parsed query, restriction and filters (visibility, facets as MATCH terms,
  dates as SQL), counts the same facets with a GROUP BY and returns its top 20 with snippets;
  the figures say how often the totals and facets agree.
  Percentiles are over single requests, never medians of repeats. Measured on the fresh index,
  then after ``--updates`` update commits (each like one sync: a few rewritten, added and
  deleted documents, each a commit, with no merge job run), then after the merge job.
- Indexing under load (``--sync N``): N claims filed into the app from 4 threads while 2 threads
  search and the in-process worker runs the jobs: sync jobs and index commits, and how long each
  filing waits until it is indexed.
- Near duplicates: the threshold is chosen on a calibration set (perturbed copies of indexed posts
  and held-out texts), the one maximising recall minus false matches, then recall@3 and the raw
  false-match rate (any match at all) are measured on a disjoint evaluation set (other posts,
  other perturbations, other held-out texts).

FTS5 is given our tokens separated by spaces and its ``ascii`` tokenizer, which keeps every
non-ASCII character in a token: the same words as ours, positions included (phrases).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from whoosh import query as wq  # noqa: E402

from factcheck.search.analysis import tokens  # noqa: E402
from factcheck.search.engine import SearchIndex, SearchPage, Viewer  # noqa: E402
from factcheck.search.query import Filters, Parser, bounded, restriction  # noqa: E402
from factcheck.search.schema import build_schema, visibility_tokens  # noqa: E402
from factcheck.search.similar import THRESHOLD  # noqa: E402
from tests.httpserver import stay_on_loopback  # noqa: E402

CORPUS = Path(os.environ.get("FACTCHECK_CORPUS") or ROOT.parent / "shared" / "corpus")
csv.field_size_limit(10_000_000)

STATUSES = ["submitted", "researching", "in_review", "approved", "rejected", "duplicate"]
PLATFORMS = ["whatsapp", "facebook", "x", "youtube", "instagram", "telegram", "web", "other"]
VERDICTS = {"pants-fire": "False", "false": "False", "barely-true": "Misleading",
            "half-true": "Partly false", "mostly-true": "Missing context", "true": "True"}
EMOJI = ["🙏", "😡", "🔥", "👇", "‼️", "😱", "🇮🇳", "✅", "❌", "👉"]
BANNERS = ["*Forwarded as received*", "Forwarded many times", "_Forwarded_", "Fwd:",
           "Forwarded as received", "*FORWARDED*"]
SHAPES = ("AND", "OR", "NOT", "phrase", "filtered")
VIEWERS = {"anonymous": Viewer(None), "volunteer": Viewer("volunteer", 7), "reviewer": Viewer("reviewer", 900),
           "staff": Viewer("staff", 901)}
FILTER_SETS = [
    {"kind": "claim"},
    {"status": "researching", "platform": ["whatsapp", "telegram"]},
    {"language": "hi", "date_from": dt.date(2020, 1, 1)},
    {"kind": ["factcheck", "snapshot"], "date_from": dt.date(2019, 6, 1), "date_to": dt.date(2020, 12, 31)},
    {"platform": "x"},
]
PER_PAGE = 20
FACETS = ("kind", "status", "verdict", "language", "platform", "domain")


# -- corpus ----------------------------------------------------------------------------------


def load_claims() -> list[dict]:
    """LIAR statements: English claims with a verdict."""
    out = []
    for name in ("train.tsv", "valid.tsv", "test.tsv"):
        with open(CORPUS / "claims-liar" / name, encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) >= 3 and row[2].strip():
                    out.append({"text": row[2].strip(), "label": row[1]})
    return out


def load_posts() -> list[dict]:
    """CONSTRAINT Hindi posts, with their emoji and links."""
    out = []
    for name in ("constraint_hindi_train.csv", "constraint_hindi_valid.csv"):
        with open(CORPUS / "posts-hindi" / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["Post"].strip():
                    out.append({"text": row["Post"], "label": row["Labels Set"]})
    return out


def load_pages() -> list[dict]:
    """Main text of the archived pages: pages-zyte ground truth, pages-indic via trafilatura."""
    import trafilatura

    out = []
    truth = json.loads((CORPUS / "pages-zyte" / "ground-truth.json").read_text(encoding="utf-8"))
    for entry in truth.values():
        if entry.get("articleBody"):
            out.append({"url": entry["url"], "text": entry["articleBody"]})
    dates = json.loads((CORPUS / "pages-indic" / "dates.json").read_text(encoding="utf-8"))
    for url, entry in dates.items():
        html = (CORPUS / "pages-indic" / "html" / entry["file"]).read_text(encoding="utf-8", errors="replace")
        text = trafilatura.extract(html) or ""
        if text:
            out.append({"url": url, "text": text})
    return out


def split(seed: int) -> dict:
    """The corpus, shuffled: what is indexed, and what is held out (queries, near duplicates)."""
    rng = random.Random(seed)
    claims, posts = load_claims(), load_posts()
    rng.shuffle(claims)
    rng.shuffle(posts)
    return {"held_claims": claims[: len(claims) // 10], "claims": claims[len(claims) // 10 :],
            "held_posts": posts[: len(posts) // 5], "posts": posts[len(posts) // 5 :]}


# -- documents -------------------------------------------------------------------------------


def documents(corpus: dict, pages: list[dict], total: int, seed: int) -> Iterator[dict]:
    """The originals, then spliced variants up to ``total``: the same stream for the same seed."""
    rng = random.Random(seed)
    start = dt.date(2019, 1, 1)
    count = 0

    def make(kind: str, text: str, lang: str, label: str = "", url: str = "", title: str = "") -> dict:
        nonlocal count
        count += 1
        doc = {"kind": kind, "id": count, "claim_id": count, "title": title, "body": text,
               "status": rng.choice(STATUSES), "language": lang, "platform": rng.choice(PLATFORMS),
               "date": start + dt.timedelta(days=rng.randrange(1000)), "owner_id": rng.randrange(1, 200),
               "urls": [url] if url else [], "domain": url.split("/")[2] if url.count("/") >= 2 else ""}
        if rng.random() < 0.1:
            doc["assignee_id"] = rng.randrange(1, 200)
        if kind == "factcheck":
            doc.update(verdict=VERDICTS.get(label, "False"), title=f"Fact check: {text[:80]}",
                       claim_text=text, summary=text[:200], status="published" if rng.random() < 0.8 else "approved")
        elif kind == "snapshot":
            doc.pop("status")
        return doc

    for claim in corpus["claims"]:
        if count < total:
            yield make("factcheck" if rng.random() < 0.3 else "claim", claim["text"], "en", claim["label"])
    for post in corpus["posts"]:
        if count < total:
            yield make("claim", post["text"], "hi", post["label"])
    for page in pages:
        for copy in range(10):
            if count < total:
                url = f"{page['url']}#copy{copy}" if copy else page["url"]
                yield make("snapshot", page["text"], "", url=url, title=page["text"].split("\n", 1)[0][:120])
    by_lang = {"en": [c["text"].split() for c in corpus["claims"]], "hi": [p["text"].split() for p in corpus["posts"]]}
    while count < total:
        lang = "hi" if rng.random() < 0.5 else "en"
        a, b = rng.choice(by_lang[lang]), rng.choice(by_lang[lang])
        text = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        yield make("factcheck" if rng.random() < 0.2 else "claim", text, lang, "false")


def build_child(path: str, pages_file: str, total: int, seed: int, procs: int, out: multiprocessing.Queue) -> None:
    """Build the index in this (spawned) process and report its time and memory."""
    corpus = split(seed)
    pages = json.loads(Path(pages_file).read_text(encoding="utf-8"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = SearchIndex(Path(path))
    started, cpu = time.perf_counter(), time.process_time()
    count = index.rebuild(documents(corpus, pages, total, seed), procs=procs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    index.close()
    out.put({"count": count, "seconds": seconds, "cpu_seconds": cpu, "rss_before_mb": before / 1024,
             "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


# -- FTS5, doing the same work ---------------------------------------------------------------


def fts_row(doc: dict) -> tuple:
    """A document as FTS5 stores it: our tokens for the text, facets and visibility as terms."""
    title = doc.get("title") or ""
    names = ("claim_text", "summary", "body") if doc["kind"] == "factcheck" else ("body",)
    parts = [doc.get(name) or "" for name in names]
    body = "\n\n".join(p for p in [title, *parts] if p)
    visible = " ".join(v.replace("user:", "u") for v in visibility_tokens(doc))
    minutes = int((dt.datetime.combine(doc["date"], dt.time.min) - dt.datetime(1970, 1, 1)).total_seconds() // 60)
    return (doc["id"], " ".join(tokens(title)), " ".join(tokens(body)), doc["kind"], doc.get("status") or "",
            doc.get("verdict") or "", doc.get("language") or "", doc.get("platform") or "",
            (doc.get("domain") or "").lower(), visible, minutes)


def build_fts(path: Path, docs: Iterable[dict]) -> sqlite3.Connection:
    """The FTS5 peer over the same documents."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, kind, status, verdict, language, platform, "
               "domain, visible, date UNINDEXED, tokenize='ascii')")
    with db:
        db.executemany("INSERT INTO docs(rowid, title, body, kind, status, verdict, language, platform, domain, "
                       "visible, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", map(fts_row, docs))
    return db


class Unsupported(Exception):
    """A query FTS5's syntax cannot say."""


def fts_expression(q: wq.Query) -> str:
    """A parsed Whoosh query as an FTS5 MATCH expression over the same columns."""
    if isinstance(q, wq.Term):
        return f'{q.fieldname.replace("visible_to", "visible")} : "{q.text.replace("user:", "u")}"'
    if isinstance(q, wq.Phrase) and q.slop == 1:
        return f'{q.fieldname} : "{" ".join(q.words)}"'
    if type(q) is wq.And:
        wanted = [fts_expression(s) for s in q.subqueries if not isinstance(s, wq.Not)]
        unwanted = [fts_expression(s.query) for s in q.subqueries if isinstance(s, wq.Not)]
        if not wanted:
            raise Unsupported(q)
        expression = "(" + " AND ".join(wanted) + ")"
        for other in unwanted:
            expression = f"({expression} NOT {other})"
        return expression
    if type(q) is wq.Or:
        return "(" + " OR ".join(fts_expression(s) for s in q.subqueries) + ")"
    raise Unsupported(q)


def fts_search(db: sqlite3.Connection, user: wq.Query, viewer: Viewer, filters: dict) -> tuple[int, dict]:
    """What SearchIndex.search does, in FTS5: total, facet counts, the top page with snippets."""
    limits = restriction(viewer, Filters(**filters))
    parts = [fts_expression(user)]
    sql, params = "", []
    if limits is not None:
        for group in limits.groups:
            parts.append("(" + " OR ".join(fts_expression(wq.Term(f, t)) for f, t in group) + ")")
        if limits.minutes is not None:
            low, high = limits.minutes
            sql, params = " AND date BETWEEN ? AND ?", [low or 0, high if high is not None else 2**32]
    match = " AND ".join(parts)
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    total = 0
    for *values, n in db.execute(f"SELECT kind, status, verdict, language, platform, domain, count(*) FROM docs "  # noqa: S608
                                 f"WHERE docs MATCH ?{sql} GROUP BY 1, 2, 3, 4, 5, 6", [match, *params]):
        total += n
        for name, value in zip(FACETS, values, strict=True):
            for one in (value.split() if name == "domain" else [value]):
                if one:
                    counts[name][one] += n
    db.execute(f"SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 16) FROM docs "  # noqa: S608
               f"WHERE docs MATCH ?{sql} ORDER BY rank LIMIT {PER_PAGE}", [match, *params]).fetchall()
    return total, {name: dict(counter) for name, counter in counts.items()}


# -- queries ---------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """Words of a text as a user would type them, each with at least one indexed token."""
    out = []
    for word in text.split():
        word = word.strip(".,!?;:'\"()[]{}|*_“”‘’।-")
        if word and not word.startswith(("http", "@", "#", "www")) and len(tokens(word)) == 1:
            out.append(word)
    return out


def make_queries(corpus: dict, per_shape: int, rng: random.Random) -> list[tuple[str, str, dict]]:
    """(shape, query text, filters): ``per_shape`` of each shape, half from Hindi posts."""
    sources = [[c["text"] for c in corpus["held_claims"]], [p["text"] for p in corpus["held_posts"]]]
    out: list[tuple[str, str, dict]] = []
    for shape in SHAPES:
        made = 0
        while made < per_shape:
            words = words_of(rng.choice(sources[made % 2]))
            if len(words) < 3:
                continue
            size = rng.choice([2, 2, 3])
            at = rng.randrange(len(words) - size + 1)
            run = words[at : at + size]
            if shape == "AND":
                text, filters = " ".join(run), {}
            elif shape == "OR":
                text, filters = " OR ".join(run), {}
            elif shape == "NOT":
                other = words_of(rng.choice(sources[made % 2]))
                if not other:
                    continue
                text, filters = f"{' '.join(run[:2])} NOT {rng.choice(other)}", {}
            elif shape == "phrase":
                text, filters = f'"{" ".join(run)}"', {}
            else:
                text, filters = " ".join(run[:2]), FILTER_SETS[made % len(FILTER_SETS)]
            out.append((shape, text, filters))
            made += 1
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if len(ordered) < 2:
        return {"n": len(ordered), "p50": ordered[0] if ordered else 0, "p95": ordered[0] if ordered else 0,
                "p99": ordered[0] if ordered else 0, "max": ordered[-1] if ordered else 0}
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50": q[49], "p95": q[94], "p99": q[98], "max": ordered[-1]}


def measure_search(index: SearchIndex, fts: sqlite3.Connection, queries: list[tuple[str, str, dict]],
                   rng: random.Random) -> dict:
    """Every (query, viewer) once, in a shuffled order, ours then FTS5's; per-request times."""
    parser = Parser(build_schema())
    requests = [(shape, text, filters, name) for shape, text, filters in queries for name in VIEWERS]
    rng.shuffle(requests)
    searcher = index._searcher()  # noqa: SLF001 - the live searcher, for parsing as search() does
    started = time.perf_counter()
    index.search(requests[0][1], viewer=VIEWERS["staff"])
    first = (time.perf_counter() - started) * 1000
    times: dict[tuple[str, str], list[float]] = {}
    agree = disagree = unsupported = 0
    examples = []
    for shape, text, filters, name in requests:
        viewer = VIEWERS[name]
        started, cpu = time.perf_counter(), time.process_time()
        page: SearchPage = index.search(text, viewer=viewer, per_page=PER_PAGE, **filters)
        ours, ours_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        user = bounded(parser.parse(text), text, searcher.reader())
        try:
            if user is None or user is wq.NullQuery:
                raise Unsupported(text)
            started, cpu = time.perf_counter(), time.process_time()
            total, facets = fts_search(fts, user, viewer, filters)
            theirs, theirs_cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        except Unsupported:
            unsupported += 1
            continue
        times.setdefault(("ours", shape), []).append(ours)
        times.setdefault(("fts5", shape), []).append(theirs)
        times.setdefault(("ours", name), []).append(ours)
        times.setdefault(("fts5", name), []).append(theirs)
        times.setdefault(("ours", "all"), []).append(ours)
        times.setdefault(("fts5", "all"), []).append(theirs)
        times.setdefault(("ours", "all, CPU time"), []).append(ours_cpu)
        times.setdefault(("fts5", "all, CPU time"), []).append(theirs_cpu)
        same = page.total == total and {k: v for k, v in page.facets.items() if v} == {
            k: v for k, v in facets.items() if v}
        agree += same
        disagree += not same
        if not same and len(examples) < 5:
            examples.append((text, name, filters, page.total, total))
    return {"first_ms": first, "times": {f"{who}:{what}": percentiles(v) for (who, what), v in times.items()},
            "agree": agree, "disagree": disagree, "unsupported": unsupported, "examples": examples}


def print_search(label: str, result: dict) -> None:
    times = result["times"]
    print(f"\nsearch, {label}: first search after opening {result['first_ms']:.0f} ms; per request (ms):")
    print(f"  {'':10s} {'ours p50':>9s} {'p95':>7s} {'p99':>7s} {'max':>7s}   {'FTS5 p50':>9s} {'p95':>7s} "
          f"{'p99':>7s} {'max':>7s}   {'p95 ratio':>9s}  n")
    for what in (*SHAPES, *VIEWERS, "all", "all, CPU time"):
        ours, theirs = times.get(f"ours:{what}"), times.get(f"fts5:{what}")
        if not ours:
            continue
        ratio = ours["p95"] / theirs["p95"] if theirs["p95"] else float("inf")
        print(f"  {what[:10]:10s} {ours['p50']:9.1f} {ours['p95']:7.1f} {ours['p99']:7.1f} {ours['max']:7.1f}   "
              f"{theirs['p50']:9.1f} {theirs['p95']:7.1f} {theirs['p99']:7.1f} {theirs['max']:7.1f}   "
              f"{ratio:8.2f}x  {ours['n']}")
    print(f"  totals and facets equal to FTS5's for {result['agree']} of {result['agree'] + result['disagree']} "
          f"requests ({result['unsupported']} not expressible in FTS5){'; e.g. ' if result['examples'] else ''}"
          f"{result['examples'][:3] if result['examples'] else ''}")


# -- updates ---------------------------------------------------------------------------------


def apply_updates(index: SearchIndex, fts: sqlite3.Connection, corpus: dict, pages: list[dict],
                  args: argparse.Namespace, rng: random.Random) -> dict:
    """``--updates`` commits like the sync job's: rewritten, new and deleted documents."""
    texts = [c["text"] for c in corpus["claims"]] + [p["text"] for p in corpus["posts"]]
    extra = documents(corpus, pages, args.updates * 12, args.seed + 1)
    next_id = args.docs + 1
    commit_ms = []
    gone_ids: set[int] = set()
    for _ in range(args.updates):
        changed: dict[int, dict] = {}
        for _n in range(rng.randint(1, 8)):
            doc_id = rng.randrange(1, args.docs + 1)
            row = fts.execute("SELECT kind FROM docs WHERE rowid = ?", (doc_id,)).fetchone()
            if row is not None:
                changed[doc_id] = as_kind(next(extra) | {"id": doc_id, "claim_id": doc_id, "body": rng.choice(texts)},
                                          row[0])
        for _n in range(rng.randint(0, 3)):
            changed[next_id] = next(extra) | {"id": next_id, "claim_id": next_id}
            next_id += 1
        gone = [g for g in (rng.randrange(1, args.docs + 1) for _n in range(rng.randint(0, 2)))
                if g not in changed and g not in gone_ids]
        kinds = dict(fts.execute(f"SELECT rowid, kind FROM docs WHERE rowid IN ({','.join('?' * len(gone))})",  # noqa: S608
                                 gone).fetchall()) if gone else {}
        started = time.perf_counter()
        index.update(changed.values())
        if kinds:
            index.delete(f"{kind}:{doc_id}" for doc_id, kind in kinds.items())
        commit_ms.append((time.perf_counter() - started) * 1000)
        with fts:
            fts.executemany("DELETE FROM docs WHERE rowid = ?", [(i,) for i in [*changed, *kinds]])
            fts.executemany("INSERT INTO docs(rowid, title, body, kind, status, verdict, language, platform, domain, "
                            "visible, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", map(fts_row, changed.values()))
        gone_ids.update(kinds)
    return {"commit": percentiles(commit_ms), "segments": segments(index)}


def as_kind(doc: dict, kind: str) -> dict:
    """``doc`` made a document of ``kind`` (a rewrite keeps its key)."""
    doc = dict(doc, kind=kind)
    if kind == "factcheck":
        doc.setdefault("verdict", "False")
        doc["status"] = doc.get("status") or "published"
        doc["title"] = doc.get("title") or f"Fact check: {doc['body'][:80]}"
    elif kind == "snapshot":
        doc.pop("status", None)
        doc.pop("verdict", None)
    else:
        doc.pop("verdict", None)
        doc["status"] = doc.get("status") or "submitted"
    return doc


def segments(index: SearchIndex) -> int:
    return len(index._searcher().reader().leaf_readers())  # noqa: SLF001


# -- near duplicates -------------------------------------------------------------------------


def perturb(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """What forwarding does to a text; returns the new text and its (shortened) links."""
    words = text.split()
    edits = rng.sample(["emoji", "banner", "wrap", "case", "word", "drop", "punct", "unemoji"], 3)
    if "word" in edits and len(words) > 4:
        words[rng.randrange(len(words))] = rng.choice(["bahut", "सच", "क्या", "news", "जरूर"])
    if "drop" in edits and len(words) > 4:
        del words[rng.randrange(len(words))]
    if "emoji" in edits:
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
    text = " ".join(w for w in words if not w.startswith("http"))
    if "unemoji" in edits:
        text = "".join(c for c in text if unicodedata.category(c) != "So")
    if "punct" in edits:
        text = text.replace("।", ".").replace(",", " ,").replace("!", "!!!").replace("?", "??")
    if "case" in edits:
        text = text.upper() if rng.random() < 0.5 else text.lower()
    if "wrap" in edits:
        text = "".join(w + ("\n" if rng.random() < 0.15 else " ") for w in text.split(" "))
    if "banner" in edits:
        text = f"{rng.choice(BANNERS)}\n{text}" if rng.random() < 0.7 else f"{text}\n{rng.choice(BANNERS)}"
    link = f"https://bit.ly/{rng.randrange(16**6):06x}"
    return f"{text}\n{link}", [link]


def rewordings(texts: list[str]) -> Callable[[str], bool]:
    """Whether a text shares 30% of its word trigrams with one of ``texts`` (the same item
    reworded: the corpus repeats news and statements), judged independently of similar.py."""
    holders: dict[tuple[str, ...], set[int]] = {}
    for i, text in enumerate(texts):
        for trigram in _trigrams(text):
            holders.setdefault(trigram, set()).add(i)

    def reworded(text: str) -> bool:
        grams = _trigrams(text)
        shared = Counter(i for gram in grams for i in holders.get(gram, ()))
        return bool(shared) and max(shared.values()) >= 0.3 * len(grams)

    return reworded


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return set(zip(words, words[1:], words[2:], strict=False))


def near_duplicates(index: SearchIndex, corpus: dict, count: int, rng: random.Random) -> dict:
    """Calibrate the threshold on one set; report recall@3 and false matches on another."""
    originals = list(range(len(corpus["claims"]) + 1, len(corpus["claims"]) + len(corpus["posts"]) + 1))
    rng.shuffle(originals)
    posts = {len(corpus["claims"]) + 1 + i: p["text"] for i, p in enumerate(corpus["posts"])}
    held = [p["text"] for p in corpus["held_posts"]] + [c["text"] for c in corpus["held_claims"]]
    rng.shuffle(held)
    sets = {"calibration": (originals[:count], held[:count]), "evaluation": (originals[count : 2 * count],
                                                                           held[count : 2 * count])}

    def scores(doc_ids: list[int], unrelated: list[str]) -> tuple[list[float], list[float], list[float]]:
        found, false, timing = [], [], []
        for doc_id in doc_ids:
            text, links = perturb(posts[doc_id], rng)
            started = time.perf_counter()
            matches = index.similar(text, links, limit=3, threshold=0.0)
            timing.append((time.perf_counter() - started) * 1000)
            found.append(next((m.score for m in matches if m.key == f"claim:{doc_id}"), 0.0))
        for text in unrelated:
            false.append(max((m.score for m in index.similar(text, [], limit=3, threshold=0.0)), default=0.0))
        return found, false, timing

    found, false, _timing = scores(*sets["calibration"])
    # The threshold that best separates the calibration set: most copies found less unrelated
    # texts matched (Youden's J), the higher one on a tie.
    candidates = sorted({round(score, 3) for score in (*found, *false) if score > 0}, reverse=True)
    threshold = max(candidates or [THRESHOLD], key=lambda t: (sum(s >= t for s in found) / len(found)
                                                              - sum(s >= t for s in false) / len(false), t))
    calibration = {"calibration_recall": sum(s >= threshold for s in found) / len(found),
                   "calibration_false": sum(s >= threshold for s in false) / len(false)}
    found, false, timing = scores(*sets["evaluation"])
    reworded = rewordings([p["text"] for p in corpus["posts"]] + [c["text"] for c in corpus["claims"]])
    evaluation_texts = sets["evaluation"][1]
    unrelated = [s for s, text in zip(false, evaluation_texts, strict=True) if not reworded(text)]
    return {"threshold": threshold, "current": THRESHOLD, **calibration, "n": count,
            "recall": sum(s >= threshold for s in found) / len(found),
            "recall_current": sum(s >= THRESHOLD for s in found) / len(found),
            "false": sum(s >= threshold for s in false) / len(false),
            "false_current": sum(s >= THRESHOLD for s in false) / len(false),
            "false_unreworded": sum(s >= threshold for s in unrelated) / max(1, len(unrelated)),
            "unreworded": len(unrelated), "time": percentiles(timing)}


# -- indexing under load --------------------------------------------------------------------


def measure_sync(args: argparse.Namespace, corpus: dict, pages: list[dict]) -> dict:
    """``--sync`` claims filed from 4 threads (each its own commit) into an app over an index of
    ``--docs`` documents, while 2 threads search and the app's in-process worker (3 threads, as
    ``factcheck serve``) runs the jobs: how many sync jobs and index commits that takes, and how
    long each filing waits before it is searchable."""
    import threading

    from factcheck import create_app, db
    from factcheck.accounts.models import User
    from factcheck.claims import operations as claims
    from factcheck.config import Config
    from factcheck.jobs import BackgroundWorker
    from factcheck.migrate import upgrade
    from factcheck.search import service

    with tempfile.TemporaryDirectory(prefix="factcheck-sync-") as tmp:
        instance = Path(tmp)
        url = f"sqlite:///{instance / 'factcheck.db'}"
        upgrade(url)
        config = Config(instance_dir=instance, database_url=url, index_dir=instance / "index",
                        archive_dir=instance / "archive", queue_url=f"sqlite:///{instance / 'queue.db'}",
                        secret_key="bench-" + os.urandom(8).hex())
        app = create_app(config)
        base = (d | {"id": d["id"] + 10_000_000, "claim_id": d["claim_id"] + 10_000_000}
                for d in documents(corpus, pages, args.docs, args.seed))
        with app.app_context():
            index = service.get_index()
            index.rebuild(base)
            user = User(email="bench@example.org", role="volunteer", name="Bench", password_hash="x")
            db.session().add(user)
            db.commit()
            user_id = user.id
        committed: dict[int, float] = {}
        indexed: dict[int, float] = {}
        jobs, batches = [0], [0]
        real_outbox, real_batch = service.sync_outbox, service.sync_index

        def counted_outbox() -> int:
            jobs[0] += 1
            return real_outbox()

        def timed_batch(batch: int | None = None) -> int:
            done = real_batch(batch)
            if done:
                batches[0] += 1
                now = time.perf_counter()
                # Every filing committed and no longer waiting in the outbox was indexed by now
                # (its request is written in its own transaction): the batch may have taken
                # requests committed after any look taken before it.
                waiting = set(db.session().scalars(waiting_claims()))
                db.rollback()
                for row_id in list(committed):
                    if row_id not in waiting:
                        indexed.setdefault(row_id, now)
            return done

        def waiting_claims():  # noqa: ANN202 - a select statement
            from sqlalchemy import select

            from factcheck.search.models import IndexRequest

            return select(IndexRequest.row_id).where(IndexRequest.kind == "claim")

        service.sync_outbox, service.sync_index = counted_outbox, timed_batch
        stop = threading.Event()
        search_ms: list[float] = []
        texts = [c["text"] for c in corpus["held_claims"]] + [p["text"] for p in corpus["held_posts"]]

        def search() -> None:
            rng = random.Random(1)
            with app.app_context():
                while not stop.is_set():
                    words = words_of(rng.choice(texts))[:2] or ["hoax"]
                    started = time.perf_counter()
                    service.get_index().search(" ".join(words), viewer=VIEWERS["staff"])
                    search_ms.append((time.perf_counter() - started) * 1000)

        def file(thread: int) -> None:
            rng = random.Random(thread)
            for n in range(thread, args.sync, 4):
                text = f"{rng.choice(texts)} syncbench{n}"
                with app.test_request_context():
                    actor = db.session().get(User, user_id)
                    claim = claims.file_claim(actor, claims.ClaimInput(text=text, platform="whatsapp"),
                                              app.extensions["factcheck.archive"].blobs)
                    db.commit()
                    committed[claim.id] = time.perf_counter()
                time.sleep(rng.uniform(0, 0.05))

        worker = BackgroundWorker(app.extensions["factcheck.queue"], workers=3)
        worker.start()
        searchers = [threading.Thread(target=search) for _ in range(2)]
        filers = [threading.Thread(target=file, args=(t,)) for t in range(4)]
        try:
            for thread in [*searchers, *filers]:
                thread.start()
            for thread in filers:
                thread.join()
            last = time.perf_counter()
            deadline = last + 120
            while len(indexed) < len(committed) and time.perf_counter() < deadline:
                time.sleep(0.05)
                # A filing indexed before its thread noted it as committed: seen here (late by
                # at most this loop's 50 ms), not by the batch that indexed it.
                with app.app_context():
                    waiting = set(db.session().scalars(waiting_claims()))
                now = time.perf_counter()
                for row_id in list(committed):
                    if row_id not in waiting:
                        indexed.setdefault(row_id, now)
            drained = time.perf_counter() - last
        finally:
            stop.set()
            for thread in searchers:
                thread.join()
            worker.stop()
            service.sync_outbox, service.sync_index = real_outbox, real_batch
        with app.app_context():
            found = service.get_index().search("syncbench*", viewer=VIEWERS["staff"]).total
            lag = service.outbox_lag()
            service.get_index().close()
        app.extensions[db.EXTENSION_KEY].dispose()
        waits = [(indexed[i] - committed[i]) * 1000 for i in committed if i in indexed]
        return {"filings": len(committed), "sync_jobs": jobs[0], "index_commits": batches[0],
                "searchable": len(indexed), "found_by_search": found, "outbox_after": lag.waiting,
                "drained_after_last_s": drained, "wait_ms": percentiles(waits), "search_ms": percentiles(search_ms)}


# -- main ------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--per-shape", type=int, default=50, help="queries of each shape (each asked by 4 viewers)")
    parser.add_argument("--updates", type=int, default=300, help="update commits before the second measure")
    parser.add_argument("--near", type=int, default=400, help="texts in each near-duplicate set")
    parser.add_argument("--procs", type=int, default=1, help="Whoosh writer processes for the build")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--skip-near", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="measure the build alone")
    parser.add_argument("--sync", type=int, default=0, metavar="FILINGS",
                        help="measure indexing under load instead: this many claims filed into an app")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(list(argv) if argv is not None else None)
    stay_on_loopback()  # names beyond loopback do not resolve: a job never leaves the machine
    rng = random.Random(args.seed)
    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "load_before": os.getloadavg()}
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs")

    corpus = split(args.seed)
    pages = load_pages()
    if args.sync:
        synced = measure_sync(args, corpus, pages)
        report["sync"] = synced
        wait, searched = synced["wait_ms"], synced["search_ms"]
        print(f"sync: {synced['filings']} filings (4 threads, one commit each) over {args.docs} documents, 2 threads "
              f"searching: {synced['sync_jobs']} sync jobs, {synced['index_commits']} index commits; filing to "
              f"searchable p50 {wait['p50']:.0f} ms, p95 {wait['p95']:.0f} ms, max {wait['max']:.0f} ms; all "
              f"searchable {synced['drained_after_last_s']:.1f} s after the last filing ({synced['searchable']} "
              f"indexed, {synced['found_by_search']} found, {synced['outbox_after']} left in the outbox); "
              f"searches meanwhile p50 {searched['p50']:.1f} ms, p95 {searched['p95']:.1f} ms ({searched['n']})")
        print(f"load average after: {os.getloadavg()}")
        if args.json:
            args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        return
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        pages_file = Path(tmp) / "pages.json"
        pages_file.write_text(json.dumps(pages), encoding="utf-8")
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        child = context.Process(target=build_child, args=(str(Path(tmp) / "index"), str(pages_file), args.docs,
                                                           args.seed, args.procs, out))
        child.start()
        built = out.get()
        child.join()
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file())
        report["build"] = built | {"index_mb": size / 1e6}
        print(f"build   SearchIndex: {built['count']} docs in {built['seconds']:.1f} s = "
              f"{built['count'] / built['seconds']:.0f} docs/s (procs={args.procs}; CPU time of the build "
              f"{built['cpu_seconds']:.0f} s = {built['count'] / built['cpu_seconds']:.0f} docs/s); peak RSS "
              f"{built['peak_rss_mb']:.0f} MB (RSS before building {built['rss_before_mb']:.0f} MB); "
              f"index {size / 1e6:.0f} MB")
        if args.build_only:
            return
        started = time.perf_counter()
        fts = build_fts(Path(tmp) / "fts.db", documents(corpus, pages, args.docs, args.seed))
        fts_seconds = time.perf_counter() - started
        report["build_fts5_seconds"] = fts_seconds
        print(f"build   FTS5:        {args.docs} docs in {fts_seconds:.1f} s = {args.docs / fts_seconds:.0f} docs/s "
              "(our analyzer's tokenizing included)")

        index = SearchIndex(Path(tmp) / "index")
        queries = make_queries(corpus, args.per_shape, rng)
        fresh = measure_search(index, fts, queries, rng)
        report["search_fresh"] = fresh
        print_search(f"fresh index ({segments(index)} segment)", fresh)

        started = time.perf_counter()
        updates = apply_updates(index, fts, corpus, pages, args, rng)
        commit = updates["commit"]
        print(f"\nupdates: {args.updates} sync-like commits in {time.perf_counter() - started:.1f} s; per commit "
              f"p50 {commit['p50']:.0f} ms, p95 {commit['p95']:.0f} ms, max {commit['max']:.0f} ms; "
              f"{updates['segments']} segments")
        index.close()
        index = SearchIndex(Path(tmp) / "index")
        updated = measure_search(index, fts, queries, rng)
        report["updates"] = updates
        report["search_updated"] = updated
        print_search(f"after {args.updates} update commits ({segments(index)} segments)", updated)
        started = time.perf_counter()
        merged = index.merge()
        report["merge"] = {"seconds": time.perf_counter() - started, "merged": merged, "segments": segments(index)}
        print(f"\nmerge job: {merged} segments merged in {report['merge']['seconds']:.1f} s; "
              f"{segments(index)} segments now")
        merged_search = measure_search(index, fts, queries, rng)
        report["search_merged"] = merged_search
        print_search("after the merge job", merged_search)

        if not args.skip_near:
            near = near_duplicates(index, corpus, args.near, rng)
            report["near"] = near
            print(f"\nsimilar: threshold {near['threshold']:.3f} calibrated on {near['n']} perturbed posts and "
                  f"{near['n']} unrelated held-out texts (recall {near['calibration_recall']:.3f}, "
                  f"false matches {near['calibration_false']:.3f} there; similar.THRESHOLD is {near['current']})")
            print(f"similar, held-out set of {near['n']} + {near['n']}: recall@3 {near['recall']:.3f}, any false "
                  f"match {near['false']:.3f} (raw) / {near['false_unreworded']:.3f} on the {near['unreworded']} "
                  f"that are not rewordings of an indexed text; at similar.THRESHOLD: recall "
                  f"{near['recall_current']:.3f}, false {near['false_current']:.3f}; similar() p50 "
                  f"{near['time']['p50']:.1f} ms, p95 {near['time']['p95']:.1f} ms")
        index.close()
        fts.close()
    report["load_after"] = os.getloadavg()
    print(f"\nload average after: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
