"""The Open Graph image of a fact-check: a 1200×630 PNG with the verdict and the headline.

Indian scripts need shaping (conjuncts, vowel signs drawn before their consonant), which Pillow
does only with its raqm layout and a font that covers the script. Text is cut into runs by script
and each run is drawn with a font for that script (Noto Sans Devanagari has no Latin letters, Noto
Sans no Devanagari). Without raqm or without the fonts the card is still drawn, unshaped or with
Pillow's own font, and the reason is logged once.

Whatever the text, the work is bounded: at most ``MAX_LAID_OUT`` characters of a text are laid
out (a longer one ends in "…" where it would have been cut anyway), and a run of combining marks
longer than any real syllable has (a "Zalgo" flood stacking hundreds of accents above the line
and into the verdict band) is cut to ``MAX_MARKS_IN_A_ROW``.
"""

from __future__ import annotations

import bisect
import io
import logging
import os
import sys
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from factcheck.publish.verdicts import Severity, find_verdict

log = logging.getLogger(__name__)

CARD_WIDTH = 1200
CARD_HEIGHT = 630
MARGIN = 70
BAND_HEIGHT = 170
BACKGROUND = (250, 250, 247)
INK = (26, 26, 26)
MUTED = (96, 96, 96)
ELLIPSIS = "…"
DEFAULT_SCRIPT = "Default"  # Latin, Greek, Cyrillic, digits and punctuation

# (band colour, text colour on the band) by verdict severity; an unknown verdict is grey.
BAND_COLOURS: dict[Severity | None, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    Severity.FALSE: ((183, 28, 28), (255, 255, 255)),
    Severity.MISLEADING: ((216, 67, 21), (255, 255, 255)),
    Severity.UNCLEAR: ((249, 168, 37), INK),
    Severity.TRUE: ((46, 125, 50), (255, 255, 255)),
    None: ((69, 90, 100), (255, 255, 255)),
}

