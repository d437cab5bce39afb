"""From what the user typed and chose to Whoosh queries: parsing that never fails, and filters.

Whoosh's query syntax (AND/OR/NOT, phrases, ``field:`` prefixes, wildcards) over the body, which
holds the title too. What Whoosh cannot parse, or parses to nothing, becomes a plain query of the
words; control characters are dropped and the query is cut to ``MAX_QUERY_CHARS``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex
from whoosh import query
from whoosh.fields import Schema
from whoosh.matching import RequireMatcher
from whoosh.qparser import FieldAliasPlugin, QueryParser
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from factcheck.search.analysis import tokens
from factcheck.search.schema import FACETS, Viewer, date_minutes, visibility_filter

logger = logging.getLogger(__name__)

DEFAULT_FIELD = "body"
TEXT_FIELDS = ("title", "body")
FIELD_ALIASES = {"urls": ["url", "link"], "title": ["headline"], "body": ["text"]}
MAX_QUERY_CHARS = 1_000
MAX_FALLBACK_WORDS = 32
# A wildcard or range expanding to more words than this is searched as its plain words: Whoosh
# would spend seconds on "a*" over 100,000 documents.
MAX_EXPANSIONS = 256

_CONTROL = regex.compile(r"[\p{Cc}\p{Cs}\p{Co}\p{Cn}]+")
# The analyzer skips links in text, so a link typed on its own looks for a source.
_BARE_URL = regex.compile(r"(?i)(?<![\S])(https?://[^\s'\"]+)")
# URLs hold ':', '?' and '*', which Whoosh reads as syntax: quote them into one exact term.
_URL_VALUE = regex.compile(r"(?i)\b(urls?|link|domain):(?!['\"(])([^\s'\"]+?)(?=\)*(?:\s|$))")
_FIELD_PREFIX = regex.compile(r"(?<![\w:/'.])(\w+):(?=([\s)]|$)?)")


class Parser:
    """Parses user queries against one schema; shared by threads (parsing keeps no state)."""

    def __init__(self, schema: Schema) -> None:
        self._parser = QueryParser(DEFAULT_FIELD, schema)
        self._parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
        aliases = [alias for names in FIELD_ALIASES.values() for alias in names]
        self._fields = frozenset([*(name for name, field in schema.items() if field.indexed), *aliases])

    def parse(self, text: str | None) -> query.Query | None:
        """The user's query (None when it is empty); never raises."""
        text = _CONTROL.sub(" ", text or "")[:MAX_QUERY_CHARS].strip()
        if not text:
            return None
        try:
            parsed = self._parser.parse(self._prepare(text))
        except Exception:  # noqa: BLE001 - any parser failure means: search the words instead
            logger.info("unparsable query %r, searching its words", text[:100])
            parsed = query.NullQuery
        if parsed is query.NullQuery:
            return words_query(text)
        return parsed

    def _prepare(self, text: str) -> str:
        text = _BARE_URL.sub(r"url:\1", text)
        text = _URL_VALUE.sub(_quote_value, text)
        # An unknown field or one with no value would otherwise be searched as a word.
        return _FIELD_PREFIX.sub(
            lambda m: m.group(0) if m.group(1) in self._fields and m.group(2) is None else "", text
        )


def bounded(user_query: query.Query | None, text: str, reader: IndexReader) -> query.Query | None:
    """``user_query``, or its plain words when a wildcard or range in it is too costly.

    ``*`` alone means everything (listed by date, like an empty query).
    """
    if user_query is None or isinstance(user_query, query.Every):
        return None
    for node in _leaves(user_query):
        if isinstance(node, query.Every):
            return words_query(text)
        if isinstance(node, query.MultiTerm):
            pattern = getattr(node, "text", "")
            if isinstance(node, query.Wildcard) and pattern[:1] in ("*", "?"):
                return words_query(text)  # a leading wildcard scans every word of the index
            expanded = node.expanded_terms(reader)
            if sum(1 for _ in zip(range(MAX_EXPANSIONS + 1), expanded, strict=False)) > MAX_EXPANSIONS:
                return words_query(text)
    return user_query


