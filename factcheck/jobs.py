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
from huey.exceptions import RetryTask
from huey.storage import SqliteStorage

from factcheck import db
from factcheck.background import job_turn, run_in_background
from factcheck.config import Config

log = logging.getLogger(__name__)
EXTENSION_KEY = "factcheck.queue"
UNAVAILABLE_RETRY_DELAY = 2.0  # seconds before a job the database turned away runs again
ALIVE_KEY = "factcheck:queue-alive"  # in Redis: gone when Redis restarted and lost the queue
WATCH_INTERVAL = 2.0  # seconds between two looks at that key


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
    return SqliteHuey("factcheck", filename=str(path), results=False, utc=True, timeout=30,
                      storage_class=QueueFileStorage)


class QueueFileStorage(SqliteStorage):
    """huey's SQLite queue, written as the database is (WAL, ``synchronous=NORMAL``).

    huey leaves SQLite's default, which in WAL mode syncs the disk at every commit: two syncs
    per filing (its capture and its index update), more time than the rest of the filing took.
    With NORMAL a crash of the process loses nothing; a power cut may lose the last jobs queued,
    and the sweeps queue their work again from the database, which is the source of truth."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


class JobQueue:
    """The app's queue and the tasks registered on it."""

    def __init__(self, app: Flask, config: Config) -> None:
        self.app = app
        self.huey = make_huey(config)
        self.tasks: dict[str, TaskWrapper] = {}
        self._recoveries: list[Callable[[JobQueue], int]] = []

    def task(self, name: str, *, redone_if_lost: bool = False,
             **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register ``fn`` as the job ``name``; it runs in an app context and commits at its end.
        ``redone_if_lost``: a sweep finds and redoes this job's work if its last commits are lost
        in a database crash, so they need not wait for the disk (:func:`db.commit_without_waiting`)."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            app = self.app

            def run(*args: Any) -> Any:
                _background_priority()
                with job_turn(), app.app_context():
                    if redone_if_lost:
                        db.commit_without_waiting()
                    try:
                        result = fn(*args)
                        db.commit()
                    except Exception as error:
                        db.rollback_quietly()
                        if db.is_unavailable(error):
                            # The database is restarting or locked: the work is still to do.
                            log.warning("job %s: database unavailable (%s); again in %.0f s", name,
                                        type(error).__name__, UNAVAILABLE_RETRY_DELAY)
                            raise RetryTask(delay=UNAVAILABLE_RETRY_DELAY) from error
                        raise
                    except BaseException:
                        db.rollback_quietly()
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

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> bool:
        """Queue job ``name`` now; prefer :meth:`enqueue_after_commit` inside a transaction.

        When the queue cannot be reached (Redis restarting), the job is not queued and False is
        returned: the work it stood for is kept in the database, and each feature's sweep (and
        :meth:`recover`, when a worker starts or finds the queue emptied) queues it again."""
        task = self.tasks[name]
        try:
            if delay:
                task.schedule(args=args, delay=delay)
            else:
                task(*args)
        except Exception as error:  # noqa: BLE001 - any storage failure: the sweeps make it good
            log.warning("job %s not queued, the queue is unreachable (%s: %s); the sweep will queue it",
                        name, type(error).__name__, error)
            return False
        return True

    def enqueue_after_commit(self, name: str, *args: Any, delay: float | None = None) -> None:
        """Queue job ``name`` once the current transaction commits (never if it rolls back)."""
        if name not in self.tasks:
            raise KeyError(f"no job named {name!r}")

        def queue_it() -> None:
            self.enqueue(name, *args, delay=delay)

        db.after_commit(queue_it)

    def consumer(self, workers: int = 2) -> Consumer:
        """A huey consumer of this queue, with ``workers`` threads."""
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.05, max_delay=1.0, check_worker_health=True)

    def run_pending(self, *, scheduled: bool = False, limit: int = 10_000) -> int:
        """Run queued jobs in this thread until none are left (tests and one-off commands).

        With ``scheduled``, jobs scheduled for later (retries) run too, without waiting.
        """
        # huey's own clock (UTC here): its schedule is compared with it. No public accessor exists.
        later = self.huey._get_timestamp() + dt.timedelta(days=1) if scheduled else None  # noqa: SLF001
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

    def add_recovery(self, recover: Callable[[JobQueue], int]) -> None:
        """Register how a feature queues again the work a dead worker left half-done (it returns
        how many jobs it queued); run by :meth:`recover` when a worker starts."""
        self._recoveries.append(recover)

    def recover(self) -> int:
        """Queue again every feature's unfinished work; return how many jobs were queued."""
        return sum(recover(self) for recover in self._recoveries)

    def mark_alive(self, *, only_if_missing: bool = False) -> bool:
        """Leave a key in a Redis queue that a Redis restart without persistence loses with the
        queued jobs; return whether it was written (with ``only_if_missing``: whether it was gone).
        Always False on the SQLite queue, whose file outlives any process."""
        if not hasattr(self.huey.storage, "conn"):
            return False
        return bool(self.huey.storage.conn.set(ALIVE_KEY, "1", nx=only_if_missing))

    def recover_if_emptied(self) -> int:
        """Queue again every feature's unfinished work if the queue lost its jobs since the last
        look (Redis restarted); only one worker of many does it. Return how many were queued."""
        try:
            emptied = self.mark_alive(only_if_missing=True)
        except Exception:  # noqa: BLE001 - unreachable now: look again later
            return 0
        if not emptied:
            return 0
        with self.app.app_context():
            try:
                count = self.recover()
                db.commit()
            except Exception:  # noqa: BLE001 - the database may be down too: try at the next look
                db.rollback_quietly()
                self.huey.storage.conn.delete(ALIVE_KEY)
                log.warning("the queue was emptied, and its work could not be queued again yet", exc_info=True)
                return 0
        log.warning("the queue had lost its jobs (Redis restarted?): queued %d again", count)
        return count

    def pending_count(self) -> int:
        return self.huey.pending_count()

    def waiting(self) -> int | None:
        """How many jobs wait in the queue (None when the queue cannot be reached)."""
        try:
            return int(self.huey.pending_count())
        except Exception:  # noqa: BLE001 - any storage failure means "cannot tell"
            return None

    def health(self) -> str:
        try:
            return f"ok ({self.huey.pending_count()} pending)"
        except Exception as exc:  # noqa: BLE001 - report any storage failure as the status
            return f"error: {type(exc).__name__}"


