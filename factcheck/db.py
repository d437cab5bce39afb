"""SQLAlchemy plumbing: the declarative base, engines, and one session per app context.

Data flows one way: a view, API call, CLI command or job calls operations, which change rows and
``flush()``; the edge (the request dispatcher, the CLI command, the job runner) commits once.
Work queued with :func:`after_commit` runs only once that commit has succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EXTENSION_KEY = "factcheck.db"
MAX_ID = 2**31 - 1  # ids are INTEGER columns on every backend
_PENDING = "factcheck.after_commit"
log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use factcheck.db.utcnow()")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Base class of every model; constraints get predictable names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and IMMEDIATE transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, future=True)

    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # "database is locked" without waiting, when the web and the worker write at once.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.session_factory, "after_commit", _run_after_commit)
        event.listen(self.session_factory, "after_soft_rollback", _forget_after_commit)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Any, url: str) -> Database:
    """Attach a :class:`Database` to ``app`` and close sessions at the end of each app context."""
    database = Database(url)
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    return database


def get_database() -> Database:
    return current_app.extensions[EXTENSION_KEY]


def session() -> Session:
    """The session of the current app context (one per request, CLI command or job)."""
    current = g.get("_db_session")
    if current is None:
        current = g._db_session = get_database().session_factory()
    return current


def has_session() -> bool:
    return g.get("_db_session") is not None


def commit() -> None:
    """Commit the current app context's session: call this only at the edge."""
    if has_session():
        session().commit()


def rollback() -> None:
    if has_session():
        session().rollback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction commits; drop it if it rolls back."""
    session().info.setdefault(_PENDING, []).append(callback)


def _run_after_commit(committed: Session) -> None:
    for callback in committed.info.pop(_PENDING, []):
        try:
            callback()
        except Exception:  # the commit stands; the sweepers and `reindex` recover the work
            log.exception("after-commit work failed: %r", callback)


def _forget_after_commit(rolled_back: Session, _previous_transaction: Any) -> None:
    if not rolled_back.in_transaction():
        rolled_back.info.pop(_PENDING, None)


def _close_session(_exc: BaseException | None) -> None:
    current = g.pop("_db_session", None)
    if current is not None:
        current.close()  # rolls back what was not committed; objects keep their loaded state
