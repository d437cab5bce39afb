"""Snippets: the passage of a document that best shows the matched words, as safe HTML."""

from __future__ import annotations

import html
from array import array

from whoosh import highlight
from whoosh.analysis import Token

from factcheck.search.analysis import token_spans

SNIPPET_CHARS = 240
CONTEXT_CHARS = 60


class MarkFormatter(highlight.Formatter):
    """A Whoosh formatter: matched words in ``<mark>``, all text HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=True)

    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        return f"<mark>{html.escape(highlight.get_text(text, token, replace), quote=True)}</mark>"


_FORMATTER = MarkFormatter()


def pack_tokens(text: str, spans: list[tuple[str, int, int]] | None = None) -> tuple[str, bytes] | None:
    """``text``'s tokens and their offsets (``spans`` if already known), packed to be stored
    with the document (None: none).

    Tokenizing an excerpt of 2,000 characters takes longer than the rest of a search: done once
    at indexing, a snippet only looks its words up.
    """
    if spans is None:
        spans = token_spans(text)
    if not spans or len(text) > 0xFFFF:
        return None
    offsets = array("H", [offset for _token, start, end in spans for offset in (start, end)])
    return " ".join(token for token, _start, _end in spans), offsets.tobytes()


def snippet(text: str, words: frozenset[str], packed: tuple[str, bytes] | None = None) -> str:
    """HTML for the ``SNIPPET_CHARS`` of ``text`` holding most of ``words``; else its start.

    Uses the tokens the index made (so ``running`` is marked for the query ``run``), ``packed``
    by :func:`pack_tokens` or made here, and slides a window over the matches: much cheaper
    than Whoosh's general highlighter.
    """
    spans = []
    if words and packed is not None:
        tokens, offsets = packed[0].split(" "), array("H")
        offsets.frombytes(packed[1])
        spans = [(offsets[2 * i], offsets[2 * i + 1]) for i, token in enumerate(tokens) if token in words]
    elif words:
        spans = [(start, end) for token, start, end in token_spans(text) if token in words]
    if not spans:
        if len(text) <= SNIPPET_CHARS:
            return html.escape(text, quote=True)
        head, _sep, _cut_word = text[:SNIPPET_CHARS].rpartition(" ")
        return html.escape(head or text[:SNIPPET_CHARS], quote=True) + "…"
    start, end = _best_window(text, spans)
    matches = [Token(startchar=a, endchar=b) for a, b in spans if a >= start and b <= end]
    body = _FORMATTER.format_fragment(highlight.Fragment(text, matches, start, end))
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _best_window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The window (snapped to spaces) starting a little before the densest run of matches."""
    best, best_count, last = 0, 0, 0
    for first, (begin, _end) in enumerate(spans):
        while last < len(spans) and spans[last][1] <= begin + SNIPPET_CHARS - CONTEXT_CHARS:
            last += 1
        if last - first > best_count:
            best, best_count = first, last - first
    start = max(0, spans[best][0] - CONTEXT_CHARS)
    if start:
        space = text.find(" ", start, spans[best][0])
        start = space + 1 if space != -1 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", spans[best][1], end)
        end = space if space != -1 else end
    return start, max(end, spans[best][1])
