"""Index requests never reuse an id on SQLite (AUTOINCREMENT)

An emptied outbox handed out ids 1, 2, … again, so a sync that had read request 1 before another
sync drained it deleted the new request 1 without indexing it. PostgreSQL's sequences never reuse
ids: nothing to do there.

Revision ID: 0011_outbox_ids
Revises: 0010_notifications
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = '0011_outbox_ids'
down_revision = '0010_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('index_requests', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('index_requests', recreate='always'):
            pass
