"""A fact-check's own language (issue 11: public pages in the fact-check's language)

Revision ID: 0008_factcheck_language
Revises: 0007_accounts
Create Date: 2026-12-08

Existing rebuttals take their claim's language when the site speaks it (``hi``, ``hi-IN`` → hi),
else English: until now their pages were shown in the claim's language, or English.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_factcheck_language'
down_revision = '0007_accounts'
branch_labels = None
depends_on = None

# The languages the site spoke when this revision was written; English is the column's default.
SPOKEN = ('hi',)


def upgrade() -> None:
    with op.batch_alter_table('rebuttals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    for code in SPOKEN:
        op.execute(sa.text(
            "UPDATE rebuttals SET language = :code WHERE claim_id IN "
            "(SELECT id FROM claims WHERE lower(language) = :code OR lower(language) LIKE :tagged)"
        ).bindparams(code=code, tagged=f"{code}-%"))


def downgrade() -> None:
    with op.batch_alter_table('rebuttals', schema=None) as batch_op:
        batch_op.drop_column('language')
