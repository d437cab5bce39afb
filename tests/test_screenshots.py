"""Screenshot verification: decompression bombs are refused from the header, before Pillow
decodes (or even opens) anything, and ordinary images still pass (issue 9)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile, PngImagePlugin

from factcheck.claims import screenshots
from factcheck.claims.screenshots import (
    MAX_FRAMES,
    MAX_JPEG_SCANS,
    MAX_PIXELS,
    read_header,
    verify_screenshot,
)
from factcheck.errors import ValidationError
from tests.images import image_bytes, with_scans

# -- hand-built headers ----------------------------------------------------------------------------


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_claiming(width: int, height: int) -> bytes:
    """A 100-odd byte PNG whose header claims ``width`` × ``height`` pixels."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    pixels = png_chunk(b"IDAT", zlib.compress(b"\0" * 4096, 9))
    return b"\x89PNG\r\n\x1a\n" + header + pixels + png_chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A JPEG whose frame header (SOF0) claims ``width`` × ``height`` pixels."""
    frame = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    scan = b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"
    return (b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", 2 + len(frame)) + frame
            + b"\xff\xda" + struct.pack(">H", 2 + len(scan)) + scan + b"\x00" * 64 + b"\xff\xd9")


def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


def u24(value: int) -> bytes:
    return value.to_bytes(3, "little")


def vp8l(width: int, height: int) -> bytes:
    """A lossless bitstream header claiming ``width`` × ``height``."""
    return webp_chunk(b"VP8L", b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + b"\0" * 16)


def webp_vp8x_claiming(width: int, height: int, animated: bool = False) -> bytes:
    canvas = webp_chunk(b"VP8X", bytes([0x02 if animated else 0x00, 0, 0, 0]) + u24(width - 1) + u24(height - 1))
    if animated:
        frame = webp_chunk(b"ANMF", u24(0) + u24(0) + u24(0) + u24(0) + u24(100) + b"\0" + vp8l(1, 1))
        return riff(canvas, webp_chunk(b"ANIM", b"\0" * 6), frame)
    return riff(canvas, vp8l(width, height))


def webp_lossy_claiming(width: int, height: int) -> bytes:
    key_frame = b"\x10\x02\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\0" * 20
    return riff(webp_chunk(b"VP8 ", key_frame))


def animation(kind: str, frames: int, size: tuple[int, int] = (8, 8)) -> bytes:
    """A real animated PNG or WebP of ``frames`` frames (alternating colours, so none is merged)."""
    images = [Image.new("RGB", size, ("#c33", "#33c")[n % 2]) for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format=kind, save_all=True, append_images=images[1:], duration=40)
    return buffer.getvalue()


def progressive_jpeg_with_scans(scans: int) -> bytes:
    """A real progressive JPEG of exactly ``scans`` scans: its own, repeated in turn, each with the
    tables before it (libjpeg decodes a repeated scan again, warning but not failing)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#c33").save(buffer, format="JPEG", progressive=True)
    return with_scans(buffer.getvalue(), scans)


