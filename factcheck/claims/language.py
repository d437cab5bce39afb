"""A script-based language guess for claims filed without one."""

from __future__ import annotations

import unicodedata
from collections import Counter

# The first word of a letter's Unicode name names its script; the language is the script's
# most common one on an Indian fact-check desk.
SCRIPT_LANGUAGES = {
    "DEVANAGARI": "hi",
    "BENGALI": "bn",
    "GUJARATI": "gu",
    "GURMUKHI": "pa",
    "ORIYA": "or",
    "TAMIL": "ta",
    "TELUGU": "te",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "ARABIC": "ur",
    "LATIN": "en",
}


def guess_language(text: str) -> str | None:
    """Guess a language code from the script ``text``'s letters are written in.

    An Indian script with at least a third of the letters wins over Latin: forwards mix in
    English banners ("Forwarded as received", "please share") around a Hindi message.
    """
    scripts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha() or unicodedata.category(ch).startswith("M"):
            name = unicodedata.name(ch, "")
            scripts[name.split(" ", 1)[0]] += 1
    letters = sum(scripts.values())
    known = [(script, count) for script, count in scripts.most_common() if script in SCRIPT_LANGUAGES]
    for script, count in known:
        if script != "LATIN" and count * 3 >= letters:
            return SCRIPT_LANGUAGES[script]
    return SCRIPT_LANGUAGES[known[0][0]] if known else None
