"""Index requests: the rows whose search documents must be rewritten, kept in the database.

They are written in the same transaction as the change itself (an outbox), so a change that
commits is always indexed eventually, even if the job queue loses a job; a ``search.sync`` job
indexes all waiting requests in one Whoosh commit, which costs far less per document than a
commit each.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.db import Base, utcnow


class IndexRequest(Base):
    __tablename__ = "index_requests"
    # AUTOINCREMENT on SQLite: an emptied outbox must not hand out ids again, or a sync that read
    # request 1 before another sync drained it would delete the new request 1 it never indexed.
    __table_args__ = (CheckConstraint("kind IN ('claim', 'snapshot', 'rebuttal')", name="kind_known"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    row_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
