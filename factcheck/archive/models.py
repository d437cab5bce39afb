"""Snapshots: one capture of a URL each, pending until a job fills it in (SPEC §3).

Every capture is a new row, so a source keeps its timeline. A failed capture is a snapshot too,
with its error kind. The body itself lives once in the blob store, under its SHA-256.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.accounts.models import User
from factcheck.archive.fetch import ERROR_KINDS
from factcheck.claims.models import Source
from factcheck.db import Base, utcnow


class State(enum.StrEnum):
    PENDING = "pending"
    ARCHIVED = "archived"
    FAILED = "failed"


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'archived', 'failed')", name="state_known"),
        CheckConstraint("(state = 'failed') = (error_kind IS NOT NULL)", name="failed_has_error_kind"),
        CheckConstraint("state <> 'archived' OR sha256 IS NOT NULL", name="archived_has_body"),
        CheckConstraint(
            "error_kind IS NULL OR error_kind IN ({})".format(", ".join(repr(k) for k in ERROR_KINDS)),
            name="error_kind_known",
        ),
        Index("ix_snapshots_state_lease_until", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    state: Mapped[str] = mapped_column(String(16), default=State.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # The capture job's bookkeeping: which run holds the snapshot, until when, and the blob it
    # is about to write (so a run killed between writing and committing leaves no orphan).
    attempts: Mapped[int] = mapped_column(default=0)
    lease_token: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[dt.datetime | None]
    staged_sha256: Mapped[str | None] = mapped_column(String(64))

    # What was fetched.
    final_url: Mapped[str | None] = mapped_column(Text)
    redirects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    http_status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(255))
    charset: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    warc_name: Mapped[str | None] = mapped_column(String(255))
    peer: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime | None]
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str] = mapped_column(Text, default="")

    # What was extracted from HTML.
    title: Mapped[str | None] = mapped_column(Text)
    main_text: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str | None] = mapped_column(Text)
    published_date: Mapped[str | None] = mapped_column(String(10))
    canonical_url: Mapped[str | None] = mapped_column(Text)
    og_title: Mapped[str | None] = mapped_column(Text)
    og_description: Mapped[str | None] = mapped_column(Text)
    og_image: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    links: Mapped[list[str]] = mapped_column(JSON, default=list)

    source: Mapped[Source | None] = relationship(back_populates="snapshots")
    requested_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Snapshot {self.id} {self.state} {self.url}>"
