"""Who follows which claim, what each person was told, and what a claim was matched with at filing."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.accounts.models import User
from factcheck.audit import Event
from factcheck.claims.models import Claim
from factcheck.db import Base, utcnow
from factcheck.mail import OutgoingMail


class Kind(enum.StrEnum):
    """What happened to a claim that people are told about."""

    PUBLISHED = "published"
    REJECTED = "rejected"
    CORRECTED = "corrected"


class Follow(Base):
    """Someone who pressed "follow" on a claim: told of its outcome like its filer."""

    __tablename__ = "claim_follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One person told of one event (a publication, rejection or correction) on one claim, in the
    app and, when they asked for it, by e-mail (``mail``). One row per person per event: the
    unique constraint keeps a re-run from telling anyone twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in Kind)})", name="kind_known"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)  # the claim decided on
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_mail.id"), unique=True)

    user: Mapped[User] = relationship()
    claim: Mapped[Claim] = relationship()
    event: Mapped[Event] = relationship()
    mail: Mapped[OutgoingMail | None] = relationship()


class Match(Base):
    """A claim or fact-check shown as "seen before" when a claim was filed, kept so that its filer
    and the reviewers still see it on the claim's page later."""

    __tablename__ = "claim_matches"
    __table_args__ = (CheckConstraint("claim_id <> matched_claim_id", name="not_itself"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    matched_claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True, index=True)
    reason: Mapped[str] = mapped_column(String(16))  # "url", or how the index found the text similar
    score: Mapped[float]
    found_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
