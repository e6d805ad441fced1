"""The preview's search index (Pagefind), rebuilt in a background thread once saves have
settled, off the path from a save to the rebuilt page; until then the previous index is
served. A slightly stale index is fine for a preview."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from ..builder.searchindex import LastFiles, TextCache, index_files

SEARCH_DELAY_SECONDS = 1.0  # quiet time after a build before the search index is rebuilt


class SearchIndexer:
    """Indexes the latest build it is given (:meth:`want`), ``delay`` seconds after it
    if no newer build comes, so a burst of saves indexes once. ``current`` returns the
    build being served: a build that is no longer served is not indexed."""

    def __init__(
        self, current: Callable[[], Any], *, delay: float = SEARCH_DELAY_SECONDS, report: Callable[[str], None] = print
    ):
        self.current, self.delay, self.report = current, delay, report
        # the latest index: (build number, {"pagefind/...": bytes})
        self.files: tuple[int, dict[str, bytes]] | None = None
        self._wanted = None
        self._cond = threading.Condition()
        self._errors: set[str] = set()
        self._stopping = threading.Event()
        self._texts: TextCache | None = None  # the bodies' text of the latest index

    def get(self, path: str) -> bytes | None:
        """A file of the latest index (``pagefind/...``), None when there is none."""
        files = self.files
        return files[1].get(path) if files is not None else None

    def want(self, snap) -> None:
        """Index ``snap`` (a Snapshot whose files have the computed ``site``) once quiet."""
        with self._cond:
            self._wanted = snap
            self._cond.notify_all()

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._work, name="okrsite-search", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()

    def _work(self) -> None:
        while not self._stopping.is_set():
            with self._cond:
                self._cond.wait_for(lambda: self._wanted is not None or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                snap = self._wanted
                # wait for a quiet moment: a newer build restarts the wait
                while not self._stopping.wait(0) and self._cond.wait(self.delay):
                    if self._stopping.is_set():
                        return
                    snap = self._wanted
                self._wanted = None
            if self.current() is not snap or self._stopping.is_set():
                continue
            started = time.perf_counter()
            try:
                last = self.files[1] if self.files is not None else None
                # only the parts that changed, with the bodies' text of the last index
                texts = TextCache(self._texts.used if self._texts is not None else None)
                files = index_files(snap.files.site, LastFiles(last), texts)
                self._texts = texts
            except Exception as exc:  # noqa: BLE001 - search is a nicety of the preview
                message = f"okrsite: warning: the search index was not updated: {exc}"
                if message not in self._errors:
                    self._errors.add(message)
                    self.report(message)
                continue
            first = self.files is None
            self.files = (snap.build, files)
            if first:
                self.report(f"search index ready in {time.perf_counter() - started:.2f} s")
