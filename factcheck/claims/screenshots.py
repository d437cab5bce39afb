"""Screenshot uploads: PNG, JPEG or WebP only, proven by decoding the whole image with Pillow.

A small file can claim a huge canvas (a decompression bomb), many animation frames or, for a
progressive JPEG, thousands of passes over every pixel. So the file's own header is read first,
without Pillow (PNG chunks, JPEG segments, WebP chunks), and anything past the limits below is
refused before a single pixel is decoded; Pillow is then asked only about the one format the
header names, with its own process-wide limits set to the same figures.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from flask_babel import lazy_gettext
from PIL import Image, ImageFile, ImageOps, PngImagePlugin, UnidentifiedImageError

from factcheck.errors import TooLarge, ValidationError

# Phone cameras write JPEGs with a multi-picture (MPF) extension, which Pillow reads as MPO: a JPEG.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_PIXELS = 40_000_000  # a 5 MB file can still claim a huge canvas: refuse before decoding it
MAX_FRAMES = 300  # of an animated PNG or WebP
MAX_ANIMATION_PIXELS = 4 * MAX_PIXELS  # every frame of an animation together
MAX_JPEG_SCANS = 32  # a progressive JPEG passes over every pixel once a scan; encoders write about 10
MAX_CHUNKS = 10_000  # PNG chunks, JPEG segments or WebP chunks in one file
MAX_PNG_TEXT = 1024 * 1024  # a PNG text chunk, decompressed (Pillow's own default)
MAX_PNG_TEXT_TOTAL = 4 * 1024 * 1024  # all of a PNG's text chunks, decompressed (Pillow: 64 MB)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_MARKER = re.compile(rb"\xff+([^\x00\xd0-\xd7\xff])")  # fill bytes, then a marker with a segment
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers (not DHT, JPG, DAC)
_JPEG_NO_LENGTH = frozenset({0x01, 0xD8})  # TEM and SOI carry no segment
_JPEG_SOS, _JPEG_EOI = 0xDA, 0xD9

PHOTO_LONG_SIDE = 2000  # a shrunk photo's longer side, in pixels: text in a screenshot stays readable
PHOTO_QUALITY = 85  # JPEG quality of a shrunk photo (the filing page's own shrinking uses the same)

# What is wrong with an image, in the reader's language (ValidationError renders each when raised).
NOT_AN_IMAGE = lazy_gettext("the file is not a PNG, JPEG or WebP image")
DAMAGED = lazy_gettext("the image is damaged or incomplete")
TOO_LARGE = lazy_gettext("the image is too large to decode")
EMPTY = lazy_gettext("the file is empty")
WRONG_FORMAT = lazy_gettext("only PNG, JPEG and WebP images are accepted")
TOO_MANY_FRAMES = lazy_gettext("the animation has too many frames")
TOO_MANY_SCANS = lazy_gettext("the JPEG has too many progressive scans")
TOO_MANY_PARTS = lazy_gettext("the image has too many parts")
# What Pillow raises for a file that is not an image it will decode, and for a damaged one.
NOT_DECODABLE = (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning)
BROKEN = (OSError, SyntaxError, ValueError, EOFError, struct.error)


@dataclass(frozen=True)
class VerifiedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    filename: str


@dataclass(frozen=True)
class ImageHeader:
    """What a file's header claims, read without decoding: its format, canvas and frames."""

    kind: str
    width: int
    height: int
    frames: int = 1
    frame_pixels: int = 0  # every frame together (the canvas for a still image)
    scans: int = 1  # passes over the pixels: more than one for a progressive JPEG


