"""Image benchmark: matching under what forwarding does, lookup speed, and OCR (prints figures).

    .venv/bin/python bench/images.py [--cards 150] [--hashes 1000000] [--lookups 300] [--ocr 20]

1. Matching. Real photos that scikit-image ships (its bundled data folder, offline) and text
   cards rendered with the Noto fonts from the corpus (Hindi posts of CONSTRAINT, English claims
   of LIAR) are each stored with :func:`factcheck.images.prints.prints_of`; then every image is
   transformed as forwarding does (JPEG quality 30-80, resizing 0.4-1.5x, crops up to 10 %, a
   caption banner, a chat-bubble frame, a phone screenshot) and looked up. Recall is the share
   of transformed copies whose original matches; false matches are counted over every pair of
   unrelated images (each transformed copy against every other original), both through the
   app's window index (:mod:`factcheck.images.lookup`, what a volunteer gets) and by comparing
   every pair of views (what the index may miss). The peer in the same run is one plain (sharp)
   PDQ hash of the whole image.
2. Lookup. ``--hashes`` random PDQ hashes in an SQLite database with the app's tables, p50/p95
   of lookups (each timed on its own, through :func:`factcheck.images.lookup.nearest` and a
   session; the database's pages warm after the first) of one hash and of the print sets of the
   images above, against a linear scan of every stored hash held in memory (numpy).
3. OCR. Character error rate of Tesseract (hin+eng) on rendered Hindi and English cards, and
   seconds per image on one core.
4. The second signal: cards under the transforms prints miss (crops, banner, phone screenshot),
   matched by the Jaccard of character 4-grams of their OCR text against every original's (the
   character half of the app's near-duplicate score), with the false matches between unrelated
   cards at the same threshold.

Cards are set run by run: Devanagari in Noto Sans Devanagari (it has no Latin letters), the rest
in Noto Sans (or, for what it lacks, the first Noto face that has it, by the fonts' cmap tables).
Characters no Noto face draws (emoji, pictographs) are left out of the card and of the text OCR
is scored against, and counted. Run on a shared machine: the figures are of one run each.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import random
import statistics
import struct
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract on one core

import numpy as np  # noqa: E402
import pdqhash  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.db import Base  # noqa: E402
from factcheck.images import lookup, prints  # noqa: E402
from factcheck.images.models import ImageHash, ImageHashChunk  # noqa: E402
from factcheck.images.prints import MATCH_DISTANCE, Print, prints_of  # noqa: E402
from factcheck.models import import_all_models  # noqa: E402
from tests.images import cer  # noqa: E402

CORPUS = ROOT.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
FONTS = Path("/usr/share/fonts/truetype/noto")
PHOTO_NAMES = ("astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "coffee.png",
               "coins.png", "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg", "ihc.png",
               "microaneurysms.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png",
               "page.png", "phantom.png", "retina.jpg", "rocket.jpg", "text.png", "color.png",
               "logo.png", "clock_motion.png")


def photos() -> list[Image.Image]:
    """The photos scikit-image ships in its package (no download)."""
    import skimage.data

    folder = Path(skimage.data.__file__).parent
    out = []
    for name in PHOTO_NAMES:
        path = folder / name
        if path.is_file():
            with Image.open(path) as image:
                out.append(image.convert("RGB"))
    return out


def corpus_texts(count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Hindi posts and English claims from the corpus, short enough for a card."""
    hindi = []
    with (CORPUS / "posts-hindi" / "constraint_hindi_valid.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = " ".join(row["Post"].split())
            if 60 <= len(text) <= 260 and "http" not in text:
                hindi.append(text)
    english = []
    with (CORPUS / "claims-liar" / "test.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            text = line.split("\t")[2].strip()
            if 60 <= len(text) <= 260:
                english.append(text)
    rng = random.Random(seed)
    rng.shuffle(hindi)
    rng.shuffle(english)
    return hindi[:count], english[:count]


def font_for(text: str, bold: bool = False) -> str:
    """Noto Sans Devanagari for Hindi (it has no Latin letters), Noto Sans for the rest."""
    weight = "Bold" if bold else "Regular"
    hindi = any(is_devanagari(ch) for ch in text)
    return f"NotoSansDevanagari-{weight}.ttf" if hindi else f"NotoSans-{weight}.ttf"


JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ: they shape Devanagari conjuncts


def is_devanagari(ch: str) -> bool:
    """Devanagari letters and marks (danda included), its extension block, and the joiners."""
    return "\u0900" <= ch <= "\u097f" or "\ua8e0" <= ch <= "\ua8ff" or ch in JOINERS


@functools.cache
def cmap_of(name: str) -> frozenset[int]:
    """The code points the font file ``name`` (in :data:`FONTS`) maps to a glyph, read from its
    cmap table (formats 4 and 12, Windows or Unicode platform)."""
    data = (FONTS / name).read_bytes()
    tables = {data[12 + 16 * i:16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
              for i in range(struct.unpack_from(">H", data, 4)[0])}
    base = tables[b"cmap"]
    subtables = {}
    for i in range(struct.unpack_from(">H", data, base + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        if (platform, encoding) in ((3, 10), (0, 4), (3, 1), (0, 3)):
            subtables[struct.unpack_from(">H", data, base + offset)[0]] = base + offset
    if 12 in subtables:
        return _cmap_format12(data, subtables[12])
    return _cmap_format4(data, subtables[4])


def _cmap_format12(data: bytes, at: int) -> frozenset[int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    points: set[int] = set()
    for g in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        points.update(range(start + (glyph == 0), end + 1))
    return frozenset(points)


def _cmap_format4(data: bytes, at: int) -> frozenset[int]:
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", data, range_at)
    points: set[int] = set()
    for i, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for code in range(start, min(end, 0xFFFE) + 1):
            if offsets[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", data, range_at + 2 * i + offsets[i] + 2 * (code - start))[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                points.add(code)
    return frozenset(points)


@functools.cache
def other_fonts() -> tuple[str, ...]:
    """The other Noto faces in :data:`FONTS` (regular weights first), for what Noto Sans lacks."""
    names = sorted(path.name for path in FONTS.glob("Noto*.ttf"))
    return tuple(sorted(names, key=lambda name: "Regular" not in name))


@functools.cache
def face_for(ch: str) -> str | None:
    """The font file a character of a card is drawn with: Noto Sans Devanagari for Devanagari,
    Noto Sans for the rest, else the first Noto face that has it; None when none has it."""
    if ch.isspace():
        return "NotoSans-Regular.ttf"
    first = "NotoSansDevanagari-Regular.ttf" if is_devanagari(ch) else "NotoSans-Regular.ttf"
    for name in (first, *other_fonts()):
        if ord(ch) in cmap_of(name):
            return name
    return None


def drawable(text: str) -> str:
    """``text`` without the characters no installed Noto face draws (emoji, pictographs), nor the
    joiners that only joined them, spaces normalised: what a card shows and OCR is scored on."""
    kept = [ch for ch in text if face_for(ch)]
    kept = [ch for i, ch in enumerate(kept)
            if ch not in JOINERS or (i > 0 and is_devanagari(kept[i - 1]) and kept[i - 1] not in JOINERS)]
    return " ".join("".join(kept).split())


def card_lines(text: str) -> list[str]:
    """The lines a card shows of ``text``: what OCR of it should read."""
    return textwrap.wrap(drawable(text), 34)[:8]


def runs(line: str) -> list[tuple[str, str]]:
    """``line`` cut into (font file, text) runs; a space stays in the run it follows."""
    out: list[tuple[str, str]] = []
    for ch in line:
        face = face_for(ch) or "NotoSans-Regular.ttf"
        if out and (ch.isspace() or face == out[-1][0]):
            out[-1] = (out[-1][0], out[-1][1] + ch)
        else:
            out.append((face, ch))
    return out


@functools.cache
def card_font(name: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), 34)


def render_card(text: str, *, seed: int = 0, width: int = 720) -> Image.Image:
    """A text card as hoaxes are forwarded: coloured background, large Noto text, a logo box.
    Each run of a line is set in a face that has its glyphs, on the main face's baseline."""
    rng = random.Random(seed)
    background = rng.choice(["#ffffff", "#fff4d6", "#1d3557", "#e63946", "#f1faee", "#2a9d8f"])
    ink = "#ffffff" if background in ("#1d3557", "#e63946", "#2a9d8f") else "#111111"
    lines = card_lines(text)
    ascent = card_font(font_for(text)).getmetrics()[0]
    height = 120 + 52 * len(lines)
    card = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(card)
    draw.rectangle((30, 24, 30 + rng.randint(80, 200), 60), fill=rng.choice(["#ffb703", "#8ecae6", "#999999"]))
    for i, line in enumerate(lines):
        x = 36.0
        for face, run in runs(line):
            font = card_font(face)
            draw.text((x, 80 + 52 * i + ascent), run, font=font, fill=ink, anchor="ls")
            x += font.getlength(run)
    return card


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def resize(image: Image.Image, factor: float) -> Image.Image:
    return image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                        Image.Resampling.BILINEAR)


def crop(image: Image.Image, share: float, rng: random.Random) -> Image.Image:
    """Cut ``share`` of the width and of the height away, split at random between the sides."""
    cut_w, cut_h = round(image.width * share), round(image.height * share)
    left, top = rng.randint(0, cut_w), rng.randint(0, cut_h)
    return image.crop((left, top, image.width - (cut_w - left), image.height - (cut_h - top)))


def banner(image: Image.Image, rng: random.Random) -> Image.Image:
    """A caption band added above or below, as a forwarder's 'viral' caption."""
    band = round(image.height * rng.uniform(0.10, 0.18))
    out = Image.new("RGB", (image.width, image.height + band), rng.choice(["#000000", "#ffd60a", "#ffffff"]))
    top = rng.random() < 0.5
    out.paste(image, (0, band if top else 0))
    draw = ImageDraw.Draw(out)
    font = ImageFont.truetype(str(FONTS / "NotoSansDevanagari-Bold.ttf"), max(12, band // 2))
    y = 4 if top else image.height + 4
    draw.text((10, y), "ज़रूर देखें! सबको भेजें", font=font, fill="#e00000")
    return out


def bubble(image: Image.Image, rng: random.Random) -> Image.Image:
    """The image inside a chat bubble: a uniform green or grey frame around it."""
    pad = round(min(image.size) * rng.uniform(0.02, 0.06)) + 4
    colour = rng.choice(["#dcf8c6", "#ffffff", "#ece5dd"])
    out = Image.new("RGB", (image.width + 2 * pad, image.height + 2 * pad), colour)
    out.paste(image, (pad, pad))
    return out


def phone(image: Image.Image, rng: random.Random) -> Image.Image:
    """A phone screenshot showing the image: status and title bars above, a reply bar below, the
    image scaled to the screen's width on a dark background, saved as a JPEG."""
    screen_w = 720
    scaled = resize(image, (screen_w - 2 * rng.randint(0, 24)) / image.width)
    top_bars, bottom_bar = 150, 110
    screen_h = max(1280, scaled.height + top_bars + bottom_bar + 40)
    screen = Image.new("RGB", (screen_w, screen_h), "#0b141a")
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, screen_w, 50), fill="#000000")
    draw.text((20, 12), "10:42  4G  87%", fill="#ffffff")
    draw.rectangle((0, 50, screen_w, top_bars), fill="#1f2c34")
    draw.text((90, 85), "Family group", fill="#ffffff")
    y = top_bars + (screen_h - top_bars - bottom_bar - scaled.height) // 2
    screen.paste(scaled, ((screen_w - scaled.width) // 2, y))
    draw.rectangle((0, screen_h - bottom_bar, screen_w, screen_h), fill="#1f2c34")
    return jpeg(screen, 70)


def transforms(rng: random.Random) -> list[tuple[str, Callable[[Image.Image], Image.Image]]]:
    return [
        ("jpeg30", lambda im: jpeg(im, 30)),
        ("jpeg55", lambda im: jpeg(im, 55)),
        ("jpeg80", lambda im: jpeg(im, 80)),
        ("resize0.4", lambda im: resize(im, 0.4)),
        ("resize0.7", lambda im: jpeg(resize(im, 0.7), 75)),
        ("resize1.5", lambda im: resize(im, 1.5)),
        ("crop4", lambda im: jpeg(crop(im, 0.04, rng), 75)),
        ("crop7", lambda im: jpeg(crop(im, 0.07, rng), 75)),
        ("crop10", lambda im: jpeg(crop(im, 0.10, rng), 75)),
        ("banner", lambda im: jpeg(banner(im, rng), 75)),
        ("bubble", lambda im: jpeg(bubble(im, rng), 75)),
        ("phone", lambda im: phone(im, rng)),
    ]


def plain_print(image: Image.Image) -> list[Print]:
    """The peer: one plain PDQ hash of the whole image (sharp, at most 256 pixels a side)."""
    image = image.convert("RGB")
    image.thumbnail((256, 256), Image.Resampling.LANCZOS)
    bits, quality = pdqhash.compute(np.asarray(image))
    return [Print("plain", int("".join("1" if bit else "0" for bit in bits), 2), int(quality))]


def as_words(found: list[Print]) -> np.ndarray:
    """Matchable prints as rows of four 64-bit words (for vectorised Hamming distances)."""
    rows = [[(p.hash >> (64 * (3 - w))) & (2**64 - 1) for w in range(4)] for p in found if p.matchable]
    return np.array(rows, dtype=np.uint64).reshape(-1, 4)


def best_distances(query: np.ndarray, stored: np.ndarray, owners: np.ndarray, count: int) -> np.ndarray:
    """For each of ``count`` stored images, the smallest distance between a query print and one
    of its prints (257 where either has none)."""
    best = np.full(count, 257)
    if len(query) and len(stored):
        distances = np.bitwise_count(query[:, None, :] ^ stored[None, :, :]).sum(axis=2).min(axis=0)
        np.minimum.at(best, owners, distances)
    return best


def bench_matching(images: list[tuple[str, Image.Image]], seed: int) -> list[Print]:
    rng = random.Random(seed)
    stored = [prints_of(image) for _name, image in images]
    count = len(images)

    def table(views: Callable[[Print], bool]) -> tuple[np.ndarray, np.ndarray]:
        words, owners = [], []
        for index, found in enumerate(stored):
            chosen = as_words([p for p in found if views(p)])
            words.append(chosen)
            owners += [index] * len(chosen)
        return np.concatenate(words), np.array(owners, dtype=np.intp)

    ours, ours_owners = table(lambda p: True)
    folder = tempfile.TemporaryDirectory()
    index = stored_index(stored, Path(folder.name))
    words = [as_words(plain_print(image)) for _name, image in images]
    plain = np.concatenate(words)
    plain_owners = np.array([i for i, w in enumerate(words) for _ in range(len(w))], dtype=np.intp)
    per_transform: dict[str, list[bool]] = {}
    per_transform_plain: dict[str, list[bool]] = {}
    per_transform_index: dict[str, list[bool]] = {}
    false_ours = false_index = false_plain = pairs = 0
    hashing = 0.0
    hashed = 0
    for position, (_name, image) in enumerate(images):
        for label, transform in transforms(rng):
            copy = transform(image)
            started = time.perf_counter()
            query = prints_of(copy)
            hashing += time.perf_counter() - started
            hashed += 1
            mine = best_distances(as_words(query), ours, ours_owners, count) <= MATCH_DISTANCE
            indexed = np.zeros(count, dtype=bool)
            indexed[[image_id - 1 for image_id in lookup.nearest(
                index, [p.hash for p in query if p.matchable])]] = True
            theirs = best_distances(as_words(plain_print(copy)), plain, plain_owners, count) <= MATCH_DISTANCE
            per_transform.setdefault(label, []).append(bool(mine[position]))
            per_transform_index.setdefault(label, []).append(bool(indexed[position]))
            per_transform_plain.setdefault(label, []).append(bool(theirs[position]))
            pairs += count - 1
            false_ours += int(mine.sum() - mine[position])
            false_index += int(indexed.sum() - indexed[position])
            false_plain += int(theirs.sum() - theirs[position])
    print(f"  {'transform':<11} {'views, index':>13} {'views, scan':>12} {'plain PDQ':>10}")
    for label, found in per_transform.items():
        print(f"  {label:<11} {share(per_transform_index[label]):13.3f} {share(found):12.3f} "
              f"{share(per_transform_plain[label]):10.3f}")
    total = [hit for found in per_transform.values() for hit in found]
    total_index = [hit for found in per_transform_index.values() for hit in found]
    total_plain = [hit for found in per_transform_plain.values() for hit in found]
    print(f"  recall (all transforms): views through the window index (the app) {share(total_index):.3f}, "
          f"views by full scan {share(total):.3f}, plain PDQ {share(total_plain):.3f} over {len(total)} copies")
    print(f"  false matches between unrelated images: index {false_index}/{pairs} ({100 * false_index / pairs:.3f} %), "
          f"scan {false_ours}/{pairs} ({100 * false_ours / pairs:.3f} %), plain PDQ {false_plain}/{pairs} "
          f"({100 * false_plain / pairs:.3f} %)")
    print(f"  prints of one copy (all views): {1000 * hashing / hashed:.1f} ms; views stored per image: "
          f"{len(ours) / count:.1f}")
    return [[p.hash for p in s if p.matchable] for s in stored]


def share(hits: list[bool]) -> float:
    return sum(hits) / max(1, len(hits))


def lookup_database(path: Path) -> Session:
    """A session on a new SQLite database at ``path`` with the app's two lookup tables."""
    import_all_models()  # the mappers resolve every relationship before the first query
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine, tables=[ImageHash.__table__, ImageHashChunk.__table__])
    return Session(engine)


def store(session: Session, rows: list[tuple[int, int, Print]]) -> None:
    """Store (hash row id, image id, print) rows and their window keys, as the app does."""
    connection = session.connection()
    connection.exec_driver_sql("INSERT INTO image_hashes (id, image_id, view, hash, quality) VALUES (?, ?, ?, ?, ?)",
                               [(row, image_id, p.view, p.hex, p.quality) for row, image_id, p in rows])
    connection.exec_driver_sql("INSERT INTO image_hash_chunks (key, hash_id) VALUES (?, ?)",
                               [(key, row) for row, _image_id, p in rows for key in p.window_keys()])
    session.commit()


def stored_index(stored: list[list[Print]], folder: Path) -> Session:
    """The app's lookup tables holding the matchable prints of ``stored`` (image i + 1)."""
    session = lookup_database(folder / "stored.db")
    matchable = [(index + 1, p) for index, found in enumerate(stored) for p in found if p.matchable]
    store(session, [(row, image_id, p) for row, (image_id, p) in enumerate(matchable, 1)])
    return session


def random_hashes(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.getrandbits(256) for _ in range(count)]


def bench_lookup(real: list[list[int]], count: int, lookups: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        session = lookup_database(Path(folder) / "hashes.db")
        started = time.perf_counter()
        values = random_hashes(count, seed)
        for start in range(0, count, 50_000):
            store(session, [(start + i + 1, start + i + 1, Print("whole", v, 100))
                            for i, v in enumerate(values[start:start + 50_000])])
        print(f"  {count:,} hashes stored with their {len(prints.WINDOW_STARTS)} window keys in "
              f"{time.perf_counter() - started:.0f} s")
        # Queries: near copies of stored hashes (a few bits flipped up to the match distance) and
        # the print sets of real images (all their views). Each lookup is timed on its own, through
        # the app's own function and session (its pages warm after the first, as a server's are).
        targets = []
        for _ in range(lookups):
            value = values[rng.randrange(count)]
            for bit in rng.sample(range(256), rng.randint(0, MATCH_DISTANCE)):
                value ^= 1 << bit
            targets.append(value)
        real_sets = [hashes for hashes in real if hashes][:100]
        words = as_words([Print("whole", v, 100) for v in values])  # the peer's copy, in memory
        for label, queries in (("one hash", [[value] for value in targets]), ("an image's views", real_sets)):
            if not queries:
                continue
            ours, scans, found = [], [], 0
            for hashes in queries:
                started = time.perf_counter()
                hits = lookup.nearest(session, hashes)
                ours.append(time.perf_counter() - started)
                found += bool(hits)
                if len(scans) < 20:
                    started = time.perf_counter()
                    scan(words, hashes)
                    scans.append(time.perf_counter() - started)
            views = statistics.mean(len(hashes) for hashes in queries)
            same = ours[:len(scans)]  # the peer's queries: the two columns compare like with like
            print(f"  {label} ({views:.1f} hashes): window lookup p50 {1000 * statistics.median(ours):.2f} ms, "
                  f"p95 {1000 * percentile(ours, 0.95):.2f} ms over {len(ours)} (over the peer's {len(same)}: p50 "
                  f"{1000 * statistics.median(same):.2f} ms, p95 {1000 * percentile(same, 0.95):.2f} ms); linear "
                  f"scan (numpy, every row in memory) p50 {1000 * statistics.median(scans):.0f} ms, p95 "
                  f"{1000 * percentile(scans, 0.95):.0f} ms over {len(scans)}")
            if label == "one hash":
                print(f"    found {found}/{len(queries)} copies 0-{MATCH_DISTANCE} bits away (every one "
                      "within 11 bits; beyond, those sharing a window)")
        session.close()


def scan(words: np.ndarray, hashes: list[int]) -> np.ndarray:
    """The peer: each stored row's smallest distance to ``hashes``, by comparing every row."""
    best = np.full(len(words), 257)
    for value in hashes:
        query = as_words([Print("q", value, 100)])[0]
        np.minimum(best, np.bitwise_count(words ^ query).sum(axis=1, dtype=np.int64), out=best)
    return best


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_ocr(hindi: list[str], english: list[str], count: int) -> None:
    from factcheck.images import ocr

    if not ocr.available():
        print("  Tesseract is not installed: OCR skipped")
        return
    for label, texts in (("Hindi", hindi[:count]), ("English", english[:count])):
        rates, times = [], []
        total = sum(len("".join(text.split())) for text in texts)
        left_out = total - sum(len("".join(drawable(text).split())) for text in texts)
        print(f"  {label} cards: {left_out} of {total} characters (spaces aside) left out: no Noto face "
              "draws them")
        for i, text in enumerate(texts):
            card = render_card(text, seed=i)
            expected = "\n".join(card_lines(text))
            buffer = io.BytesIO()
            card.save(buffer, format="PNG")
            started = time.perf_counter()
            got = ocr.read_text(Image.open(io.BytesIO(buffer.getvalue())))
            times.append(time.perf_counter() - started)
            rates.append(cer(expected, got))
        print(f"  {label}: CER mean {100 * statistics.mean(rates):.1f} %, median "
              f"{100 * statistics.median(rates):.1f} % over {len(rates)} cards; "
              f"{statistics.mean(times):.2f} s per image (one core)")


def grams(text: str, size: int = 4) -> set[str]:
    flat = " ".join(text.lower().split())
    return {flat[i:i + size] for i in range(max(1, len(flat) - size + 1))}


def text_similarity(a: str, b: str) -> float:
    """Jaccard of character 4-grams: the character half of the app's near-duplicate score."""
    x, y = grams(a), grams(b)
    return len(x & y) / max(1, len(x | y))


def bench_text_signal(hindi: list[str], english: list[str], count: int, seed: int) -> None:
    """Cards under the transforms prints miss (crops, banner, phone): found by their OCR text?"""
    from factcheck.images import ocr

    if not ocr.available():
        print("  Tesseract is not installed: skipped")
        return
    rng = random.Random(seed)
    chosen = [("crop4", "crop7", "crop10", "banner", "phone")]
    cards = [render_card(t, seed=i) for i, t in enumerate(hindi[:count])]
    cards += [render_card(t, seed=1000 + i) for i, t in enumerate(english[:count])]
    originals = [ocr.read_text(card) for card in cards]
    found: dict[str, list[bool]] = {}
    pairs = false = 0
    for index, card in enumerate(cards):
        for label, transform in transforms(rng):
            if label not in chosen[0]:
                continue
            copy = transform(card)
            text = ocr.read_text(copy)
            scores = [text_similarity(text, other) for other in originals]
            found.setdefault(label, []).append(scores[index] >= TEXT_THRESHOLD)
            pairs += len(cards) - 1
            false += sum(score >= TEXT_THRESHOLD for i, score in enumerate(scores) if i != index)
    for label, hits in found.items():
        print(f"  {label:<8} found by OCR text: {sum(hits) / len(hits):.3f} ({len(hits)} cards)")
    total = [hit for hits in found.values() for hit in hits]
    print(f"  recall by OCR text on these transforms: {sum(total) / len(total):.3f}; false matches "
          f"{false}/{pairs} ({100 * false / max(1, pairs):.3f} %) at 4-gram Jaccard >= {TEXT_THRESHOLD}")


TEXT_THRESHOLD = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=150, help="text cards per language")
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--ocr", type=int, default=20, help="cards per language for OCR")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-matching", dest="matching", action="store_false")
    parser.add_argument("--text-signal", type=int, default=6, help="cards per language for the OCR-text signal")
    args = parser.parse_args()
    hindi, english = corpus_texts(args.cards, args.seed)
    images = [(f"photo{i}", image) for i, image in enumerate(photos())]
    images += [(f"hi{i}", render_card(text, seed=i)) for i, text in enumerate(hindi)]
    images += [(f"en{i}", render_card(text, seed=1000 + i)) for i, text in enumerate(english)]
    print(f"Matching: {len(images)} images ({len(images) - 2 * len(hindi)} photos, "
          f"{len(hindi)} Hindi and {len(english)} English cards), match distance {MATCH_DISTANCE}")
    real = bench_matching(images, args.seed) if args.matching else []
    if args.hashes:
        print("Lookup:")
        bench_lookup(real, args.hashes, args.lookups, args.seed)
    if args.ocr:
        print("OCR (Tesseract hin+eng):")
        bench_ocr(hindi, english, args.ocr)
    if args.text_signal:
        print("Second signal: cards the prints miss, matched by their OCR text:")
        bench_text_signal(hindi, english, args.text_signal, args.seed)


if __name__ == "__main__":
    main()
