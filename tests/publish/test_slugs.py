"""Slugs for /fact-checks/<slug>: readable in Hindi, stable, URL-safe and unique."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.publish.slugs import slugify, unique_slug


def assert_url_safe(slug: str) -> None:
    assert slug
    assert slug == slug.strip("-")
    assert "--" not in slug
    assert unicodedata.is_normalized("NFC", slug)
    encoded = quote(slug, safe="")
    assert encoded.isascii()
    assert unquote(encoded) == slug
    for char in slug:
        category = unicodedata.category(char)
        assert char == "-" or category[0] in "LM" or category in ("Nd", "Nl"), f"{char!r} in {slug!r}"


@pytest.mark.parametrize(
    ("headline", "words"),
    [
        ("कांग्रेस नेता का दावा झूठा", ["कांग्रेस", "नेता", "का", "दावा", "झूठा"]),
        ("क्षत्रिय समाज पर वायरल पोस्ट फ़र्ज़ी है।", ["क्षत्रिय", "समाज", "वायरल", "फ़र्ज़ी"]),
        ("PM मोदी ने “100%” मज़बूत कहा", ["pm", "मोदी", "100", "मज़बूत"]),
        ("আমার সোনার বাংলা", ["আমার", "সোনার", "বাংলা"]),
        ("தமிழ் செய்தி", ["தமிழ்", "செய்தி"]),
    ],
)
def test_words_of_every_script_stay_whole(headline: str, words: list[str]) -> None:
    slug = slugify(headline)
    assert_url_safe(slug)
    for word in words:
        assert unicodedata.normalize("NFC", word) in slug.split("-")


def test_latin_is_lower_cased_and_punctuation_separates() -> None:
    slug = slugify("Fact Check: Is An 'Oxygen Bar' In Delhi Offering Fresh Air For Rs 300?")
    assert slug == slug.lower()
    assert slug.split("-")[:4] == ["fact", "check", "is", "an"]
    assert "300" in slug.split("-")
    assert "?" not in slug
    assert ":" not in slug


def test_apostrophes_do_not_split_words() -> None:
    assert "dont" in slugify("Don't share this video").split("-")


def test_same_headline_gives_same_slug_whatever_its_normal_form() -> None:
    composed = "Caf\u00e9 \u0929\u093e\u092e"  # é and ऩ (न + nukta) have precomposed forms
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert slugify(decomposed) == slugify(composed) == slugify(composed)


@pytest.mark.parametrize("headline", ["", "   ", "!!! ??? …", "🙏🙏🙏", "\u0902\u093e"])
def test_slug_is_never_empty(headline: str) -> None:
    assert slugify(headline) == "fact-check"


def test_long_headlines_are_cut_at_a_word() -> None:
    headline = "वायरल वीडियो में किया गया दावा भ्रामक है " * 10
    slug = slugify(headline, max_length=60)
    assert len(slug) <= 60
    assert_url_safe(slug)
    assert all(word in headline.split() for word in slug.split("-"))


def test_a_single_long_word_is_not_cut_inside_a_conjunct() -> None:
    word = "क्षत्रिय" * 20
    slug = slugify(word, max_length=30)
    assert 20 <= len(slug) <= 30
    assert word.startswith(slug)
    assert unicodedata.combining(slug[-1]) != 9, "ends on a virama: half a conjunct"
    assert unicodedata.category(word[len(slug)])[0] != "M", "a vowel sign was cut from its letter"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.integers(min_value=10, max_value=100))
def test_any_headline_gives_a_short_safe_stable_slug(headline: str, max_length: int) -> None:
    slug = slugify(headline, max_length=max_length)
    assert len(slug) <= max_length
    assert_url_safe(slug)
    assert slugify(headline, max_length=max_length) == slug
    assert slugify(slug, max_length=max_length) == slug


def test_unique_slug_adds_the_first_free_number() -> None:
    taken = {"claim", "claim-2", "claim-3"}
    assert unique_slug("claim", taken.__contains__) == "claim-4"
    assert unique_slug("other", taken.__contains__) == "other"


def test_unique_slug_stays_within_the_length() -> None:
    base = slugify("दावा " * 40)
    assert len(base) <= 80
    slug = unique_slug(base, lambda candidate: candidate == base)
    assert slug.endswith("-2")
    assert len(slug) <= 80
    assert_url_safe(slug)


def test_unique_slug_gives_up_rather_than_looping_forever() -> None:
    with pytest.raises(RuntimeError):
        unique_slug("taken", lambda candidate: True)
