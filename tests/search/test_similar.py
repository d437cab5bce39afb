"""Similar claims at filing: forwarded variants of corpus posts find their original, unrelated
posts match nothing, a filed URL matches exactly, and the worst texts cost a bounded amount of work."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from factcheck.search import engine, similar
from factcheck.search.analysis import near_tokens
from factcheck.search.engine import SearchIndex
from factcheck.search.similar import similarity
from tests.conftest import corpus_path

INDEXED = 1200
EMOJI = ["🙏", "😡", "🔥", "👇", "‼️", "😱", "🇮🇳", "✅"]


def load_posts() -> list[str]:
    path = corpus_path("posts-hindi", "constraint_hindi_train.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        posts = [row["Post"] for row in csv.DictReader(handle)]
    unique = {" ".join(near_tokens(p)): p for p in posts if len(set(near_tokens(p))) >= 6}
    return list(unique.values())[:1600]


def claim(doc_id: int, text: str, **extra: object) -> dict:
    return {"kind": "claim", "id": doc_id, "body": text, "owner_id": 1, "status": "submitted",
            "date": dt.date(2024, 1, 1), **extra}


@pytest.fixture(scope="module")
def posts() -> list[str]:
    return load_posts()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, posts: list[str]) -> Iterator[SearchIndex]:
    liar = corpus_path("claims-liar", "valid.tsv")
    with open(liar, encoding="utf-8") as handle:
        statements = [row[2] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)][:300]
    docs = [claim(i, post) for i, post in enumerate(posts[:INDEXED], 1)]
    docs += [claim(5000 + i, text, language="en") for i, text in enumerate(statements)]
    ix = SearchIndex(tmp_path_factory.mktemp("similar") / "index")
    ix.rebuild(docs)
    yield ix
    ix.close()


# What forwarding does to a text.


def add_emoji(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(3):
        words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
    return " ".join(words)


def remove_emoji(text: str, _rng: random.Random) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in ("So", "Sk", "Mn") or c.isalpha()
                   or unicodedata.category(c) == "Mn" and unicodedata.name(c, "").startswith("DEVANAGARI"))


def banner(text: str, rng: random.Random) -> str:
    label = rng.choice(["*Forwarded as received*", "Forwarded many times", "_Forwarded_", "Fwd:"])
    return f"{label}\n{text}" if rng.random() < 0.5 else f"{text}\n\n{label}"


def rewrap(text: str, rng: random.Random) -> str:
    return "".join(w + ("\n" if rng.random() < 0.3 else " ") for w in text.split())


def punctuation_and_case(text: str, _rng: random.Random) -> str:
    return re.sub(r"[,।!?]", lambda m: {",": " ,", "।": ".", "!": "!!!", "?": " ??"}[m.group()], text).upper()


def change_word(text: str, rng: random.Random) -> str:
    words = text.split()
    words[rng.randrange(len(words))] = rng.choice(["बिल्कुल", "सच", "news", "जरूर"])
    return " ".join(words)


def drop_word(text: str, rng: random.Random) -> str:
    words = text.split()
    del words[rng.randrange(len(words))]
    return " ".join(words)


def shorten_links(text: str, rng: random.Random) -> str:
    text = re.sub(r"https?://\S+", lambda _m: f"https://bit.ly/{rng.randrange(16**6):06x}", text)
    return text if "bit.ly" in text else f"{text} https://bit.ly/{rng.randrange(16**6):06x}"


EDITS: dict[str, Callable[[str, random.Random], str]] = {
    "emoji added": add_emoji, "emoji removed": remove_emoji, "forward banner": banner,
    "re-wrapped": rewrap, "punctuation and case": punctuation_and_case, "changed word": change_word,
    "missing word": drop_word, "shortened link": shorten_links,
}


@pytest.mark.parametrize("edit", EDITS)
def test_each_forwarding_edit_still_finds_the_original(
    index: SearchIndex, posts: list[str], edit: str
) -> None:
    rng = random.Random(edit)
    for doc_id in rng.sample(range(1, INDEXED + 1), 25):
        variant = EDITS[edit](posts[doc_id - 1], rng)
        found = [m.key for m in index.similar(variant, [])][:3]
        assert f"claim:{doc_id}" in found, (edit, variant)


def test_posts_with_several_edits_find_their_original_in_the_top_three(
    index: SearchIndex, posts: list[str]
) -> None:
    rng = random.Random(7)
    missed = []
    for doc_id in rng.sample(range(1, INDEXED + 1), 80):
        variant = posts[doc_id - 1]
        for edit in rng.sample(sorted(EDITS), 3):
            variant = EDITS[edit](variant, rng)
        matches = index.similar(variant, [f"https://bit.ly/{doc_id}"], limit=3)
        if f"claim:{doc_id}" not in [m.key for m in matches]:
            missed.append(variant)
        assert all(m.reason == "text" and 0.5 <= m.score <= 1 for m in matches)
    assert len(missed) <= 1, missed


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return set(zip(words, words[1:], words[2:], strict=False))


def test_unrelated_posts_do_not_match(index: SearchIndex, posts: list[str]) -> None:
    # The corpus repeats news items in other words: held-out posts sharing a third of their
    # word trigrams with an indexed post are rewordings, not unrelated posts.
    holders: dict[tuple[str, ...], set[int]] = {}
    for i, post in enumerate(posts[:INDEXED]):
        for trigram in word_trigrams(post):
            holders.setdefault(trigram, set()).add(i)

    def reworded(post: str) -> bool:
        shared = Counter(i for trigram in word_trigrams(post) for i in holders.get(trigram, ()))
        return bool(shared) and max(shared.values()) >= 0.3 * len(word_trigrams(post))

    unrelated = [p for p in posts[INDEXED:] if not reworded(p)]
    assert len(unrelated) > 300
    matched = [(p, index.similar(p, [])) for p in unrelated]
    false = [(p, m) for p, m in matched if m]
    assert len(false) <= 0.02 * len(unrelated), false[:3]


def test_a_filed_url_matches_exactly_and_first(index: SearchIndex, tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index")
    url = "https://example.org/story?id=1"
    ix.update([
        claim(1, "Completely different words about cricket scores", urls=[url]),
        claim(2, "The moon landing was filmed in a studio says viral video"),
        {"kind": "snapshot", "id": 3, "claim_id": 1, "title": "t", "body": "moon landing studio",
         "url": url},
    ])
    matches = ix.similar("the moon landing was filmed in a STUDIO, says a viral clip!!", [url])
    assert (matches[0].key, matches[0].reason, matches[0].score) == ("claim:1", "url", 1.0)
    assert [m.key for m in matches] == ["claim:1", "claim:2"]  # never the snapshot
    assert matches[1].reason == "text" and 0.5 <= matches[1].score < 1
    assert [m.key for m in ix.similar("unrelated", ["https://example.org/story?id=2"])] == []
    ix.close()


def test_a_published_fact_check_matches_through_the_claim_it_reviewed(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index")
    ix.update([{"kind": "factcheck", "id": 9, "claim_id": 4, "title": "No, salt water does not cure COVID",
                "claim_text": "गर्म नमक के पानी से गरारे करने से कोरोना वायरस खत्म हो जाता है",
                "summary": "Doctors say this is false.", "body": "Long article " * 100,
                "status": "published", "verdict": "false"}])
    forwarded = "*Forwarded as received*\nगर्म नमक के पानी से गरारे करने से कोरोना वायरस खत्म हो जाता है 🙏🙏"
    [match] = ix.similar(forwarded, [])
    assert (match.key, match.kind, match.id, match.reason) == ("factcheck:9", "factcheck", 9, "text")
    assert match.score > 0.9
    ix.close()


def test_limit_exclude_and_empty_texts(index: SearchIndex, posts: list[str]) -> None:
    text = posts[0]
    assert [m.key for m in index.similar(text, [], limit=1)] == ["claim:1"]
    assert "claim:1" not in [m.key for m in index.similar(text, [], exclude=["claim:1"])]
    assert index.similar(text, [], limit=0) == []
    for empty in ("", "   ", "🙏🙏🙏", "*Forwarded as received*", "https://bit.ly/abc"):
        assert index.similar(empty, []) == []


def test_similarity_is_symmetric_and_bounded() -> None:
    a = near_tokens("मोदी सरकार ने किसानों के लिए नई योजना शुरू की")
    b = near_tokens("मोदी सरकार ने किसानों के लिए योजना शुरू की है")
    assert similarity(a, a) == 1.0
    assert similarity(a, b) == similarity(b, a)
    assert 0.5 < similarity(a, b) < 1.0
    assert similarity(a, near_tokens("क्रिकेट मैच में भारत की जीत")) < 0.2
    assert similarity([], a) == 0.0


@pytest.mark.parametrize("whole_lexicon_docs", [0, similar.WHOLE_LEXICON_DOCS], ids=["word by word", "whole"])
def test_word_frequencies_stay_right_across_commits_and_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 whole_lexicon_docs: int) -> None:
    """Frequencies are kept per segment across readers: after more commits (new segments, a
    deletion) each word's count is still the whole index's, as Whoosh counts it, whether a
    segment's words are looked up one by one (a large segment) or read whole (a small one)."""
    from factcheck.search.similar import _Idf

    monkeypatch.setattr(similar, "WHOLE_LEXICON_DOCS", whole_lexicon_docs)
    ix = SearchIndex(tmp_path / "index")
    words = ["flood", "bank", "vaccine", "मोदी", "rumour"]
    for commit in range(4):
        ix.update([claim(commit * 10 + n, f"{words[n % 5]} {words[(n + commit) % 5]} story {commit}")
                   for n in range(5)])
        if commit == 2:
            ix.delete([f"claim:{commit * 10}"])
        searcher = ix._searcher()
        idf = _Idf(searcher)
        reader = searcher.reader()
        for word in [*words, "story", "nothing"]:
            assert idf.frequency(word) == reader.doc_frequency("body", word), (commit, word)
    assert len(reader.leaf_readers()) > 1  # several segments, each with its own kept frequencies
    ix.close()


