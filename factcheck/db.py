"""SQLAlchemy plumbing: the declarative base, engines, and one session per app context.

Data flows one way: a view, API call, CLI command or job calls operations, which change rows and
``flush()``; the edge (the request dispatcher, the CLI command, the job runner) commits once.
Work queued with :func:`after_commit` runs only once that commit has succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from flask import current_app, g
from sqlalchemy import DateTime, MetaData, create_engine, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
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
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a write waits for SQLite's lock before the request answers 503
WRITE_LOCK_OPTION = "factcheck_write_lock"
_PENDING = "factcheck.after_commit"
_SESSION = "factcheck_db_session"  # the app context's session, kept on flask.g
_NO_WAIT = "factcheck.commit_without_waiting"
POOL_SIZE = 8  # PostgreSQL connections each process keeps open (and at most as many more at once)
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


def make_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """Create an engine. SQLite gets WAL, foreign keys, a busy timeout, and write transactions
    only where something is written (see :func:`_write_lock_on_first_write`)."""
    if not url.startswith("sqlite"):
        # As many kept connections as a web process has threads (the README's gunicorn
        # --threads 8): with SQLAlchemy's default of 5, the busy threads beyond five opened a
        # connection (a new PostgreSQL backend) and closed it again on every request under load.
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE, future=True)

    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout,
                                              "factory": _writer_turns(busy_timeout)})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: no transaction is open until a statement writes.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL",
                       f"busy_timeout={int(busy_timeout * 1000)}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    event.listen(engine, "before_cursor_execute", _write_lock_on_first_write)
    return engine


def _write_lock_on_first_write(connection: Any, _cursor: Any, statement: str, _parameters: Any,
                               context: Any, _executemany: bool) -> None:
    """Open SQLite's write transaction (``BEGIN IMMEDIATE``, in this process's turn:
    :class:`_TakesTurnsToWrite`) just before the first statement that writes, or that reads to
    write (:func:`for_update`).

    Reads run outside any transaction, each on the latest committed state (as PostgreSQL's READ
    COMMITTED does), so a slow page never holds the write lock. A write transaction takes the
    lock before its first read or write: a deferred one could not be upgraded once another writer
    had committed, and would fail at once with "database is locked" instead of waiting.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is None or dbapi_connection.in_transaction:
        return
    first_word = statement.lstrip()[:9].split(None, 1)[0].upper() if statement.strip() else ""
    wants_lock = first_word in _WRITING_STATEMENTS or (
        context is not None and context.execution_options.get(WRITE_LOCK_OPTION, False))
    if wants_lock:
        dbapi_connection.begin_write()


class _WriteTurns:
    """Whose turn it is to write, among the connections of one engine in this process: the
    waiters go in the order they came, each as soon as the one before is done. A connection
    dropped without ending its transaction (SQLite then releases its lock) passes the turn on."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.RLock())  # reentrant: see _dropped
        self._holder: weakref.ref[Any] | None = None

    def take(self, connection: Any, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the turn; whether ``connection`` got it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._holder is not None and self._holder() is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._changed.wait(remaining):
                    return False
            self._holder = weakref.ref(connection, self._dropped)
            return True

    def give_back(self, connection: Any) -> None:
        """End ``connection``'s turn, if it has it."""
        with self._changed:
            if self._holder is not None and self._holder() is connection:
                self._holder = None
                self._changed.notify()

    def _dropped(self, reference: weakref.ref[Any]) -> None:
        # Garbage collection may run this in a thread already inside ``take``: the lock is reentrant.
        with self._changed:
            if self._holder is reference:
                self._holder = None
                self._changed.notify()


class _TakesTurnsToWrite(sqlite3.Connection):
    """An SQLite connection whose write transactions take turns with the other connections of
    its engine in this process (:class:`_WriteTurns`) before asking SQLite for its lock.

    SQLite's busy handler polls for its lock with sleeps growing to 100 ms, so a writer that
    has waited long retries rarely while newcomers retry at once: under load a filing waited
    up to seconds behind the jobs' short writes (issue 14). Threads of one process (the web's
    and ``factcheck serve``'s jobs) now queue and go in as soon as the writer before them is
    done; other processes still meet SQLite's busy timeout. Waiting longer than that timeout
    fails as SQLite would ("database is locked": the request answers 503)."""

    turns: _WriteTurns
    timeout: float

    def begin_write(self) -> None:
        """Wait for this engine's turn to write, then ``BEGIN IMMEDIATE``."""
        if not self.turns.take(self, self.timeout):
            raise sqlite3.OperationalError("database is locked (another thread kept writing)")
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.turns.give_back(self)
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.turns.give_back(self)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.turns.give_back(self)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.turns.give_back(self)


