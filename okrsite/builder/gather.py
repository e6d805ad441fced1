"""Gather step (I/O edge): read every file of the content folder into SourceFiles."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.diagnostics import Diagnostics
from ..core.model import Config, SourceFile


def gather(config: Config, diags: Diagnostics) -> list[SourceFile]:
    """Every Markdown file under the content folder, sorted by path. Hidden files and
    folders are skipped; symbolic links to folders are never followed, and links to
    files outside the content folder are not read, each with a warning. A file that
    cannot be read, is not a regular file or is larger than ``limits.max_file_kb`` is
    not read: it is kept with its ``problem``, which the loader reports at line 1 (so
    that an objective that exists but cannot be read causes no further errors in the
    check-ins that update it). A folder that cannot be read is kept the same way, as a
    SourceFile with ``folder`` set."""
    root = Path(config.root)
    content = root / config.content_dir
    if not content.is_dir():
        diags.error(config.path, 1, f"content folder '{config.content_dir}' not found next to {config.path}")
        return []
    content_real = content.resolve()
    max_bytes = config.limits.max_file_kb * 1024
    files: list[SourceFile] = []
    # a walk on os.scandir: its entries know whether they are links and folders without
    # a system call each, and paths for diagnostics are made once per folder (os.walk
    # with Path objects and os.path.relpath cost seconds on a large site, in a step
    # where the other CPUs wait)
    top = _rel(content, root)
    folders = [(str(content), top)]
    while folders:
        folder, folder_rel = folders.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except FileNotFoundError:  # removed while we looked
            continue
        except OSError as exc:  # unreadable: an error at the folder, not a silent gap
            files.append(
                SourceFile(
                    folder_rel,
                    b"",
                    f"cannot read this folder ({exc.strerror or exc}): the files in it are not read",
                    folder=True,
                )
            )
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = name if folder_rel == "." else f"{folder_rel}/{name}"
            try:
                is_folder = entry.is_dir()  # follows a link
            except OSError:  # a link in a loop
                is_folder = False
            if entry.is_symlink():
                # a link to a folder is never followed, wherever it points (it would read
                # files twice, or outside the site); one that leads nowhere (gone, or in a
                # loop) may have been one: all are worded alike
                target = _target(entry.path)
                if is_folder or (target is None and not name.endswith(".md")):
                    diags.warning(rel, 1, FOLDER_LINK)
                    continue
                if not name.endswith(".md"):
                    continue
                if target is None:
                    diags.warning(rel, 1, "symbolic link to a file that does not exist: ignored")
                    continue
                if not _inside(target, content_real):
                    diags.warning(rel, 1, "symbolic link to a file outside the content folder: ignored")
                    continue
            elif is_folder:
                subfolders.append((entry.path, rel))
                continue
            if not name.endswith(".md"):
                continue
            source = read_source(entry.path, rel, max_bytes)
            if source is not None:  # (None: removed while we looked)
                files.append(source)
        folders.extend(reversed(subfolders))
    files.sort(key=lambda f: f.path)
    return files


def read_source(full: Path | str, rel: str, max_bytes: int) -> SourceFile | None:
    """One content file, read only when it is a regular file of at most ``max_bytes``
    (a named pipe would block the build; a huge file would fill its memory). None when
    the file does not exist (any more)."""
    from ..core.load import too_large

    try:
        # O_NONBLOCK: opening a named pipe returns at once (instead of waiting for a
        # writer); it changes nothing for regular files
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return SourceFile(rel, b"", f"cannot read the file: {exc.strerror or exc}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return SourceFile(rel, b"", "not a regular file (a named pipe or a device?): not read")
        if info.st_size > max_bytes:
            return SourceFile(rel, b"", too_large(info.st_size, max_bytes // 1024))
        # read what fstat announced, and on until the end: the file may grow while it is
        # read (asking for max_bytes at once would allocate that much for every file)
        parts: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max(info.st_size - total, 0) + 4096, max_bytes + 1 - total))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    except OSError as exc:
        return SourceFile(rel, b"", f"cannot read the file: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if total > max_bytes:
        return SourceFile(rel, b"", too_large(total, max_bytes // 1024))
    return SourceFile(rel, b"".join(parts))  # (one part: joined without a copy)


def _rel(path: Path, root: Path) -> str:
    """Path for diagnostics, relative to the folder of okrsite.yaml (``../x`` when the
    content folder lives elsewhere)."""
    return Path(os.path.relpath(path, root)).as_posix()


FOLDER_LINK = "symbolic link to a folder, or to nothing: ignored (okrsite follows links to Markdown files only)"


def _target(path: str) -> Path | None:
    """Where a symbolic link leads, or None when it leads nowhere (gone, or a loop)."""
    try:
        return Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents
