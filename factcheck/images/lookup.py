"""Finding stored images near a set of PDQ hashes, through their window keys in the database.

Each matchable hash is stored with its window keys (``image_hash_chunks``, primary key
``(key, hash_id)``; :func:`factcheck.images.prints.window_keys`). A lookup asks for the stored
hashes that share a key with one of the query's hashes, then computes the exact Hamming distance
of each candidate to the query hashes that share that key. No row is read that shares no window
with the query, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.images.models import ImageHash, ImageHashChunk
from factcheck.images.prints import MATCH_DISTANCE, distance, window_keys

# Hashes looked up per statement: 2,000 x 13 keys stay under SQLite's 32,766 bound parameters.
BATCH = 2000


def _owners(hashes: Sequence[int]) -> dict[int, list[int]]:
    """Window key → the query hashes that have it."""
    owners: dict[int, list[int]] = {}
    for value in dict.fromkeys(hashes):
        for key in window_keys(value):
            owners.setdefault(key, []).append(value)
    return owners


def _best(owners: dict[int, list[int]], rows: Iterable[tuple[int, int, str]], limit: int) -> dict[int, int]:
    """image id → smallest distance within ``limit`` bits, from rows of (key, image id, hash)."""
    found: dict[int, int] = {}
    for key, image_id, hex_value in rows:
        stored = int(hex_value, 16)
        best = min(distance(value, stored) for value in owners[key])
        if best <= limit and best < found.get(image_id, 257):
            found[image_id] = best
    return found


def nearest(session: Session, hashes: Sequence[int], *, limit: int = MATCH_DISTANCE) -> dict[int, int]:
    """The stored images with a matchable hash that shares a window with one of ``hashes`` and is
    within ``limit`` bits of it: image id → distance."""
    found: dict[int, int] = {}
    for start in range(0, len(hashes), BATCH):
        owners = _owners(hashes[start:start + BATCH])
        rows = session.execute(
            select(ImageHashChunk.key, ImageHash.image_id, ImageHash.hash)
            .join(ImageHash, ImageHash.id == ImageHashChunk.hash_id)
            .where(ImageHashChunk.key.in_(sorted(owners))))
        for image_id, value in _best(owners, rows, limit).items():
            found[image_id] = min(value, found.get(image_id, 257))
    return found

