"""How well extraction did: the word-level F1 used by the tests and the benchmarks."""

from __future__ import annotations

import re
from collections import Counter

# Words; CJK and kana count one character at a time, as they are written without spaces.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|\w+")


def word_f1(extracted: str, truth: str) -> float:
    """Bag-of-words F1 of ``extracted`` against ``truth`` (case-insensitive)."""
    got, want = Counter(_TOKEN.findall(extracted.lower())), Counter(_TOKEN.findall(truth.lower()))
    common = sum((got & want).values())
    if not common:
        return 1.0 if not got and not want else 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)
