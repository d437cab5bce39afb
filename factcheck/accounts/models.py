"""Users, their API tokens and their password-reset links."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from factcheck.db import Base, utcnow
from factcheck.mail import OutgoingMail


class Role(enum.StrEnum):
    """A user's one role; each includes the rights of the ones before it (SPEC §1)."""

    VOLUNTEER = "volunteer"
    REVIEWER = "reviewer"
    STAFF = "staff"

    @property
    def rank(self) -> int:
        return list(Role).index(self) + 1


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r.value) for r in Role)})", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Raised to end every session of the user at once (logout, password change or reset,
    # deactivation): a session cookie names the version it was made under.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # An account the workbench itself files under (reader reports): never a person, never listed.
    is_system: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # The person's own settings. None: the language of the browser (or of the links at the
    # bottom of the pages); the desk's time zone (FACTCHECK_TIMEZONE).
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    notify_by_email: Mapped[bool] = mapped_column(default=False, server_default="0")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    # Flask-Login's user protocol.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session version it was made under."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: Role | str) -> bool:
        """True when this user's role includes ``role``'s rights."""
        return Role(self.role).rank >= Role(role).rank

    @property
    def display_name(self) -> str:
        """The name shown to others: the one the user set, never the e-mail address."""
        return self.name or f"#{self.id}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")




class PasswordReset(Base):
    """A request to reset a password by e-mail. Its link's token is made when the mail is
    written (by the job, so it is never stored or queued in clear); only its SHA-256 is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outgoing_mail.id"), unique=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")  # of the page it was asked from
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime | None]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    mail: Mapped[OutgoingMail] = relationship()