def test_a_small_segment_answers_absent_words_without_asking_whoosh(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A filing asks for hundreds of words, nearly all absent from an update's small segment:
    once its words are read, an absent word costs no lookup in it."""
    from whoosh.reading import SegmentReader

    from factcheck.search.similar import _Idf

    ix = SearchIndex(tmp_path / "index")
    ix.update([claim(1, "flood in the city, banks closed")])
    ix.update([claim(2, "vaccine rumour मोदी")])
    asked: list[str] = []
    lookup = SegmentReader.doc_frequency
    monkeypatch.setattr(SegmentReader, "doc_frequency",
                        lambda reader, field, word: asked.append(word) or lookup(reader, field, word))
    idf = _Idf(ix._searcher())
    unseen = [f"unseen{n}" for n in range(50)]
    assert [idf.frequency(word) for word in ["flood", "मोदी", *unseen]] == [1, 1] + [0] * 50
    assert asked == []
    ix.close()


# -- the worst texts ----------------------------------------------------------------------------------


def devanagari_words(count: int, start: int = 0) -> list[str]:
    """``count`` distinct made-up Devanagari words (two to four consonants)."""
    letters = "कखगघचछजझटठडढतथदधनपफबभमयरलवसह"
    words = ("".join(word) for length in (2, 3, 4) for word in itertools.product(letters, repeat=length))
    return list(itertools.islice(words, start, start + count))


SHARED = devanagari_words(8)  # in every claim of the worst-case index: each word fetches them all
OWN = devanagari_words(2000, start=8)  # ten words of each claim's own
WORST_TEXTS = {
    "distinct words": " ".join(SHARED + OWN + devanagari_words(30_000, start=3000)),
    "distinct Latin words": " ".join(f"w{n:x}" for n in range(30_000)),
    "one word repeated": "बैंक " * 25_000,
    "an indexed word repeated": (SHARED[0] + " ") * 34_000,
    "combining marks": "क" + "\u093c\u094d\u0902\u0901" * 25_000,
    "one word without spaces": "क" * 100_000,
    "links": "https://bit.ly/abc " * 6000,
}


class SimilarWork:
    """Counts what :func:`find_similar` does: characters analysed, candidate queries, candidates
    examined and scored, word frequencies looked up."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.analysed: list[int] = []
        self.queries: list[tuple[int, int]] = []  # (terms, documents asked for)
        self.candidates = self.scored = self.frequencies = 0
        self._spy(monkeypatch)

    def _spy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.undo()  # one spy at a time: the counts of one run are its own
        tokens, candidates, score = similar.near_tokens, similar._candidates, similar.similarity
        frequency, find = similar._Idf.frequency, engine.find_similar

        def counted_tokens(text: str) -> list[str]:
            self.analysed.append(len(text))
            return tokens(text)

        def counted_candidates(*args: Any) -> Iterator[dict]:
            for stored in candidates(*args):
                self.candidates += 1
                yield stored

        def counted_score(*args: Any) -> float:
            self.scored += 1
            return score(*args)

        def counted_frequency(idf: Any, word: str) -> int:
            self.frequencies += 1
            return frequency(idf, word)

        def find_with_counted_queries(*args: Any, best: Any, **kwargs: Any) -> list:
            def counted_best(q: Any, count: int) -> list:
                self.queries.append((len(q.subqueries), count))
                return best(q, count)

            return find(*args, best=counted_best, **kwargs)

        monkeypatch.setattr(similar, "near_tokens", counted_tokens)
        monkeypatch.setattr(similar, "_candidates", counted_candidates)
        monkeypatch.setattr(similar, "similarity", counted_score)
        monkeypatch.setattr(similar._Idf, "frequency", counted_frequency)
        monkeypatch.setattr(engine, "find_similar", find_with_counted_queries)


def test_the_worst_texts_cost_no_more_than_their_first_10k_characters(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """100 KB texts of distinct words, one word, combining marks, one long word or links: at most
    MAX_TEXT characters are analysed, one query of at most CANDIDATE_WORDS words asks for
    CANDIDATES documents, at most that many are scored, and the word frequencies looked up are
    those of the text's first MAX_TEXT characters (the work stops growing there)."""
    ix = SearchIndex(tmp_path / "index")
    ix.update([claim(n + 1, " ".join(SHARED + OWN[n * 10 : n * 10 + 10])) for n in range(200)])
    similar._candidate_tokens.cache_clear()
    scored_most = 0
    for name, text in WORST_TEXTS.items():
        assert len(text) >= 100_000, name
        work = SimilarWork(monkeypatch)
        ix.similar(text)
        assert max(work.analysed) <= similar.MAX_TEXT, name
        assert len(work.queries) <= 1, name
        assert all(terms <= similar.CANDIDATE_WORDS and count == similar.CANDIDATES
                   for terms, count in work.queries), (name, work.queries)
        assert work.scored <= work.candidates <= similar.CANDIDATES, name
        capped = SimilarWork(monkeypatch)
        ix.similar(text[: similar.MAX_TEXT])
        assert (work.frequencies, work.queries, work.candidates) == \
            (capped.frequencies, capped.queries, capped.candidates), name
        scored_most = max(scored_most, work.scored)
    assert scored_most == similar.CANDIDATES  # an indexed word in all 200 claims fetched the most
    ix.close()
