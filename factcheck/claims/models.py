"""Claims as filed, the URLs they link to, and their screenshots."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.accounts.models import User
from factcheck.db import Base, utcnow

if TYPE_CHECKING:  # the features above claims map these sides; claims never imports them
    from factcheck.archive.models import Snapshot
    from factcheck.publish.models import Rebuttal


class Status(enum.StrEnum):
    """The states of SPEC §2; the moves between them live in :mod:`factcheck.claims.workflow`."""

    SUBMITTED = "submitted"
    RESEARCHING = "researching"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        """The state's name as the user reads it, in their language (never the internal code)."""
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    Status.SUBMITTED: lazy_gettext("submitted"),
    Status.RESEARCHING: lazy_gettext("researching"),
    Status.IN_REVIEW: lazy_gettext("in review"),
    Status.APPROVED: lazy_gettext("approved"),
    Status.PUBLISHED: lazy_gettext("published"),
    Status.REJECTED: lazy_gettext("rejected"),
    Status.DUPLICATE: lazy_gettext("duplicate"),
}


class Platform(enum.StrEnum):
    """Where the post was seen."""

    WHATSAPP = "whatsapp"
    FACEBOOK = "facebook"
    X = "x"
    YOUTUBE = "youtube"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    WEB = "web"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"whatsapp": "WhatsApp", "x": "X", "youtube": "YouTube"}.get(self.value, self.value.capitalize())


def _one_of(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(_one_of("status", Status), name="status_known"),
        CheckConstraint(_one_of("platform", Platform), name="platform_known"),
        CheckConstraint(
            "(status = 'duplicate') = (duplicate_of_id IS NOT NULL)", name="duplicate_has_original"
        ),
        CheckConstraint("duplicate_of_id <> id", name="not_duplicate_of_itself"),
        Index("ix_claims_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=Status.SUBMITTED.value)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    # The desk's own marks for running the queue: put first when asked, and filed under tags.
    priority: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    duplicate_of: Mapped[Claim | None] = relationship(remote_side=[id])
    sources: Mapped[list[Source]] = relationship(
        back_populates="claim", order_by="Source.position", cascade="all, delete-orphan"
    )
    screenshot: Mapped[Screenshot | None] = relationship(
        back_populates="claim", cascade="all, delete-orphan"
    )
    rebuttal: Mapped[Rebuttal | None] = relationship(back_populates="claim")
    tags: Mapped[list[ClaimTag]] = relationship(
        back_populates="claim", order_by="ClaimTag.tag", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        """The claim's tags, in alphabetical order."""
        return [tag.tag for tag in self.tags]

    def __repr__(self) -> str:
        return f"<Claim {self.id} {self.status}>"


class Source(Base):
    """A URL a claim links to, normalised (SPEC §3)."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("claim_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(Text, index=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="sources")
    snapshots: Mapped[list[Snapshot]] = relationship(back_populates="source", order_by="Snapshot.id")


class Screenshot(Base):
    """An image of the post, verified by decoding; its bytes live in the blob store."""

    __tablename__ = "screenshots"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/png', 'image/jpeg', 'image/webp')", name="type_known"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="screenshot")


class ClaimTag(Base):
    """A short word or phrase the desk files a claim under, normalised by
    :func:`factcheck.claims.tags.normalise_tag` (lower case, single spaces, at most 40 characters)."""

    __tablename__ = "claim_tags"
    __table_args__ = (CheckConstraint("length(tag) > 0", name="tag_not_empty"),)

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    claim: Mapped[Claim] = relationship(back_populates="tags")


class PendingUpload(Base):
    """What a phone shared to the workbench (its Web Share Target) or a volunteer was about to
    file, kept until it is filed or expires: the text, the link and a verified image, whose bytes
    wait under the archive folder's ``pending/``. Only its owner ever sees it; a share made while
    logged out has no owner until the first person to open its link after logging in (the link's
    token is random, and only its SHA-256 is kept)."""

    __tablename__ = "pending_uploads"
    __table_args__ = (
        CheckConstraint("content_type IS NULL OR content_type IN ('image/png', 'image/jpeg', 'image/webp')",
                        name="type_known"),
        CheckConstraint("(file_name IS NULL) = (content_type IS NULL)", name="image_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(64))  # under <archive>/pending/
    content_type: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(255), default="")  # as the phone named it, for display
    image_problem: Mapped[str] = mapped_column(Text, default="")  # why a shared file was not kept
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    owner: Mapped[User | None] = relationship()