BOMBS = {
    "PNG canvas": png_claiming(100_000, 100_000),
    "PNG just past the limit": png_claiming(MAX_PIXELS // 1000 + 1, 1000),
    "JPEG canvas": jpeg_claiming(65_535, 65_535),
    "WebP extended canvas": webp_vp8x_claiming(16_384, 16_384),
    "WebP animated canvas": webp_vp8x_claiming(16_384, 16_384, animated=True),
    "WebP lossless canvas": riff(vp8l(16_384, 16_384)),
    "WebP lossy canvas": webp_lossy_claiming(16_383, 16_383),
    "WebP frames": animation("WEBP", MAX_FRAMES + 1),
    "PNG frames": animation("PNG", MAX_FRAMES + 1),
    "JPEG scans": progressive_jpeg_with_scans(MAX_JPEG_SCANS + 1),
}


@pytest.fixture
def no_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if Pillow is asked to open or decode anything."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Pillow was reached")

    monkeypatch.setattr(Image, "open", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_refused_before_pillow_sees_them(name: str, no_pillow: None) -> None:
    with pytest.raises(ValidationError) as refused:
        verify_screenshot(BOMBS[name], "bomb.img")
    assert set(refused.value.fields) == {"screenshot"}


def test_each_bomb_is_refused_for_what_it_is() -> None:
    def reason(name: str) -> str:
        with pytest.raises(ValidationError) as refused:
            verify_screenshot(BOMBS[name])
        return refused.value.fields["screenshot"]

    assert reason("PNG canvas") == reason("WebP lossy canvas") == "the image is too large to decode"
    assert "frames" in reason("WebP frames") and "frames" in reason("PNG frames")
    assert "scans" in reason("JPEG scans")


def test_headers_are_read_as_claimed() -> None:
    assert (read_header(BOMBS["JPEG canvas"]).width, read_header(BOMBS["JPEG canvas"]).height) == (65_535, 65_535)
    assert read_header(BOMBS["WebP frames"]).frames == MAX_FRAMES + 1
    assert read_header(BOMBS["PNG frames"]).frames == MAX_FRAMES + 1
    assert read_header(BOMBS["JPEG scans"]).scans > MAX_JPEG_SCANS
    assert read_header(progressive_jpeg_with_scans(10)).scans == 10


def small(kind: str, mode: str = "RGB", size: tuple[int, int] = (60, 40), **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 120 if mode in ("L", "P", "I;16") else (200, 40, 40, 255)[:len(mode)]).save(
        buffer, format=kind, **options)
    return buffer.getvalue()


ORDINARY = {
    "PNG": small("PNG"),
    "PNG grey": small("PNG", "L"),
    "PNG palette": small("PNG", "P"),
    "PNG 16-bit": small("PNG", "I;16"),
    "PNG alpha": small("PNG", "RGBA"),
    "PNG interlaced": small("PNG", interlace=1),
    "PNG with text": small("PNG", pnginfo=PngImagePlugin.PngInfo()),
    "APNG": animation("PNG", 3),
    "JPEG": small("JPEG"),
    "JPEG grey": small("JPEG", "L"),
    "JPEG CMYK": small("JPEG", "CMYK"),
    "JPEG progressive": small("JPEG", progressive=True),
    "JPEG with EXIF": small("JPEG", exif=Image.Exif()),
    "WebP lossy": small("WEBP"),
    "WebP lossless": small("WEBP", lossless=True),
    "WebP alpha": small("WEBP", "RGBA"),
    "WebP animated": animation("WEBP", 3),
    "phone screenshot": image_bytes("PNG", (1080, 2400)),
}


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_images_pass(name: str) -> None:
    verified = verify_screenshot(ORDINARY[name], "shot.img")
    with Image.open(io.BytesIO(ORDINARY[name])) as image:
        assert (verified.width, verified.height) == image.size


def test_a_png_whose_text_inflates_is_refused() -> None:
    """Eight compressed text chunks of a megabyte each: 8 MB of memory from a 10 KB upload."""
    image = small("PNG")
    text = b"".join(png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"a" * 1_000_000, 9)) for _ in range(8))
    bomb = image[:33] + text + image[33:]  # after the signature and IHDR
    assert len(bomb) < 20_000
    with pytest.raises(ValidationError) as refused:
        verify_screenshot(bomb)
    assert set(refused.value.fields) == {"screenshot"}


def test_pillow_limits_are_set_for_the_process() -> None:
    screenshots.limit_pillow()
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert PngImagePlugin.MAX_TEXT_MEMORY <= 4 * 1024 * 1024


OTHER_FORMATS = [image_bytes("GIF"), image_bytes("BMP"), image_bytes("TIFF"), b"<html><script>alert(1)</script></html>"]


@pytest.mark.parametrize("data", OTHER_FORMATS)
def test_other_formats_are_refused_without_pillow(data: bytes, no_pillow: None) -> None:
    with pytest.raises(ValidationError, match="screenshot"):
        verify_screenshot(data)


SIGNATURES = st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x01\x00\x00WEBP"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SIGNATURES, st.binary(max_size=300))
def test_any_bytes_behind_a_signature_are_read_or_refused(signature: bytes, rest: bytes) -> None:
    try:
        header = read_header(signature + rest)
    except ValidationError as refused:
        assert set(refused.fields) == {"screenshot"}
    else:
        assert header.kind in ("PNG", "JPEG", "WEBP")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(ORDINARY)), st.data())
def test_damaged_images_are_refused_cleanly(name: str, data: st.DataObject) -> None:
    original = bytearray(ORDINARY[name])
    for _ in range(data.draw(st.integers(1, 4))):
        original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(original)))
    try:
        verify_screenshot(bytes(original[:cut]))
    except ValidationError as refused:
        assert set(refused.fields) == {"screenshot"}


# -- through the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["PNG canvas", "WebP extended canvas", "WebP frames", "JPEG scans"])
def test_filing_a_bomb_is_a_400_naming_the_screenshot(name, make_user, api_client, monkeypatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("a pixel was decoded")

    monkeypatch.setattr(Image.Image, "load", refuse)
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    response = api_client(make_user("volunteer")).post_multipart("/api/claims", {
        "text": "see the picture", "platform": "whatsapp", "screenshot": (BOMBS[name], "post.png")})
    assert response.status_code == 400
    assert "screenshot" in response.json["fields"]


def test_a_phone_camera_jpeg_with_a_multi_picture_extension_is_a_jpeg() -> None:
    """Phones write MPF (multi-picture) JPEGs, which Pillow names MPO: they are JPEG photos."""
    photo, preview = Image.new("RGB", (640, 480), "#336699"), Image.new("RGB", (160, 120), "#993366")
    buffer = io.BytesIO()
    photo.save(buffer, format="MPO", save_all=True, append_images=[preview])
    image = screenshots.verify_screenshot(buffer.getvalue(), "IMG_20261201.jpg")
    assert (image.content_type, image.width, image.height) == ("image/jpeg", 640, 480)
