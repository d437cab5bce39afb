"""Screenshot uploads: PNG, JPEG or WebP only, proven by decoding the whole image with Pillow."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from factcheck.errors import TooLarge, ValidationError

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_PIXELS = 40_000_000  # a 5 MB file can still claim a huge canvas: refuse before decoding it


@dataclass(frozen=True)
class VerifiedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    filename: str


def read_upload(stream: BinaryIO, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from ``stream``; a longer upload is refused with 413."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"screenshots are at most {max_bytes // (1024 * 1024)} MB", field="screenshot")
    return data


def verify_screenshot(data: bytes, filename: str = "") -> VerifiedImage:
    """Decode ``data`` completely and return what it is, or raise a 400 naming ``screenshot``."""
    if not data:
        raise ValidationError({"screenshot": "the file is empty"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in CONTENT_TYPES:
                    raise ValidationError({"screenshot": "only PNG, JPEG and WebP images are accepted"})
                if width * height > MAX_PIXELS:
                    raise ValidationError({"screenshot": "the image is too large to decode"})
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError({"screenshot": "the file is not a PNG, JPEG or WebP image"}) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError({"screenshot": "the image is damaged or incomplete"}) from None
    return VerifiedImage(data, CONTENT_TYPES[kind], width, height, _safe_filename(filename))


def _safe_filename(name: str) -> str:
    """Keep an upload's name for display only: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]
