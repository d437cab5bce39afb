"""Desk-wide settings that staff change in the app (not the instance's environment), such as the
byline that public pages credit instead of people's names."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from factcheck import db
from factcheck.db import Base, utcnow

BYLINE = "byline"


class DeskSetting(Base):
    __tablename__ = "desk_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def get_setting(key: str) -> str:
    """The setting's value, or "" when it was never set."""
    row = db.session().get(DeskSetting, key)
    return row.value if row is not None else ""


def put_setting(key: str, value: str) -> None:
    """Set a setting (flushes; the caller commits)."""
    session = db.session()
    row = session.get(DeskSetting, key)
    if row is None:
        session.add(DeskSetting(key=key, value=value))
    else:
        row.value = value
    session.flush()
