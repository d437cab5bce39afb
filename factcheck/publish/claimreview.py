"""ClaimReview JSON-LD for a published fact-check, with the properties Google requires.

The input is plain dataclasses, so this module knows nothing of the database: the caller copies a
published rebuttal into a :class:`FactCheckDoc` with absolute URLs built from
``FACTCHECK_PUBLIC_URL``. Naive datetimes are taken to be UTC (SQLite returns them naive).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from factcheck.publish.verdicts import BEST_RATING, WORST_RATING, get_verdict

SCHEMA_CONTEXT = "https://schema.org"
# Characters that could end the <script> element or start a comment inside it, and the two line
# separators that some JavaScript parsers treat as newlines; all are valid as JSON \u escapes.
_SCRIPT_ESCAPES = str.maketrans({
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
})


@dataclass(frozen=True)
class Appearance:
    """A place the claim appeared (a source), with its archived snapshot when there is one."""

    url: str
    archived_url: str | None = None
    captured_at: datetime | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Correction:
    """A correction to a published fact-check."""

    date: datetime
    note: str


@dataclass(frozen=True, kw_only=True)
class FactCheckDoc:
    """Everything a ClaimReview needs about one published fact-check."""

    url: str
    headline: str
    summary: str
    claim_text: str
    verdict: str
    date_published: datetime
    date_modified: datetime | None = None
    author_name: str
    reviewer_name: str | None = None
    organisation_name: str
    organisation_url: str
    claim_author: str | None = None
    claim_date: datetime | None = None
    appearances: Sequence[Appearance] = field(default_factory=tuple)
    image_url: str | None = None
    language: str | None = None  # the fact-check's (``inLanguage``)
    claim_language: str | None = None  # the claim's, which may differ (the Claim's ``inLanguage``)
    corrections: Sequence[Correction] = field(default_factory=tuple)


def claim_review(doc: FactCheckDoc) -> dict[str, Any]:
    """The ClaimReview JSON-LD object (a dict ready for :func:`json_ld_script` or an API)."""
    verdict = get_verdict(doc.verdict)
    organisation = {
        "@type": "Organization",
        "name": doc.organisation_name,
        "url": require_absolute_url(doc.organisation_url, "organisation_url"),
    }
    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": require_absolute_url(doc.url, "url"),
        "headline": doc.headline,
        "description": doc.summary,
        "claimReviewed": doc.claim_text,
        "datePublished": isoformat(doc.date_published),
        "author": organisation,
        "publisher": organisation,
        "creator": {"@type": "Person", "name": doc.author_name},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": verdict.rating,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            # The scale's canonical English name in every language (SPEC §2): the API filters
            # by it and aggregators match it; readers get the translated label on the page.
            "alternateName": verdict.name,
        },
        "itemReviewed": _claim(doc),
    }
    if doc.date_modified is not None:
        review["dateModified"] = isoformat(doc.date_modified)
    if doc.reviewer_name:
        review["editor"] = {"@type": "Person", "name": doc.reviewer_name}
    if doc.image_url:
        review["image"] = require_absolute_url(doc.image_url, "image_url")
    if doc.language:
        review["inLanguage"] = doc.language
    if doc.corrections:
        review["correction"] = [
            {"@type": "CorrectionComment", "datePublished": isoformat(c.date), "text": c.note}
            for c in sorted(doc.corrections, key=lambda c: _aware(c.date))
        ]
    return review


def json_ld_script(obj: object) -> Markup:
    """A ``<script type="application/ld+json">`` element whose content cannot end it early."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    # Not Markup.format: HTML-escaping would corrupt the JSON, since script content is raw text.
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704 - escaped above


def require_absolute_url(url: str, what: str = "url") -> str:
    """Return ``url`` when it is an absolute http(s) URL; raise ValueError naming ``what``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or url != url.strip():
        raise ValueError(f"{what} must be an absolute http(s) URL, not {url!r}")
    return url


def isoformat(moment: datetime) -> str:
    """ISO 8601 with a UTC offset, to the second; a naive datetime is taken to be UTC."""
    return _aware(moment).isoformat(timespec="seconds")


def _claim(doc: FactCheckDoc) -> dict[str, Any]:
    claim: dict[str, Any] = {"@type": "Claim"}
    if doc.claim_author:
        claim["author"] = {"@type": "Person", "name": doc.claim_author}
    if doc.claim_date is not None:
        claim["datePublished"] = isoformat(doc.claim_date)
    if doc.claim_language:
        claim["inLanguage"] = doc.claim_language
    appearances = [_creative_work(a, f"appearances[{i}]") for i, a in enumerate(doc.appearances)]
    if appearances:
        claim["appearance"] = appearances
        claim["firstAppearance"] = appearances[_earliest(doc.appearances)]
    return claim


def _creative_work(appearance: Appearance, what: str) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "url": require_absolute_url(appearance.url, what)}
    if appearance.archived_url:
        work["archivedAt"] = require_absolute_url(appearance.archived_url, f"{what}.archived_url")
    return work


def _earliest(appearances: Sequence[Appearance]) -> int:
    """The index of the first capture: the earliest sign of the claim we hold.

    Uncaptured sources count after every captured one, and the caller's order breaks ties.
    """
    far_future = datetime.max.replace(tzinfo=UTC)
    keys = [
        (_aware(a.captured_at) if a.captured_at is not None else far_future, index)
        for index, a in enumerate(appearances)
    ]
    return min(keys)[1]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
