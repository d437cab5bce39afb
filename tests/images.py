"""Small real images, made with Pillow, for upload tests."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (60, 40), color: str = "#cc3333") -> bytes:
    """An image of ``kind`` (PNG, JPEG, WEBP, GIF, BMP…) encoded by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=kind)
    return buffer.getvalue()


def noisy_png(min_bytes: int) -> bytes:
    """A PNG larger than ``min_bytes`` (random pixels do not compress)."""
    import math
    import os

    side = int(math.sqrt(min_bytes / 3)) + 8
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG", compress_level=0)
    assert buffer.tell() > min_bytes
    return buffer.getvalue()


NOTO = "/usr/share/fonts/truetype/noto/"


def text_card(text: str, *, background: str = "#fff4d6", width: int = 640, lines_of: int = 30) -> Image.Image:
    """A forwarded text card: ``text`` in Noto Sans Devanagari (Hindi) or Noto Sans (Latin) on a
    coloured background with a logo box, as hoax cards are made."""
    import textwrap

    from PIL import ImageDraw, ImageFont

    hindi = any("\u0900" <= ch <= "\u097f" for ch in text)
    font = ImageFont.truetype(NOTO + ("NotoSansDevanagari-Regular.ttf" if hindi else "NotoSans-Regular.ttf"), 34)
    lines = textwrap.wrap(text, lines_of)
    card = Image.new("RGB", (width, 120 + 52 * len(lines)), background)
    draw = ImageDraw.Draw(card)
    draw.rectangle((30, 24, 180, 60), fill="#ffb703")
    for i, line in enumerate(lines):
        draw.text((36, 80 + 52 * i), line, font=font, fill="#111111")
    return card


def encoded(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    """``image`` encoded by Pillow as ``kind``."""
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def cer(expected: str, got: str) -> float:
    """Character error rate: edit distance over the expected length (spaces and line breaks
    normalised), as the OCR tests and ``bench/images.py`` measure it."""
    a, b = " ".join(expected.split()), " ".join(got.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(1, len(a))


def with_scans(data: bytes, scans: int) -> bytes:
    """``data`` (a progressive JPEG) with its scans repeated in turn until there are ``scans``.

    A scan is the tables just before its SOS marker, the SOS segment and its entropy-coded data;
    neither marker can occur inside that data (a 0xFF byte there is followed by 0x00 or RSTn).
    """
    first_table = data.index(b"\xff\xc4", data.index(b"\xff\xc2"))
    end = data.rindex(b"\xff\xd9")
    block = data[first_table:end]
    starts = [0]
    position = block.index(b"\xff\xda")
    while (next_scan := block.find(b"\xff\xda", position + 2)) != -1:
        following = [i for i in (block.find(b"\xff\xc4", position + 2), next_scan) if i != -1]
        starts.append(min(following))
        position = next_scan
    units = [block[a:b] for a, b in zip(starts, [*starts[1:], len(block)], strict=True)]
    return data[:first_table] + b"".join(units[n % len(units)] for n in range(scans)) + data[end:]
