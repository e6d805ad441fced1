"""Gather step (I/O edge): read every file of the content folder into SourceFiles."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .diagnostics import Diagnostics
from .model import Config, SourceFile


def gather(config: Config, diags: Diagnostics) -> list[SourceFile]:
    """Every Markdown file under the content folder, sorted by path. Hidden files and
    folders are skipped; symlinks that lead outside the content folder are ignored with
    a warning. A file that cannot be read, is not a regular file or is larger than
    ``limits.max_file_kb`` is not read: it is kept with its ``problem``, which the loader
    reports at line 1 (so that an objective that exists but cannot be read causes no
    further errors in the check-ins that update it)."""
    root = Path(config.root)
    content = (root / config.content_dir)
    if not content.is_dir():
        diags.error(config.path, 1, f"content folder '{config.content_dir}' not found next to {config.path}")
        return []
    content_real = content.resolve()
    files: list[SourceFile] = []
    for dirpath, dirnames, filenames in os.walk(content, followlinks=False):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            full = here / d
            if full.is_symlink():
                rel = _rel(full, root)
                if not _inside(full, content_real):
                    diags.warning(rel, 1, "symbolic link to a folder outside the content folder: ignored")
                    continue
                diags.warning(rel, 1, "symbolic link to a folder: ignored (link files, not folders)")
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(".md"):
                continue
            full = here / name
            rel = _rel(full, root)
            if full.is_symlink() and not _inside(full, content_real):
                diags.warning(rel, 1, "symbolic link to a file outside the content folder: ignored")
                continue
            if full.is_symlink() and not full.exists():
                diags.warning(rel, 1, "symbolic link to a file that does not exist: ignored")
                continue
            source = read_source(full, rel, config.limits.max_file_kb * 1024)
            if source is not None:  # (None: removed while we looked)
                files.append(source)
    files.sort(key=lambda f: f.path)
    return files


def read_source(full: Path, rel: str, max_bytes: int) -> SourceFile | None:
    """One content file, read only when it is a regular file of at most ``max_bytes``
    (a named pipe would block the build; a huge file would fill its memory). None when
    the file does not exist (any more)."""
    from .load import too_large

    try:
        with open(full, "rb", opener=_open_nonblocking) as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                return SourceFile(rel, b"", "not a regular file (a named pipe or a device?): not read")
            if info.st_size > max_bytes:
                return SourceFile(rel, b"", too_large(info.st_size, max_bytes // 1024))
            data = fh.read(max_bytes + 1)  # the file may grow while it is read
    except FileNotFoundError:
        return None
    except OSError as exc:
        return SourceFile(rel, b"", f"cannot read the file: {exc.strerror or exc}")
    if len(data) > max_bytes:
        return SourceFile(rel, b"", too_large(len(data), max_bytes // 1024))
    return SourceFile(rel, data)


def _open_nonblocking(path, flags):
    # O_NONBLOCK: opening a named pipe returns at once (instead of waiting for a writer);
    # it changes nothing for regular files
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _rel(path: Path, root: Path) -> str:
    """Path for diagnostics, relative to the folder of okrsite.yaml (``../x`` when the
    content folder lives elsewhere)."""
    return Path(os.path.relpath(path, root)).as_posix()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
        return True
    except (ValueError, OSError, RuntimeError):
        return False
