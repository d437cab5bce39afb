"""Image prints are looked up by 20-bit windows of their hashes instead of 16-bit chunks probed to
within a bit: the keys of every matchable hash are recomputed (issue 13)

Revision ID: 0013_window_keys
Revises: 0012_images
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = '0013_window_keys'
down_revision = '0012_images'
branch_labels = None
depends_on = None

# Frozen copies of the key functions and the quality bound as they were at each revision: a
# migration must not change meaning when the application's code moves on.
MIN_QUALITY = 50
BATCH = 5000


def _window_keys(value: int) -> list[int]:
    starts = (*range(0, 237, 20), 236)
    return [(number << 20) | ((value >> (236 - start)) & 0xFFFFF) for number, start in enumerate(starts)]


def _chunk_keys(value: int) -> list[int]:
    return [(i << 16) | ((value >> (16 * (15 - i))) & 0xFFFF) for i in range(16)]


def _rekey(keys: Callable[[int], list[int]]) -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM image_hash_chunks"))
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, hash FROM image_hashes WHERE id > :last AND quality >= :quality "
                                    "ORDER BY id LIMIT :batch"),
                            {"last": last, "quality": MIN_QUALITY, "batch": BATCH}).all()
        if not rows:
            return
        bind.execute(sa.text("INSERT INTO image_hash_chunks (key, hash_id) VALUES (:key, :hash_id)"),
                     [{"key": key, "hash_id": hash_id} for hash_id, value in rows for key in keys(int(value, 16))])
        last = rows[-1][0]


def upgrade() -> None:
    _rekey(_window_keys)


def downgrade() -> None:
    _rekey(_chunk_keys)
