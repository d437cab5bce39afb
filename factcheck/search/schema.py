"""The Whoosh schema for claims, snapshots and fact-checks, and how a document dict fills it.

A document is a plain dict (the caller builds it from the database)::

    kind          "claim" | "snapshot" | "factcheck"                      (required)
    id            the row id                                              (required)
    key           unique key, default f"{kind}:{id}"
    claim_id      the claim a snapshot or fact-check belongs to (a claim's own id by default)
    title         fact-check headline, snapshot title, optional for a claim
    body          claim text, snapshot main text, fact-check body (indexed with the title)
    summary       fact-check summary (indexed with the body)
    ocr           the text read in the document's images (its own field, ``ocr:word``, and
                  indexed with the body so a plain search finds it too)
    claim_text    fact-check: the claim as reviewed (indexed with the body; near-duplicates
                  are compared with it, or with headline and summary when it is missing)
    urls          normalised URLs (a claim's sources; a snapshot's URL)
    url           the one URL to show with a hit
    domain        a domain, or a list of them
    status, verdict, language, platform   facet values, matched exactly
    date          a date or datetime (naive UTC, or aware)
    owner_id, assignee_id   a claim's filer and assignee, who may see it (SPEC §1)

Visibility is indexed as tokens in ``visible_to``: ``public`` for a published fact-check,
``user:<id>`` for a claim's owner and assignee. :func:`visibility_filter` turns a viewer into a
query over it, so the search itself, its total and its facets only ever see allowed documents.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from whoosh import fields, formats, query
from whoosh.columns import VarBytesColumn

from factcheck.search.analysis import analyzer, token_spans, tokens
from factcheck.search.snippets import pack_tokens

KINDS = ("claim", "snapshot", "factcheck")
FACETS = ("kind", "status", "verdict", "language", "platform", "domain")
PRIVILEGED_ROLES = frozenset({"reviewer", "staff"})
PUBLIC = "public"
# Snippets are cut from the start of the body: longer bodies are indexed whole but not stored.
EXCERPT_CHARS = 2_000
NEAR_CHARS = 4_000
_FACET_SEPARATOR = "\x1f"
_EPOCH = dt.datetime(1970, 1, 1)


@dataclass(frozen=True)
class Viewer:
    """Who is searching: ``role`` None is anonymous; "volunteer" < "reviewer" < "staff"."""

    role: str | None
    user_id: int | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in PRIVILEGED_ROLES


class AnalyzedText(str):
    """Text whose tokens are already known (``words``): the index does not tokenize it again."""

    words: list[str]

    def __new__(cls, text: str, words: list[str]) -> AnalyzedText:
        made = super().__new__(cls, text)
        made.words = words
        return made

    def __reduce__(self) -> tuple[type, tuple[str, list[str]]]:
        return AnalyzedText, (str(self), self.words)  # pickled to indexing processes


class TextPositions(formats.Positions):
    """Whoosh's Positions format, built in one pass over our analyzer's tokens (the postings
    are the same; Whoosh's generic path makes a Token object per word and costs twice as much)."""

    def word_values(self, value: str, analyzer: object, **kwargs: object) -> Iterator[tuple[str, int, float, bytes]]:
        words = value.words if isinstance(value, AnalyzedText) else tokens(value)
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for position, word in enumerate(words):
            positions[word].append(position)
        boost = self.field_boost
        encode = self.encode
        for word, found in positions.items():
            yield word, len(found), len(found) * boost, _single(found[0]) if len(found) == 1 else encode(found)


@lru_cache(maxsize=4096)
def _single(position: int) -> bytes:
    # Most words occur once in a document: their positions encode the same every time.
    return formats.Positions().encode([position])


def text_field(**options: object) -> fields.TEXT:
    """A full-text field: our analyzer, positions (phrases) written by :class:`TextPositions`."""
    field = fields.TEXT(analyzer=analyzer(), **options)
    field.format = TextPositions(field_boost=field.format.field_boost)
    return field


def build_schema() -> fields.Schema:
    """The one schema of the index (a change to it needs a rebuild)."""
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        id=fields.STORED(),
        claim_id=fields.STORED(),
        title=text_field(stored=True),
        # The title and the body: one posting list per word answers the default search (a
        # title-or-body union per word made Whoosh several times slower).
        body=text_field(),
        # The text read in the document's images (OCR), also part of ``body``.
        ocr=text_field(),
        excerpt=fields.STORED(),
        # The excerpt's tokens and their offsets (snippets.pack_tokens), for snippets.
        excerpt_tokens=fields.STORED(),
        urls=fields.KEYWORD(),
        url=fields.STORED(),
        domain=fields.KEYWORD(lowercase=True),
        status=fields.ID(stored=True),
        verdict=fields.ID(stored=True),
        language=fields.ID(),
        platform=fields.ID(),
        # Minutes since 1970: DATETIME would index eight terms per document, this two.
        date=fields.NUMERIC(int, bits=32, signed=False, shift_step=16, sortable=True),
        when=fields.STORED(),
        visible_to=fields.KEYWORD(),
        # What near-duplicate detection compares, when not the title and excerpt (fact-checks).
        near=fields.STORED(),
        # Every facet value of a document in one column: counting facets reads one value per hit.
        facets=fields.COLUMN(VarBytesColumn()),
    )


