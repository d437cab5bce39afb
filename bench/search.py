"""Search benchmark on the shared corpus (run on demand; prints its figures).

    .venv/bin/python bench/search.py [--docs 100000] [--procs 1] [--queries 200] [--near 500]

Indexes the real claims (LIAR) and Hindi posts (CONSTRAINT) of ``../shared/corpus`` and the main
text of its archived pages, replicated and varied up to ``--docs`` documents, in a temporary
folder. Then, on the same documents and the same queries (1-4 consecutive words of held-out
claims and posts, half of them Hindi):

- index build rate of :class:`SearchIndex` and of SQLite FTS5 (the C baseline);
- p50/p95 latency (median of 3 runs per query) of ``SearchIndex.search`` as a reviewer (total,
  facets, snippets included), of FTS5 (top 20 by bm25 with snippets, plus the total), and of a
  linear scan;
- near duplicates: recall@3 of ``SearchIndex.similar`` on perturbed posts, and its false-match
  rate on held-out posts and claims that are not rewordings of an indexed one.

FTS5's unicode61 tokenizer treats combining marks as separators (it would cut ``मजबूत`` into
``मजब`` and ``त``), so it is given every Indic combining mark as a token character, keeps
diacritics (``remove_diacritics 0``) and stems English with ``porter``: the same words as ours.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.search.analysis import tokens
from factcheck.search.engine import SearchIndex, Viewer

CORPUS = ROOT.parent / "shared" / "corpus"
csv.field_size_limit(10_000_000)

STATUSES = ["submitted", "researching", "in_review", "approved", "published", "rejected", "duplicate"]
PLATFORMS = ["whatsapp", "facebook", "x", "youtube", "instagram", "telegram", "web", "other"]
VERDICTS = {"pants-fire": "false", "false": "false", "barely-true": "misleading",
            "half-true": "half-true", "mostly-true": "mostly-true", "true": "true"}
EMOJI = ["🙏", "😡", "🔥", "👇", "‼️", "😱", "🇮🇳", "✅", "❌", "👉"]
BANNERS = ["*Forwarded as received*", "Forwarded many times", "_Forwarded_", "Fwd:",
           "Forwarded as received", "*FORWARDED*"]


# -- corpus ----------------------------------------------------------------------------------


def load_claims() -> list[dict]:
    """LIAR statements: English claims with a verdict."""
    out = []
    for name in ("train.tsv", "valid.tsv", "test.tsv"):
        with open(CORPUS / "claims-liar" / name, encoding="utf-8") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) >= 3 and row[2].strip():
                    out.append({"text": row[2].strip(), "label": row[1], "lang": "en",
                                "source": f"liar:{row[0]}"})
    return out


def load_posts() -> list[dict]:
    """CONSTRAINT Hindi posts, with their emoji and links."""
    out = []
    for name in ("constraint_hindi_train.csv", "constraint_hindi_valid.csv"):
        with open(CORPUS / "posts-hindi" / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["Post"].strip():
                    out.append({"text": row["Post"], "label": row["Labels Set"], "lang": "hi",
                                "source": f"post:{name[17:22]}:{row['Unique ID']}"})
    return out


def load_pages() -> list[dict]:
    """Main text of the archived pages: pages-zyte ground truth, pages-indic via trafilatura."""
    import trafilatura

    out = []
    truth = json.loads((CORPUS / "pages-zyte" / "ground-truth.json").read_text(encoding="utf-8"))
    for key, entry in truth.items():
        if entry.get("articleBody"):
            out.append({"url": entry["url"], "text": entry["articleBody"], "source": f"zyte:{key}"})
    dates = json.loads((CORPUS / "pages-indic" / "dates.json").read_text(encoding="utf-8"))
    for url, entry in dates.items():
        html = (CORPUS / "pages-indic" / "html" / entry["file"]).read_text(encoding="utf-8", errors="replace")
        text = trafilatura.extract(html) or ""
        if text:
            out.append({"url": url, "text": text, "source": f"indic:{entry['file']}"})
    return out


# -- documents -------------------------------------------------------------------------------


def make_documents(claims: list[dict], posts: list[dict], pages: list[dict], total: int,
                   rng: random.Random) -> list[dict]:
    """The originals, then spliced variants (half of one text, half of another) up to ``total``."""
    docs: list[dict] = []
    start = dt.date(2019, 1, 1)

    def add(kind: str, text: str, lang: str, label: str = "", url: str = "", title: str = "") -> None:
        doc_id = len(docs) + 1
        status = "published" if kind == "factcheck" else rng.choice(STATUSES)
        domain = url.split("/")[2] if url.count("/") >= 2 else ""
        doc = {
            "kind": kind, "id": doc_id, "claim_id": doc_id, "title": title, "body": text,
            "status": status, "language": lang, "platform": rng.choice(PLATFORMS),
            "date": start + dt.timedelta(days=rng.randrange(1000)),
            "owner_id": rng.randrange(1, 200), "urls": [url] if url else [], "domain": domain,
        }
        if kind == "factcheck":
            doc.update(verdict=VERDICTS.get(label, "false"), title=f"Fact check: {text[:80]}",
                       claim_text=text, summary=text)
        docs.append(doc)

    for claim in claims:
        add("factcheck" if rng.random() < 0.3 else "claim", claim["text"], "en", claim["label"])
    for post in posts:
        add("claim", post["text"], "hi", post["label"])
    by_lang = {"en": [c["text"] for c in claims], "hi": [p["text"] for p in posts]}
    for page in pages:
        for copy in range(10):
            add("snapshot", page["text"], "", url=f"{page['url']}#copy{copy}" if copy else page["url"],
                title=page["text"].split("\n", 1)[0][:120])
    while len(docs) < total:
        lang = "hi" if rng.random() < 0.5 else "en"
        a, b = rng.choice(by_lang[lang]).split(), rng.choice(by_lang[lang]).split()
        text = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        add("factcheck" if rng.random() < 0.2 else "claim", text, lang, "false")
    return docs[:total]


def words_of(text: str) -> list[str]:
    return [w.strip(".,!?;:'\"()[]{}|*_") for w in text.split()
            if not w.startswith(("http", "@", "#", "www")) and any(c.isalnum() for c in w)]


def make_queries(claims: list[dict], posts: list[dict], count: int, rng: random.Random) -> list[str]:
    """``count`` queries of 1-4 consecutive words, half from Hindi posts, half from claims."""
    out = []
    while len(out) < count:
        source = posts if len(out) % 2 else claims
        words = [w for w in words_of(rng.choice(source)["text"]) if w]
        if not words:
            continue
        size = rng.randint(1, 4)
        at = rng.randrange(max(1, len(words) - size + 1))
        query = " ".join(words[at : at + size])
        if tokens(query):
            out.append(query)
    return out


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
        words = text.split(" ")
        text = "".join(w + ("\n" if rng.random() < 0.15 else " ") for w in words)
    if "banner" in edits:
        text = f"{rng.choice(BANNERS)}\n{text}" if rng.random() < 0.7 else f"{text}\n{rng.choice(BANNERS)}"
    link = f"https://bit.ly/{rng.randrange(16**6):06x}"
    return f"{text}\n{link}", [link]


# -- measuring -------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def latency(fn: Callable[[], object]) -> float:
    """The median of three runs: the machine is shared, one run catches others' bursts."""
    return statistics.median(timed(fn) for _ in range(3))


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


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {q[49]:7.1f} ms   p95 {q[94]:7.1f} ms   max {max(samples):7.1f} ms"


