"""Images: the text read in screenshots and archived images, and their perceptual prints (issue 13)

Revision ID: 0012_images
Revises: 0011_outbox_ids
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import factcheck.db

revision = '0012_images'
down_revision = '0011_outbox_ids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('hashed_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('ocr_state', sa.String(length=16), nullable=False),
    sa.Column('ocr_text', sa.Text(), nullable=False),
    sa.Column('ocr_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_images_sha256_length')),
    sa.CheckConstraint("ocr_state IN ('pending', 'done', 'unavailable', 'failed')",
                       name=op.f('ck_images_ocr_state_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images')),
    sa.UniqueConstraint('sha256', name=op.f('uq_images_sha256'))
    )
    op.create_table('image_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(claim_id IS NULL) <> (snapshot_id IS NULL)', name=op.f('ck_image_uses_one_owner')),
    sa.CheckConstraint("role IN ('screenshot', 'og_image', 'article_image', 'body')",
                       name=op.f('ck_image_uses_role_known')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_image_uses_claim_id_claims')),
    sa.ForeignKeyConstraint(['image_id'], ['images.id'], name=op.f('fk_image_uses_image_id_images')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'], name=op.f('fk_image_uses_snapshot_id_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_image_uses')),
    sa.UniqueConstraint('image_id', 'claim_id', 'snapshot_id', 'role',
                        name=op.f('uq_image_uses_image_id_claim_id_snapshot_id_role'))
    )
    op.create_index(op.f('ix_image_uses_claim_id'), 'image_uses', ['claim_id'], unique=False)
    op.create_index(op.f('ix_image_uses_image_id'), 'image_uses', ['image_id'], unique=False)
    op.create_index(op.f('ix_image_uses_snapshot_id'), 'image_uses', ['snapshot_id'], unique=False)
    op.create_table('image_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=False),
    sa.Column('view', sa.String(length=16), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(hash) = 64', name=op.f('ck_image_hashes_hash_length')),
    sa.ForeignKeyConstraint(['image_id'], ['images.id'], name=op.f('fk_image_hashes_image_id_images')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_image_hashes')),
    sa.UniqueConstraint('image_id', 'view', name=op.f('uq_image_hashes_image_id_view'))
    )
    op.create_table('image_hash_chunks',
    sa.Column('key', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['hash_id'], ['image_hashes.id'], name=op.f('fk_image_hash_chunks_hash_id_image_hashes')),
    sa.PrimaryKeyConstraint('key', 'hash_id', name=op.f('pk_image_hash_chunks'))
    )
    op.create_index('ix_image_hash_chunks_hash_id', 'image_hash_chunks', ['hash_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_image_hash_chunks_hash_id', table_name='image_hash_chunks')
    op.drop_table('image_hash_chunks')
    op.drop_table('image_hashes')
    op.drop_index(op.f('ix_image_uses_snapshot_id'), table_name='image_uses')
    op.drop_index(op.f('ix_image_uses_image_id'), table_name='image_uses')
    op.drop_index(op.f('ix_image_uses_claim_id'), table_name='image_uses')
    op.drop_table('image_uses')
    op.drop_table('images')
