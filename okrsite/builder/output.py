"""The output folder: which folders a build may replace, and what ``okrsite clean`` removes.

A build replaces its output folder whole (write.py swaps a fresh folder in). So the
folder must be one that okrsite may throw away: a new one, an empty one, or one that a
build left its marker in (``MARKER``, a small text file at the output's root). The rule
is :func:`refusal`, a pure function of resolved paths and the names in the folder;
:func:`check` and :func:`looks` are its I/O edges (resolving paths, listing the folder).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, overload

if TYPE_CHECKING:
    from ..core.model import Config

MARKER = ".okrsite-output"
MARKER_BYTES = (
    b"This folder was written by okrsite build. The next build replaces it whole, and\n"
    b"okrsite clean removes it: keep nothing else in it. This file marks it as okrsite's.\n"
)
# what to do about a folder that is refused for what it is (not for what it holds)
ELSEWHERE = "choose another folder (--output DIR, or output_dir in okrsite.yaml)"


@dataclass(frozen=True)
class Protected:
    """A folder that no output may be, hold, or (``inside``: the build reads it) lie in."""

    label: str  # "the content folder"
    path: Path  # resolved
    inside: bool = False


@overload
def refusal(
    output: Path,
    protected: Iterable[Protected] = (),
    entries: Collection[str] | None = None,
    marked: bool = False,
    *,
    file: Path,
) -> str: ...
@overload
def refusal(
    output: Path,
    protected: Iterable[Protected] = (),
    entries: Collection[str] | None = None,
    marked: bool = False,
    file: None = None,
) -> str | None: ...


def refusal(
    output: Path,
    protected: Iterable[Protected] = (),
    entries: Collection[str] | None = None,
    marked: bool = False,
    file: Path | None = None,
) -> str | None:
    """Why a build may not replace the folder ``output`` (resolved), or None when it may.

    ``protected``: the home folder, the site's, content and theme folders (resolved);
    ``entries``: the names in ``output``, None when it does not exist; ``marked``: it has
    okrsite's marker file; ``file``: ``output`` itself or the folder above it that is a
    file, not a folder. The reason says what to do, on one line."""
    if output == Path(output.anchor):
        return f"it is the root of the file system; {ELSEWHERE}"
    for p in protected:
        if output == p.path:
            return f"it is {p.label}; {ELSEWHERE}"
        if output in p.path.parents:
            return f"it holds {p.label} ({p.path}); {ELSEWHERE}"
        if p.inside and p.path in output.parents:
            return f"it is inside {p.label} ({p.path}), which the build reads; {ELSEWHERE}"
    if file is not None:
        what = "it is" if file == output else f"{file} is"
        return f"{what} a file, not a folder, and okrsite replaces no file; {ELSEWHERE}"
    if entries is None or not entries:
        return None
    if ".git" in entries:
        return (
            "it holds a .git (a git checkout, such as a gh-pages branch) and okrsite replaces the whole "
            "output folder: build into a folder of its own and copy the files into the checkout"
        )
    if marked:
        return None
    return (
        f"it is not empty and okrsite did not write it (there is no {MARKER} file in it): empty or remove "
        f"it yourself if nothing in it is needed (an output of okrsite 0.1.0 has no marker yet), or {ELSEWHERE}"
    )


def look(output: Path) -> tuple[Collection[str] | None, bool]:
    """(the names in ``output``, None when it does not exist; whether it has the marker).
    Raises NotADirectoryError when it, or a folder above it, is a file, and OSError when
    the folder cannot be read."""
    try:
        entries = os.listdir(output)
    except FileNotFoundError:
        return None, False
    return entries, MARKER in entries and (output / MARKER).is_file() and not (output / MARKER).is_symlink()


def home() -> list[Protected]:
    """The user's home folder (``HOME``), resolved; none when it is unknown."""
    try:
        return [Protected("your home folder", Path.home().resolve())]
    except (RuntimeError, KeyError):
        return []


def protected_folders(config: Config, dirs: Iterable[Path] = ()) -> list[Protected]:
    """The folders no output may be or hold, resolved: the home folder (``HOME``), the
    site's folder, its content and theme folders and its build cache."""
    from .cache import CACHE_DIR

    root = Path(config.root).resolve()
    found = [
        *home(),
        Protected("the site's folder", root),
        Protected("the content folder", (root / config.content_dir).resolve(), inside=True),
        Protected("the build cache", (root / CACHE_DIR).resolve(), inside=True),
    ]
    found.extend(Protected("a theme folder", Path(d).resolve(), inside=True) for d in dirs)
    return found


class OutputRefused(Exception):
    """The output folder may not be replaced (or removed): the command exits with code 2."""

    def __init__(self, output: Path, reason: str, verb: str = "write the site to") -> None:
        super().__init__(f"refusing to {verb} {output}: {reason}")
        self.output = output


def check(output: Path, protected: Iterable[Protected] = (), verb: str = "write the site to") -> None:
    """Raise :class:`OutputRefused` unless a build may replace ``output`` (resolved)."""
    try:
        entries, marked = look(output)
    except NotADirectoryError:
        file = next((p for p in (output, *output.parents) if p.exists() and not p.is_dir()), output)
        raise OutputRefused(output, refusal(output, protected, file=file), verb) from None
    except OSError as exc:
        raise OutputRefused(output, f"cannot look inside it ({exc.strerror or exc}); {ELSEWHERE}", verb) from None
    reason = refusal(output, protected, entries, marked)
    if reason is not None:
        raise OutputRefused(output, reason, verb)


# --------------------------------------------------------------------------- leftovers


def leftover_pattern(output: Path) -> re.Pattern:
    """The names of the temporary folders a build makes beside ``output`` (tempfile's
    ``.<output>.new-XXXXXXXX`` and ``.old-XXXXXXXX``)."""
    return re.compile(rf"\.{re.escape(output.name)}\.(new|old)-[a-z0-9_]{{8}}\Z")


def leftovers(output: Path) -> list[Path]:
    """Temporary folders beside ``output`` that a build killed before it finished left."""
    pattern = leftover_pattern(output)
    try:
        names = sorted(os.listdir(output.parent))
    except OSError:
        return []
    found = []
    for name in names:
        path = output.parent / name
        if pattern.match(name) and path.is_dir() and not path.is_symlink():
            found.append(path)
    return found


def tree_size(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed)."""
    if not path.is_dir() or path.is_symlink():
        try:
            return path.lstat().st_size
        except OSError:
            return 0
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def remove(path: Path) -> int:
    """Remove a folder (or file) okrsite made; its size in bytes."""
    size = tree_size(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
    return size


def shown_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("kB", "MB", "GB"):
        amount /= 1000
        if amount < 1000 or unit == "GB":
            return f"{amount:,.1f} {unit}"
    raise AssertionError  # pragma: no cover


def removed_line(removed: list[tuple[Path, int]]) -> str:
    """One line naming the leftovers of killed builds that were removed, and their size."""
    total = sum(size for _, size in removed)
    names = ", ".join(path.name for path, _ in removed)
    what = "the temporary folder of a build" if len(removed) == 1 else f"{len(removed)} temporary folders of builds"
    return f"okrsite: removed {what} stopped before the end: {names} ({shown_size(total)})"