INDIC_MARKS = "".join(
    chr(c) for c in range(0x0900, 0x0E00) if unicodedata.category(chr(c)).startswith("M")
) + "\u200c\u200d"


def build_fts(path: Path, docs: list[dict]) -> sqlite3.Connection:
    """The FTS5 baseline over the same title and body."""
    db = sqlite3.connect(path)
    tokenchars = INDIC_MARKS.replace("'", "''")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, kind UNINDEXED, "
        f"tokenize = \"porter unicode61 remove_diacritics 0 tokenchars '{tokenchars}'\")"
    )
    with db:
        db.executemany(
            "INSERT INTO docs(rowid, title, body, kind) VALUES (?, ?, ?, ?)",
            ((d["id"], d["title"], "\n\n".join(filter(None, [d.get("summary"), d["body"]])), d["kind"])
             for d in docs),
        )
    return db


def fts_search(db: sqlite3.Connection, query: str) -> int:
    words = [w for w in query.split() if any(c.isalnum() for c in w)]
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
    if not match:
        return 0
    db.execute(
        "SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 16) FROM docs "
        "WHERE docs MATCH ? ORDER BY rank LIMIT 20", (match,)
    ).fetchall()
    return db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]


def linear_search(texts: list[str], query: str) -> int:
    words = [w.casefold() for w in query.split()]
    return sum(1 for text in texts if all(w in text for w in words))


