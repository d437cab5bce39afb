"""Decoding fetched bodies: legacy, mislabelled and unlabelled charsets keep their text (SPEC §3)."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.archive.charset import declared_in_document, decode_html, normalise_label
from factcheck.archive.extract import extract_html

FRENCH = ("« C’est faux », a déclaré jeudi le ministre : la réforme des retraites sera "
          "maintenue coûte que coûte. Les syndicats prévoient une grève à Noël — déjà la troisième.")
GERMAN = "Die Größe der Straße überrascht viele Bürger. Der Bürgermeister äußerte sich am Dienstag."
ENGLISH_QUOTES = "“It’s not what we expected,” she said — the café’s naïve résumé policy was “absurd.”"
POLISH = ("Sejm zagłosował za ustawą. Posłowie przyjęli projekt większością głosów, a minister "
          "zapowiedział, że rząd będzie działał szybko.")
RUSSIAN = ("Полиция направила дело минера столичного метро в суд. Об этом сообщили в пресс-службе "
           "ведомства во вторник.")
GREEK = "Η αστυνομία συνέλαβε έναν άνδρα την ώρα που προσπαθούσε να κλέψει αυτοκίνητο στα Χανιά."
ARABIC = "أعلنت وزارة الصحة اليوم عن تسجيل حالات جديدة في الإمارات وقالت إن الوضع تحت السيطرة."
HEBREW = "משטרת ישראל עצרה היום חשוד בגניבת רכב בתל אביב. החקירה נמשכת."
JAPANESE = "東京都は今日、新しい感染者数を発表しました。専門家は警戒を呼びかけています。"
CHINESE = "国务院新闻办公室今天举行发布会，介绍有关情况。记者提问环节持续了一个小时。"
TRADITIONAL = "國務院新聞辦公室今天舉行發布會，介紹有關情況。記者提問環節持續了一個小時。"
KOREAN = "서울시는 오늘 새로운 확진자 수를 발표했다. 전문가들은 경계를 당부했다."
HINDI = "केंद्र सरकार ने बुधवार को कहा कि वायरल संदेश में किया गया दावा पूरी तरह झूठा है।"


def page(text: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head>{head}<title>Report</title></head>"
            f"<body><article><p>{text}</p></article></body></html>")


def test_windows_1252_page_labelled_utf8_keeps_its_quotes_and_accents() -> None:
    body = page(f"{FRENCH} {ENGLISH_QUOTES}", '<meta charset="utf-8">').encode("cp1252")
    text, charset = decode_html(body, "utf-8")
    assert charset == "windows-1252"
    assert FRENCH in text and ENGLISH_QUOTES in text
    extracted = extract_html(body, url="https://example.org/a", declared_charset="utf-8")
    assert FRENCH in extracted.text and extracted.charset == "windows-1252"


def test_utf8_page_served_as_iso_8859_1_is_utf8() -> None:
    body = page(f"{FRENCH} {HINDI}").encode("utf-8")
    text, charset = decode_html(body, "ISO-8859-1")
    assert (charset, FRENCH in text, HINDI in text) == ("utf-8", True, True)
    assert "Ã" not in extract_html(body, url="https://example.org/", declared_charset="iso-8859-1").text


@pytest.mark.parametrize(("codec", "label", "expected", "sample"), [
    ("shift_jis", "Shift_JIS", "shift_jis", JAPANESE),
    ("gbk", "gb2312", "gbk", CHINESE),
    ("euc_kr", "EUC-KR", "euc-kr", KOREAN),
    ("cp1251", "windows-1251", "windows-1251", RUSSIAN),
    ("cp1250", "windows-1250", "windows-1250", POLISH),
])
def test_legacy_page_with_only_a_meta_charset(codec: str, label: str, expected: str,
                                              sample: str) -> None:
    for head in (f'<meta charset="{label}">',
                 f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'):
        body = page(sample, head).encode(codec)
        text, charset = decode_html(body, None)
        assert (charset, sample in text) == (expected, True)
        assert sample in extract_html(body, url="https://example.org/").text


def test_meta_charset_beats_a_server_default_that_does_not_fit() -> None:
    body = page(JAPANESE, '<meta http-equiv="content-type" content="text/html;charset=x-sjis">')
    text, charset = decode_html(body.encode("shift_jis"), "iso-8859-1")
    assert (charset, JAPANESE in text) == ("shift_jis", True)


def test_http_charset_is_used_when_the_bytes_fit_it() -> None:
    body = page(RUSSIAN).encode("koi8-r")
    text, charset = decode_html(body, "KOI8-R")
    assert (charset, RUSSIAN in text) == ("koi8-r", True)


def test_meta_charset_is_found_after_a_long_head() -> None:
    script = "<script>" + "var x = 1;\n" * 800 + "</script>"
    body = page(CHINESE, script + '<meta charset="gbk">').encode("gbk")
    assert declared_in_document(body) == "gbk"
    assert CHINESE in decode_html(body, None)[0]


@pytest.mark.parametrize(("bom", "codec", "name"), [
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16be"),
])
def test_byte_order_mark_beats_every_label(bom: bytes, codec: str, name: str) -> None:
    body = bom + page(HINDI, '<meta charset="iso-8859-1">').encode(codec)
    text, charset = decode_html(body, "windows-1252")
    assert charset == name
    assert text.startswith("<!DOCTYPE html>") and HINDI in text
    assert HINDI in extract_html(body, url="https://example.org/", declared_charset="latin1").text


def test_utf16_declared_by_the_server_without_a_bom() -> None:
    text, charset = decode_html(page(GERMAN).encode("utf-16-le"), "UTF-16")
    assert (charset, GERMAN in text) == ("utf-16le", True)


@pytest.mark.parametrize(("codec", "sample"), [
    ("cp1252", FRENCH), ("cp1252", GERMAN), ("cp1252", ENGLISH_QUOTES), ("cp1250", POLISH),
    ("cp1251", RUSSIAN), ("koi8-r", RUSSIAN), ("cp1253", GREEK), ("cp1256", ARABIC),
    ("cp1255", HEBREW), ("shift_jis", JAPANESE), ("euc_jp", JAPANESE), ("gbk", CHINESE),
    ("big5", TRADITIONAL), ("euc_kr", KOREAN),
])
def test_page_with_no_declaration_at_all(codec: str, sample: str) -> None:
    body = page(sample).encode(codec)
    for declared in (None, "utf-8"):  # no label, or the usual wrong one
        text, _charset = decode_html(body, declared)
        assert sample in text


def test_pure_ascii_and_utf8_without_any_label() -> None:
    assert decode_html(page("Plain words.").encode(), None) == (page("Plain words."), "utf-8")
    assert decode_html(page(HINDI).encode(), None) == (page(HINDI), "utf-8")


def test_iso_2022_jp_is_recognised_although_it_is_7_bit() -> None:
    text, charset = decode_html(page(JAPANESE).encode("iso2022_jp"), None)
    assert (charset, JAPANESE in text) == ("iso-2022-jp", True)


def test_latin1_labels_mean_windows_1252_as_in_browsers() -> None:
    body = b"<p>\x93Quoted\x94 for \x80 5 \x96 cheap</p>"
    for label in ("iso-8859-1", "latin1", "US-ASCII", "ISO_8859-1:1987"):
        assert decode_html(body, label) == ("<p>“Quoted” for € 5 – cheap</p>", "windows-1252")


@pytest.mark.parametrize(("label", "name"), [
    ("ISO-8859-1", "windows-1252"), (" Latin1 ", "windows-1252"), ("ascii", "windows-1252"),
    ('"utf8"', "utf-8"), ("GB2312", "gbk"), ("sjis", "shift_jis"), ("Windows-31J", "shift_jis"),
    ("ks_c_5601-1987", "euc-kr"), ("iso-8859-9", "windows-1254"), ("tis-620", "windows-874"),
    ("big5-hkscs", "big5"), ("koi8_r", "koi8-r"),
    ("utf-7", None), ("rot13", None), ("base64", None), ("x-nonsense", None), ("", None), (None, None),
])
def test_labels_are_read_through_the_whatwg_table(label: str | None, name: str | None) -> None:
    assert normalise_label(label) == name


def test_undefined_windows_1252_bytes_decode_to_c1_controls() -> None:
    text, charset = decode_html(b"caf\xe9 \x81\x8d\x8f\x90\x9d \xe9t\xe9", None)
    assert charset == "windows-1252"
    assert text == "café \x81\x8d\x8f\x90\x9d été"


@pytest.mark.parametrize("declared", [None, "utf-8", "iso-8859-1", "shift_jis", "utf-16", "gbk",
                                      "x-nonsense", "base64"])
def test_garbage_bytes_never_raise(declared: str | None) -> None:
    rng = random.Random(declared)
    bodies = [b"", b"\x00" * 64, bytes(range(256)) * 4, b"\xff\xfe", b"\xef\xbb\xbf\xff",
              b"<meta charset=utf-16>\xff\xfe\x00", bytes(rng.getrandbits(8) for _ in range(5000))]
    for body in bodies:
        text, charset = decode_html(body, declared)
        assert isinstance(text, str) and normalise_label(charset) == charset
        page = extract_html(body, url="https://example.org/", declared_charset=declared)
        assert page.charset == charset


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2000),
       declared=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(
           ["utf-8", "windows-1252", "shift_jis", "utf-16le", "euc-jp", "iso-2022-jp", "gb18030"])))
def test_decoding_any_bytes_with_any_label_never_raises(body: bytes, declared: str | None) -> None:
    text, charset = decode_html(body, declared)
    assert isinstance(text, str) and normalise_label(charset) == charset
