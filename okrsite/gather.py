"""Gather step (I/O edge): read every file of the content folder into SourceFiles."""

from __future__ import annotations

import os
from pathlib import Path

from .diagnostics import Diagnostics
from .model import Config, SourceFile


def gather(config: Config, diags: Diagnostics) -> list[SourceFile]:
    """Every Markdown file under the content folder, sorted by path. Hidden files and
    folders are skipped; symlinks that lead outside the content folder are ignored with
    a warning; unreadable files are reported."""
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
            try:
                data = full.read_bytes()
            except OSError as exc:
                diags.error(rel, 1, f"cannot read the file: {exc.strerror or exc}")
                continue
            files.append(SourceFile(rel, data))
    files.sort(key=lambda f: f.path)
    return files


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
