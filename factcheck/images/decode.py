"""Decoding an image safely: the screenshot limits (header read first, decompression bombs
refused before a pixel is decoded) for every image the desk reads, uploaded or archived."""

from __future__ import annotations

from PIL import Image

from factcheck.claims.screenshots import BROKEN, NOT_DECODABLE, opened
from factcheck.errors import ValidationError


class Undecodable(Exception):
    """The bytes are not an image the desk will decode (too large, damaged, another format)."""


def decode(data: bytes) -> Image.Image:
    """``data`` decoded as an upright RGB image, after the header checks of screenshots; raises
    :class:`Undecodable` otherwise."""
    try:
        with opened(data) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA", "P"):
                return _on_white(image.convert("RGBA"))
            return image.convert("RGB")
    except ValidationError as exc:  # the header's limits
        raise Undecodable(str(exc.fields.get("screenshot", "not an image"))) from None
    except (*NOT_DECODABLE, *BROKEN) as exc:
        raise Undecodable(type(exc).__name__) from None


def _on_white(image: Image.Image) -> Image.Image:
    flat = Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A"))
    return flat
