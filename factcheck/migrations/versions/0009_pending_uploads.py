"""Pending uploads: what a phone shared to the workbench, kept until it is filed (issue 12)

Revision ID: 0009_pending_uploads
Revises: 0008_factcheck_language
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import factcheck.db

revision = '0009_pending_uploads'
down_revision = '0008_factcheck_language'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=32), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('image_problem', sa.Text(), nullable=False),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IS NULL OR content_type IN ('image/png', 'image/jpeg', 'image/webp')",
                       name=op.f('ck_pending_uploads_type_known')),
    sa.CheckConstraint('(file_name IS NULL) = (content_type IS NULL)', name=op.f('ck_pending_uploads_image_complete')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_pending_uploads_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_uploads')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_uploads_token_hash'))
    )
    op.create_index(op.f('ix_pending_uploads_expires_at'), 'pending_uploads', ['expires_at'], unique=False)
    op.create_index(op.f('ix_pending_uploads_owner_id'), 'pending_uploads', ['owner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_uploads_owner_id'), table_name='pending_uploads')
    op.drop_index(op.f('ix_pending_uploads_expires_at'), table_name='pending_uploads')
    op.drop_table('pending_uploads')
