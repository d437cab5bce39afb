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
