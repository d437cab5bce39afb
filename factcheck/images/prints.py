"""Perceptual prints of an image: PDQ hashes of the image and of the views forwarding makes of it.

A plain PDQ hash survives recompression and resizing, not a crop, a frame, a banner or a phone's
screen around the image (a 4 % crop moves a text card's hash by about 38 bits, against a match
distance of 31). So an image is hashed several times, each view blurred a little first (a
Gaussian of :data:`BLUR` pixels at :data:`WORK_SIDE`: it makes a hash tolerate a shift of a
per cent or two, where text lines otherwise move it by 30 bits): whole; over a grid of windows
5 % and 10 % smaller than the image, at each side, corner and the middle (a crop keeps one of
them, give or take a per cent); without a banner's worth at top or bottom; and the same over the
image with a uniform frame trimmed away. A screenshot's content (the largest region between
full-width edges: status, title and reply bars, letterbox, a caption band) is hashed too. Two
images match when any view of one is within :data:`MATCH_DISTANCE` bits of any view of the other
(``bench/images.py`` measures what the views buy). Hashes whose PDQ quality (of the unblurred
region) is below :data:`MIN_QUALITY` (blank, flat or tiny images) are kept but never matched.

Matchable hashes are found again through their window keys (:func:`window_keys`): 13 windows of
:data:`WINDOW_BITS` bits. A lookup asks only for stored hashes that agree with a query on one
whole window, then checks the distance: every hash within 11 bits is found (twelve of the windows
are disjoint), and ``bench/images.py`` measures what it misses beyond that against a full scan.

View names start with :data:`VERSION`: prints of an older version are recomputed by the images
sweeper (:func:`factcheck.images.tasks.requeue_unfinished`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image, ImageChops, ImageFilter

MATCH_DISTANCE = 31  # bits out of 256: PDQ's usual threshold
MIN_QUALITY = 50  # PDQ's own advice: below this the hash says little about the image
MIN_SIDE = 32  # pixels: smaller images are not hashed at all
WORK_SIDE = 256  # the longer side an image is reduced to before hashing (PDQ works at 64x64)
WINDOW_BITS = 20  # a window key's bits: few enough stored hashes share one at a million hashes
# Where each window starts: twelve side by side, and one more ending at the last bit.
WINDOW_STARTS = (*range(0, 256 - WINDOW_BITS + 1, WINDOW_BITS), 256 - WINDOW_BITS)
TRIM_TOLERANCE = 24  # how far from the frame's colour a pixel may be and still be frame

BLUR = 3  # pixels of Gaussian blur at WORK_SIDE before hashing each view
EDGE_SHARE = 0.85  # a full-width edge changes at least this share of a row (or column)
UNIFORM_SHARE = 0.95  # a uniform row has at least this share of its pixels near its median colour
VERSION = "v2:"  # the prefix of every view name: prints of another version are recomputed
WHOLE = VERSION + "whole"


def _windows(share: float) -> tuple[tuple[str, float, float, float, float], ...]:
    """Windows ``share`` smaller than the image in each direction, at the 3 x 3 grid of offsets."""
    steps = (0.0, share / 2, share)
    return tuple((f"w{round(share * 100)}-{i}{j}", left, top, share - left, share - top)
                 for i, left in enumerate(steps) for j, top in enumerate(steps))


# The views of an image, as (name, left, top, right, bottom) fractions cut away. Stored and looked
# up alike, so that the first copy filed finds a later one and back.
VIEWS: tuple[tuple[str, float, float, float, float], ...] = (
    ("whole", 0, 0, 0, 0),
    *_windows(0.05),
    *_windows(0.10),
    ("top15", 0, 0.15, 0, 0),
    ("bottom15", 0, 0, 0, 0.15),
)
TRIMMED_VIEWS = VIEWS[:-2]  # a trimmed image has no banner left to cut
CONTENT_VIEWS = VIEWS[:1]


@dataclass(frozen=True)
class Print:
    """One PDQ hash of one view of an image."""

    view: str
    hash: int  # the 256 bits, most significant first
    quality: int

    @property
    def hex(self) -> str:
        return f"{self.hash:064x}"

    @property
    def matchable(self) -> bool:
        return self.quality >= MIN_QUALITY

    def window_keys(self) -> list[int]:
        return window_keys(self.hash)


def distance(a: int, b: int) -> int:
    """Hamming distance of two 256-bit hashes."""
    return (a ^ b).bit_count()


def window_keys(value: int) -> list[int]:
    """The keys a hash is stored and looked up under: each of its windows' bits, tagged with the
    window's number (``number << WINDOW_BITS | bits``).

    Exact windows: the first version probed every one-bit neighbour of 16-bit chunks, which finds
    everything within the match distance, but at a million stored hashes a lookup of an image's
    few dozen views then read a hundred thousand candidates and took a second."""
    mask = (1 << WINDOW_BITS) - 1
    return [(number << WINDOW_BITS) | ((value >> (256 - WINDOW_BITS - start)) & mask)
            for number, start in enumerate(WINDOW_STARTS)]


def prints_of(image: Image.Image) -> list[Print]:
    """The PDQ prints of ``image``'s :data:`VIEWS`, of its trimmed form's when it had a uniform
    frame, and of its content's when it looks like a screenshot. Empty for an image too small to
    hash."""
    if min(image.size) < MIN_SIDE:
        return []
    flat = _flattened(image)
    out = _view_prints(_reduced(flat), VIEWS, VERSION)
    trimmed = trim_frame(flat)  # at full size: a reduced image blurs the frame's edge
    if trimmed is not None:
        out += _view_prints(_reduced(trimmed), TRIMMED_VIEWS, VERSION + "trim-")
    box = content_box(flat)
    if box is not None:
        out += _view_prints(_reduced(flat.crop(box)), CONTENT_VIEWS, VERSION + "content-")
    return out


def content_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box of ``image``'s content when it is framed by full-width edges (a phone screenshot's
    bars, a letterbox, a caption band): the largest non-uniform band between such edges, then
    the same across its columns. None when that is (nearly) the whole image or too small."""
    pixels = np.asarray(image, dtype=np.int16)
    rows = _largest_band(pixels)
    if rows is None:
        return None
    columns = _largest_band(pixels[rows[0]:rows[1]].transpose(1, 0, 2))
    if columns is None:
        return None
    left, right = columns
    top, bottom = rows
    width, height = image.size
    if (right - left) * (bottom - top) > 0.97 * width * height or min(right - left, bottom - top) < MIN_SIDE:
        return None
    return left, top, right, bottom


