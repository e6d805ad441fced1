"""The build record (I/O edge): ``<site root>/.okrsite-cache/build.json``.

What the last successful build read and wrote. *Inputs*: every file under the
content folder, the theme folders, okrsite.yaml and CODEOWNERS, each with its
digest (BLAKE2b of the bytes) and its ``stat`` signature (size, mtime, ctime,
inode: ``okrsite.builder.scan``); the *fingerprint* of everything the output depends
on (those digests, the effective configuration after command-line options, the as-of
date, the options, and okrsite's own code and the versions of the libraries that shape
the output); the build's diagnostics; and the *manifest* of the output folder (size,
mtime and digest of every file written). When the fingerprint is the same and the
output folder still matches the manifest, the build has nothing to do. For a build
after a change (``okrsite.site.dependencies``): the fingerprint without the files of
the teams' period folders, a digest of what pages show besides those teams' content,
people's page slugs and the teams each page shows; and the identity of
``parsed.json`` as this build left it (whose HTML the next build need not sanitise
again, see ``okrsite.builder.parsecache``).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.model import Config, Diagnostic
from .cache import FORMAT, cache_dir, code_digest, digest, output_identity, write_json

BUILD_FILE = "build.json"


@dataclass
class BuildRecord:
    """``build.json``: the last successful build."""

    fingerprint: str = ""
    output: str = ""
    inputs: dict[str, list] = field(default_factory=dict)
    inputs_ns: int = 0
    manifest: dict[str, list] = field(default_factory=dict)  # path -> [size, mtime_ns, digest]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_read: int = 0
    pages: int = 0
    # the output folder this build made ([device, inode, ctime_ns], see output_identity):
    # a folder that came from anywhere else (a checkout with a committed build.json and
    # output) is never taken for this build's, whatever its files hold
    output_id: list = field(default_factory=list)
    # parsed.json as this build left it ([device, inode, ctime_ns]): its HTML is this
    # machine's own, sanitised when it was made (load_parse_cache)
    parsed_id: list = field(default_factory=list)
    # for rendering only the pages a change can alter (okrsite.site.dependencies): the
    # fingerprint without the files of the teams' period folders, the view's digest,
    # people's page slugs, and the teams each page shows (dependencies.encode_teams)
    base: str = ""
    view: str = ""
    people: dict[str, str] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)


def read_build(config: Config) -> BuildRecord | None:
    try:
        with open(cache_dir(config) / BUILD_FILE, "rb") as fh:
            data = json.loads(fh.read())
        if data.get("format") != FORMAT or data.get("code") != code_digest():
            return None
        # a damaged or hand-made record is no record (every entry is read by index)
        if not (_entries(data["inputs"], 5) and _entries(data["manifest"], 3)):
            return None
        return BuildRecord(
            fingerprint=data["fingerprint"],
            output=data["output"],
            inputs=data["inputs"],
            inputs_ns=int(data["inputs_ns"]),
            manifest=data["manifest"],
            diagnostics=[Diagnostic(p, int(n), s, m) for p, n, s, m in data["diagnostics"]],
            files_read=int(data["files_read"]),
            pages=int(data["pages"]),
            output_id=list(data.get("output_id") or []),
            parsed_id=list(data.get("parsed_id") or []),
            base=str(data.get("base") or ""),
            view=str(data.get("view") or ""),
            people=dict(data.get("people") or {}),
            teams=dict(data.get("teams") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _entries(table: Any, size: int) -> bool:
    """Whether ``table`` maps text to lists of ``size`` items."""
    return isinstance(table, dict) and all(
        isinstance(k, str) and isinstance(v, list) and len(v) == size for k, v in table.items()
    )


def write_build(config: Config, record: BuildRecord) -> None:
    data = {
        "format": FORMAT,
        "code": code_digest(),
        "fingerprint": record.fingerprint,
        "output": record.output,
        "files_read": record.files_read,
        "pages": record.pages,
        "diagnostics": [[d.path, d.line, d.severity, d.message] for d in record.diagnostics],
        "inputs_ns": record.inputs_ns,
        "inputs": record.inputs,
        "manifest": record.manifest,
        "output_id": record.output_id,
        "parsed_id": record.parsed_id,
        "base": record.base,
        "view": record.view,
        "people": record.people,
        "teams": record.teams,
    }
    write_json(cache_dir(config) / BUILD_FILE, data)


def manifest_entry(st: os.stat_result, file_digest: str) -> list:
    return [st.st_size, st.st_mtime_ns, file_digest]


def output_key(config: Config, output: Path) -> str:
    """The output folder as the build record names it: relative to the site root when it
    is inside it, so that a checkout in another place (a CI runner's workspace) still
    finds the record its cache restored."""
    root = Path(config.root).absolute()
    output = Path(output).absolute()
    try:
        return output.relative_to(root).as_posix()
    except ValueError:
        return str(output)


def output_matches(
    output: Path, manifest: dict[str, list], *, verify: bool = False, seen: dict[str, list] | None = None
) -> bool:
    """Whether the output folder holds exactly the files of the manifest, unchanged: by
    size and mtime, and by digest when the mtime differs (a copy, a touch), or for every
    file with ``verify``. ``seen`` receives each file's entry as the folder holds it now
    (its current mtime)."""
    count = 0

    def walk(prefix: str, folder: str) -> bool:
        nonlocal count
        try:
            it = os.scandir(folder)
        except OSError:
            return False
        with it:
            for e in it:
                key = f"{prefix}{e.name}"
                if e.is_dir(follow_symlinks=False):
                    if not walk(key + "/", e.path):
                        return False
                    continue
                entry = manifest.get(key)
                if entry is None or e.is_symlink():
                    return False
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    return False
                if not stat.S_ISREG(st.st_mode) or st.st_size != entry[0]:
                    return False
                if verify or st.st_mtime_ns != entry[1]:
                    try:
                        with open(e.path, "rb") as fh:
                            if digest(fh.read()) != entry[2]:
                                return False
                    except OSError:
                        return False
                if seen is not None:
                    seen[key] = manifest_entry(st, entry[2])
                count += 1
        return True

    if output.is_symlink() or not output.is_dir():
        return False
    return walk("", str(output)) and count == len(manifest)


def trusted_output(config: Config, output: Path, record: BuildRecord) -> dict[str, list] | None:
    """The last build's manifest, as it describes the output folder now, when the build
    may take that folder for the last build's output (to have nothing to do, or to take
    the pages a change cannot alter from it); None when it may not.

    Either the folder is the very one the last build on this machine made (its identity,
    ``output_id``) and its files are as that build wrote them; or the folder and the
    cache were *restored*, as a CI cache step restores them (new inodes, maybe new
    mtimes): then neither may hold a file git tracks (a checkout brings only tracked
    files, so a pull request that commits a cache and an output never gets here), and
    every file's digest must be the manifest's, read file by file. The site itself must
    be in a git work tree: without git to ask, nothing restored is trusted."""
    how = output_origin(config, output, record)
    if how is None:
        return None
    if how == "same":
        return record.manifest if output_matches(output, record.manifest) else None
    seen: dict[str, list] = {}
    return seen if output_matches(output, record.manifest, verify=True, seen=seen) else None


def output_origin(config: Config, output: Path, record: BuildRecord) -> str | None:
    """Whether the last build's output may be taken for what ``record`` says it wrote:
    "same" (the very folder the last build on this machine made: its files' ``stat``
    tells), "restored" (restored by a CI cache step: every file's digest must be
    checked), or None (never: another folder, or files a git checkout may have brought).
    The one rule of :func:`trusted_output` and of the search index's parts
    (``searchindex.LastOutput``)."""
    if record.output != output_key(config, output) or output.is_symlink() or not output.is_dir():
        return None
    if record.output_id and record.output_id == output_identity(output):
        return "same"
    if work_tree(Path(config.root)) is None or from_checkout(cache_dir(config)) or from_checkout(output):
        return None  # outside a git checkout, a committed folder cannot be told from a restored one
    return "restored"


def work_tree(folder: Path) -> Path | None:
    """The nearest folder from ``folder`` up that holds a ``.git`` (a work tree's top),
    or None."""
    folder = Path(folder).absolute()
    return next((d for d in (folder, *folder.parents) if os.path.lexists(d / ".git")), None)


def from_checkout(folder: Path) -> bool:
    """Whether ``folder`` may hold files a git checkout brought (or it cannot be told):
    it is inside a git work tree, or is one, and git tracks a file in it, or git cannot
    answer. A folder outside any work tree, or one whose files git does not track (a
    cache step's restore, a build's output), is not."""
    folder = Path(folder).absolute()
    top = work_tree(folder)
    if top is None:
        return False
    try:
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(top),
                "ls-files",
                "-z",
                "--cached",
                "--",
                folder.relative_to(top).as_posix() if folder != top else ".",
            ],
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return True  # no git to ask: a committed folder cannot be told from a restored one
    return proc.returncode != 0 or bool(proc.stdout)
