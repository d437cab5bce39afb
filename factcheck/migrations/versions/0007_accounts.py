"""Accounts people can recover and set up: e-mail sent once, password resets, own settings
(issues 11 and 12)

Revision ID: 0007_accounts
Revises: 0006_queue
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import factcheck.db

revision = '0007_accounts'
down_revision = '0006_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('notify_by_email', sa.Boolean(), server_default='0', nullable=False))

    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('created_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claimed_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail')),
    sa.UniqueConstraint('key', name=op.f('uq_outgoing_mail_key'))
    )
    op.create_index('ix_outgoing_mail_due_at', 'outgoing_mail', ['due_at'], unique=False)

    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('requested_at', factcheck.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('expires_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', factcheck.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mail_id'], ['outgoing_mail.id'], name=op.f('fk_password_resets_mail_id_outgoing_mail')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('mail_id', name=op.f('uq_password_resets_mail_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    op.create_index(op.f('ix_password_resets_user_id'), 'password_resets', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_resets_user_id'), table_name='password_resets')
    op.drop_table('password_resets')
    op.drop_index('ix_outgoing_mail_due_at', table_name='outgoing_mail')
    op.drop_table('outgoing_mail')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_by_email')
        batch_op.drop_column('timezone')
        batch_op.drop_column('locale')