def _largest_band(pixels: np.ndarray) -> tuple[int, int] | None:
    """Along the first axis of ``pixels`` (lines of RGB pixels): the largest run of lines between
    full-width edges (most of a line changes, and one side of it is uniform) that is not uniform."""
    median = np.median(pixels, axis=1, keepdims=True)
    uniform = (np.abs(pixels - median).max(axis=2) <= TRIM_TOLERANCE).mean(axis=1) >= UNIFORM_SHARE
    change = (np.abs(pixels[1:] - pixels[:-1]).max(axis=2) > TRIM_TOLERANCE).mean(axis=1) >= EDGE_SHARE
    edges = [int(line) + 1 for line in np.flatnonzero(change) if uniform[line] or uniform[line + 1]]
    cuts = [0, *edges, len(pixels)]
    best: tuple[int, int] | None = None
    for start, end in zip(cuts, cuts[1:], strict=False):
        if end - start < 2 or uniform[start:end].mean() > 0.9:
            continue
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return best


def trim_frame(image: Image.Image) -> Image.Image | None:
    """``image`` without a uniform frame around it (the colour of its corner), or None when it
    has none worth trimming or what is left would be too small."""
    corner = image.getpixel((0, 0))
    background = Image.new(image.mode, image.size, corner)
    difference = ImageChops.difference(image, background).convert("L").point(
        lambda value: 255 if value > TRIM_TOLERANCE else 0)
    box = difference.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    width, height = image.size
    if (right - left) * (bottom - top) > 0.97 * width * height or min(right - left, bottom - top) < MIN_SIDE:
        return None
    return image.crop(box)


def _flattened(image: Image.Image) -> Image.Image:
    if image.mode != "RGB":
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    return image


def _reduced(image: Image.Image) -> Image.Image:
    if max(image.size) > WORK_SIDE:
        image = image.copy()
        image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    return image


def _view_prints(image: Image.Image, views: tuple[tuple[str, float, float, float, float], ...],
                 prefix: str) -> list[Print]:
    quality = int(pdqhash.compute(np.asarray(image))[1])  # of the sharp image: blurring lowers it
    blurred = image.filter(ImageFilter.GaussianBlur(BLUR))
    width, height = image.size
    out = []
    for name, left, top, right, bottom in views:
        box = (round(width * left), round(height * top), width - round(width * right),
               height - round(height * bottom))
        view = blurred.crop(box) if box != (0, 0, width, height) else blurred
        if min(view.size) < MIN_SIDE:
            continue
        bits, _quality = pdqhash.compute(np.asarray(view))
        value = int("".join("1" if bit else "0" for bit in bits), 2)
        out.append(Print(prefix + name, value, quality))
    return out
