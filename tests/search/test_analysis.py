"""The Indic-aware analyzer: whole Devanagari words, NFC, case folding, English-only stemming."""

from __future__ import annotations

import csv
import pickle
import unicodedata

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st
from whoosh.analysis import StandardAnalyzer
from whoosh.formats import Positions

from factcheck.search.analysis import _WORD, analyzer, near_tokens, normalise, token_spans, tokens
from factcheck.search.schema import AnalyzedText, build_schema
from tests.conftest import corpus_path

# A "word" as a reader sees it: letters and marks between spaces and punctuation.
DEVANAGARI_WORD = regex.compile(r"^[\p{Devanagari}\u200c\u200d]+$")


def hindi_posts(limit: int = 400) -> list[str]:
    path = corpus_path("posts-hindi", "constraint_hindi_train.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["Post"] for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]


def test_stock_whoosh_breaks_devanagari_words_which_ours_keeps_whole() -> None:
    stock = [t.text for t in StandardAnalyzer()("कांग्रेस मजबूत")]
    assert stock != ["कांग्रेस", "मजबूत"]  # why this analyzer exists
    assert tokens("कांग्रेस मजबूत") == ["कांग्रेस", "मजबूत"]


def test_every_devanagari_word_of_corpus_posts_is_one_whole_token() -> None:
    checked = 0
    for post in hindi_posts():
        stream = tokens(post)
        for raw in regex.split(r"[\s\p{P}\p{S}]+", post):
            if not DEVANAGARI_WORD.match(raw) or raw.startswith(("\u200c", "\u200d")):
                continue
            expected = normalise(raw)
            if not expected:
                continue  # a stop word
            assert tokens(raw) == [expected], raw
            assert expected in stream, raw
            assert expected.replace("\u093c", "") == unicodedata.normalize(
                "NFC", raw.replace("\u200c", "").replace("\u200d", "")
            ).replace("\u093c", "").replace("\u0901", "\u0902")
            checked += 1
    assert checked > 2000


def test_words_with_zero_width_joiners_from_the_corpus_stay_whole() -> None:
    joined = [
        word for post in hindi_posts(6000) for word in post.split()
        if "\u200d" in word.strip("\u200d") or "\u200c" in word.strip("\u200c")
    ]
    assert joined, "the corpus has words with ZWJ/ZWNJ inside"
    for word in joined:
        bare = word.replace("\u200d", "").replace("\u200c", "")
        assert tokens(word) == tokens(bare), word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("कांग्रेस", ["कांग्रेस"]),
        ("मजबूत", ["मजबूत"]),
        ("क्\u200dष", ["क्ष"]),  # ZWJ inside a conjunct
        ("क\u093c", tokens("\u0958")),  # decomposed and precomposed qa
        ("ज़्यादा", ["ज्यादा"]),  # nukta folded
        ("हँसी", ["हंसी"]),  # chandrabindu folded to anusvara
        ("cafe\u0301", ["café"]),  # NFC
        ("DELHI Delhi delhi", ["delhi", "delhi", "delhi"]),
        ("STRASSE straße", ["strass", "strass"]),
        ("running runs ran", ["run", "run", "ran"]),
        ("don't India's Modi’s", ["dont", "india", "modi"]),
        ("the claim is not true", ["claim", "not", "true"]),
        ("मोदी के साथ", ["मोदी", "साथ"]),  # Hindi postposition dropped
        ("see https://t.co/8iy2MJSBAs now", ["see", "now"]),
        ("COVID-19 2020", ["covid", "19", "2020"]),
        ("#LIVE @sambitswaraj", ["live", "sambitswaraj"]),
        ("🙏 जय श्री राम 🙏", ["जय", "श्री", "राम"]),
    ],
)
def test_normal_forms(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    "word", ["कांग्रेस", "किसानों", "চলছে", "தமிழ்நாடு", "ਪੰਜਾਬ", "ગુજરાતી", "новости", "ελληνικά", "اردو"]
)
def test_other_scripts_are_never_stemmed(word: str) -> None:
    assert tokens(word) == [unicodedata.normalize("NFC", word).casefold()]


def test_mixed_hindi_english_sentence() -> None:
    assert tokens("Modi government ने farmers के लिए scheme लॉन्च की") == [
        "modi", "govern", "farmer", "लिए", "scheme", "लॉन्च"
    ]


def test_offsets_point_into_the_original_text_and_positions_count_kept_words() -> None:
    text = "The  *कांग्रेस*  is running — क्\u200dष!"
    stream = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer()(text, positions=True, chars=True)]
    assert [s[0] for s in stream] == ["कांग्रेस", "run", "क्ष"]
    assert [s[1] for s in stream] == [0, 1, 2]
    assert [text[s[2]:s[3]] for s in stream] == ["कांग्रेस", "running", "क्\u200dष"]


def test_analyzer_pickles_with_the_schema() -> None:
    restored = pickle.loads(pickle.dumps(analyzer()))
    assert restored == analyzer()
    assert [t.text for t in restored("कांग्रेस running")] == ["कांग्रेस", "run"]


def test_forwarding_noise_is_not_part_of_near_duplicate_tokens() -> None:
    text = "*Forwarded as received*\nForwarded many times\nFwd: मोदी जी ने कहा 🙏 https://bit.ly/abc"
    assert near_tokens(text) == ["मोदी", "जी", "कहा"]
    assert near_tokens("The forwarded message was fake") == ["forward", "messag", "fake"]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_token_stream_agrees_with_the_analyzer_on_any_text(text: str) -> None:
    stream = tokens(text)
    analysed = [(t.text, t.startchar, t.endchar) for t in analyzer()(text, chars=True)]
    assert stream == [a[0] for a in analysed]
    for token, start, end in analysed:
        assert token and not any(ch.isspace() for ch in token)
        assert unicodedata.is_normalized("NFC", token)
        assert 0 <= start < end <= len(text)


pieces = st.lists(st.sampled_from([
    "word", "Word's", "don’t", "मजबूत", "कांग्रेस", "क़", "\u200c", "\u200d", " ", "\n", ".", ",", "-", "'",
    "https://t.co/x", "www.Example.org/a", "WWW.", "http:", "://", "🙏", "\ufe0f", "1", "2024", "the", "के",
]), max_size=40).map("".join)


@given(text=st.one_of(pieces, st.text(max_size=80)))
def test_token_spans_find_each_word_where_the_tokenizer_matched_it(text: str) -> None:
    # token_spans takes a faster path for text without links: it must give the same spans.
    slow = []
    for match in _WORD.finditer(text):
        if match.group(1) and (token := normalise(match.group(1))):
            slow.append((token, match.start(1), match.end(1)))
    assert token_spans(text) == slow
    assert [token for token, _start, _end in slow] == tokens(text)


@given(text=st.one_of(pieces, st.text(max_size=80)))
def test_the_index_format_writes_the_postings_the_stock_positions_format_writes(text: str) -> None:
    field = build_schema()["body"]
    stock = Positions(field_boost=1.0)
    expected = sorted(stock.word_values(text, analyzer()))
    assert sorted(field.format.word_values(text, field.analyzer)) == expected
    analyzed = AnalyzedText(text, tokens(text))
    assert sorted(field.format.word_values(analyzed, field.analyzer)) == expected
    assert pickle.loads(pickle.dumps(analyzed)).words == analyzed.words  # noqa: S301
