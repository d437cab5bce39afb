"""SearchIndex: open or recover, update, rebuild aside and swap, search (SPEC §4).

The folder's layout is in :mod:`factcheck.search.generations`. Writers take ``write.lock``
(threads queue on a mutex first, processes on the file lock, both with a timeout) and open a
Whoosh writer only under it, so every writer sees the last commit and nothing is lost; the
caller sends whole documents, so the last write of a key wins.

A rebuild writes a new generation while searches and updates go on against the live one;
updates made during the rebuild are also journaled and replayed into the new generation under
``write.lock``, then ``CURRENT`` is switched. Readers check ``CURRENT`` on every search and reopen
when it changes. A missing or unreadable index is rebuilt from ``rebuild_source`` (or created
empty): opening and searching never raise.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh import query
from whoosh.index import LockError
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock

from factcheck.search import build, results
from factcheck.search import generations as gens
from factcheck.search.generations import (
    CURRENT,
    JOURNAL,
    REBUILD_LOCK,
    WRITE_LOCK,
    IndexUnavailable,
)
from factcheck.search.query import Filters, Parser, bounded, restriction
from factcheck.search.results import Hit, SearchPage, Sort
from factcheck.search.schema import Viewer, build_schema, document_fields
from factcheck.search.similar import Match, find_similar

__all__ = ["Health", "Hit", "IndexBusy", "Match", "SearchIndex", "SearchPage", "Viewer"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
# How long the merge job waits for the write lock before leaving the merge to its next run.
MERGE_WAIT = 1.0
DocumentSource = Callable[[], Iterable[Mapping[str, object]]]



class IndexBusy(TimeoutError):
    """Another writer held the index for longer than the timeout."""


@dataclass(frozen=True)
class Health:
    """What :meth:`SearchIndex.health` found: ``ok`` when the index opened and answered."""

    ok: bool
    documents: int | None
    segments: int | None
    seconds: float
    error: str | None
    rebuilding: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "documents": self.documents, "segments": self.segments,
                "seconds": round(self.seconds, 4), "error": self.error, "rebuilding": self.rebuilding}


class SearchIndex:
    """A Whoosh index of claims, snapshots and fact-checks under ``path``.

    Safe to share between threads; several processes may open the same folder.
    """

    def __init__(
        self,
        path: Path,
        rebuild_source: DocumentSource | None = None,
        *,
        lock_timeout: float = 60.0,
        rebuild_limitmb: int = 256,
        recover_on_open: bool = True,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        # Whoosh sorts a rebuild's postings in memory up to this estimate of their size, then
        # spills sorted runs to disk and merges them at the end; the real size is about 1.5 times
        # the estimate (bench/search.py measures the peak).
        self.rebuild_limitmb = rebuild_limitmb
        self._source = rebuild_source
        self._write_mutex = threading.Lock()
        self._rebuild_mutex = threading.Lock()
        self._indexes: dict[str, whoosh_index.Index] = {}
        self._indexes_mutex = threading.Lock()
        self._local = threading.local()
        self._searchers: list[Searcher] = []
        self._segment_cache = results.SegmentCache()
        self._weighting = results.weighting(self._segment_cache)
        self._parser = Parser(build_schema())
        self._recovery: threading.Thread | None = None
        self._recovery_mutex = threading.Lock()
        # False (``factcheck reindex``, which is about to rebuild anyway): a missing index is
        # created empty on open instead of rebuilt from the source.
        self._open_or_recover(from_source=recover_on_open)

    # -- reading -------------------------------------------------------------------------------

    def search(
        self,
        q: str,
        *,
        viewer: Viewer,
        kind: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        verdict: str | Sequence[str] | None = None,
        language: str | Sequence[str] | None = None,
        platform: str | Sequence[str] | None = None,
        domain: str | Sequence[str] | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchPage:
        """Search what ``viewer`` may see (SPEC §4); an empty ``q`` lists by date. Never raises."""
        filters = Filters(kind, status, verdict, language, platform, domain, date_from, date_to)
        allowed = restriction(viewer, filters)
        parsed = self._parser.parse(q)

        def run(searcher: Searcher) -> SearchPage:
            user_query = bounded(parsed, q, searcher.reader())
            return results.run(
                searcher, user_query, allowed,
                sort="date" if sort == "date" else "relevance", page=page, per_page=per_page,
                cache=self._segment_cache,
            )

        found = self._with_searcher(run)
        if found is not None:
            return found
        return SearchPage.empty(page, per_page, notice=getattr(self._local, "notice", None) or "unavailable")

    def similar(
        self, text: str, urls: Sequence[str] = (), *, limit: int = 5, exclude: Iterable[str] = (),
        threshold: float | None = None,
    ) -> list[Match]:
        """Existing claims and fact-checks most like a new claim (no visibility applied);
        ``threshold`` replaces similar.THRESHOLD (to calibrate it)."""
        excluded = frozenset(exclude)
        options = {} if threshold is None else {"threshold": threshold}
        def run(searcher: Searcher) -> list[Match]:
            def best(q: query.Query, count: int) -> list[tuple[int, float]]:
                return results.best_documents(searcher, q, count, self._segment_cache)

            return find_similar(searcher, text, urls, limit=limit, exclude=excluded, best=best, **options)

        found = self._with_searcher(run)
        return found or []

    def _with_searcher(self, action: Callable[[Searcher], T]) -> T | None:
        """Run ``action`` on a current searcher, reopening the index if it fails; None when it
        is missing or broken (a rebuild from the source then runs in the background)."""
        self._local.notice = None
        for attempt in range(3):
            if self.rebuilding:
                self._local.notice = "rebuilding"
                return None
            try:
                return action(self._searcher())
            except IndexUnavailable as exc:
                logger.warning("search index at %s unavailable (%s): rebuilding", self.path, exc)
                self._forget_searcher()
                if self._recover_in_background():
                    self._local.notice = "rebuilding"
                    return None
                self._recover()
            except Exception:  # noqa: BLE001 - a broken index must not break the page
                self._forget_searcher()
                if attempt == 0:
                    # Most likely a generation was swapped and removed under this reader.
                    logger.info("search failed; reopening the index", exc_info=True)
                    continue
                logger.exception("search failed again")
                try:
                    self._live_index()
                except IndexUnavailable:
                    if self._recover_in_background():
                        self._local.notice = "rebuilding"
                        return None
                    self._recover()
                else:
                    break  # the index is sound: the failure is not the index's
        return None

    @property
    def rebuilding(self) -> bool:
        """Whether a rebuild of a missing or broken index is running in the background."""
        recovery = self._recovery
        return recovery is not None and recovery.is_alive()

    def wait_for_rebuild(self, timeout: float | None = None) -> bool:
        """Wait for a background rebuild (if any) to end; return whether none is running."""
        recovery = self._recovery
        if recovery is not None:
            recovery.join(timeout)
        return not self.rebuilding

    def _recover_in_background(self) -> bool:
        """Start rebuilding a missing or broken index from its source in a thread (searches
        meanwhile answer empty, with a notice); False when there is no source to rebuild from,
        and the caller then recovers at once (an empty index: nothing to wait for)."""
        if self._source is None:
            return False
        with self._recovery_mutex:
            if not self.rebuilding:
                self._recovery = threading.Thread(target=self._recover, name="search-index-rebuild", daemon=True)
                self._recovery.start()
        return True

    def doc_count(self) -> int:
        """How many documents the live generation holds."""
        return self._searcher().doc_count()

    def health(self) -> Health:
        """Whether the live generation opens from disk (afresh, not through an open reader) and
        answers a query, with its document and segment counts; never raises or rebuilds."""
        started = time.perf_counter()
        try:
            ix = gens.open_generation(self.path / gens.live_generation(self.path))
            with ix.searcher(weighting=self._weighting) as searcher:
                results.run(searcher, None, None, sort="date", page=1, per_page=1, cache=self._segment_cache)
                results.run(searcher, query.Term("body", "health"), None, sort="relevance", page=1, per_page=1,
                            cache=self._segment_cache)
                segments = len(searcher.reader().leaf_readers()) if searcher.doc_count_all() else 0
                return Health(True, searcher.doc_count(), segments, time.perf_counter() - started, None,
                              self.rebuilding)
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            return Health(False, None, None, time.perf_counter() - started, f"{type(exc).__name__}: {exc}"[:200],
                          self.rebuilding)

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Try to hold the lock ``name`` (in the index folder: threads and processes) without
        waiting; yields whether it is held."""
        return exclusive(self.path, name)

    def close(self) -> None:
        """Close every searcher this object opened (in any thread)."""
        with self._indexes_mutex:
            searchers, self._searchers = self._searchers, []
        for searcher in searchers:
            with suppress(Exception):
                searcher.close()
        self._local = threading.local()

    def _searcher(self) -> Searcher:
        pointer = self._pointer_state()
        state = getattr(self._local, "state", None)
        if state is not None and state[0] == pointer and state[1].up_to_date():
            return state[1]
        # Not Searcher.refresh(): the segment readers it reuses keep their old deletions (an
        # updated document would show twice) and closing the old searcher closes them.
        _name, ix = self._live_index()
        searcher = ix.searcher(weighting=self._weighting)
        with self._indexes_mutex:
            self._searchers.append(searcher)
        if state is not None:
            self._close_searcher(state[1])
        # The pointer as seen before opening: if it moved meanwhile, the next search reopens.
        self._local.state = (pointer, searcher)
        return searcher

    def _close_searcher(self, old: Searcher) -> None:
        with self._indexes_mutex:
            if old in self._searchers:
                self._searchers.remove(old)
        with suppress(Exception):
            old.close()

    def _forget_searcher(self) -> None:
        state = getattr(self._local, "state", None)
        self._local.state = None
        if state is not None:
            self._close_searcher(state[1])
        with self._indexes_mutex:
            self._indexes.clear()

    def _pointer_state(self) -> tuple[int, int, int]:
        try:
            st = (self.path / CURRENT).stat()
        except FileNotFoundError:
            raise IndexUnavailable(f"{self.path / CURRENT} is missing") from None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _live_index(self) -> tuple[str, whoosh_index.Index]:
        """The live generation's name and Whoosh index, opened and checked once."""
        name = gens.live_generation(self.path)
        with self._indexes_mutex:
            ix = self._indexes.get(name)
        if ix is None:
            ix = gens.open_generation(self.path / name)
            with self._indexes_mutex:
                self._indexes = {name: ix}
        return name, ix

    # -- opening and recovery --------------------------------------------------------------------

    def _open_or_recover(self, *, from_source: bool) -> None:
        try:
            self._live_index()
        except IndexUnavailable as exc:
            if self.path.exists() and any(self.path.iterdir()):
                logger.warning("search index at %s unavailable (%s): rebuilding", self.path, exc)
            else:
                logger.info("creating the search index at %s", self.path)
            self._recover(from_source=from_source)

    def _recover(self, *, from_source: bool = True) -> None:
        """Rebuild a missing or broken index, unless another thread or process just did."""
        self._forget_searcher()
        with suppress(IndexUnavailable):
            self._live_index()
            return  # a swap had just removed the generation this reader was opening
        try:
            with self._locked(REBUILD_LOCK, self._rebuild_mutex, timeout=None):
                with suppress(IndexUnavailable):
                    self._live_index()
                    return  # another thread or process rebuilt it while this one waited
                try:
                    docs = _read_later(self._source) if self._source is not None and from_source else ()
                    self._rebuild_locked(docs, None, procs=1)
                except Exception:  # noqa: BLE001 - a failing source still leaves a working index
                    logger.exception("rebuilding the search index from its source failed")
                    self._rebuild_locked((), None, procs=1)
        except Exception:  # noqa: BLE001 - recovery never raises: searching then returns nothing
            logger.exception("could not recover the search index at %s", self.path)

    # -- writing ---------------------------------------------------------------------------------

    def update(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Add or replace documents by key (the last of several with one key wins); return count."""
        ops: dict[str, dict[str, object] | None] = {}
        for doc in docs:
            fields = document_fields(doc)
            ops.pop(str(fields["key"]), None)
            ops[str(fields["key"])] = fields
        return self._write(ops)

    def delete(self, keys: Iterable[str]) -> int:
        """Remove documents by key (unknown keys are ignored); return how many keys were given."""
        return self._write(dict.fromkeys(map(str, keys)))

    def _write(self, ops: dict[str, dict[str, object] | None]) -> int:
        if not ops:
            return 0
        for attempt in (1, 2):
            try:
                self._live_index()
            except IndexUnavailable:
                self._recover()
            with self._locked(WRITE_LOCK, self._write_mutex, timeout=self.lock_timeout):
                try:
                    _name, ix = self._live_index()
                except IndexUnavailable:
                    if attempt == 2:
                        raise
                    continue  # removed between the check and the lock: recover and retry
                self._apply(ix, ops)
                journal = self.path / JOURNAL
                if journal.exists():
                    if self._rebuild_running():
                        gens.append_journal(journal, ops)
                    else:
                        journal.unlink(missing_ok=True)  # left by a rebuild that died
                break
        return len(ops)

    def _apply(self, ix: whoosh_index.Index, ops: Mapping[str, dict[str, object] | None]) -> None:
        try:
            writer = build.writer(ix, timeout=self.lock_timeout, delay=0.05)
        except LockError:
            raise IndexBusy("another program holds the Whoosh write lock") from None
        try:
            for key, fields in ops.items():
                if fields is None:
                    writer.delete_by_term("key", key)
                else:
                    writer.update_document(**fields)
            writer.commit(mergetype=build.commit_merge_policy)
        except BaseException:
            writer.cancel()
            raise

    def merge(self) -> int:
        """Merge the small segments (see build.merge_small_segments; a periodic job calls this);
        return how many were merged. Busy writers win: if the index is being written, nothing."""
        try:
            self._live_index()
            with self._locked(WRITE_LOCK, self._write_mutex, timeout=MERGE_WAIT):
                _name, ix = self._live_index()
                writer = build.writer(ix, timeout=MERGE_WAIT, delay=0.05)
                merged = len(build.segments_to_merge(writer.segments))
                if not merged:
                    writer.cancel()
                    return 0
                try:
                    writer.commit(mergetype=build.merge_small_segments)
                except BaseException:
                    writer.cancel()
                    raise
                return merged
        except (IndexUnavailable, IndexBusy, LockError):
            return 0  # the next run merges

    def _rebuild_running(self) -> bool:
        probe = FileLock(str(self.path / REBUILD_LOCK))
        if probe.acquire(blocking=False):
            probe.release()
            return False
        return True

    # -- rebuilding ------------------------------------------------------------------------------

    def rebuild(
        self,
        docs: Iterable[Mapping[str, object]],
        progress: Callable[[int], None] | None = None,
        *,
        procs: int = 1,
    ) -> int:
        """Build a new generation from ``docs`` aside and swap it in; return its document count.

        Searching goes on against the old generation meanwhile; updates made during the
        rebuild are replayed into the new one, so ``docs`` should be read lazily (a generator
        over the database): what changed before the call and after ``docs`` was read is lost.
        ``progress`` gets the running count. ``procs`` > 1 indexes in that many processes
        (forked: for the command line, not for a threaded server).
        """
        with self._locked(REBUILD_LOCK, self._rebuild_mutex, timeout=None):
            return self._rebuild_locked(docs, progress, procs=procs)

    def _rebuild_locked(
        self, docs: Iterable[Mapping[str, object]], progress: Callable[[int], None] | None, *, procs: int
    ) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        journal = self.path / JOURNAL
        with self._locked(WRITE_LOCK, self._write_mutex, timeout=self.lock_timeout):
            journal.write_bytes(b"")
        name = gens.new_generation_name()
        folder = self.path / name
        try:
            folder.mkdir()
            ix = whoosh_index.create_in(str(folder), build_schema())
            count = build.fill(ix, docs, progress, procs=procs, limitmb=self.rebuild_limitmb)
            with self._locked(WRITE_LOCK, self._write_mutex, timeout=self.lock_timeout):
                replay = gens.read_journal(journal)
                if replay:
                    self._apply(ix, replay)
                gens.seal_generation(folder)
                gens.point_to(self.path, name)
                journal.unlink(missing_ok=True)
        except BaseException:
            with self._locked(WRITE_LOCK, self._write_mutex, timeout=self.lock_timeout):
                journal.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        gens.remove_generations(self.path, keep=name)
        return count

    # -- locking ---------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, name: str, mutex: threading.Lock, timeout: float | None) -> Iterator[None]:
        """Hold ``mutex`` (threads) and the file lock ``name`` (processes), waiting up to ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not mutex.acquire(timeout=-1 if timeout is None else timeout):
            raise IndexBusy(f"{name}: another thread held it for over {timeout} s")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.path / name))
            delay = 0.002
            while not lock.acquire(blocking=False):
                if deadline is not None and time.monotonic() >= deadline:
                    raise IndexBusy(f"{name}: another process held it for over {timeout} s")
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                lock.release()
        finally:
            mutex.release()


_EXCLUSIVE_MUTEXES: dict[tuple[Path, str], threading.Lock] = {}
_EXCLUSIVE_GUARD = threading.Lock()


@contextmanager
def exclusive(path: Path, name: str) -> Iterator[bool]:
    """Try to hold the lock ``name`` of the index folder ``path`` (threads and processes) without
    waiting; yields whether it is held."""
    with _EXCLUSIVE_GUARD:
        mutex = _EXCLUSIVE_MUTEXES.setdefault((Path(path).resolve(), name), threading.Lock())
    if not mutex.acquire(blocking=False):
        yield False
        return
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(Path(path) / f"{name}.lock"))
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()
    finally:
        mutex.release()


def _read_later(source: DocumentSource) -> Iterator[Mapping[str, object]]:
    # Called once the rebuild's journal exists, so changes made while the source is read are kept.
    yield from source()