def _writer_turns(timeout: float) -> type[_TakesTurnsToWrite]:
    """A connection class whose write transactions take turns (one :class:`_WriteTurns` per engine)."""
    return type("EngineConnection", (_TakesTurnsToWrite,), {"turns": _WriteTurns(), "timeout": timeout})


_WRITING_STATEMENTS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER"})


def for_update(statement: Any) -> Any:
    """``statement`` (a SELECT) locking what it reads until the transaction ends: ``FOR UPDATE``
    on PostgreSQL; on SQLite the write transaction begins before it runs."""
    return statement.with_for_update().execution_options(**{WRITE_LOCK_OPTION: True})


def lock(row: Any) -> None:
    """Re-read ``row`` under a write lock, so a check made on it holds until the commit (two
    requests moving one claim at once: the second sees the first's move)."""
    current = session()
    current.flush()  # changes made to it so far are kept, and written under the lock
    current.execute(for_update(select(type(row)).where(
        *(column == getattr(row, column.key) for column in inspect(type(row)).primary_key))))
    current.refresh(row)


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means "try again shortly" (a lock not granted in time, the
    server restarting) rather than a bug: the request edge answers 503 with Retry-After."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error, OperationalError):
        message = str(error.orig).lower()
        return any(text in message for text in _UNAVAILABLE_MESSAGES)
    return False


_UNAVAILABLE_MESSAGES = ("database is locked", "database table is locked", "server closed the connection",
                         "connection refused", "terminating connection", "could not connect",
                         "the database system is", "connection is closed", "connection failed",
                         "lock timeout", "statement timeout")


class Database:
    """The engine and session factory of one app."""

    def __init__(self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.engine = make_engine(url, busy_timeout=busy_timeout)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.session_factory, "after_commit", _run_after_commit)
        event.listen(self.session_factory, "after_soft_rollback", _forget_after_commit)
        event.listen(self.session_factory, "after_begin", _commit_mode)

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Any, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
    """Attach a :class:`Database` to ``app`` and close sessions at the end of each app context."""
    database = Database(url, busy_timeout=busy_timeout)
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    return database


def get_database() -> Database:
    return database_of(current_app)


def database_of(app: Any) -> Database:
    """The :class:`Database` of ``app``, where no app context is needed (while the app is built)."""
    database: Database = app.extensions[EXTENSION_KEY]
    return database


def open_connections(app: Any) -> int:
    """Open the connections a web process keeps (PostgreSQL) before its first request, each
    having read the tables every request reads, so the first requests after a start do not
    each wait for a new server process; return how many were opened."""
    engine = database_of(app).engine
    if engine.dialect.name == "sqlite":
        return 0  # a file: nothing to start
    connections = [engine.connect() for _ in range(POOL_SIZE)]
    try:
        for connection in connections:
            for table in ("users", "api_tokens", "claims", "sources", "snapshots", "events"):
                connection.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - fixed names
            connection.rollback()
    finally:
        for connection in connections:
            connection.close()
    return len(connections)


def session() -> Session:
    """The session of the current app context (one per request, CLI command or job)."""
    current: Session | None = g.get(_SESSION)
    if current is None:
        current = get_database().session_factory()
        setattr(g, _SESSION, current)
    return current


def has_session() -> bool:
    return g.get(_SESSION) is not None


def commit() -> None:
    """Commit the current app context's session: call this only at the edge."""
    if has_session():
        session().commit()


def rollback() -> None:
    if has_session():
        session().rollback()


def rollback_quietly() -> None:
    """Roll back after a database failure, whose connection may itself be gone."""
    try:
        rollback()
    except Exception:  # noqa: BLE001 - the original failure is what gets reported
        log.debug("rollback after a database failure failed too", exc_info=True)


def commit_without_waiting() -> None:
    """Let the current app context's commits on PostgreSQL return before the disk has them
    (``synchronous_commit`` off, transaction by transaction; SQLite's WAL never waits for it).

    For background work that a sweep redoes: captures, index updates, image prints. Under load
    every commit queues for the same write-ahead-log flush, and the web's requests, whose
    commits must wait for the disk (what a volunteer was told is filed stays filed), queued
    behind the jobs' (issue 14). A database crash can lose the last fraction of a second of
    these commits, never a request's, and the work they recorded is done again."""
    session().info[_NO_WAIT] = True


def _commit_mode(begun: Session, _transaction: Any, connection: Any) -> None:
    if begun.info.get(_NO_WAIT) and connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


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
    current = g.pop(_SESSION, None)
    if current is not None:
        current.close()  # rolls back what was not committed; objects keep their loaded state
