"""The garbage collector and memory policy of a build, in one place.

Loading a site makes millions of objects and almost no garbage, and a built site lives
until the next build (serve) or the end of the process (build). Python's cyclic
collector would scan them all several times over (a third of the time on big sites), so
a build runs with the collector paused, and what it made is frozen (left out of later
collections) once it is done, before processes are forked (so that their collectors do
not touch, and so copy, every page of the parent's memory) and before indexing (so that
the collection after it only looks at what indexing made).

The command line uses :class:`MemoryPolicy` around ``okrsite build`` (``exiting``: the
process exits next, and a last full collection of millions of objects is saved); the
preview server around each rebuild (:meth:`MemoryPolicy.build`), collecting when idle
(:meth:`MemoryPolicy.collect_frozen`). The pipeline asks :func:`current` for the
policy in force (a policy that does nothing when none is)."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


class MemoryPolicy:
    """Pause the collector while building; freeze what a build keeps."""

    def __init__(self, *, exiting: bool = False, active: bool = True) -> None:
        self.exiting = exiting  # the process exits after the build: leave everything frozen
        self.active = active
        self.frozen_builds = 0  # builds frozen since the last full collection (serve)
        self._was_enabled = True

    def __enter__(self) -> "MemoryPolicy":
        global _current
        self._outer = _current
        _current = self
        if self.active:
            self._was_enabled = gc.isenabled()
            gc.disable()
        return self

    def __exit__(self, *exc) -> None:
        global _current
        _current = self._outer
        if self.active:
            if not self.exiting:
                gc.unfreeze()
            if self._was_enabled:
                gc.enable()

    @contextmanager
    def build(self) -> Iterator["MemoryPolicy"]:
        """One build of a long-lived process (serve): the collector paused during it, its
        objects frozen after it (they live until the next build)."""
        global _current
        outer = _current
        _current = self
        enabled = gc.isenabled()
        gc.disable()
        try:
            yield self
        finally:
            gc.freeze()
            self.frozen_builds += 1
            _current = outer
            if enabled:
                gc.enable()

    def collect_frozen(self, min_builds: int = 1) -> None:
        """A full collection of the little cyclic garbage the frozen builds left, once
        ``min_builds`` were frozen (on a big site a full collection holds the interpreter
        for a second or two, so the server calls this when idle)."""
        if self.frozen_builds >= min_builds:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.frozen_builds = 0

    # ---------------------------------------------------------------- inside a build
    def keep(self) -> None:
        """Everything made so far lives on: leave it out of later collections (before
        forking renderers, before indexing)."""
        if self.active:
            gc.freeze()

    def collect(self) -> None:
        """Collect what was made since :meth:`keep` (indexing leaves its records in
        reference cycles, through the frames of the indexer's asyncio calls, which the
        paused collector would keep for good), and hand freed memory back."""
        if self.active:
            gc.collect()
            release_free_memory()

    def collect_young(self) -> None:
        """While rendering with the collector paused: every page that imports macros
        with context (Jinja makes the module again per page) leaves objects in reference
        cycles; collecting the youngest generation now and then keeps them from piling
        up into one long collection later. Only what was made since the last collection
        is looked at, so this is cheap."""
        if not gc.isenabled():
            gc.collect(0)

    def freeze_for_children(self) -> bool:
        """Before forking processes that inherit the build's objects: freeze them, so the
        children's collectors do not touch (and so copy) every page of memory. Returns
        whether this froze them (then :meth:`children_done` thaws them)."""
        froze = gc.get_freeze_count() == 0
        gc.freeze()
        return froze

    def children_done(self, froze: bool) -> None:
        if froze:
            gc.unfreeze()


def release_free_memory() -> None:
    """Hand memory freed by Python back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). Freed memory otherwise stays in the process, and the rendering
    processes forked next would each count a share of it."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


_NONE = MemoryPolicy(active=False)
_current: MemoryPolicy = _NONE


def current() -> MemoryPolicy:
    """The policy in force (a policy that changes nothing outside one)."""
    return _current
