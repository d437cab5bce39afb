"""Decoding fetched HTML bodies to text, as a browser would, but harder to fool (SPEC §3).

The order: a byte-order mark; then UTF-8 when the bytes are valid UTF-8; then the HTTP charset and
the document's own ``<meta charset>``, each only if the bytes decode cleanly with it and the result
does not read as mojibake; then detection with ``charset_normalizer``; lastly windows-1252.
Labels are read through the WHATWG Encoding Standard's table, so ``iso-8859-1`` and ``us-ascii``
mean windows-1252, ``gb2312`` means GBK and ``shift_jis`` means Windows-31J, as in every browser.
Nothing here raises on any bytes.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

# WHATWG encoding name -> Python codec. Where Python's codec of the same name is narrower than
# what browsers decode (GBK, Shift_JIS, EUC-KR, Big5, windows-1252's C1 bytes), the wider codec.
_CODECS = {
    "utf-8": "utf-8",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "ibm866": "cp866",
    "iso-8859-2": "iso8859-2",
    "iso-8859-3": "iso8859-3",
    "iso-8859-4": "iso8859-4",
    "iso-8859-5": "iso8859-5",
    "iso-8859-6": "iso8859-6",
    "iso-8859-7": "iso8859-7",
    "iso-8859-8": "iso8859-8",
    "iso-8859-8-i": "iso8859-8",
    "iso-8859-10": "iso8859-10",
    "iso-8859-13": "iso8859-13",
    "iso-8859-14": "iso8859-14",
    "iso-8859-15": "iso8859-15",
    "iso-8859-16": "iso8859-16",
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "macintosh": "mac-roman",
    "windows-874": "cp874",
    "windows-1250": "cp1250",
    "windows-1251": "cp1251",
    "windows-1252": "cp1252",
    "windows-1253": "cp1253",
    "windows-1254": "cp1254",
    "windows-1255": "cp1255",
    "windows-1256": "cp1256",
    "windows-1257": "cp1257",
    "windows-1258": "cp1258",
    "x-mac-cyrillic": "mac-cyrillic",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "euc-jp": "euc-jp",
    "iso-2022-jp": "iso2022-jp",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
}

# The labels of the WHATWG table that differ from their encoding's name.
_ALIASES = {
    **dict.fromkeys(("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf8",
                     "x-unicode20utf8"), "utf-8"),
    **dict.fromkeys(("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff",
                     "utf-16"), "utf-16le"),
    **dict.fromkeys(("866", "cp866", "csibm866"), "ibm866"),
    **dict.fromkeys(("csisolatin2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2",
                     "iso_8859-2:1987", "l2", "latin2"), "iso-8859-2"),
    **dict.fromkeys(("csisolatin3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3",
                     "iso_8859-3:1988", "l3", "latin3"), "iso-8859-3"),
    **dict.fromkeys(("csisolatin4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4",
                     "iso_8859-4:1988", "l4", "latin4"), "iso-8859-4"),
    **dict.fromkeys(("csisolatincyrillic", "cyrillic", "iso-ir-144", "iso8859-5", "iso88595",
                     "iso_8859-5", "iso_8859-5:1988"), "iso-8859-5"),
    **dict.fromkeys(("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic",
                     "ecma-114", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6",
                     "iso88596", "iso_8859-6", "iso_8859-6:1987"), "iso-8859-6"),
    **dict.fromkeys(("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-ir-126",
                     "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
                    "iso-8859-7"),
    **dict.fromkeys(("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8-e", "iso-ir-138",
                     "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual"),
                    "iso-8859-8"),
    **dict.fromkeys(("csiso88598i", "logical"), "iso-8859-8-i"),
    **dict.fromkeys(("csisolatin6", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
                    "iso-8859-10"),
    **dict.fromkeys(("iso8859-13", "iso885913"), "iso-8859-13"),
    **dict.fromkeys(("iso8859-14", "iso885914"), "iso-8859-14"),
    **dict.fromkeys(("csisolatin9", "iso8859-15", "iso885915", "iso_8859-15", "l9", "latin9"),
                    "iso-8859-15"),
    **dict.fromkeys(("cskoi8r", "koi", "koi8", "koi8_r"), "koi8-r"),
    **dict.fromkeys(("koi8-ru",), "koi8-u"),
    **dict.fromkeys(("csmacintosh", "mac", "x-mac-roman"), "macintosh"),
    **dict.fromkeys(("x-mac-ukrainian",), "x-mac-cyrillic"),
    **dict.fromkeys(("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620"),
                    "windows-874"),
    **dict.fromkeys(("cp1250", "x-cp1250"), "windows-1250"),
    **dict.fromkeys(("cp1251", "x-cp1251"), "windows-1251"),
    **dict.fromkeys(("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819",
                     "iso-8859-1", "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1",
                     "iso_8859-1:1987", "l1", "latin1", "us-ascii", "x-cp1252"), "windows-1252"),
    **dict.fromkeys(("cp1253", "x-cp1253"), "windows-1253"),
    **dict.fromkeys(("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9",
                     "iso88599", "iso_8859-9", "iso_8859-9:1989", "l5", "latin5", "x-cp1254"),
                    "windows-1254"),
    **dict.fromkeys(("cp1255", "x-cp1255"), "windows-1255"),
    **dict.fromkeys(("cp1256", "x-cp1256"), "windows-1256"),
    **dict.fromkeys(("cp1257", "x-cp1257"), "windows-1257"),
    **dict.fromkeys(("cp1258", "x-cp1258"), "windows-1258"),
    **dict.fromkeys(("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312",
                     "gb_2312-80", "iso-ir-58", "x-gbk"), "gbk"),
    **dict.fromkeys(("big5-hkscs", "cn-big5", "csbig5", "x-x-big5"), "big5"),
    **dict.fromkeys(("cseucpkdfmtjapanese", "x-euc-jp"), "euc-jp"),
    **dict.fromkeys(("csiso2022jp",), "iso-2022-jp"),
    **dict.fromkeys(("csshiftjis", "ms932", "ms_kanji", "shift-jis", "sjis", "windows-31j",
                     "x-sjis"), "shift_jis"),
    **dict.fromkeys(("cseuckr", "csksc56011987", "iso-ir-149", "korean", "ks_c_5601-1987",
                     "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949"), "euc-kr"),
}

# What detection may answer: the legacy encodings still common on the web (Python codec name ->
# WHATWG name). Rarer code pages stay out: on short texts detectors pick them spuriously
# (iso-8859-10 for Turkish, mac-roman for French).
_DETECTED = {
    "cp1250": "windows-1250", "cp1251": "windows-1251", "cp1252": "windows-1252",
    "cp1253": "windows-1253", "cp1254": "windows-1254", "cp1255": "windows-1255",
    "cp1256": "windows-1256", "cp1257": "windows-1257", "cp1258": "windows-1258",
    "cp874": "windows-874", "koi8_r": "koi8-r", "koi8_u": "koi8-u", "iso8859_2": "iso-8859-2",
    "iso8859_5": "iso-8859-5", "iso8859_6": "iso-8859-6", "iso8859_7": "iso-8859-7",
    "iso8859_8": "iso-8859-8", "iso8859_15": "iso-8859-15", "gb18030": "gb18030",
    "big5hkscs": "big5", "euc_jp": "euc-jp", "cp932": "shift_jis", "cp949": "euc-kr",
}

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16le"),
         (codecs.BOM_UTF16_BE, "utf-16be"))
# <meta charset=x>, <meta http-equiv content="...; charset=x"> and <?xml ... encoding="x"?>
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.+-]+)"""
    rb"""|<\?xml\b[^>]*?encoding\s*=\s*["']([a-z0-9_:.+-]+)""",
    re.IGNORECASE,
)
# Far past WHATWG's 1024-byte prescan: real heads carry tens of kilobytes of inline script first.
_META_WINDOW = 64 * 1024
_ISO2022JP_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J")
# A decoding reads as mojibake above this charset_normalizer "mess" ratio (0 = clean prose).
_MAX_MESS = 0.1
_MESS_SAMPLE = 64 * 1024
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Typographic punctuation (quotes, dashes, ellipsis, NBSP, guillemets) is not evidence either way.
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f\u00a0\u00ab\u00bb\u2010-\u206f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f\u00a0\u00ab\u00bb\u2010-\u206f]{3,}")
_SYMBOL_IN_WORD = re.compile(
    r"(?<=[A-Za-z])[\u0080-\u00ac\u00ae-\u00bf\u00d7\u00f7\u0192\u02c6\u02dc](?=[A-Za-z])")