def document_key(doc: Mapping[str, object]) -> str:
    """The unique key of a document dict."""
    return str(doc.get("key") or f"{doc['kind']}:{doc['id']}")


def document_fields(doc: Mapping[str, object]) -> dict[str, object]:
    """Turn a document dict (see the module docstring) into Whoosh field values."""
    kind = str(doc["kind"])
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    title = _text(doc.get("title"))
    # A fact-check is found by the words of the claim it debunks, too.
    parts = ("claim_text", "summary", "body") if kind == "factcheck" else ("body",)
    body = "\n\n".join(text for text in (_text(doc.get(name)) for name in parts) if text)
    ocr = _text(doc.get("ocr"))
    if ocr:
        body = f"{body}\n\n{ocr}" if body else ocr
    urls = _strings(doc.get("urls"))
    url = _text(doc.get("url")) or (urls[0] if urls else "")
    if url and url not in urls:
        urls.append(url)
    domains = [d.lower() for d in _strings(doc.get("domain"))]
    values = {name: _text(doc.get(name)) for name in ("status", "verdict", "language", "platform")}
    claim_id = doc.get("claim_id") or (doc["id"] if kind == "claim" else None)
    # The body is tokenized once, for the index and for the excerpt's snippets.
    spans = token_spans(body)
    words = [word for word, _start, _end in spans]
    excerpt = body[:EXCERPT_CHARS]
    out: dict[str, object] = {
        "key": document_key(doc),
        "kind": kind,
        "id": doc["id"],
        "claim_id": str(claim_id) if claim_id is not None else "",
        "title": title,
        "body": AnalyzedText(f"{title}\n\n{body}", tokens(title) + words) if title else AnalyzedText(body, words),
        "excerpt": excerpt,
        "ocr": ocr,
        "urls": " ".join(urls),
        "url": url,
        "domain": " ".join(domains),
        "visible_to": " ".join(visibility_tokens(doc)),
        "facets": _FACET_SEPARATOR.join([kind, *values.values(), " ".join(domains)]).encode(),
        **{name: value for name, value in values.items() if value},
    }
    # A word cut at the excerpt's end is left out of its snippet tokens.
    packed = pack_tokens(excerpt, [span for span in spans if span[2] <= len(excerpt)])
    if packed is not None:
        out["excerpt_tokens"] = packed
    date = as_datetime(doc.get("date"))
    if date is not None:
        out["date"] = date_minutes(date)
        out["when"] = date
    if kind == "factcheck":
        out["near"] = _near_source(doc)[:NEAR_CHARS]
    return {name: value for name, value in out.items() if value != ""}


def facet_values(packed: bytes) -> dict[str, list[str]]:
    """Unpack the ``facets`` column value of one document."""
    parts = packed.decode().split(_FACET_SEPARATOR) if packed else []
    if len(parts) != len(FACETS):
        return {}
    *single, domains = parts
    out = {name: [value] for name, value in zip(FACETS, single, strict=False) if value}
    if domains:
        out["domain"] = domains.split()
    return out


def visibility_tokens(doc: Mapping[str, object]) -> list[str]:
    """Who besides reviewers and staff may find this document."""
    if doc["kind"] == "factcheck" and doc.get("status") == "published":
        return [PUBLIC]
    if doc["kind"] == "claim":
        users = {doc.get("owner_id"), doc.get("assignee_id")} - {None}
        return sorted(f"user:{int(user)}" for user in users)  # type: ignore[call-overload]  # ids: int or str
    return []


def visibility_filter(viewer: Viewer) -> query.Query | None:
    """The query a viewer's results must also match (None: no restriction)."""
    if viewer.sees_everything:
        return None
    allowed: list[query.Query] = [query.Term("visible_to", PUBLIC)]
    if viewer.role == "volunteer" and viewer.user_id is not None:
        allowed.append(query.Term("visible_to", f"user:{int(viewer.user_id)}"))
    return query.Or(allowed) if len(allowed) > 1 else allowed[0]


def as_datetime(value: object) -> dt.datetime | None:
    """A naive UTC datetime for a date, a datetime or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise TypeError(f"not a date: {value!r}")


def date_minutes(value: dt.datetime) -> int:
    """The indexed form of a naive UTC datetime: whole minutes since 1970 (never negative)."""
    return max(0, int((value - _EPOCH).total_seconds() // 60))


def near_text(stored: Mapping[str, object]) -> str:
    """The text a stored claim or fact-check is compared by for near-duplicates."""
    if "near" in stored:
        return str(stored["near"])
    return f"{stored.get('title', '')}\n{stored.get('excerpt', '')}"


def _near_source(doc: Mapping[str, object]) -> str:
    # A new claim resembles the claim a fact-check debunks, not its headline or body.
    return _text(doc.get("claim_text")) or f"{_text(doc.get('title'))}\n{_text(doc.get('summary'))}"


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _strings(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v]
    return [str(value)]
