"""A queue the desk runs on: a priority mark and tags on claims (issue 11)

Revision ID: 0006_queue
Revises: 0005_trust
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_queue'
down_revision = '0005_trust'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Boolean(), server_default='0', nullable=False))

    op.create_table('claim_tags',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.CheckConstraint('length(tag) > 0', name=op.f('ck_claim_tags_tag_not_empty')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_tags_claim_id_claims')),
    sa.PrimaryKeyConstraint('claim_id', 'tag', name=op.f('pk_claim_tags'))
    )
    op.create_index(op.f('ix_claim_tags_tag'), 'claim_tags', ['tag'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_tags_tag'), table_name='claim_tags')
    op.drop_table('claim_tags')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('priority')
