"""ClaimReview JSON-LD (SPEC §5): Google's required properties, the shape of real examples, escaping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import html

from factcheck.publish.claimreview import (
    Appearance,
    Correction,
    FactCheckDoc,
    claim_review,
    json_ld_script,
)
from tests.conftest import corpus_path

BASE = "https://factcheck.example.in"
IST = timezone(timedelta(hours=5, minutes=30))
# SPEC §2, written out independently of factcheck.publish.verdicts.
SCALE = {"False": 1, "Misleading": 2, "Partly false": 2, "Missing context": 3, "Unproven": 3, "True": 5}
HOSTILE = '</script><script>alert("x")</script><!-- \u2028\u2029 & <b> </SCRIPT >'
URL_KEYS = {"url", "archivedAt", "image", "sameAs", "@context"}


@pytest.fixture
def make_doc() -> Callable[..., FactCheckDoc]:
    """A builder of fact-check documents with every field filled in."""

    def build(**changes: Any) -> FactCheckDoc:
        values: dict[str, Any] = {
            "url": f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा",
            "headline": "कांग्रेस नेता का दावा झूठा",
            "summary": "The video is from 2015, not from this week.",
            "claim_text": "A viral video shows the minister admitting the scheme failed.",
            "verdict": "False",
            "date_published": datetime(2024, 5, 2, 10, 30, tzinfo=IST),
            "date_modified": datetime(2024, 5, 3, 9, 0, tzinfo=UTC),
            "author_name": "Asha Verma",
            "reviewer_name": "Ravi Kumar",
            "organisation_name": "Factcheck Workbench",
            "organisation_url": BASE,
            "claim_author": "Viral WhatsApp forward",
            "claim_date": datetime(2024, 4, 30, tzinfo=UTC),
            "appearances": [
                Appearance(
                    "https://social.example/post/2",
                    f"{BASE}/snapshots/12",
                    datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
                    "a" * 64,
                ),
                Appearance(
                    "https://news.example/story",
                    f"{BASE}/snapshots/11",
                    datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
                    "b" * 64,
                ),
                Appearance("https://gone.example/deleted"),
            ],
            "image_url": f"{BASE}/fact-checks/x/card.png",
            "language": "hi",
            "corrections": [Correction(datetime(2024, 5, 3, 9, 0, tzinfo=UTC), "Fixed the date of the video.")],
        }
        values.update(changes)
        return FactCheckDoc(**values)

    return build


def walk(value: Any, key: str | None = None) -> Iterator[tuple[str | None, Any]]:
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from walk(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, key)
    else:
        yield key, value


def test_google_required_properties(make_doc: Callable[..., FactCheckDoc]) -> None:
    review = claim_review(make_doc())
    assert review["@context"] in ("https://schema.org", "http://schema.org")
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "A viral video shows the minister admitting the scheme failed."
    assert review["url"] == f"{BASE}/fact-checks/कांग्रेस-नेता-का-दावा-झूठा"
    assert review["author"] == {"@type": "Organization", "name": "Factcheck Workbench", "url": BASE}
    assert datetime.fromisoformat(review["datePublished"]) == datetime(2024, 5, 2, 10, 30, tzinfo=IST)
    rating = review["reviewRating"]
    assert rating == {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1, "alternateName": "False"}
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["name"] == "Viral WhatsApp forward"
    assert datetime.fromisoformat(item["datePublished"]) == datetime(2024, 4, 30, tzinfo=UTC)
    assert [work["url"] for work in item["appearance"]] == [
        "https://social.example/post/2", "https://news.example/story", "https://gone.example/deleted",
    ]
    assert all(work["@type"] == "CreativeWork" for work in item["appearance"])


def test_first_appearance_is_the_earliest_capture(make_doc: Callable[..., FactCheckDoc]) -> None:
    item = claim_review(make_doc())["itemReviewed"]
    assert item["firstAppearance"] == {
        "@type": "CreativeWork", "url": "https://news.example/story", "archivedAt": f"{BASE}/snapshots/11",
    }
    uncaptured = claim_review(make_doc(appearances=[Appearance("https://a.example/"), Appearance("https://b.example/")]))
    assert uncaptured["itemReviewed"]["firstAppearance"]["url"] == "https://a.example/"


@pytest.mark.parametrize(("verdict", "rating"), SCALE.items())
def test_every_verdict_has_its_rating(make_doc: Callable[..., FactCheckDoc], verdict: str, rating: int) -> None:
    review_rating = claim_review(make_doc(verdict=verdict))["reviewRating"]
    assert review_rating["ratingValue"] == rating
    assert review_rating["alternateName"] == verdict
    assert (review_rating["worstRating"], review_rating["bestRating"]) == (1, 5)
    assert review_rating["worstRating"] <= review_rating["ratingValue"] <= review_rating["bestRating"]


def test_verdict_names_are_matched_loosely(make_doc: Callable[..., FactCheckDoc]) -> None:
    rating = claim_review(make_doc(verdict="  partly   FALSE "))["reviewRating"]
    assert (rating["alternateName"], rating["ratingValue"]) == ("Partly false", 2)


def test_unknown_verdict_is_refused(make_doc: Callable[..., FactCheckDoc]) -> None:
    with pytest.raises(ValueError, match="verdict"):
        claim_review(make_doc(verdict="Pants on fire"))


def test_optional_properties_are_left_out(make_doc: Callable[..., FactCheckDoc]) -> None:
    review = claim_review(make_doc(
        date_modified=None, reviewer_name=None, claim_author=None, claim_date=None, appearances=[],
        image_url=None, language=None, corrections=[],
    ))
    assert not {"dateModified", "editor", "image", "inLanguage", "correction"} & review.keys()
    assert review["itemReviewed"] == {"@type": "Claim"}
    json.dumps(review)  # still serialisable, no None sneaking in as a value
    assert None not in [value for _, value in walk(review)]


def test_corrections_and_people(make_doc: Callable[..., FactCheckDoc]) -> None:
    review = claim_review(make_doc(corrections=[
        Correction(datetime(2024, 6, 1, tzinfo=UTC), "Second"),
        Correction(datetime(2024, 5, 20, tzinfo=UTC), "First"),
    ]))
    assert [c["text"] for c in review["correction"]] == ["First", "Second"]
    assert all(c["@type"] == "CorrectionComment" for c in review["correction"])
    assert review["editor"] == {"@type": "Person", "name": "Ravi Kumar"}
    assert review["creator"] == {"@type": "Person", "name": "Asha Verma"}
    assert review["inLanguage"] == "hi"


def test_naive_datetimes_are_utc(make_doc: Callable[..., FactCheckDoc]) -> None:
    review = claim_review(make_doc(date_published=datetime(2024, 5, 2, 10, 30)))
    published = datetime.fromisoformat(review["datePublished"])
    assert published.utcoffset() == timedelta(0)
    assert published.replace(tzinfo=None) == datetime(2024, 5, 2, 10, 30)


def test_every_url_is_absolute(make_doc: Callable[..., FactCheckDoc]) -> None:
    urls = [value for key, value in walk(claim_review(make_doc())) if key in URL_KEYS]
    assert len(urls) >= 8
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc, url


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "/fact-checks/x"},
        {"organisation_url": "factcheck.example.in"},
        {"image_url": "//cdn.example/card.png"},
        {"appearances": [Appearance("news.example/story")]},
        {"appearances": [Appearance("https://news.example/", archived_url="/snapshots/1")]},
        {"url": "javascript:alert(1)"},
    ],
)
def test_relative_or_odd_urls_are_refused(make_doc: Callable[..., FactCheckDoc], changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="absolute"):
        claim_review(make_doc(**changes))


def test_script_element_cannot_be_broken_out_of(make_doc: Callable[..., FactCheckDoc]) -> None:
    doc = make_doc(headline=HOSTILE, summary=HOSTILE + " सारांश", claim_text=HOSTILE, author_name=HOSTILE)
    review = claim_review(doc)
    script = str(json_ld_script(review))
    for forbidden in ("</", "<!--", "\u2028", "\u2029", "<b>"):
        assert forbidden not in script[: -len("</script>")]
    page = html.document_fromstring(f"<html><head>{script}</head><body><p id=after>after</p></body></html>")
    scripts = page.findall(".//script")
    assert len(scripts) == 1
    assert scripts[0].get("type") == "application/ld+json"
    assert page.get_element_by_id("after").text == "after"
    parsed = json.loads(scripts[0].text)
    assert parsed == review
    assert parsed["headline"] == HOSTILE
    assert parsed["description"] == HOSTILE + " सारांश"
    assert parsed["claimReviewed"] == HOSTILE
    assert parsed["creator"]["name"] == HOSTILE


# -- the real examples in the corpus -------------------------------------------------------------


def corpus_examples() -> list[dict[str, Any]]:
    path = corpus_path("claimreview-examples", "claimreviews.jsonl")
    with path.open(encoding="utf-8") as lines:
        return [json.loads(json.loads(line)["jsonld_raw"]) for line in lines if line.strip()]


def key_paths(value: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Every key path in a JSON object and the kind of value there: object, list or scalar."""
    paths: dict[tuple[str, ...], str] = {}
    if isinstance(value, dict):
        for key, child in value.items():
            path = (*prefix, key)
            paths[path] = "object" if isinstance(child, dict) else "list" if isinstance(child, list) else "scalar"
            paths.update(key_paths(child, path))
    return paths