# Unicode blocks of the scripts a default font does not cover: (first, last, script).
_SCRIPT_BLOCKS = sorted([
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
    (0x08A0, 0x08FF, "Arabic"), (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"),
    (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"),
    (0x1CD0, 0x1CFF, "Devanagari"), (0xA8E0, 0xA8FF, "Devanagari"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
])
_BLOCK_STARTS = [first for first, _, _ in _SCRIPT_BLOCKS]
_RTL_SCRIPTS = frozenset({"Arabic", "Hebrew"})
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ and ZWJ steer shaping: they stay in their run
_VIRAMA = 9  # canonical combining class of Indic viramas
MAX_LAID_OUT = 600  # characters of one text: three headlines, about all the box holds of narrow letters
MAX_MARKS_IN_A_ROW = 4  # a Devanagari syllable has at most three or so (nukta, vowel sign, bindu)

# Font file names to look for, best first; "{w}" is Regular or Bold.
_DEFAULT_CANDIDATES = ("NotoSans-{w}.ttf", "NotoSans-{w}.otf", "DejaVuSans{dv}.ttf", "LiberationSans-{w}.ttf")
_SCRIPT_CANDIDATES = (
    "NotoSans{s}-{w}.ttf", "NotoSans{s}-{w}.otf", "NotoSans{s}UI-{w}.ttf", "NotoSerif{s}-{w}.ttf",
    "Lohit-{s}.ttf",
)
_EXTRA_CANDIDATES = {
    "Arabic": ("NotoNaskhArabic-{w}.ttf", "DejaVuSans{dv}.ttf"),
    "Hebrew": ("DejaVuSans{dv}.ttf",),
}

# FreeType faces are not safe to use from two threads at once, and the font cache shares them.
_render_lock = threading.Lock()
_logged: set[str] = set()


@dataclass(frozen=True)
class FontSet:
    """Font files by script (``Default`` covers Latin); each a (regular, bold) pair."""

    files: dict[str, tuple[Path, Path]] = field(default_factory=dict)

    def path(self, script: str, *, bold: bool) -> Path | None:
        """The font for ``script``, else the default font, else None (Pillow's own font)."""
        pair = self.files.get(script) or self.files.get(DEFAULT_SCRIPT)
        return None if pair is None else pair[1 if bold else 0]


def font_dirs() -> list[Path]:
    """The folders searched for fonts: the usual system and user font folders that exist."""
    home = Path.home()
    data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(os.pathsep)
    candidates = [
        Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "fonts",
        home / ".fonts",
        *(Path(d) / "fonts" for d in data_dirs if d),
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
    ]
    if sys.platform == "win32":
        candidates.append(Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts")
    unique = dict.fromkeys(path for path in candidates if path.is_dir())
    return list(unique)


def find_fonts(dirs: Iterable[Path] | None = None) -> FontSet:
    """A default font and one font per Indian (and a few other) scripts, found in ``dirs``.

    Without ``dirs`` the usual font folders are searched once per process.
    """
    return _installed_fonts() if dirs is None else _scan(dirs)


@lru_cache(maxsize=1)
def _installed_fonts() -> FontSet:
    return _scan(font_dirs())


def _scan(dirs: Iterable[Path]) -> FontSet:
    available: dict[str, Path] = {}
    for folder in dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() in (".ttf", ".otf") and path.name not in available:
                available[path.name] = path
    files: dict[str, tuple[Path, Path]] = {}
    default = _pick(available, _DEFAULT_CANDIDATES, "")
    if default:
        files[DEFAULT_SCRIPT] = default
    for script in {script for _, _, script in _SCRIPT_BLOCKS}:
        pair = _pick(available, _SCRIPT_CANDIDATES + _EXTRA_CANDIDATES.get(script, ()), script)
        if pair:
            files[script] = pair
    return FontSet(files)


def _pick(available: dict[str, Path], patterns: Sequence[str], script: str) -> tuple[Path, Path] | None:
    for pattern in patterns:
        regular = available.get(pattern.format(s=script, w="Regular", dv=""))
        bold = available.get(pattern.format(s=script, w="Bold", dv="-Bold"))
        if regular is not None:
            return (regular, bold or regular)
        if bold is not None:
            return (bold, bold)
    return None


def raqm_available() -> bool:
    """Whether Pillow can shape complex scripts (it was built with libraqm)."""
    return bool(features.check("raqm"))


def render_share_card(
    headline: str,
    verdict: str,
    site_name: str,
    *,
    language: str | None = None,
    label: str | None = None,
    kicker: str = "Fact check",
    fonts: FontSet | None = None,
    shaping: bool | None = None,
) -> bytes:
    """The 1200×630 PNG share card of a fact-check.

    ``verdict`` (a name on the scale) decides the band's colour and badge; ``label`` is the verdict
    as drawn on the band (default: its English name) and ``kicker`` the line above it, both in the
    fact-check's language. ``language`` (a BCP 47 tag such as ``hi`` or ``mr``) selects local
    glyph forms when shaping. ``fonts`` and ``shaping`` (default: raqm when available) exist for
    tests and odd hosts.
    """
    fonts = find_fonts() if fonts is None else fonts
    if shaping is None or shaping:
        if not raqm_available():
            _log_once("raqm", "Pillow has no raqm layout: share cards draw Indian scripts unshaped")
        shaping = raqm_available()
    with _render_lock:
        painter = _Painter(fonts, shaping, language)
        return painter.card(headline, verdict, site_name, label=label, kicker=kicker)


# -- text as runs of one script --------------------------------------------------------------------

Run = tuple[str, str]  # (text, script)
Word = tuple[Run, ...]


def script_of(char: str) -> str:
    """The script whose font should draw ``char``: a name from the block table, or ``Default``."""
    code = ord(char)
    index = bisect.bisect_right(_BLOCK_STARTS, code) - 1
    if index >= 0 and code <= _SCRIPT_BLOCKS[index][1]:
        return _SCRIPT_BLOCKS[index][2]
    return DEFAULT_SCRIPT


def split_runs(text: str) -> list[Run]:
    """Cut ``text`` into runs of one script; marks and joiners stay with the letter before them."""
    runs: list[list[str]] = []
    for char in text:
        inherits = unicodedata.category(char)[0] == "M" or char in _JOINERS
        script = runs[-1][1] if inherits and runs else script_of(char)
        if runs and runs[-1][1] == script:
            runs[-1][0] += char
        else:
            runs.append([char, script])
    return [(run_text, script) for run_text, script in runs]


def _words(text: str) -> list[Word]:
    return [tuple(split_runs(word)) for word in laid_out(text).split()]


def laid_out(text: str) -> str:
    """The part of ``text`` a card lays out: NFC, marks past ``MAX_MARKS_IN_A_ROW`` in a row
    dropped, and cut to ``MAX_LAID_OUT`` characters (with "…") between two clusters."""
    kept: list[str] = []
    marks = 0
    for char in unicodedata.normalize("NFC", text):
        marks = marks + 1 if unicodedata.category(char)[0] == "M" else 0
        if marks <= MAX_MARKS_IN_A_ROW:
            kept.append(char)
            if len(kept) > MAX_LAID_OUT:
                break
    if len(kept) <= MAX_LAID_OUT:
        return "".join(kept)
    cut = MAX_LAID_OUT
    # Never end inside a cluster: not before a mark or joiner, nor after a virama or joiner.
    while cut > 1 and (unicodedata.category(kept[cut])[0] == "M" or kept[cut] in _JOINERS
                       or kept[cut - 1] in _JOINERS or unicodedata.combining(kept[cut - 1]) == _VIRAMA):
        cut -= 1
    return "".join(kept[:cut]).rstrip() + ELLIPSIS


def _clusters(word: Word) -> list[Run]:
    """The word cut where a line may break inside it: never before a mark or after a virama."""
    clusters: list[list[str]] = []
    for run_text, script in word:
        for char in run_text:
            previous = clusters[-1][0][-1] if clusters else ""
            glued = (
                unicodedata.category(char)[0] == "M"
                or char in _JOINERS
                or previous in _JOINERS
                or (previous and unicodedata.combining(previous) == _VIRAMA)
            )
            if glued and clusters and clusters[-1][1] == script:
                clusters[-1][0] += char
            else:
                clusters.append([char, script])
    return [(text, script) for text, script in clusters]


def _join(clusters: Sequence[Run]) -> Word:
    runs: list[list[str]] = []
    for text, script in clusters:
        if runs and runs[-1][1] == script:
            runs[-1][0] += text
        else:
            runs.append([text, script])
    return tuple((text, script) for text, script in runs)


# -- drawing ---------------------------------------------------------------------------------------

AnyFont = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass
class _Layout:
    size: int
    bold: bool
    lines: list[list[Word]]
    line_height: int
    ascent: int


class _Painter:
    """Measures and draws runs of text with a font per script."""

    def __init__(self, fonts: FontSet, shaping: bool, language: str | None) -> None:
        self.fonts = fonts
        self.layout = ImageFont.Layout.RAQM if shaping else ImageFont.Layout.BASIC
        self.language = language if shaping else None

    def card(self, headline: str, verdict: str, site_name: str, *, label: str | None, kicker: str) -> bytes:
        image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BACKGROUND)
        draw = ImageDraw.Draw(image)
        known = find_verdict(verdict)
        band, on_band = BAND_COLOURS[known.severity if known else None]
        draw.rectangle((0, 0, CARD_WIDTH, BAND_HEIGHT), fill=band)

        badge_radius = 52
        badge_centre = (CARD_WIDTH - MARGIN - badge_radius, BAND_HEIGHT // 2)
        self._badge(draw, badge_centre, badge_radius, known.severity if known else None, band)
        band_text_width = badge_centre[0] - badge_radius - MARGIN - 30
        above = self.fit(kicker.upper(), band_text_width, 40, (26,), bold=True, max_lines=1)
        self.draw_lines(draw, above, MARGIN, 26, band_text_width, on_band)
        title = self.fit((label or (known.name if known else verdict)).upper(), band_text_width, 90,
                         (76, 68, 60, 52, 44), bold=True, max_lines=1)
        self.draw_lines(draw, title, MARGIN, 62, band_text_width, on_band)

        box_top, box_bottom = BAND_HEIGHT + 40, CARD_HEIGHT - 110
        width = CARD_WIDTH - 2 * MARGIN
        text = self.fit(headline, width, box_bottom - box_top, (66, 60, 54, 48, 44, 40, 36), bold=True)
        height = len(text.lines) * text.line_height
        self.draw_lines(draw, text, MARGIN, box_top + (box_bottom - box_top - height) // 2, width, INK)

        rule_y = CARD_HEIGHT - 82
        draw.rectangle((MARGIN, rule_y, CARD_WIDTH - MARGIN, rule_y + 2), fill=band)
        footer = self.fit(site_name, width, 60, (30, 26, 22), bold=False, max_lines=1)
        self.draw_lines(draw, footer, MARGIN, rule_y + 18, width, MUTED)

        output = io.BytesIO()
        image.save(output, format="PNG")
        return output.getvalue()

    def fit(self, text: str, width: int, height: int, sizes: Sequence[int], *, bold: bool,
            max_lines: int | None = None) -> _Layout:
        """Wrap ``text`` at the largest size that fits the box; at the smallest, cut it with "…"."""
        words = _words(text) or [((" ", DEFAULT_SCRIPT),)]
        for size in sizes:
            layout = self._wrap(words, width, size, bold)
            fits = max(1, height // layout.line_height)
            if max_lines is not None:
                fits = min(fits, max_lines)
            if len(layout.lines) <= fits:
                return layout
        layout.lines = layout.lines[:fits]
        layout.lines[-1] = self._with_ellipsis(layout.lines[-1], width, layout.size, bold)
        return layout

    def draw_lines(self, draw: ImageDraw.ImageDraw, layout: _Layout, left: int, top: int,
                   width: int, colour: tuple[int, int, int]) -> None:
        for number, line in enumerate(layout.lines):
            baseline = top + number * layout.line_height + layout.ascent
            rtl = _is_rtl(line)
            x: float = left + width if rtl else left
            space = self._length((" ", DEFAULT_SCRIPT), layout.size, layout.bold)
            for word in line:
                word_width = self._word_length(word, layout.size, layout.bold)
                if rtl:
                    x -= word_width
                run_x = x
                for run in reversed(word) if rtl else word:
                    self._draw_run(draw, run_x, baseline, run, layout.size, layout.bold, colour)
                    run_x += self._length(run, layout.size, layout.bold)
                x = x - space if rtl else x + word_width + space

    def _wrap(self, words: Sequence[Word], width: int, size: int, bold: bool) -> _Layout:
        space = self._length((" ", DEFAULT_SCRIPT), size, bold)
        lines: list[list[Word]] = [[]]
        used = 0.0
        for whole in words:
            for word in self._split_long(whole, width, size, bold):
                length = self._word_length(word, size, bold)
                if lines[-1] and used + space + length > width:
                    lines.append([])
                    used = 0.0
                used += (space if lines[-1] else 0) + length
                lines[-1].append(word)
        fonts = {self._font(script, size, bold) for word in words for _, script in word}
        fonts.add(self._font(DEFAULT_SCRIPT, size, bold))
        ascent = max(_metrics(font)[0] for font in fonts)
        descent = max(_metrics(font)[1] for font in fonts)
        return _Layout(size, bold, lines, ascent + descent + size // 10, ascent)

    def _split_long(self, word: Word, width: int, size: int, bold: bool) -> list[Word]:
        """A word wider than a line (a long URL) in pieces that fit."""
        if self._word_length(word, size, bold) <= width:
            return [word]
        pieces: list[Word] = []
        current: list[Run] = []
        for cluster in _clusters(word):
            if current and self._word_length(_join([*current, cluster]), size, bold) > width:
                pieces.append(_join(current))
                current = []
            current.append(cluster)
        if current:
            pieces.append(_join(current))
        return pieces

    def _with_ellipsis(self, line: list[Word], width: int, size: int, bold: bool) -> list[Word]:
        line = list(line)
        ellipsis: Run = (ELLIPSIS, DEFAULT_SCRIPT)
        space = self._length((" ", DEFAULT_SCRIPT), size, bold)
        while line:
            candidate = [*line[:-1], (*line[-1], ellipsis)]
            used = sum(self._word_length(w, size, bold) for w in candidate) + space * (len(candidate) - 1)
            if used <= width:
                return candidate
            # Drop whole words; cut into a word only when it is the last one left.
            clusters = _clusters(line[-1])
            line = line[:-1] if len(line) > 1 or len(clusters) <= 1 else [_join(clusters[:-1])]
        return [(ellipsis,)]

    def _badge(self, draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int,
               severity: Severity | None, colour: tuple[int, int, int]) -> None:
        cx, cy = centre
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(255, 255, 255))
        arm = radius * 0.45
        if severity is Severity.FALSE:
            for dx in (arm, -arm):
                draw.line((cx - dx, cy - arm, cx + dx, cy + arm), fill=colour, width=13)
        elif severity is Severity.TRUE:
            points = [(cx - arm, cy + 2), (cx - arm * 0.25, cy + arm * 0.75), (cx + arm, cy - arm * 0.7)]
            draw.line(points, fill=colour, width=13, joint="curve")
        else:
            mark = "!" if severity is Severity.MISLEADING else "?"
            font = self._font(DEFAULT_SCRIPT, int(radius * 1.5), True)
            if isinstance(font, ImageFont.FreeTypeFont):
                draw.text((cx, cy), mark, font=font, fill=colour, anchor="mm")

    def _draw_run(self, draw: ImageDraw.ImageDraw, x: float, baseline: int, run: Run, size: int,
                  bold: bool, colour: tuple[int, int, int]) -> None:
        text, script = run
        font = self._font(script, size, bold)
        if isinstance(font, ImageFont.FreeTypeFont):
            draw.text((x, baseline), text, font=font, fill=colour, anchor="ls", language=self._language(script))
        else:  # Pillow's bitmap font knows no anchors: place it by its top edge
            draw.text((x, baseline - _metrics(font)[0]), text, font=font, fill=colour)

    def _word_length(self, word: Word, size: int, bold: bool) -> float:
        return sum(self._length(run, size, bold) for run in word)

    def _length(self, run: Run, size: int, bold: bool) -> float:
        text, script = run
        return _text_length(self._font(script, size, bold), text, self._language(script))

    def _language(self, script: str) -> str | None:
        # Only the raqm layout takes a language, and it is meant for the script it names.
        return self.language if self.language and script != DEFAULT_SCRIPT else None

    def _font(self, script: str, size: int, bold: bool) -> AnyFont:
        path = self.fonts.path(script, bold=bold)
        if script != DEFAULT_SCRIPT and script not in self.fonts.files:
            _log_once(f"font:{script}", f"no {script} font found: share cards draw it with the default font")
        if path is None:
            _log_once("font:default", "no TrueType font found: share cards use Pillow's built-in font")
        return _load_font(path, size, self.layout)


@lru_cache(maxsize=128)
def _load_font(path: Path | None, size: int, layout: ImageFont.Layout) -> AnyFont:
    if path is None:
        return ImageFont.load_default(size)
    try:
        return ImageFont.truetype(str(path), size, layout_engine=layout)
    except OSError:
        _log_once(f"broken:{path}", f"cannot load font {path}: using Pillow's built-in font")
        return ImageFont.load_default(size)


@lru_cache(maxsize=4096)
def _text_length(font: AnyFont, text: str, language: str | None) -> float:
    if isinstance(font, ImageFont.FreeTypeFont):
        return font.getlength(text, language=language)
    return font.getlength(text)


def _metrics(font: AnyFont) -> tuple[int, int]:
    if isinstance(font, ImageFont.FreeTypeFont):
        return font.getmetrics()
    box = font.getbbox("Ag")
    return int(box[3]), 2


def _is_rtl(line: Sequence[Word]) -> bool:
    scripts = [script for word in line for text, script in word if script != DEFAULT_SCRIPT]
    return bool(scripts) and sum(s in _RTL_SCRIPTS for s in scripts) * 2 > len(scripts)


def _log_once(key: str, message: str) -> None:
    if key not in _logged:
        _logged.add(key)
        log.warning(message)
