"""Share cards: 1200×630 PNGs, Devanagari shaped by raqm, and a clean fallback without fonts."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from factcheck.publish import share_card
from factcheck.publish.share_card import FontSet, find_fonts, render_share_card, split_runs

HINDI = "कांग्रेस नेता का दावा झूठा: क्षत्रिय समाज के बारे में वायरल पोस्ट फ़र्ज़ी है"
ENGLISH = "Viral video claims an oxygen bar in Delhi offers fresh air for Rs 300"
LONG = "This headline goes on and on, far longer than any card can hold. " * 30


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    image.load()
    return image


def distinct_colours(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(maxcolors=1200 * 630))


def devanagari_font() -> Path:
    if not features.check("raqm"):
        pytest.skip("Pillow was built without libraqm: Devanagari cannot be shaped here")
    path = find_fonts().files.get("Devanagari", (None, None))[0]
    if path is None:
        pytest.skip("no Devanagari font (Debian: fonts-noto-core) in the usual font folders")
    return path


@pytest.mark.parametrize(
    ("headline", "verdict", "language"),
    [(ENGLISH, "False", "en"), (HINDI, "Misleading", "hi"), (LONG, "Missing context", None),
     (LONG.replace("headline", "शीर्षक"), "True", "hi"), ("", "Unproven", None)],
)
def test_cards_are_1200_by_630_pngs(headline: str, verdict: str, language: str | None) -> None:
    image = open_png(render_share_card(headline, verdict, "Factcheck Workbench", language=language))
    assert distinct_colours(image) > 10  # something was drawn, not a blank canvas


def test_band_colour_follows_the_verdict() -> None:
    def band(verdict: str) -> tuple[int, int, int]:
        return open_png(render_share_card(ENGLISH, verdict, "Site")).convert("RGB").getpixel((20, 20))

    false, misleading, true = band("False"), band("Misleading"), band("True")
    assert false[0] > 2 * false[1] and false[0] > 2 * false[2], f"False should be red, not {false}"
    assert true[1] > true[0] and true[1] > true[2], f"True should be green, not {true}"
    assert misleading not in (false, true)
    assert band("Partly false") == misleading
    assert band("Unproven") == band("Missing context")
    assert band("No such verdict") not in (false, misleading, true)


def test_long_headline_does_not_spill_into_the_footer() -> None:
    short = open_png(render_share_card("Short", "False", "Site")).convert("RGB")
    long = open_png(render_share_card(LONG, "False", "Site")).convert("RGB")
    footer = (0, 630 - 84, 1200, 630)
    assert ImageChops.difference(short.crop(footer), long.crop(footer)).getbbox() is None
    assert ImageChops.difference(short, long).getbbox() is not None


def test_runs_follow_scripts_and_keep_marks_with_their_letters() -> None:
    assert split_runs("BJP नेता कांग्रेस।") == [
        ("BJP ", "Default"), ("नेता", "Devanagari"), (" ", "Default"), ("कांग्रेस।", "Devanagari"),
    ]
    assert split_runs("\u0915\u094d\u200d\u0937") == [("\u0915\u094d\u200d\u0937", "Devanagari")]


@pytest.mark.parametrize("word", ["कांग्रेस", "क्षत्रिय", "कि"])
def test_raqm_shapes_devanagari(word: str) -> None:
    """Conjuncts and the i-matra's reordering change the glyphs, so shaped and unshaped differ."""
    path = devanagari_font()

    def draw(layout: ImageFont.Layout) -> Image.Image:
        font = ImageFont.truetype(str(path), 80, layout_engine=layout)
        image = Image.new("L", (600, 160), 0)
        ImageDraw.Draw(image).text((20, 20), word, font=font, fill=255)
        return image

    shaped, unshaped = draw(ImageFont.Layout.RAQM), draw(ImageFont.Layout.BASIC)
    assert shaped.getbbox() is not None
    assert ImageChops.difference(shaped, unshaped).getbbox() is not None


def test_cards_use_the_shaping_layout() -> None:
    devanagari_font()
    shaped = open_png(render_share_card("क्षत्रिय", "False", "Site", language="hi", shaping=True))
    unshaped = open_png(render_share_card("क्षत्रिय", "False", "Site", language="hi", shaping=False))
    assert ImageChops.difference(shaped.convert("RGB"), unshaped.convert("RGB")).getbbox() is not None


def test_hindi_headline_is_drawn_with_a_devanagari_font() -> None:
    """With the Devanagari font the headline is real glyphs; with only a Latin font, boxes."""
    devanagari = devanagari_font()
    latin_only = FontSet({"Default": find_fonts().files["Default"]})
    with_font = FontSet({**latin_only.files, "Devanagari": (devanagari, devanagari)})
    a = open_png(render_share_card("कांग्रेस", "False", "Site", fonts=with_font)).convert("RGB")
    b = open_png(render_share_card("कांग्रेस", "False", "Site", fonts=latin_only)).convert("RGB")
    assert ImageChops.difference(a, b).getbbox() is not None