def test_shape_matches_the_real_examples(make_doc: Callable[..., FactCheckDoc]) -> None:
    examples = corpus_examples()
    assert len(examples) >= 3
    shared = set.intersection(*(set(key_paths(example)) for example in examples))
    assert {("claimReviewed",), ("reviewRating", "alternateName"), ("itemReviewed", "author", "name")} <= shared
    ours = key_paths(claim_review(make_doc()))
    for path in shared:
        kinds = {key_paths(example)[path] for example in examples}
        assert path in ours, f"the real examples all have {'.'.join(path)}"
        assert ours[path] in kinds, f"{'.'.join(path)} is {ours[path]} here, {kinds} in the examples"
    review = claim_review(make_doc())
    for example in examples:
        assert example["@type"] == review["@type"] == "ClaimReview"
        assert example["author"]["@type"] == review["author"]["@type"] == "Organization"
        assert example["reviewRating"]["@type"].lower() == review["reviewRating"]["@type"].lower()
        assert isinstance(example["reviewRating"]["alternateName"], str)
        datetime.fromisoformat(example["datePublished"])  # ours too, above: same date format family


def test_real_examples_round_trip_through_the_script_element() -> None:
    for example in corpus_examples():
        page = html.fragment_fromstring(str(json_ld_script(example)))
        assert json.loads(page.text) == example
