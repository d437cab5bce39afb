"""Follow and notify, and the matches seen at filing kept with the claim (issue 12)

Revision ID: 0010_notifications
Revises: 0009_pending_uploads
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import factcheck.db

revision = '0010_notifications'
down_revision = '0009_pending_uploads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('claim_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_follows_claim_id_claims')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_claim_follows_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'claim_id', name=op.f('pk_claim_follows'))
    )
    op.create_index(op.f('ix_claim_follows_claim_id'), 'claim_follows', ['claim_id'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('published', 'rejected', 'corrected')", name=op.f('ck_notifications_kind_known')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_notifications_claim_id_claims')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_notifications_event_id_events')),
    sa.ForeignKeyConstraint(['mail_id'], ['outgoing_mail.id'], name=op.f('fk_notifications_mail_id_outgoing_mail')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('mail_id', name=op.f('uq_notifications_mail_id')),
    sa.UniqueConstraint('user_id', 'event_id', name=op.f('uq_notifications_user_id_event_id'))
    )
    op.create_index(op.f('ix_notifications_claim_id'), 'notifications', ['claim_id'], unique=False)
    op.create_index('ix_notifications_user_id_read_at', 'notifications', ['user_id', 'read_at'], unique=False)
    op.create_table('claim_matches',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('matched_claim_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('found_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('claim_id <> matched_claim_id', name=op.f('ck_claim_matches_not_itself')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_matches_claim_id_claims')),
    sa.ForeignKeyConstraint(['matched_claim_id'], ['claims.id'], name=op.f('fk_claim_matches_matched_claim_id_claims')),
    sa.PrimaryKeyConstraint('claim_id', 'matched_claim_id', name=op.f('pk_claim_matches'))
    )
    op.create_index(op.f('ix_claim_matches_matched_claim_id'), 'claim_matches', ['matched_claim_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_matches_matched_claim_id'), table_name='claim_matches')
    op.drop_table('claim_matches')
    op.drop_index('ix_notifications_user_id_read_at', table_name='notifications')
    op.drop_index(op.f('ix_notifications_claim_id'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_claim_follows_claim_id'), table_name='claim_follows')
    op.drop_table('claim_follows')
