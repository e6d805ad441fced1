"""Scanning a build's inputs (I/O edge): every file it reads, with its digest, and the
fingerprint of everything the output depends on (``build.json``'s *inputs* and
*fingerprint*, see ``okrsite.builder.record``).

A file whose ``stat`` signature is unchanged is not read again, as git does for its
index: ctime cannot be set from user space, so any write to the file changes it.
Files changed within ``RACY_NS`` of the scan that recorded them are always re-read
(git's "racily clean" case: an edit in the same clock tick as the recording).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from ..core.model import Config
from .cache import code_digest, digest

RACY_NS = 3_000_000_000  # files changed this close to their recording are always re-read


@dataclass
class Inputs:
    """Every input file found by :func:`scan_inputs`: path -> [size, mtime_ns, ctime_ns,
    inode, digest] (a symbolic link or anything unreadable: [-1, 0, 0, 0, text]); and
    when the scan started."""

    files: dict[str, list] = field(default_factory=dict)
    started_ns: int = 0
    read: int = 0  # files read and digested (the others were known by their stat)
    deferred: dict[str, str] = field(default_factory=dict)  # path -> full path, digest still to come

    def fill(self, data_by_path: dict[str, bytes]) -> None:
        """Digest deferred files from bytes already read (by gather); read the rest."""
        for key, full in list(self.deferred.items()):
            data = data_by_path.get(key)
            if data is None:
                try:
                    with open(full, "rb", opener=_open_nonblocking) as fh:
                        data = fh.read()
                except OSError as exc:
                    self.files[key] = [-1, 0, 0, 0, f"unreadable: {exc.errno}"]
                    continue
            self.read += 1
            self.files[key][4] = digest(data)
        self.deferred.clear()

    def digests(self) -> list[tuple[str, str]]:
        if self.deferred:
            self.fill({})
        return sorted((path, entry[4]) for path, entry in self.files.items())


def _signature(st: os.stat_result) -> list:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _trusted(old: list | None, sig: list, recorded_ns: int) -> bool:
    """Whether a recorded entry still describes the file without reading it."""
    if old is None or old[:4] != sig or old[0] < 0:
        return False
    # changed in the same tick as the recording: its stat may not show a later edit
    return max(sig[1], sig[2]) < recorded_ns - RACY_NS


def scan_inputs(
    roots: Iterable[tuple[str, Path, bool]],
    known: dict[str, list] | None = None,
    recorded_ns: int = 0,
    *,
    defer: bool = False,
    skip: Iterable[str] = (),
) -> Inputs:
    """Digest every input file: each root is (label, path, is the content folder); a
    folder is scanned recursively (the content folder as gather sees it: no hidden files
    or folders, only ``.md`` files), a file may be absent. ``known`` digests are reused
    for files whose stat signature is unchanged since ``recorded_ns``. With ``defer``,
    content files are not read here: :meth:`Inputs.fill` digests them from the bytes
    gather read. Covers at least what gather, the themes and CODEOWNERS read, so any
    change to those changes a digest here."""
    known = known or {}
    skip = set(skip)
    out = Inputs(started_ns=time.time_ns())

    def add_file(key: str, full: str, st: os.stat_result, deferrable: bool) -> None:
        sig = _signature(st)
        old = known.get(key)
        if _trusted(old, sig, recorded_ns):
            assert old is not None  # _trusted is False for a file not recorded
            out.files[key] = old
            return
        if deferrable and defer and stat.S_ISREG(st.st_mode):
            out.files[key] = sig + [None]
            out.deferred[key] = full
            return
        try:
            with open(full, "rb", opener=_open_nonblocking) as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    out.files[key] = [-1, 0, 0, 0, "not a regular file"]
                    return
                data = fh.read()
        except OSError as exc:
            out.files[key] = [-1, 0, 0, 0, f"unreadable: {exc.errno}"]
            return
        out.read += 1
        out.files[key] = sig + [digest(data)]

    def add_link(key: str, full: str) -> None:
        try:
            target = os.readlink(full)
        except OSError:
            target = "?"
        try:
            st = os.stat(full)
            if stat.S_ISREG(st.st_mode):
                with open(full, "rb", opener=_open_nonblocking) as fh:
                    what = digest(fh.read())
            else:
                what = "folder" if stat.S_ISDIR(st.st_mode) else "other"
        except OSError:
            what = "broken"
        out.read += 1
        out.files[key] = [-1, 0, 0, 0, digest(f"{target}\0{what}".encode("utf-8", "surrogateescape"))]

    def walk(prefix: str, folder: str, content: bool) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            out.files[prefix] = [-1, 0, 0, 0, f"unreadable folder: {exc.errno}"]
            return
        for e in entries:
            if e.path in skip or (content and e.name.startswith(".")):
                continue
            key = f"{prefix}/{e.name}"
            if e.is_symlink():
                add_link(key, e.path)
            elif e.is_dir(follow_symlinks=False):
                walk(key, e.path, content)
            elif content and not e.name.endswith(".md"):
                continue
            else:
                try:
                    add_file(key, e.path, e.stat(follow_symlinks=False), content)
                except OSError:
                    out.files[key] = [-1, 0, 0, 0, "vanished"]

    for label, path, content in roots:
        p = str(path)
        try:
            st = os.lstat(p)
        except OSError:
            out.files[label] = [-1, 0, 0, 0, "absent"]
            continue
        if stat.S_ISLNK(st.st_mode):
            try:
                real = os.stat(p)
            except OSError:
                add_link(label, p)
                continue
            if stat.S_ISDIR(real.st_mode):  # a content folder that is a link: follow it
                out.files[label] = [-1, 0, 0, 0, digest(os.readlink(p).encode("utf-8", "surrogateescape"))]
                walk(label, p, content)
            else:
                add_link(label, p)
        elif stat.S_ISDIR(st.st_mode):
            walk(label, p, content)
        else:
            add_file(label, p, st, False)
    return out


def _open_nonblocking(path, flags):
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def fingerprint(
    inputs: Inputs, config: Config, as_of: date, options: dict[str, Any], leave_out: Callable[[str], bool] | None = None
) -> str:
    """Everything the output depends on, in one digest; without the input files for
    which ``leave_out(path)`` is true, if given."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"code {code_digest()}\nas_of {as_of.isoformat()}\n".encode())
    # the configuration but the site's folder, which is in no output: the same site
    # checked out elsewhere (a CI runner's workspace) is the same build
    h.update(f"config {replace(config, root='')!r}\n".encode())
    h.update(("options " + json.dumps(options, sort_keys=True, default=str) + "\n").encode())
    for path, d in inputs.digests():
        if leave_out is None or not leave_out(path):
            h.update(f"{path}\0{d}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()