_ICELANDIC = re.compile(r"[\u00d0\u00dd\u00de\u00f0\u00fd\u00fe]")
_DETECT_SAMPLE = 256 * 1024
# WHATWG's windows-1252 maps the five bytes Python's cp1252 leaves undefined to the C1 controls.
_C1_TO_CP1252 = {
    byte: bytes([byte]).decode("cp1252") for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def normalise_label(label: str | None) -> str | None:
    """The WHATWG encoding name for a charset label, or None when browsers would not know it."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    return key if key in _CODECS else None


def declared_in_document(body: bytes) -> str | None:
    """The charset a page declares for itself (``<meta>`` or XML declaration), normalised."""
    for match in _META_CHARSET.finditer(body, 0, _META_WINDOW):
        label = normalise_label((match.group(1) or match.group(2)).decode("ascii"))
        if label is not None:
            # WHATWG: a meta tag cannot switch to UTF-16 (the bytes got this far as ASCII).
            return "utf-8" if label.startswith("utf-16") else label
    return None


def decode_html(body: bytes, declared_charset: str | None) -> tuple[str, str]:
    """Decode an HTML body; return the text and the (WHATWG) name of the encoding used."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(_CODECS[name], errors="replace"), name

    declared = normalise_label(declared_charset)
    if declared in ("utf-16le", "utf-16be") and _looks_like_utf16(body):
        return body.decode(_CODECS[declared], errors="replace"), declared

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # Valid UTF-8 wins over any label: legacy-encoded text almost never forms valid multi-byte
        # sequences, and servers mislabel UTF-8 as iso-8859-1 far more often than the reverse.
        # Pure-ASCII bytes are the same in every candidate but the 7-bit ISO-2022-JP.
        if body.isascii() and any(escape in body for escape in _ISO2022JP_ESCAPES):
            decoded = _decode_clean(body, "iso-2022-jp")
            if decoded is not None:
                return decoded, "iso-2022-jp"
        return text, "utf-8"

    if _looks_like_utf16(body):
        name = "utf-16le" if body[1:2] == b"\x00" else "utf-16be"
        return body.decode(_CODECS[name], errors="replace"), name

    labels = [declared, declared_in_document(body)]
    for label in dict.fromkeys(labels):
        if label is None or label == "utf-8" or label.startswith("utf-16"):
            continue
        decoded = _decode_clean(body, label)
        if decoded is not None and _plausible(decoded, label):
            return decoded, label

    detected = _detect(body)
    if detected is not None:
        return body.decode(_CODECS[detected], errors="replace"), detected
    return decode_windows_1252(body), "windows-1252"


def decode_windows_1252(body: bytes) -> str:
    """windows-1252 as browsers decode it: never fails."""
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return body.decode("latin-1").translate(_C1_TO_CP1252)


def _decode_clean(body: bytes, name: str) -> str | None:
    try:
        return body.decode(_CODECS[name])
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_like_utf16(body: bytes) -> bool:
    # ASCII markup in UTF-16 puts a NUL in every other byte.
    head = body[:1024]
    if len(head) < 8:
        return False
    return head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3


def _detect(body: bytes) -> str | None:
    western = _decode_clean(body, "windows-1252")
    if western is not None and _reads_as_western(western):
        # Statistical detectors are unreliable on the few accented letters of Western prose and
        # often name a sibling code page (windows-1257 for French); windows-1252 is the web's
        # most common legacy encoding and the browsers' default, so it goes first.
        return "windows-1252"
    sample = body
    if len(body) > _DETECT_SAMPLE:
        # Cut at a tag boundary, so the sample does not end in half a multi-byte character.
        cut = body.rfind(b"<", 0, _DETECT_SAMPLE)
        sample = body[:cut if cut > 0 else _DETECT_SAMPLE]
    try:
        best = from_bytes(sample, cp_isolation=sorted(_DETECTED)).best()
    except Exception:  # noqa: BLE001 - detection is a heuristic; never fail a capture over it
        return None
    name = _DETECTED.get(best.encoding) if best is not None else None
    if name == "windows-1252" and western is not None and _icelandic_heavy(western):
        # windows-1254 is windows-1252 with Turkish letters where the Icelandic ones were.
        return "windows-1254"
    return name


def _reads_as_western(text: str) -> bool:
    """Whether text decoded as windows-1252 looks like Western European prose, not mojibake.

    In French or German the non-ASCII letters stand alone inside ASCII words; Cyrillic, Greek or
    CJK bytes read as windows-1252 come out as whole runs of accented letters and symbols,
    central European ones put symbols such as ``³`` or ``¹`` in the middle of words, and Turkish
    ones are full of the Icelandic letters standing for ``ş``, ``ı`` and ``ğ``.
    """
    letters = len(_NON_ASCII_LETTER.findall(text))
    if letters == 0:
        return True
    in_runs = sum(len(run) for run in _NON_ASCII_RUN.findall(text))
    in_words = len(_SYMBOL_IN_WORD.findall(text))
    return in_runs <= 0.2 * letters and in_words <= 0.02 * letters and not _icelandic_heavy(text)


def _icelandic_heavy(text: str) -> bool:
    letters = len(_NON_ASCII_LETTER.findall(text))
    return len(_ICELANDIC.findall(text)) > 0.2 * letters


def _plausible(text: str, label: str) -> bool:
    # windows-1252 is many servers' default header, so it gets the stricter Western test too.
    western = label != "windows-1252" or _reads_as_western(text)
    return western and _mess(text) < _MAX_MESS


def _mess(text: str) -> float:
    # Markup dilutes the ratio, so measure around the first stretch of non-ASCII text.
    first = _NON_ASCII.search(text)
    if first is None:
        return 0.0
    start = max(0, first.start() - 256)
    return mess_ratio(text[start:start + _MESS_SAMPLE], maximum_threshold=1.0)
