"""Reading text cards with Tesseract: mixed Hindi and English, shapes, dark cards, small images."""

from __future__ import annotations

import textwrap

import pytest
from PIL import Image, ImageDraw, ImageFont

from factcheck.images import ocr
from tests.images import NOTO, cer

needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="Tesseract with hin and eng is not installed")

HINDI_WITH_ENGLISH = "सोशल मीडिया पर Facebook के नाम से एक संदेश फैलाया जा रहा है कि सरकार सबको पैसे देगी"
ENGLISH = "The health ministry never said that drinking hot water every hour kills the virus"


def devanagari(ch: str) -> bool:
    return "\u0900" <= ch <= "\u097f" or ch in "\u200c\u200d"


def card(text: str, *, background: str = "#ffffff", ink: str = "#111111", logo: tuple[int, int] = (150, 36),
         size: int = 34) -> Image.Image:
    """A card as forwarded: a logo box above lines of ``text``, each run of Devanagari in Noto Sans
    Devanagari and the rest in Noto Sans (the Devanagari face has no Latin letters)."""
    fonts = {True: ImageFont.truetype(NOTO + "NotoSansDevanagari-Regular.ttf", size),
             False: ImageFont.truetype(NOTO + "NotoSans-Regular.ttf", size)}
    lines = textwrap.wrap(text, 30)
    step = round(size * 1.5)
    image = Image.new("RGB", (640, 100 + logo[1] + step * len(lines)), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 24, 30 + logo[0], 24 + logo[1]), fill="#ffb703")
    for i, line in enumerate(lines):
        x, y = 36.0, 60 + logo[1] + step * i + size
        for word in line.split(" "):
            run = word + " "
            font = fonts[any(devanagari(ch) for ch in word)]
            draw.text((x, y), run, font=font, fill=ink, anchor="ls")
            x += font.getlength(run)
    return image


def test_line_height_is_measured_from_the_rows_of_ink():
    page = Image.new("L", (400, 300), 255)
    draw = ImageDraw.Draw(page)
    for top in (40, 100, 160, 220):
        draw.rectangle((20, top, 380, top + 17), fill=0)  # four "lines" 18 px high
    assert ocr.line_height(ocr.ink_mask(page)) == 18
    assert ocr.scale_for(page) == pytest.approx(ocr.LINE_HEIGHT / 18)


def test_a_page_without_lines_keeps_the_old_enlargement():
    blank = Image.new("L", (300, 200), 255)
    assert ocr.line_height(ocr.ink_mask(blank)) is None
    assert ocr.scale_for(blank) == pytest.approx(3.0)


@needs_tesseract
def test_a_blank_image_reads_as_no_text():
    assert ocr.read_text(Image.new("RGB", (300, 200), "#fff4d6")) == ""


@needs_tesseract
def test_a_hindi_card_with_an_english_word_reads_both_scripts():
    text = ocr.read_text(card(HINDI_WITH_ENGLISH))
    assert "Facebook" in text.split()
    hindi_only = " ".join(w for w in HINDI_WITH_ENGLISH.split() if w != "Facebook")
    assert cer(hindi_only, " ".join(w for w in text.split() if w != "Facebook")) <= 0.05


@needs_tesseract
def test_a_filled_box_is_not_read_as_text():
    image = card(ENGLISH, logo=(260, 60))
    assert cer(ENGLISH, ocr.read_text(image)) <= 0.02
    box = ocr.Word("|", 20.0, (30, 24, 290, 84), (1, 1, 1))
    assert ocr.is_shape(box, ocr.ink_mask(image.convert("L")))


@needs_tesseract
def test_light_text_on_a_dark_card_is_read():
    text = ocr.read_text(card(ENGLISH, background="#1d3557", ink="#ffffff"))
    assert cer(ENGLISH, text) <= 0.03


@needs_tesseract
def test_a_tiny_card_is_enlarged_and_read():
    small = card(ENGLISH, size=34)
    small = small.resize((small.width // 3, small.height // 3), Image.Resampling.LANCZOS)  # text ~11 px high
    page = ocr.prepared(small)
    assert page.height >= 3 * small.height
    assert cer(ENGLISH, ocr.read_text(small)) <= 0.05
