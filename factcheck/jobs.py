"""Background jobs on huey: an SQLite queue under the instance folder, or Redis for many workers.

Features register their tasks on the app's :class:`JobQueue` by name. Operations ask for a job
with :meth:`JobQueue.enqueue_after_commit`, so the job is queued only once the rows it needs are
committed. Jobs receive ids, never ORM objects; each runs in its own app context with its own
session, and commits once at its end.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import PriorityRedisHuey, SqliteHuey
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from factcheck import db
from factcheck.config import Config

log = logging.getLogger(__name__)
EXTENSION_KEY = "factcheck.queue"


def make_huey(config: Config) -> Huey:
    """The huey instance ``config.queue_url`` names."""
    if config.queue_is_redis:
        # The priority variant (Redis 5+) keeps captures ahead of index updates, as SQLite does.
        return PriorityRedisHuey("factcheck", url=config.queue_url, results=False, utc=True)
    prefix = "sqlite:///"
    if not config.queue_url.startswith(prefix):
        raise ValueError(f"FACTCHECK_QUEUE_URL: use {prefix}/path/to/queue.db or redis://host:port/db")
    path = Path(config.queue_url[len(prefix):])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("factcheck", filename=str(path), results=False, utc=True, timeout=30)


class JobQueue:
    """The app's queue and the tasks registered on it."""

    def __init__(self, app: Flask, config: Config) -> None:
        self.app = app
        self.huey = make_huey(config)
        self.tasks: dict[str, TaskWrapper] = {}

    def task(self, name: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``fn`` as the job ``name``; it runs in an app context and commits at its end."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            app = self.app

            def run(*args: Any) -> Any:
                with app.app_context():
                    try:
                        result = fn(*args)
                        db.commit()
                    except BaseException:
                        db.rollback()
                        raise
                    return result

            run.__name__ = run.__qualname__ = name.replace(".", "_")
            self.tasks[name] = self.huey.task(name=name, **options)(run)
            return fn

        return decorate

    def periodic(self, name: str, validate_datetime: Callable[..., bool]) -> Callable[[Callable[[], Any]], Any]:
        """Register a periodic job (run by the consumer's scheduler)."""

        def decorate(fn: Callable[[], Any]) -> Callable[[], Any]:
            app = self.app

            def run() -> None:
                with app.app_context():
                    try:
                        fn()
                        db.commit()
                    except BaseException:
                        db.rollback()
                        raise

            run.__name__ = run.__qualname__ = name.replace(".", "_")
            self.tasks[name] = self.huey.periodic_task(validate_datetime, name=name)(run)
            return fn

        return decorate

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> None:
        """Queue job ``name`` now; prefer :meth:`enqueue_after_commit` inside a transaction."""
        task = self.tasks[name]
        if delay:
            task.schedule(args=args, delay=delay)
        else:
            task(*args)

    def enqueue_after_commit(self, name: str, *args: Any, delay: float | None = None) -> None:
        """Queue job ``name`` once the current transaction commits (never if it rolls back)."""
        if name not in self.tasks:
            raise KeyError(f"no job named {name!r}")
        db.after_commit(lambda: self.enqueue(name, *args, delay=delay))

    def consumer(self, workers: int = 2) -> Consumer:
        """A huey consumer of this queue, with ``workers`` threads."""
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.05, max_delay=1.0, check_worker_health=True)

    def run_pending(self, *, scheduled: bool = False, limit: int = 10_000) -> int:
        """Run queued jobs in this thread until none are left (tests and one-off commands).

        With ``scheduled``, jobs scheduled for later (retries) run too, without waiting.
        """
        later = self.huey._get_timestamp() + dt.timedelta(days=1) if scheduled else None
        due: list[Any] = []
        done = 0
        while done < limit:
            task = self.huey.dequeue()
            if task is None and later is not None:
                due = due or list(self.huey.read_schedule(later))
                task = due.pop(0) if due else None
            if task is None:
                break
            self.huey.execute(task, timestamp=later)
            done += 1
        return done

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def health(self) -> str:
        try:
            return f"ok ({self.huey.pending_count()} pending)"
        except Exception as exc:  # noqa: BLE001 - report any storage failure as the status
            return f"error: {type(exc).__name__}"


def get_queue() -> JobQueue:
    return current_app.extensions[EXTENSION_KEY]


class BackgroundWorker:
    """A consumer running in threads beside the web server (``factcheck serve``)."""

    def __init__(self, queue: JobQueue, workers: int = 2) -> None:
        self.consumer = queue.consumer(workers)
        self._lock = threading.Lock()
        self.running = False

    def start(self) -> None:
        with self._lock:
            if not self.running:
                # huey's consumer installs signal handlers meant for its own main loop; the web
                # server owns the process here, so keep the handlers it had.
                saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
                self.consumer.start()
                for sig, handler in saved.items():
                    signal.signal(sig, handler)
                self.running = True

    def stop(self) -> None:
        with self._lock:
            if self.running:
                self.consumer.stop(graceful=True)
                self.running = False