def words_query(text: str) -> query.Query:
    """The fallback: every word of ``text`` (an empty query matches nothing)."""
    words = list(dict.fromkeys(tokens(text)))[:MAX_FALLBACK_WORDS]
    if not words:
        return query.NullQuery
    return query.And([query.Term(DEFAULT_FIELD, w) for w in words])


@dataclass(frozen=True)
class Filters:
    """Exact-value filters (a value, or several of which any may match) and a date range."""

    kind: str | Sequence[str] | None = None
    status: str | Sequence[str] | None = None
    verdict: str | Sequence[str] | None = None
    language: str | Sequence[str] | None = None
    platform: str | Sequence[str] | None = None
    domain: str | Sequence[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def queries(self) -> list[query.Query]:
        """One query per filter that is set."""
        out: list[query.Query] = []
        for name in FACETS:
            values = _values(getattr(self, name))
            if name == "domain":
                values = [v.lower() for v in values]
            if values:
                terms = [query.Term(name, v) for v in values]
                out.append(terms[0] if len(terms) == 1 else query.Or(terms))
        if self.date_from or self.date_to:
            start = dt.datetime.combine(self.date_from, dt.time.min) if self.date_from else None
            end = dt.datetime.combine(self.date_to, dt.time.max) if self.date_to else None
            out.append(query.NumericRange(
                "date", date_minutes(start) if start else None, date_minutes(end) if end else None
            ))
        return out


def restriction(viewer: Viewer, filters: Filters) -> query.Query | None:
    """What every result must also match: what ``viewer`` may see and the filters (None: all)."""
    restrictions = [q for q in (visibility_filter(viewer), *filters.queries()) if q is not None]
    if not restrictions:
        return None
    return restrictions[0] if len(restrictions) == 1 else query.And(restrictions)


def restricted(user_query: query.Query | None, restriction: query.Query | None) -> query.Query:
    """The query to run: the user's (scored), limited to ``restriction`` (not scored)."""
    if user_query is None:
        return restriction or query.Every()
    if restriction is None:
        return user_query
    return Filtered(user_query, restriction)


class Filtered(query.Require):
    """Documents of the first query that also match the second, scored by the first only."""

    def matcher(self, searcher: Searcher, context: object = None) -> RequireMatcher:
        scored = self.a.matcher(searcher, context)
        return _RequireMatcher(scored, self.b.matcher(searcher, searcher.boolean_context()))


class _RequireMatcher(RequireMatcher):
    def skip_to_quality(self, minquality: float) -> int:
        # Whoosh's version always re-aligns the two sides afterwards, and asserts (fails) when
        # skipping already landed both on the same document.
        skipped = self.a.skip_to_quality(minquality)
        if self.a.is_active() and self.b.is_active() and self.a.id() != self.b.id():
            self.child._find_next()
        return skipped


def matched_words(user_query: query.Query | None, reader: IndexReader) -> frozenset[str]:
    """The indexed words the query looks for in the text (not those it excludes)."""
    if user_query is None:
        return frozenset()
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for field, text in _positive_terms(user_query, reader)
        if field in TEXT_FIELDS
    )


def _leaves(q: query.Query) -> Iterable[query.Query]:
    if q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _leaves(child)


def _positive_terms(q: query.Query, reader: IndexReader) -> Iterable[tuple[str, bytes]]:
    if isinstance(q, query.Not):
        return
    if q.is_leaf():
        yield from q.existing_terms(reader, phrases=True, expand=True)
        return
    for child in q.children():
        yield from _positive_terms(child, reader)


def _quote_value(match: regex.Match[str]) -> str:
    return f"{match.group(1)}:'{match.group(2)}'"


def _values(value: str | Sequence[str] | None) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v]