def limit_pillow() -> None:
    """Set Pillow's process-wide limits to ours (idempotent): its bomb check, truncated files
    refused, and PNG text chunks small."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # a warning above, an error above twice this
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    PngImagePlugin.MAX_TEXT_CHUNK = MAX_PNG_TEXT
    PngImagePlugin.MAX_TEXT_MEMORY = MAX_PNG_TEXT_TOTAL


# Pillow's limits are global to the process, and every process that may decode an image (the web
# app, the job worker) imports the claims feature when its app is built.
limit_pillow()


def read_upload(stream: IO[bytes], max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from ``stream``; a longer upload is refused with 413."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"screenshots are at most {max_bytes // (1024 * 1024)} MB", field="screenshot")
    return data


@contextmanager
def opened(data: bytes, header: ImageHeader | None = None) -> Iterator[Image.Image]:
    """``data`` opened by Pillow as the one format its header names, once the header passed the
    limits (a 400 naming ``screenshot`` if not) and with a decompression bomb an error, not a
    warning. Pillow's own errors (:data:`NOT_DECODABLE`, :data:`BROKEN`) are the caller's to map."""
    header = header or read_header(data)
    check_limits(header)
    limit_pillow()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=[header.kind]) as image:
            yield image


def verify_screenshot(data: bytes, filename: str = "") -> VerifiedImage:
    """Check the header, then decode ``data`` completely and return what it is, or raise a 400
    naming ``screenshot``."""
    if not data:
        raise ValidationError({"screenshot": EMPTY})
    header = read_header(data)
    try:
        with opened(data, header) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in CONTENT_TYPES:
                raise ValidationError({"screenshot": WRONG_FORMAT})
            if (width, height) != (header.width, header.height):
                raise ValidationError({"screenshot": DAMAGED})  # Pillow read another canvas
            probe.verify()
        with opened(data, header) as image:
            image.load()
    except ValidationError:
        raise
    except NOT_DECODABLE:
        raise ValidationError({"screenshot": NOT_AN_IMAGE}) from None
    except BROKEN:
        raise ValidationError({"screenshot": DAMAGED}) from None
    return VerifiedImage(data, CONTENT_TYPES[kind], width, height, _safe_filename(filename))


def shrink_photo(data: bytes) -> bytes:
    """``data`` (a PNG, JPEG or WebP too large to keep) as a JPEG at most ``PHOTO_LONG_SIDE`` pixels
    on its longer side, turned upright as the camera recorded, without its metadata (a phone's
    photo carries where it was taken). The header is checked first, as for any screenshot; a
    400 naming ``screenshot`` when the image cannot be read."""
    try:
        with opened(data) as image:
            image.draft("RGB", (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))  # a JPEG decodes at 1/2, 1/4 or 1/8 size
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE), Image.Resampling.LANCZOS)
            if upright.mode != "RGB":  # transparency on white, as the page shows it
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            shrunk = io.BytesIO()
            upright.save(shrunk, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    except NOT_DECODABLE:
        raise ValidationError({"screenshot": NOT_AN_IMAGE}) from None
    except BROKEN:
        raise ValidationError({"screenshot": DAMAGED}) from None
    return shrunk.getvalue()


def check_limits(header: ImageHeader) -> None:
    """Refuse (400 naming ``screenshot``) an image whose decoding would cost too much."""
    if header.width <= 0 or header.height <= 0:
        raise ValidationError({"screenshot": DAMAGED})
    if header.width * header.height > MAX_PIXELS:
        raise ValidationError({"screenshot": TOO_LARGE})
    if header.frames > MAX_FRAMES or header.frame_pixels > MAX_ANIMATION_PIXELS:
        raise ValidationError({"screenshot": TOO_MANY_FRAMES})
    if header.scans > MAX_JPEG_SCANS:
        raise ValidationError({"screenshot": TOO_MANY_SCANS})


def read_header(data: bytes) -> ImageHeader:
    """The format, canvas, frames and scans ``data`` claims, from its chunks or segments alone.

    Raises a 400 naming ``screenshot`` for a file that is none of the three formats, or whose
    structure is broken or has more than ``MAX_CHUNKS`` parts.
    """
    try:
        if data.startswith(_PNG_SIGNATURE):
            return _png_header(data)
        if data.startswith(b"\xff\xd8\xff"):
            return _jpeg_header(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_header(data)
    except (struct.error, IndexError):
        raise ValidationError({"screenshot": DAMAGED}) from None
    raise ValidationError({"screenshot": NOT_AN_IMAGE})


def _png_header(data: bytes) -> ImageHeader:
    length, kind, width, height = struct.unpack_from(">I4sII", data, 8)
    if kind != b"IHDR" or length != 13:
        raise ValidationError({"screenshot": DAMAGED})
    frames = fctl_frames = frame_pixels = 0
    position, chunks = 8, 0
    while position + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        chunks += 1
        if chunks > MAX_CHUNKS:
            raise ValidationError({"screenshot": TOO_MANY_PARTS})
        if kind == b"acTL":  # animated PNG: its frame count
            frames = struct.unpack_from(">I", data, position + 8)[0]
        elif kind == b"fcTL":  # one frame's size
            frame_width, frame_height = struct.unpack_from(">II", data, position + 12)
            if frame_width > width or frame_height > height:
                raise ValidationError({"screenshot": DAMAGED})
            fctl_frames += 1
            frame_pixels += frame_width * frame_height
        elif kind == b"IEND":
            break
        position += 12 + length
    frames = max(frames, fctl_frames, 1)
    return ImageHeader("PNG", width, height, frames, max(frame_pixels, width * height))


def _jpeg_header(data: bytes) -> ImageHeader:
    width = height = scans = 0
    position, segments = 2, 0
    while True:
        found = _JPEG_MARKER.search(data, position)
        if found is None:
            break  # no end-of-image marker: truncated, which Pillow refuses
        marker, position = found.group(1)[0], found.end()
        segments += 1
        if segments > MAX_CHUNKS:
            raise ValidationError({"screenshot": TOO_MANY_PARTS})
        if marker == _JPEG_EOI:
            break
        if marker in _JPEG_NO_LENGTH:
            continue
        length = struct.unpack_from(">H", data, position)[0]
        if marker in _JPEG_SOF:
            frame_height, frame_width = struct.unpack_from(">HH", data, position + 3)
            width, height = max(width, frame_width), max(height, frame_height)
        elif marker == _JPEG_SOS:
            scans += 1
            if scans > MAX_JPEG_SCANS:
                break
            if not width:
                raise ValidationError({"screenshot": DAMAGED})  # a scan before the frame header
        position += length  # a scan's entropy-coded data is skipped by the next search
    return ImageHeader("JPEG", width, height, 1, width * height, max(scans, 1))


def _webp_header(data: bytes) -> ImageHeader:
    end = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    width = height = frames = frame_pixels = 0
    animated = False
    position, chunks = 12, 0
    while position + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, position)
        payload = position + 8
        chunks += 1
        if chunks > MAX_CHUNKS:
            raise ValidationError({"screenshot": TOO_MANY_PARTS})
        if kind == b"VP8X" and chunks == 1:  # extended format: the canvas
            flags = data[payload]
            animated = bool(flags & 0x02)
            width, height = _u24(data, payload + 4) + 1, _u24(data, payload + 7) + 1
        elif kind == b"ANMF":  # one frame of an animation: its size, then its own chunks
            frame_width, frame_height = _u24(data, payload + 6) + 1, _u24(data, payload + 9) + 1
            inner_width, inner_height = _webp_frame_size(data, payload + 16, payload + length)
            if max(frame_width, inner_width) > width or max(frame_height, inner_height) > height:
                raise ValidationError({"screenshot": DAMAGED})
            frames += 1
            frame_pixels += frame_width * frame_height
            if frames > MAX_FRAMES:
                break
        elif kind in (b"VP8 ", b"VP8L"):  # a still image's bitstream
            bitstream_width, bitstream_height = _webp_bitstream_size(data, kind, payload)
            if chunks == 1:
                width, height = bitstream_width, bitstream_height
            elif (bitstream_width, bitstream_height) != (width, height):
                raise ValidationError({"screenshot": DAMAGED})
        position = payload + length + (length & 1)
    if not animated:
        frames, frame_pixels = 1, width * height
    return ImageHeader("WEBP", width, height, frames, frame_pixels)


def _webp_frame_size(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The bitstream size inside an animation frame (after its optional alpha chunk)."""
    position = start
    for _chunk in range(2):
        if position + 8 > end:
            break
        kind, length = struct.unpack_from("<4sI", data, position)
        if kind in (b"VP8 ", b"VP8L"):
            return _webp_bitstream_size(data, kind, position + 8)
        position += 8 + length + (length & 1)
    raise ValidationError({"screenshot": DAMAGED})


def _webp_bitstream_size(data: bytes, kind: bytes, payload: int) -> tuple[int, int]:
    if kind == b"VP8 ":  # lossy: a key frame's start code, then 14-bit sizes
        if data[payload + 3:payload + 6] != b"\x9d\x01\x2a":
            raise ValidationError({"screenshot": DAMAGED})
        width, height = struct.unpack_from("<HH", data, payload + 6)
        return width & 0x3FFF, height & 0x3FFF
    if data[payload] != 0x2F:  # lossless: a signature byte, then 14-bit sizes less one
        raise ValidationError({"screenshot": DAMAGED})
    bits = struct.unpack_from("<I", data, payload + 1)[0]
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def _u24(data: bytes, offset: int) -> int:
    return struct.unpack("<I", data[offset:offset + 3] + b"\0")[0]  # struct.error when cut short


def _safe_filename(name: str) -> str:
    """Keep an upload's name for display only: no path, no control characters, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]