_niced = threading.local()


def _background_priority() -> None:
    """Run the thread running jobs behind the web's requests, once (:mod:`factcheck.background`):
    beside a web server (``factcheck serve``) the people waiting on a page get the CPU before a
    capture or an index update."""
    if getattr(_niced, "done", False):
        return
    _niced.done = True
    if threading.current_thread() is threading.main_thread():
        return  # jobs run in the caller's thread (tests, one-off commands): leave it be
    run_in_background()


def get_queue() -> JobQueue:
    return queue_of(current_app)


def queue_of(app: Any) -> JobQueue:
    """The :class:`JobQueue` of ``app``, where no app context is needed (while the app is built)."""
    queue: JobQueue = app.extensions[EXTENSION_KEY]
    return queue


class QueueWatch:
    """A thread beside a worker that notices when Redis lost the queued jobs (a restart without
    persistence) and queues their work again from the database (:meth:`JobQueue.recover_if_emptied`)."""

    def __init__(self, queue: JobQueue, interval: float = WATCH_INTERVAL) -> None:
        self.queue = queue
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="factcheck-queue-watch", daemon=True)

    def start(self) -> None:
        """Start watching (a Redis queue only; the SQLite queue cannot lose its jobs this way)."""
        try:
            watching = self.queue.mark_alive()
        except Exception:  # noqa: BLE001 - Redis is down at start: the first look will find the key gone
            watching = hasattr(self.queue.huey.storage, "conn")
        if watching:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.queue.recover_if_emptied()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class BackgroundWorker:
    """A consumer running in threads beside the web server (``factcheck serve``)."""

    def __init__(self, queue: JobQueue, workers: int = 2) -> None:
        self.consumer = queue.consumer(workers)
        self.watch = QueueWatch(queue)
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
                self.watch.start()
                self.running = True

    def stop(self) -> None:
        with self._lock:
            if self.running:
                self.watch.stop()
                self.consumer.stop(graceful=True)
                self.running = False
