"""The Indic-aware analyzer: one token per word in any script, English stemmed (SPEC §4).

Whoosh's stock analyzers match words with ``\\w``, which excludes combining marks, so a Devanagari
word breaks at every vowel sign (``मजबूत`` → ``मजब``, ``त``). Here a word is a run of Unicode
letters, marks and digits, which may also hold the zero-width (non-)joiners Indic text uses
inside words and, between Latin letters, an apostrophe (``don't``, ``India's``). Links are
skipped (their pieces are noise; sources are indexed whole elsewhere).

Each token is then normalised on its own, so character offsets still point into the original text
(snippets need them): joiners, soft hyphens and emoji variation selectors removed, NFC,
case-folded, Devanagari nukta and chandrabindu folded (spelling variants common in forwarded
text), possessive ``'s`` dropped, Latin-script words stemmed (Porter2) and small English and
Hindi stop lists dropped (the Hindi one halves Hindi query times: bench/search.py). Tokens in
other scripts are never stemmed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex
from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter2 import stem as _porter2

# A word starts with a letter or digit (a mark there is an emoji's variation selector or debris)
# and goes on with letters, digits and non-enclosing marks. Joiners (ZWNJ, ZWJ) and the soft
# hyphen sit inside words: they change rendering, not the word; so does an apostrophe between
# Latin letters.
# Links are matched to be skipped: their pieces ("https", "t", "co", "8iy2MJSBAs") are noise,
# and sources are indexed whole in their own field.
_WORD = regex.compile(
    r"(?i:\bhttps?://|\bwww\.)\S+"
    r"|([\p{L}\p{N}][\p{L}\p{Mn}\p{Mc}\p{N}]*"
    r"(?:(?:[\u200c\u200d\u00ad]+|(?<=\p{Latin})['\u2019](?=\p{Latin}))[\p{L}\p{Mn}\p{Mc}\p{N}]+)*)"
)
_LINK = regex.compile(r"(?i)://|www\.")
_INVISIBLE = dict.fromkeys([0x200C, 0x200D, 0x00AD, *range(0xFE00, 0xFE10)])
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u02bc"))
_LATIN = regex.compile(r"[\p{Latin}\p{N}\p{M}'\u2019\u02bc]+")
# "Forwarded as received", "*Forwarded*", "Fwd:", "Forwarded many times": a line or its prefix.
_FORWARD_BANNER = regex.compile(
    r"(?im)^[^\p{L}\p{N}\n]*(?:fwd?|forwarded(?:[^\p{L}\n]+(?:as[^\p{L}\n]+received|many[^\p{L}\n]+times"
    r"|message))?|received[^\p{L}\n]+as[^\p{L}\n]+forwarded)(?!\p{L})[^\p{L}\p{N}\n]*"
)
# Nukta and chandrabindu are dropped or written as anusvara at will in informal Hindi.
_DEVANAGARI_FOLD = {0x093C: None, 0x0901: 0x0902}

# Kept small on purpose: "not", "no", "us", "नहीं" change what a claim says. Hindi: postpositions,
# the copula and conjunctions, about a fifth of the words of the Hindi posts of the corpus.
STOP_WORDS = frozenset(
    "a an and are as at be been but by for from had has have in is it its of on or that the "
    "their this to was were which with "
    "के का की को में से ने पर है हैं था थे थी और भी तो ही कि ये यह वह वो इस उस इन उन जो हो या एवं तथा".split()
)


@lru_cache(maxsize=100_000)
def normalise(word: str) -> str:
    """The indexed form of one word as matched by the tokenizer (empty for a stop word)."""
    if word.isascii():
        folded = word.lower()
        if "'" in folded:
            folded = _drop_apostrophes(folded)
        if folded in STOP_WORDS:
            return ""
        return _porter2(folded) if not folded.isdigit() else folded
    folded = word.translate(_INVISIBLE)
    if not unicodedata.is_normalized("NFC", folded):
        folded = unicodedata.normalize("NFC", folded)
    folded = folded.casefold()
    if folded in STOP_WORDS:
        return ""
    if _LATIN.fullmatch(folded):
        folded = _drop_apostrophes(folded.translate({0x2019: "'", 0x02BC: "'"}))
        if folded in STOP_WORDS:
            return ""
        return _porter2(folded)
    if "\u093c" in folded or "\u0901" in folded:
        # NFC keeps nukta letters decomposed (they are composition exclusions), so this is enough.
        folded = folded.translate(_DEVANAGARI_FOLD)
    return folded


def _drop_apostrophes(word: str) -> str:
    word = word.removesuffix("'s")
    return word.translate(_APOSTROPHES)


def tokens(text: str) -> list[str]:
    """The token stream :func:`analyzer` indexes for ``text``, stop words removed."""
    out = []
    for word in _WORD.findall(text):
        if word:
            token = normalise(word)
            if token:
                out.append(token)
    return out


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Each token of ``text`` with the start and end of its word in ``text``."""
    out = []
    if not _LINK.search(text):
        # Without links, only non-word characters lie between two words, so each word is found
        # by str.find after the previous one: twice as fast as a match object per word.
        at = 0
        for word in _WORD.findall(text):
            start = text.find(word, at)
            at = start + len(word)
            token = normalise(word)
            if token:
                out.append((token, start, at))
        return out
    for match in _WORD.finditer(text):
        word = match.group(1)
        if word:
            token = normalise(word)
            if token:
                out.append((token, match.start(1), match.end(1)))
    return out


def near_tokens(text: str) -> list[str]:
    """The tokens that identify a forwarded text: no links, forwarding banners, emoji or stops."""
    return tokens(_FORWARD_BANNER.sub(" ", text))


class IndicAnalyzer(Analyzer):
    """A self-contained Whoosh analyzer (tokenizer and filters in one pass, for speed).

    It keeps no state, so it pickles with the schema and compares equal to any other instance.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = value
            token.text = normalise(value) or value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in _WORD.finditer(value):
            word = match.group(1)
            if word is None:
                continue
            text = normalise(word)
            if not text:
                if removestops:
                    continue
                token.stopped = True
                token.text = word.lower()
            else:
                token.stopped = False
                token.text = text
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start(1)
                token.endchar = start_char + match.end(1)
            yield token


def analyzer() -> IndicAnalyzer:
    """The analyzer for every full-text field of the index."""
    return IndicAnalyzer()
