"""From what the user typed and chose to Whoosh queries: parsing that never fails, bounded
cost, and the restriction (visibility and filters) every result must also meet.

Whoosh's query syntax (AND/OR/NOT, phrases, ``field:`` prefixes, wildcards) over the body, which
holds the title too. What Whoosh cannot parse, or parses to nothing, becomes a plain query of the
words; control characters are dropped and the query is cut to ``MAX_QUERY_CHARS``.

Any account, and anonymous visitors, type these queries, so each one's cost is bounded
(:func:`bounded`): parentheses nest at most ``MAX_DEPTH`` deep, a query looks up at most
``MAX_TERMS`` words (wildcards and ranges counted by what they expand to, a leading wildcard
never), reads at most ``MAX_POSTINGS`` postings, holds at most ``MAX_PHRASES`` phrases with a slop
of at most ``MAX_SLOP``. Beyond that it is searched as its plain words (all required, at most
``MAX_FALLBACK_WORDS``), which costs no more than its rarest word. Fuzzy terms (``word~2``) are not
part of the syntax at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex
from whoosh import query
from whoosh.fields import Schema
from whoosh.qparser import FieldAliasPlugin, QueryParser
from whoosh.reading import IndexReader

from factcheck.search.analysis import tokens
from factcheck.search.schema import FACETS, Viewer, date_minutes, visibility_filter

logger = logging.getLogger(__name__)

DEFAULT_FIELD = "body"
TEXT_FIELDS = ("title", "body")
FIELD_ALIASES = {"urls": ["url", "link"], "title": ["headline"], "body": ["text"]}
MAX_QUERY_CHARS = 1_000
MAX_FALLBACK_WORDS = 32
MAX_DEPTH = 16
# Words looked up, wildcards and ranges counted by what they expand to ("a*" alone is thousands).
MAX_TERMS = 256
# Postings read, summed over those words: a long OR of common words would read the index many
# times over. About 0.2 s of work; three of the commonest words of a million documents fit.
MAX_POSTINGS = 1_500_000
MAX_PHRASES = 16
MAX_SLOP = 16

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
        if _nesting(text) > MAX_DEPTH:
            text = text.translate(_NO_PARENTHESES)  # Whoosh takes 0.1 s to parse 500 levels
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
    """``user_query`` if its cost is within bounds (see the module docstring), else its words.

    ``*`` alone means everything (listed by date, like an empty query).
    """
    if user_query is None or isinstance(user_query, query.Every):
        return None
    if _depth(user_query) > MAX_DEPTH:
        return words_query(text)
    terms = postings = phrases = 0
    for node in _leaves(user_query):
        if isinstance(node, query.Every):
            return words_query(text)
        if isinstance(node, query.Phrase):
            phrases += 1
            node.slop = min(node.slop, MAX_SLOP)
        if isinstance(node, query.Wildcard) and getattr(node, "text", "")[:1] in ("*", "?"):
            return words_query(text)  # a leading wildcard scans every word of the index
        for field, word in _looked_up(node, reader, MAX_TERMS + 1 - terms):
            terms += 1
            postings += reader.doc_frequency(field, word)
        if terms > MAX_TERMS or postings > MAX_POSTINGS or phrases > MAX_PHRASES:
            return words_query(text)
    return user_query


def _looked_up(node: query.Query, reader: IndexReader, limit: int) -> Iterable[tuple[str, bytes]]:
    """The indexed words a leaf query reads (at most ``limit`` of them)."""
    if isinstance(node, query.NumericRange):
        node = node._compile_query(reader)  # noqa: SLF001 - what Whoosh would run
        found = (term for leaf in _leaves(node) for term in _looked_up(leaf, reader, limit))
    elif isinstance(node, query.MultiTerm):
        found = node.expanded_terms(reader)
    else:
        found = (term for term in node.terms(phrases=True) if _indexed(reader, term))
    return [term for _n, term in zip(range(limit), found, strict=False)]


def _indexed(reader: IndexReader, term: tuple[str, object]) -> bool:
    try:
        return term in reader
    except ValueError:  # text a numeric field cannot hold
        return False


def _depth(q: query.Query) -> int:
    depth, level = 0, [q]
    while level:
        depth += 1
        level = [child for node in level if not node.is_leaf() for child in node.children()]
    return depth


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
        if (minutes := self.minutes()) is not None:
            out.append(query.NumericRange("date", *minutes))
        return out

    def minutes(self) -> tuple[int | None, int | None] | None:
        """The date range as indexed (minutes since 1970, inclusive), or None."""
        if not (self.date_from or self.date_to):
            return None
        start = dt.datetime.combine(self.date_from, dt.time.min) if self.date_from else None
        end = dt.datetime.combine(self.date_to, dt.time.max) if self.date_to else None
        return (date_minutes(start) if start else None, date_minutes(end) if end else None)


@dataclass(frozen=True)
class Restriction:
    """What every result must also match, unscored: one term of each group (visibility, each
    filter set), and a date in ``minutes`` (from, to; inclusive; None: open) when given."""

    groups: tuple[tuple[tuple[str, str], ...], ...] = ()
    minutes: tuple[int | None, int | None] | None = None

    def query(self) -> query.Query | None:
        """The same restriction as a Whoosh query (None: none)."""
        parts: list[query.Query] = []
        for group in self.groups:
            terms = [query.Term(field, text) for field, text in group]
            parts.append(terms[0] if len(terms) == 1 else query.Or(terms))
        if self.minutes is not None:
            parts.append(query.NumericRange("date", *self.minutes))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else query.And(parts)


def restriction(viewer: Viewer, filters: Filters) -> Restriction | None:
    """What every result must also match: what ``viewer`` may see and the filters (None: all)."""
    groups = [tuple(_terms(q)) for q in (visibility_filter(viewer), *filters.queries())
              if q is not None and not isinstance(q, query.NumericRange)]
    minutes = filters.minutes()
    if not groups and minutes is None:
        return None
    return Restriction(tuple(groups), minutes)


def _terms(q: query.Query) -> Iterable[tuple[str, str]]:
    for leaf in _leaves(q):
        if not isinstance(leaf, query.Term):
            raise TypeError(f"not a term: {leaf!r}")
        yield leaf.fieldname, leaf.text


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


def _nesting(text: str) -> int:
    deepest = level = 0
    for char in text:
        if char == "(":
            level += 1
            deepest = max(deepest, level)
        elif char == ")":
            level = max(0, level - 1)
    return deepest


_NO_PARENTHESES = str.maketrans("()", "  ")


def _quote_value(match: regex.Match[str]) -> str:
    return f"{match.group(1)}:'{match.group(2)}'"


def _values(value: str | Sequence[str] | None) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if v]