def test_without_fonts_the_card_still_renders_and_says_why(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(share_card, "_logged", set())
    with caplog.at_level(logging.WARNING, logger="factcheck.publish.share_card"):
        image = open_png(render_share_card(HINDI, "False", "Site", fonts=FontSet(), shaping=False))
    assert distinct_colours(image) > 10
    assert any("font" in record.getMessage() for record in caplog.records)


def test_without_raqm_the_card_renders_unshaped_and_says_why(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(share_card, "_logged", set())
    monkeypatch.setattr(share_card, "raqm_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="factcheck.publish.share_card"):
        open_png(render_share_card(HINDI, "False", "Site", language="hi"))
    assert any("raqm" in record.getMessage() for record in caplog.records)


def test_font_discovery(tmp_path: Path) -> None:
    assert find_fonts([tmp_path]).files == {}
    real = find_fonts().files.get("Devanagari")
    if real is None:
        pytest.skip("no Devanagari font installed to copy")
    nested = tmp_path / "truetype" / "noto"
    nested.mkdir(parents=True)
    (nested / "NotoSansDevanagari-Regular.ttf").symlink_to(real[0])
    (nested / "NotoSans-Bold.ttf").symlink_to(real[0])
    found = find_fonts([tmp_path]).files
    assert found["Devanagari"] == (nested / "NotoSansDevanagari-Regular.ttf",) * 2  # no bold: regular
    assert found["Default"] == (nested / "NotoSans-Bold.ttf",) * 2
    assert "Tamil" not in found


# -- bounded work (issue 9): whatever the headline and site name --------------------------------

NASTY = {
    "long unbreakable word": "x" * 200,
    "long link": "https://example.org/" + "a/b" * 60,
    "narrow letters": "i" * 200,
    "many scripts": ("aक\u0627\u05d0\u0e01\u0b95\u0c15\u0985\u0a15\u0a95\u0b15\u0c95\u0d15\u0d9a" * 15)[:200],
    "one long conjunct": "क्" * 100,
    "joiners": "क\u200d" * 100,
    "Devanagari signs": "क" + "\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c\u0902\u0903" * 18,
    "acute accents": "a" + "\u0301" * 199,
    "dots below": "a" + "\u0323" * 199,
    "marks alone": "\u0301" * 200,
    "Arabic": ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629 " * 25)[:200],
}


@pytest.mark.parametrize("name", NASTY)
def test_nasty_headlines_render(name: str) -> None:
    assert distinct_colours(open_png(render_share_card(NASTY[name], "False", NASTY[name]))) > 2


@pytest.mark.parametrize("name", ["acute accents", "dots below", "marks alone", "Devanagari signs"])
def test_combining_mark_floods_stay_in_the_headline_box(name: str) -> None:
    """Hundreds of stacked marks would climb into the verdict band or drop onto the footer."""
    plain = open_png(render_share_card("a", "False", "Site")).convert("RGB")
    flood = open_png(render_share_card(NASTY[name], "False", "Site")).convert("RGB")
    for box in ((0, 0, 1200, share_card.BAND_HEIGHT), (0, 630 - 84, 1200, 630)):
        assert ImageChops.difference(plain.crop(box), flood.crop(box)).getbbox() is None, box


def test_what_is_laid_out_is_capped() -> None:
    assert share_card.laid_out(HINDI) == HINDI and share_card.laid_out(ENGLISH) == ENGLISH
    for word in ("कांग्रेस", "क्षत्रिय", "क़ॉफ़ी", "ẫ"):
        assert share_card.laid_out(word) == word
    cut = share_card.laid_out(LONG * 10)
    assert len(cut) <= share_card.MAX_LAID_OUT + 1 and cut.endswith("…") and LONG.startswith(cut[:60])
    flood = share_card.laid_out(NASTY["acute accents"])
    assert flood.startswith("á") and len(flood) == 1 + share_card.MAX_MARKS_IN_A_ROW


def test_layout_work_stops_growing_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text past what a card can hold is not measured: a 20,000-character headline or site name
    costs what its first 1,500 characters cost."""
    measured: list[int] = []
    real = share_card._text_length.__wrapped__

    def counting(font: object, text: str, options: tuple[tuple[str, str], ...]) -> float:
        measured.append(len(text))
        return real(font, text, options)

    monkeypatch.setattr(share_card, "_text_length", counting)

    def work(headline: str, site: str) -> int:
        measured.clear()
        render_share_card(headline, "False", site)
        return sum(measured)

    words = " ".join(f"w{n}" for n in range(4_000))
    assert work(words[:20_000], "Site") == work(words[:1_500], "Site")
    assert work("Headline", words[:20_000]) == work("Headline", words[:1_500])
    assert work("x" * 20_000, "Site") == work("x" * 1_500, "Site")
