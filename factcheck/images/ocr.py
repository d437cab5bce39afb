"""Reading the text in an image with Tesseract (Hindi and English models), when it is installed.

Without Tesseract or one of its models the workbench still runs: :func:`status` says so (for
``/healthz`` and the claim page) and OCR jobs record the image as ``unavailable``.

One image takes at most two Tesseract passes: ``hin+eng`` over the page, then either ``eng``
alone (a page with no Devanagari) or ``hin`` alone (a Devanagari page where some words came out
Latin-looking: the mixed model misreads Devanagari as Latin junk).
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from factcheck.background import waiting

LANGUAGES = ("hin", "eng")
OCR_SIDE = 2400  # longer side past which an image is reduced before reading
MIN_SIDE_FOR_OCR = 600  # without measurable lines, shorter images are enlarged to this
LINE_HEIGHT = 28  # px: the height of a line's ink, top to bottom, Tesseract read best at on the bench
SCALES = (0.5, 4.0)  # the most an image is reduced or enlarged to reach LINE_HEIGHT
TIMEOUT = 60  # seconds for one Tesseract pass

DEVANAGARI = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")
LATIN = re.compile("[A-Za-z]")
JOINERS = re.compile("[\u200c\u200d]")


@dataclass(frozen=True)
class Word:
    """One word Tesseract read: its text, confidence (0-100), box and line."""

    text: str
    conf: float
    box: tuple[int, int, int, int]  # left, top, right, bottom
    line: tuple[int, int, int]  # block, paragraph, line


@functools.cache
def status() -> str:
    """"ok (tesseract 5.x: hin, eng)", or "unavailable: <why>"."""
    try:
        import pytesseract

        version = pytesseract.get_tesseract_version()
        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # noqa: BLE001 - not installed, not runnable: the same for the desk
        return f"unavailable: {type(exc).__name__}"
    missing = [name for name in LANGUAGES if name not in installed]
    if missing:
        return f"unavailable: no {', '.join(missing)} model"
    return f"ok (tesseract {version}: {', '.join(LANGUAGES)})"


def available() -> bool:
    return status().startswith("ok")


def read_text(image: Image.Image) -> str:
    """The text Tesseract reads in ``image`` (Hindi and English), NFC-normalised, one line of
    text a line. Raises RuntimeError (pytesseract's errors) when it cannot run."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per image: workers run in parallel
    page = prepared(image)
    ink = ink_mask(page)
    words = [w for w in read_words(page, "+".join(LANGUAGES)) if not is_shape(w, ink)]
    lines = hindi_lines(words)
    if not lines:
        words = [w for w in read_words(page, "eng") if not is_shape(w, ink)]
    elif any(suspect(w, lines) for w in words):
        words = reread_latin(words, read_words(page, "hin"))
    return joined(words)


def prepared(image: Image.Image) -> Image.Image:
    """``image`` in grey, dark text on light, scaled so a line of text is about LINE_HEIGHT."""
    page = image.convert("L")
    if max(page.size) > OCR_SIDE:
        page.thumbnail((OCR_SIDE, OCR_SIDE), Image.Resampling.LANCZOS)
    if mostly_dark(page):
        page = ImageOps.invert(page)  # light text on a dark card reads better inverted
    factor = scale_for(page)
    if abs(factor - 1) > 0.05:
        page = page.resize((max(1, round(page.width * factor)), max(1, round(page.height * factor))),
                           Image.Resampling.LANCZOS)
    return page


def mostly_dark(page: Image.Image) -> bool:
    histogram = page.resize((64, 64)).histogram()
    return sum(histogram[:128]) > sum(histogram[128:])


def scale_for(page: Image.Image) -> float:
    """The factor that brings the page's lines to LINE_HEIGHT (from the row profile of its ink);
    without clear lines, the old rule: enlarge a short image to MIN_SIDE_FOR_OCR."""
    height = line_height(ink_mask(page))
    if height is None:
        return min(3.0, max(1.0, MIN_SIDE_FOR_OCR / max(1, page.height)))
    return min(SCALES[1], max(SCALES[0], LINE_HEIGHT / height))


def ink_mask(page: Image.Image) -> np.ndarray:
    """Dark pixels of a grey page (Otsu's threshold) as a boolean array."""
    pixels = np.asarray(page)
    counts = np.bincount(pixels.ravel(), minlength=256).astype(float)
    levels = np.arange(256)
    weight = np.cumsum(counts)
    mean = np.cumsum(counts * levels)
    total, grand = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.nan_to_num((grand * weight - total * mean) ** 2 / (weight * (total - weight)), nan=-1.0)
    if between[:-1].max() <= 0:  # one shade only: no ink
        return np.zeros(pixels.shape, dtype=bool)
    return pixels <= int(np.argmax(between[:-1]))


def line_height(ink: np.ndarray) -> float | None:
    """The median height of the bands of rows holding ink, or None when there is no such band
    or the bands are not lines (fewer than two, or one taller than a third of the page)."""
    rows = ink.sum(axis=1) > max(1, ink.shape[1] // 200)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    heights = [int(end - start) for start, end in zip(edges[::2], edges[1::2], strict=True)
               if end - start >= 4]
    if not heights or max(heights) > ink.shape[0] / 3:
        return None
    return float(np.median(heights))


def read_words(page: Image.Image, lang: str) -> list[Word]:
    """One Tesseract pass: the words it reads, with their boxes and confidences."""
    import pytesseract

    with waiting():  # Tesseract runs in its own process
        data = pytesseract.image_to_data(page, lang=lang, timeout=TIMEOUT, output_type=pytesseract.Output.DICT)
    words = []
    for i, text in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", JOINERS.sub("", text)).strip()
        if text:
            left, top = data["left"][i], data["top"][i]
            words.append(Word(text, float(data["conf"][i]),
                              (left, top, left + data["width"][i], top + data["height"][i]),
                              (data["block_num"][i], data["par_num"][i], data["line_num"][i])))
    return words


def is_shape(word: Word, ink: np.ndarray) -> bool:
    """A filled shape read as a word (a logo box, a bar): its box nearly all ink and at least as
    wide as tall, or no letter or digit in it at a low confidence."""
    left, top, right, bottom = word.box
    box = ink[top:bottom, left:right]
    if box.size and box.mean() > 0.6 and right - left >= bottom - top:
        return True
    return word.conf < 30 and not any(ch.isalnum() for ch in word.text)


def hindi_lines(words: list[Word]) -> set[tuple[int, int, int]]:
    """The lines that hold a Devanagari word."""
    return {w.line for w in words if DEVANAGARI.search(w.text)}


def suspect(word: Word, lines: set[tuple[int, int, int]]) -> bool:
    """A Latin-looking word in a line that holds Devanagari: often Devanagari misread."""
    return bool(LATIN.search(word.text)) and not DEVANAGARI.search(word.text) and word.line in lines


def reread_latin(words: list[Word], hindi: list[Word]) -> list[Word]:
    """``words`` with each suspect word replaced by what the ``hin`` pass read in its place, when
    that is Devanagari read with more confidence."""
    lines = hindi_lines(words)
    out: list[Word] = []
    for word in words:
        if suspect(word, lines):
            inside = [h for h in hindi if centre_in(h.box, word.box)]
            if inside and all(DEVANAGARI.search(h.text) for h in inside) \
                    and min(h.conf for h in inside) > word.conf:
                out += [Word(h.text, h.conf, h.box, word.line) for h in inside]
                continue
        out.append(word)
    return out


def centre_in(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    x, y = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3]


def joined(words: list[Word]) -> str:
    """The words as text: a line of the page a line, in Tesseract's reading order."""
    lines: dict[tuple[int, int, int], list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return "\n".join(" ".join(line) for line in lines.values())
