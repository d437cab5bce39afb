"""Reading the text in an image with Tesseract (Hindi and English models), when it is installed.

Without Tesseract or one of its models the workbench still runs: :func:`status` says so (for
``/healthz`` and the claim page) and OCR jobs record the image as ``unavailable``.
"""

from __future__ import annotations

import functools
import os
import unicodedata

from PIL import Image, ImageOps

LANGUAGES = ("hin", "eng")
OCR_SIDE = 2400  # longer side past which an image is reduced before reading
MIN_SIDE_FOR_OCR = 600  # shorter images are enlarged: Tesseract wants text 20-30 px high
TIMEOUT = 60  # seconds for one image


@functools.cache
def status() -> str:
    """"ok (tesseract 5.x: hin, eng)", or "unavailable: <why>"."""
    try:
        import pytesseract

        version = pytesseract.get_tesseract_version()
        installed = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # noqa: BLE001 - not installed, not runnable: the same for the desk
        return f"unavailable: {type(exc).__name__}"
    missing = [name for name in LANGUAGES if name not in installed]
    if missing:
        return f"unavailable: no {', '.join(missing)} model"
    return f"ok (tesseract {version}: {', '.join(LANGUAGES)})"


def available() -> bool:
    return status().startswith("ok")


def read_text(image: Image.Image) -> str:
    """The text Tesseract reads in ``image`` (Hindi and English), NFC-normalised, blank lines
    dropped. Raises RuntimeError (pytesseract's errors) when it cannot run."""
    import pytesseract

    page = image.convert("L")
    if max(page.size) > OCR_SIDE:
        page.thumbnail((OCR_SIDE, OCR_SIDE), Image.Resampling.LANCZOS)
    if page.height < MIN_SIDE_FOR_OCR:
        factor = min(3.0, MIN_SIDE_FOR_OCR / page.height)
        page = page.resize((round(page.width * factor), round(page.height * factor)), Image.Resampling.LANCZOS)
    if _mostly_dark(page):
        page = ImageOps.invert(page)  # light text on a dark card reads better inverted
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per image: workers run in parallel
    text = pytesseract.image_to_string(page, lang="+".join(LANGUAGES), timeout=TIMEOUT)
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFC", text).splitlines())
    return "\n".join(line for line in lines if line)


def _mostly_dark(page: Image.Image) -> bool:
    histogram = page.resize((64, 64)).histogram()
    return sum(histogram[:128]) > sum(histogram[128:])
