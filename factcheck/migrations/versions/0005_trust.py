"""Sessions that end, system accounts, and desk settings (issue 9: trust)

Revision ID: 0005_trust
Revises: 0004_index_requests
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import factcheck.db

revision = '0005_trust'
down_revision = '0004_index_requests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('is_system', sa.Boolean(), server_default='0', nullable=False))
    # The account reader reports are filed under is the workbench's own, not a person.
    op.execute("UPDATE users SET is_system = true WHERE email = 'reader-reports@factcheck.invalid'")

    op.create_table('desk_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_desk_settings'))
    )


def downgrade() -> None:
    op.drop_table('desk_settings')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_system')
        batch_op.drop_column('session_version')