# -- main ------------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--near", type=int, default=500)
    parser.add_argument("--procs", type=int, default=1, help="Whoosh writer processes")
    parser.add_argument("--linear", type=int, default=50, help="queries for the linear scan")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(list(argv) if argv is not None else None)
    rng = random.Random(args.seed)

    claims, posts, pages = load_claims(), load_posts(), load_pages()
    rng.shuffle(claims)
    rng.shuffle(posts)
    held_claims, claims = claims[: len(claims) // 20], claims[len(claims) // 20 :]
    held_posts, posts = posts[: len(posts) // 10], posts[len(posts) // 10 :]
    docs = make_documents(claims, posts, pages, args.docs, rng)
    chars = sum(len(d["body"]) for d in docs)
    print(f"corpus: {len(claims)} claims, {len(posts)} posts, {len(pages)} pages "
          f"-> {len(docs)} documents, {chars / 1e6:.1f} M characters")

    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp:
        index = SearchIndex(Path(tmp) / "index")
        started = time.perf_counter()
        count = index.rebuild(docs, procs=args.procs)
        seconds = time.perf_counter() - started
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file())
        print(f"build   SearchIndex: {count} docs in {seconds:6.1f} s = {count / seconds:7.0f} docs/s"
              f" (procs={args.procs}); index {size / 1e6:.0f} MB")
        started = time.perf_counter()
        fts = build_fts(Path(tmp) / "fts.db", docs)
        fts_seconds = time.perf_counter() - started
        print(f"build   FTS5:        {len(docs)} docs in {fts_seconds:6.1f} s = "
              f"{len(docs) / fts_seconds:7.0f} docs/s")

        queries = make_queries(held_claims, held_posts, args.queries, rng)
        reviewer = Viewer("reviewer", 1)
        index.search(queries[0], viewer=reviewer)  # open the searcher, load the facet columns
        ours = [latency(lambda q=q: index.search(q, viewer=reviewer)) for q in queries]
        totals = [index.search(q, viewer=reviewer).total for q in queries]
        theirs = [latency(lambda q=q: fts_search(fts, q)) for q in queries]
        fts_totals = [fts_search(fts, q) for q in queries]
        hindi = [i for i in range(len(queries)) if i % 2]
        print(f"search  SearchIndex: {percentiles(ours)}   (Hindi only: "
              f"{percentiles([ours[i] for i in hindi])})")
        print(f"search  FTS5:        {percentiles(theirs)}   (Hindi only: "
              f"{percentiles([theirs[i] for i in hindi])})")
        agree = sum(1 for a, b in zip(totals, fts_totals, strict=True) if a == b)
        print(f"        {len(queries)} queries, median of 3 runs each; totals equal to FTS5's for "
              f"{agree}; median total {statistics.median(totals):.0f}")
        texts = [f"{d['title']}\n{d['body']}".casefold() for d in docs]
        linear = [timed(lambda q=q: linear_search(texts, q)) for q in queries[: args.linear]]
        print(f"search  linear scan: {percentiles(linear)}   ({len(linear)} queries)")

        originals = [d for d in docs if d["language"] == "hi" and d["kind"] == "claim"][: len(posts)]
        sample = rng.sample(originals, min(args.near, len(originals)))
        found, near_times = 0, []
        for doc in sample:
            text, links = perturb(doc["body"], rng)
            started = time.perf_counter()
            matches = index.similar(text, links, limit=3)
            near_times.append((time.perf_counter() - started) * 1000)
            found += f"claim:{doc['id']}" in [m.key for m in matches]
        print(f"similar recall@3 {found / len(sample):.3f} on {len(sample)} perturbed posts; "
              f"{percentiles(near_times)}")
        held = [p["text"] for p in held_posts] + [c["text"] for c in held_claims]
        held = rng.sample(held, min(2 * args.near, len(held)))
        reworded = rewordings([p["text"] for p in posts] + [c["text"] for c in claims])
        unrelated = [text for text in held if not reworded(text)][: args.near]
        false = sum(1 for text in unrelated if index.similar(text, [], limit=3))
        raw = sum(1 for text in held[: args.near] if index.similar(text, [], limit=3))
        print(f"similar false matches {false / len(unrelated):.3f} on {len(unrelated)} unrelated held-out "
              f"texts (any match: {raw / args.near:.3f} on {args.near} held-out texts before removing "
              f"those sharing 30% of their word trigrams with an indexed one: rewordings)")
        index.close()
        fts.close()


if __name__ == "__main__":
    main()
