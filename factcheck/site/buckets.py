"""Calendar buckets for the dashboard: the day or ISO week a timestamp falls in, in one time zone.

Timestamps are stored in UTC. A chart counts them per local day (or per week starting on Monday),
so the day boundary is midnight where the desk is, not in Greenwich. The bucketing happens in SQL
(a GROUP BY, whatever the number of rows) the same way on SQLite and PostgreSQL: the zone's UTC
offsets over the chart's window, daylight-saving changes included, are computed here and written
into the statement as a CASE over the instants where the offset changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Date
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

Period = Literal["day", "week"]
_PERIOD_DAYS = {"day": 1, "week": 7}


@dataclass(frozen=True)
class Window:
    """The last few days or weeks up to now, in a time zone: what a time chart shows."""

    period: Period
    zone: dt.tzinfo
    starts: tuple[dt.date, ...]  # the first (local) day of each period, oldest first
    since: dt.datetime  # UTC: the first period's local midnight (inclusive)
    until: dt.datetime  # UTC: the local midnight after the last period (exclusive)


def last_periods(now: dt.datetime, period: Period, count: int, zone: dt.tzinfo = dt.UTC) -> Window:
    """The ``count`` days (or Monday-to-Sunday weeks) up to and including the one ``now`` is in,
    as the calendar reads in ``zone``."""
    today = now.astimezone(zone).date()
    step = _PERIOD_DAYS[period]
    current = today - dt.timedelta(days=today.weekday()) if period == "week" else today
    starts = tuple(current - dt.timedelta(days=step * back) for back in range(count - 1, -1, -1))
    return Window(period=period, zone=zone, starts=starts, since=_midnight(starts[0], zone),
                  until=_midnight(current + dt.timedelta(days=step), zone))


def bucket(column: Any, window: Window) -> ColumnElement[dt.date]:
    """SQL for the first local day of the period (of ``window``) that each timestamp of
    ``column`` falls in; exact for the timestamps inside the window."""
    day = _LocalDay(column, offset_changes(window.zone, window.since, window.until))
    return _WeekStart(day) if window.period == "week" else day


Offsets = tuple[tuple[dt.datetime | None, int], ...]


def offset_changes(zone: dt.tzinfo, since: dt.datetime, until: dt.datetime) -> Offsets:
    """The UTC offsets (in seconds) of ``zone`` between two instants, as ``(before, offset)``
    pairs: ``offset`` holds for instants before ``before`` (and after the previous pair's);
    the last pair's ``before`` is None."""
    changes: list[tuple[dt.datetime | None, int]] = []
    previous, offset = since, _offset(zone, since)
    probe = since
    while probe < until:  # a day at a time: no zone changes its offset twice in one day
        probe = min(probe + dt.timedelta(days=1), until)
        if _offset(zone, probe) != offset:
            # The change lies in (previous, probe]: find its first second.
            low, high = 0, int((probe - previous).total_seconds())
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (low, middle) if _offset(zone, previous + dt.timedelta(seconds=middle)) != offset \
                    else (middle, high)
            changes.append((previous + dt.timedelta(seconds=high), offset))
            offset = _offset(zone, probe)
        previous = probe
    changes.append((None, offset))
    return tuple(changes)


def _offset(zone: dt.tzinfo, at: dt.datetime) -> int:
    shift = at.astimezone(zone).utcoffset()
    return int(shift.total_seconds()) if shift is not None else 0


def _midnight(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


# -- the SQL ---------------------------------------------------------------------------------------
# Offsets and instants are written into the statement as literals (they come from the zone, never
# from a request), so that PostgreSQL sees the GROUP BY expression as the very one selected.


class _LocalDay(FunctionElement[dt.date]):
    """The local calendar day of a UTC timestamp, given the zone's offsets (see offset_changes)."""

    type = Date()
    name = "local_day"
    inherit_cache = False  # the offsets are not part of a cache key

    def __init__(self, column: Any, offsets: Offsets) -> None:
        super().__init__(column)
        self.offsets = offsets


class _WeekStart(FunctionElement[dt.date]):
    """The Monday of the ISO week a date (a _LocalDay) falls in."""

    type = Date()
    name = "week_start"
    inherit_cache = False


def _column(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
    (column,) = element.clauses
    return str(compiler.process(column, **kw))


def _by_offset(element: _LocalDay, compiler: Any, day: Any, instant: Any, **kw: Any) -> str:
    column = _column(element, compiler, **kw)
    *changes, (_, last) = element.offsets
    if not changes:
        return str(day(column, last))
    whens = " ".join(f"WHEN {column} < {instant(before)} THEN {day(column, offset)}" for before, offset in changes)
    return f"CASE {whens} ELSE {day(column, last)} END"


@compiles(_LocalDay, "sqlite")
def _local_day_sqlite(element: _LocalDay, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' text in UTC (factcheck.db.UTCDateTime).
    return _by_offset(
        element, compiler,
        day=lambda column, offset: f"date({column}, '{offset:+d} seconds')" if offset else f"date({column})",
        instant=lambda at: f"'{at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S.%f}'", **kw)


@compiles(_LocalDay, "postgresql")
def _local_day_postgresql(element: _LocalDay, compiler: Any, **kw: Any) -> str:
    return _by_offset(
        element, compiler,
        day=lambda column, offset: f"CAST(({column} AT TIME ZONE 'UTC') + INTERVAL '{offset:d} seconds' AS DATE)",
        instant=lambda at: f"TIMESTAMP WITH TIME ZONE '{at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S.%f}+00:00'", **kw)


@compiles(_WeekStart, "sqlite")
def _week_start_sqlite(element: _WeekStart, compiler: Any, **kw: Any) -> str:
    # 'weekday 0' moves to the next Sunday (or stays on one); six days before it is the Monday.
    return f"date({_column(element, compiler, **kw)}, 'weekday 0', '-6 days')"


@compiles(_WeekStart, "postgresql")
def _week_start_postgresql(element: _WeekStart, compiler: Any, **kw: Any) -> str:
    day = _column(element, compiler, **kw)
    return f"({day} - (CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) - 1))"


@compiles(_LocalDay)
@compiles(_WeekStart)
def _unsupported(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
    raise CompileError(f"{element.name} is written for SQLite and PostgreSQL only")
