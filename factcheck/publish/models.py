"""Rebuttals (one per claim), their revisions, and reviews (SPEC §2, §5).

A rebuttal is never edited in place: every save is a new revision, so the diff between any two is
there to read, and the four-eyes rule knows who wrote or revised it. A published rebuttal is a
fact-check; a correction is a revision with a public correction note.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.accounts.models import User
from factcheck.archive.models import Snapshot
from factcheck.claims.models import Claim
from factcheck.db import Base, utcnow
from factcheck.publish.verdicts import VERDICT_NAMES


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class Rebuttal(Base):
    __tablename__ = "rebuttals"
    __table_args__ = (
        CheckConstraint("(slug IS NULL) = (published_at IS NULL)", name="published_has_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    slug: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The language the fact-check is written and shown in (one the site speaks), not the claim's.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="rebuttal")
    published_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[Revision]] = relationship(back_populates="rebuttal", order_by="Revision.number")
    reviews: Mapped[list[Review]] = relationship(back_populates="rebuttal", order_by="Review.id")

    @property
    def current(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None

    @property
    def writer_ids(self) -> frozenset[int]:
        """Everyone who wrote or revised it: they may not approve it (four-eyes rule)."""
        return frozenset(revision.author_id for revision in self.revisions)


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("rebuttal_id", "number"),
        CheckConstraint(
            "verdict IS NULL OR verdict IN ({})".format(", ".join(repr(v) for v in VERDICT_NAMES)),
            name="verdict_known",
        ),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rebuttal_id: Mapped[int] = mapped_column(ForeignKey("rebuttals.id"), index=True)
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    headline: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # Up to 100,000 characters a revision, and a rebuttal may have many: loaded when read.
    body: Mapped[str] = mapped_column(Text, default="", deferred=True)
    verdict: Mapped[str | None] = mapped_column(String(32))
    correction_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rebuttal: Mapped[Rebuttal] = relationship(back_populates="revisions")
    author: Mapped[User] = relationship()
    sources: Mapped[list[RevisionSource]] = relationship(
        order_by="RevisionSource.position", cascade="all, delete-orphan"
    )

    @property
    def snapshots(self) -> list[Snapshot]:
        return [source.snapshot for source in self.sources]

    def missing(self) -> tuple[str, ...]:
        """What a complete draft still lacks (SPEC §2: headline, verdict, body, a source)."""
        lacking = []
        for name in ("headline", "verdict", "body"):
            if not (getattr(self, name) or "").strip():
                lacking.append(name)
        if not self.sources:
            lacking.append("a source")
        return tuple(lacking)


class RevisionSource(Base):
    """A source a revision cites: always an archived (or archiving) snapshot."""

    __tablename__ = "revision_sources"
    __table_args__ = (UniqueConstraint("revision_id", "snapshot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    snapshot: Mapped[Snapshot] = relationship()


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("decision IN ('approve', 'request_changes')", name="decision_known"),
        Index("ix_reviews_rebuttal_id_reviewer_id", "rebuttal_id", "reviewer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rebuttal_id: Mapped[int] = mapped_column(ForeignKey("rebuttals.id"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rebuttal: Mapped[Rebuttal] = relationship(back_populates="reviews")
    revision: Mapped[Revision] = relationship()
    reviewer: Mapped[User] = relationship()
