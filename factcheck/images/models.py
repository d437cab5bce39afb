"""Images the desk has seen (screenshots and archived pages' images), their text and prints.

An :class:`Image` is one distinct image (by the SHA-256 of its bytes, kept in the blob store);
:class:`ImageUse` says where it appears (a claim's screenshot, an archived page's Open Graph or
article image, the body of an archived image URL). Its OCR text and state live on the image;
its PDQ prints (several views each) in :class:`ImageHash`, with the window keys of the matchable
ones in :class:`ImageHashChunk`.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.archive.models import Snapshot
from factcheck.claims.models import Claim
from factcheck.db import Base, utcnow


class OcrState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    UNAVAILABLE = "unavailable"  # Tesseract (or one of its models) is not installed
    FAILED = "failed"


class Role(enum.StrEnum):
    SCREENSHOT = "screenshot"
    OG_IMAGE = "og_image"
    ARTICLE_IMAGE = "article_image"
    BODY = "body"  # the archived URL was an image itself


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        CheckConstraint("ocr_state IN ('pending', 'done', 'unavailable', 'failed')", name="ocr_state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    hashed_at: Mapped[dt.datetime | None]
    quality: Mapped[int | None]  # the PDQ quality of the whole image
    ocr_state: Mapped[str] = mapped_column(String(16), default=OcrState.PENDING.value)
    ocr_text: Mapped[str] = mapped_column(Text, default="")
    ocr_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    uses: Mapped[list[ImageUse]] = relationship(back_populates="image", cascade="all, delete-orphan")
    hashes: Mapped[list[ImageHash]] = relationship(back_populates="image", cascade="all, delete-orphan")


class ImageUse(Base):
    __tablename__ = "image_uses"
    __table_args__ = (
        CheckConstraint("(claim_id IS NULL) <> (snapshot_id IS NULL)", name="one_owner"),
        CheckConstraint("role IN ('screenshot', 'og_image', 'article_image', 'body')", name="role_known"),
        UniqueConstraint("image_id", "claim_id", "snapshot_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)  # where an archived page's image was fetched from
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    image: Mapped[Image] = relationship(back_populates="uses")
    claim: Mapped[Claim | None] = relationship()
    snapshot: Mapped[Snapshot | None] = relationship()


class ImageHash(Base):
    """One PDQ hash of one view of an image (see :mod:`factcheck.images.prints`)."""

    __tablename__ = "image_hashes"
    __table_args__ = (
        CheckConstraint("length(hash) = 64", name="hash_length"),
        UniqueConstraint("image_id", "view"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    view: Mapped[str] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int]

    image: Mapped[Image] = relationship(back_populates="hashes")
    chunks: Mapped[list[ImageHashChunk]] = relationship(cascade="all, delete-orphan")


class ImageHashChunk(Base):
    """A window key of a matchable hash (:func:`factcheck.images.prints.window_keys`)."""

    __tablename__ = "image_hash_chunks"
    __table_args__ = (Index("ix_image_hash_chunks_hash_id", "hash_id"),)

    key: Mapped[int] = mapped_column(primary_key=True,
                                     autoincrement=False)
    hash_id: Mapped[int] = mapped_column(ForeignKey("image_hashes.id"), primary_key=True, autoincrement=False)
