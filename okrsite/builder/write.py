"""Write step (I/O edge): put the built files in place atomically.

The new site is written to a temporary folder beside the output folder and swapped in
only when complete (an atomic exchange of the two folders where the OS has one), so a
failed or killed build leaves the previous site untouched and servable."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .output import MARKER, MARKER_BYTES, check, home, leftovers, look, remove

_WINDOWS = sys.platform == "win32"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _libc() -> ctypes._NamedFuncPointer | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):  # pragma: no cover - not Linux/glibc
        return None


_renameat2 = _libc()


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2). False when not supported."""
    if _renameat2 is None:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(a))


def write_tree(files: dict[str, bytes], folder: Path) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        target = folder / rel
        parent = target.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        with open(target, "wb") as fh:
            fh.write(data)


def _try_lock(fd: int, wait: bool) -> bool:
    """Take the exclusive lock of the open lock file ``fd``: ``flock`` where there is
    one, ``msvcrt.locking`` of its first byte on Windows (imported here, so that the
    module loads everywhere). False when ``wait`` is false and another process holds it."""
    if _WINDOWS:
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined,unused-ignore]  # Windows-only in typeshed
                return True
            except OSError:  # held by another process; LK_LOCK would give up after 10 s
                if not wait:
                    return False
                time.sleep(0.05)
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    """Release the lock on ``fd`` before it is closed (closing releases a ``flock``;
    Windows asks for the byte to be unlocked first)."""
    if _WINDOWS:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined,unused-ignore]  # Windows-only in typeshed


@contextlib.contextmanager
def output_lock(output: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``output`` while swapping it in: two builds started at
    once on the same output take turns (the second calls ``on_wait`` and waits)."""
    lock_path = output.parent / f".{output.name}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd, wait=False):
            if on_wait is not None:
                on_wait()
            _try_lock(fd, wait=True)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)  # closing releases the lock


def remove_leftovers(output: Path) -> list[tuple[Path, int]]:
    """Remove the temporary folders of builds that were killed before they finished
    (``output.leftovers``); each one removed and its size in bytes. Only called with the
    lock held, so no running build owns them."""
    return [(leftover, remove(leftover)) for leftover in leftovers(output)]


def write_site(
    files: dict[str, bytes], output: Path, on_wait: Callable[[], None] | None = None
) -> list[tuple[Path, int]]:
    """Replace ``output`` by exactly ``files`` (and okrsite's marker); on any error, or if
    the process is killed at any moment, the old output stays complete."""
    return write_site_with(lambda folder: write_tree(files, folder), output, on_wait)


def write_site_with(
    fill: Callable[[Path], object],
    output: Path,
    on_wait: Callable[[], None] | None = None,
    after: Callable[[], object] | None = None,
) -> list[tuple[Path, int]]:
    """Replace ``output`` by the folder that ``fill(folder)`` fills (a fresh temporary
    folder beside it, given okrsite's marker file), atomically, with the output's lock
    held: on any error raised by ``fill`` (which is re-raised), or if the process is
    killed at any moment, the old output stays complete. ``after()`` runs once the new
    output is in place, still under the lock (the build cache records the output there).

    An existing ``output`` is replaced only if it is empty or okrsite wrote it (its
    marker), and never if it holds a ``.git``: checked here, under the lock, so that no
    caller can skip it (``output.OutputRefused``). Returns the leftovers of killed
    builds it removed, with their sizes."""
    output = output.absolute()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(output, on_wait):
        if output.is_symlink() or (output.exists() and not output.is_dir()):
            # swapping would move the user's file (or link) aside under a hidden name
            raise NotADirectoryError(errno.ENOTDIR, "it exists and is not a folder", str(output))
        check(output.resolve(), home())
        removed = remove_leftovers(output)
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        try:
            fill(tmp)
            marker = tmp / MARKER
            if not marker.is_file() or marker.is_symlink():
                marker.write_bytes(MARKER_BYTES)
            os.chmod(tmp, 0o755)
            if output.exists() and not output.is_symlink():
                if exchange(tmp, output):
                    shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old site
                else:
                    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
                    os.rmdir(old)
                    os.rename(output, old)
                    os.rename(tmp, output)
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, output)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if after is not None:
            after()
    return removed


def clean(output: Path, cache: Path, on_wait: Callable[[], None] | None = None) -> list[tuple[Path, int]]:
    """``okrsite clean``: remove the output folder if a build wrote it (its marker), the
    leftovers of killed builds beside it, its lock file and the build cache ``cache``;
    each one removed with its size. ``output`` has passed :func:`okrsite.builder.output.check`; the output's
    lock is held while it goes, so a build running meanwhile finishes first."""
    removed: list[tuple[Path, int]] = []
    if output.parent.is_dir():
        lock = output.parent / f".{output.name}.lock"
        had_lock = lock.is_file()
        with output_lock(output, on_wait):
            try:
                mine = look(output)[1]
            except OSError:  # it became a file since check looked at it: not okrsite's
                mine = False
            if mine:
                removed.append((output, remove(output)))
            removed.extend(remove_leftovers(output))
            lock.unlink(missing_ok=True)  # a build waiting on it takes a fresh one
        if had_lock:
            removed.append((lock, 0))
    if cache.is_dir() and not cache.is_symlink():
        removed.append((cache, remove(cache)))
    return removed
