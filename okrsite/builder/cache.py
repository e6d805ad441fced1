"""The build cache (I/O edge): ``<site root>/.okrsite-cache/``, plain JSON, never pickle.

``okrsite build`` keeps two files there (the folder is git-ignored):

``build.json``
    What the last successful build read and wrote. *Inputs*: every file under the
    content folder, the theme folders, okrsite.yaml and CODEOWNERS, each with its
    digest (BLAKE2b of the bytes) and its ``stat`` signature (size, mtime, ctime,
    inode); the *fingerprint* of everything the output depends on (those digests, the
    effective configuration after command-line options, the as-of date, the options,
    and okrsite's own code and the versions of the libraries that shape the output);
    the build's diagnostics; and the *manifest* of the output folder (size, mtime and
    digest of every file written). When the fingerprint is the same and the output
    folder still matches the manifest, the build has nothing to do. For a build after
    a change (``okrsite.site.dependencies``): the fingerprint without the files of the
    teams' period folders, a digest of what pages show besides those teams' content,
    people's page slugs and the teams each page shows; and the identity of
    ``parsed.json`` as this build left it (whose HTML the next build need not sanitise
    again, see :func:`load_parse_cache`).

    A file whose ``stat`` signature is unchanged is not read again, as git does for its
    index: ctime cannot be set from user space, so any write to the file changes it.
    Files changed within ``RACY_NS`` of the scan that recorded them are always re-read
    (git's "racily clean" case: an edit in the same clock tick as the recording).

``parsed.json``
    Every content file's parsed front matter and body (``load.ParseCache.parsed``,
    keyed by the file's digest and the parse limits) and every body rendered to HTML
    (``ParseCache.html``, keyed by the body's digest), so that a build after a change
    parses YAML and renders Markdown only for the files that changed. Each half is kept
    as long as the module that makes it (parse.py, markdown.py) and its libraries are
    the same, whatever else changes in okrsite. A parsed file is stored as the text of
    its JSON form (a JSON string inside the file), which is also how a build holds it
    in memory (:class:`PackedEntries`); entries are decoded when used
    (:class:`LazyEntries`), so an unchanged file costs a dict lookup and a
    JSON-to-objects conversion, not a YAML parse.

Anything unreadable, of another format or written by other code (another okrsite
version, other library versions) is ignored: the build then starts cold. Both files
are replaced atomically (written beside, then renamed).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from ..core.load import ParseCache
from ..core.markdown import sanitise
from ..core.model import Config, Diagnostic
from ..core.parse import LineDict, LineList, Parsed

CACHE_DIR = ".okrsite-cache"
BUILD_FILE = "build.json"
PARSED_FILE = "parsed.json"
FORMAT = 3  # 2: parsed files stored as JSON text (PackedEntries); 3: pages' dependencies
RACY_NS = 3_000_000_000  # files changed this close to their recording are always re-read
LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "nh3", "pyyaml", "pagefind", "pagefind_bin",
             "python-slugify", "text-unidecode", "orjson", "cbor2")

__all__ = [
    "CACHE_DIR", "BuildRecord", "Inputs", "LazyEntries", "PackedEntries", "pack_parsed", "unpack_parsed",
    "code_digest", "digest", "scan_inputs",
    "fingerprint", "read_build", "write_build", "output_matches", "manifest_entry", "output_key",
    "trusted_output", "from_checkout",
    "load_parse_cache", "save_parse_cache", "encode_parsed", "decode_parsed",
]


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


# --------------------------------------------------------------------------- code

_CODE: str | None = None
_PART_CODES: dict[str, str] = {}
# what each half of parsed.json depends on: its module and the libraries it calls
PACKAGE = Path(__file__).resolve().parent.parent  # okrsite/
PARTS = {"parsed": ("core/parse.py", ("pyyaml",)), "html": ("core/markdown.py", ("markdown-it-py", "mdit-py-plugins", "nh3"))}


def part_digest(part: str) -> str:
    """The code that makes one kind of parsed.json entries: a change to any other module
    keeps them (they are the output of ``parse.parse`` or ``Markdown.render`` alone)."""
    if part not in _PART_CODES:
        from importlib import metadata

        module, libs = PARTS[part]
        h = hashlib.blake2b(digest_size=20)
        h.update(f"format {FORMAT} python {sys.version}\n".encode())
        h.update((PACKAGE / module).read_bytes())
        for lib in libs:
            try:
                h.update(f"{lib} {metadata.version(lib)}\n".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{lib} -\n".encode())
        _PART_CODES[part] = h.hexdigest()
    return _PART_CODES[part]


def code_digest() -> str:
    """okrsite's own code (every module of the package), its version, Python's version
    and the versions of the libraries that shape the output: a change to any of them
    starts the next build cold."""
    global _CODE
    if _CODE is None:
        from importlib import metadata

        from .. import __version__

        h = hashlib.blake2b(digest_size=20)
        h.update(f"okrsite {__version__} format {FORMAT} python {sys.version}\n".encode())
        for path in sorted(PACKAGE.rglob("*.py")):
            h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        for lib in LIBRARIES:
            try:
                version = metadata.version(lib)
            except metadata.PackageNotFoundError:
                version = "-"
            h.update(f"{lib} {version}\n".encode())
        _CODE = h.hexdigest()
    return _CODE


# --------------------------------------------------------------------------- inputs


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


def scan_inputs(roots: Iterable[tuple[str, Path, bool]], known: dict[str, list] | None = None,
                recorded_ns: int = 0, *, defer: bool = False, skip: Iterable[str] = ()) -> Inputs:
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


def fingerprint(inputs: Inputs, config: Config, as_of: date, options: dict[str, Any],
                leave_out: Callable[[str], bool] | None = None) -> str:
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


# --------------------------------------------------------------------------- build record


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


def output_identity(output: Path) -> list:
    """[device, inode, ctime_ns] of a folder (or a file): ctime cannot be set from user
    space, and a folder swapped in by a build gets a new one (a file written by a build,
    too), so no checkout can reproduce it."""
    try:
        st = os.stat(output)
    except OSError:
        return []
    return _identity(st)


def _identity(st: os.stat_result) -> list:
    return [st.st_dev, st.st_ino, st.st_ctime_ns]


def parsed_identity(config: Config) -> list:
    """``output_identity`` of ``parsed.json`` (the build record keeps it: see
    :func:`load_parse_cache`)."""
    return output_identity(cache_dir(config) / PARSED_FILE)


def cache_dir(config: Config) -> Path:
    return Path(config.root) / CACHE_DIR


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
            fingerprint=data["fingerprint"], output=data["output"], inputs=data["inputs"],
            inputs_ns=int(data["inputs_ns"]), manifest=data["manifest"],
            diagnostics=[Diagnostic(p, int(n), s, m) for p, n, s, m in data["diagnostics"]],
            files_read=int(data["files_read"]), pages=int(data["pages"]),
            output_id=list(data.get("output_id") or []), parsed_id=list(data.get("parsed_id") or []),
            base=str(data.get("base") or ""), view=str(data.get("view") or ""),
            people=dict(data.get("people") or {}), teams=dict(data.get("teams") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _entries(table: Any, size: int) -> bool:
    """Whether ``table`` maps text to lists of ``size`` items."""
    return isinstance(table, dict) and all(
        isinstance(k, str) and isinstance(v, list) and len(v) == size for k, v in table.items())


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
    _write_json(cache_dir(config) / BUILD_FILE, data)


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent.is_symlink():  # a checkout can bring the link: its files are not the cache's to replace
        raise NotADirectoryError(errno.ENOTDIR, "the build cache is a symbolic link, not a folder", str(path.parent))
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# okrsite's build cache: safe to delete\n*\n", encoding="utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


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


def output_matches(output: Path, manifest: dict[str, list], *, verify: bool = False,
                   seen: dict[str, list] | None = None) -> bool:
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
    if record.output != output_key(config, output) or output.is_symlink() or not output.is_dir():
        return None
    if record.output_id and record.output_id == output_identity(output):
        return record.manifest if output_matches(output, record.manifest) else None
    if work_tree(Path(config.root)) is None or from_checkout(cache_dir(config)) or from_checkout(output):
        return None  # outside a git checkout, a committed folder cannot be told from a restored one
    seen: dict[str, list] = {}
    return seen if output_matches(output, record.manifest, verify=True, seen=seen) else None


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
        proc = subprocess.run(["git", "-C", str(top), "ls-files", "-z", "--cached", "--",
                               folder.relative_to(top).as_posix() if folder != top else "."],
                              capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return True  # no git to ask: a committed folder cannot be told from a restored one
    return proc.returncode != 0 or bool(proc.stdout)


# --------------------------------------------------------------------------- parse cache
#
# A parsed file as JSON: a mapping is ["D", line, key, key line, value line, value, ...],
# a list ["L", line, [item lines], [items]]; scalars (text, numbers, true/false, null)
# stand for themselves. Keys keep their YAML type (a list, unlike a JSON object, can
# hold a number as a key).


# scalars as YAML (and JSON) give them, which stand for themselves: most values of a
# parsed file are these, so the functions below look at them without a call of their own
# (a helper call per value is the cost this avoids)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def encode_value(value: Any) -> Any:
    if isinstance(value, LineDict):
        out: list = ["D", value.line]
        kl, vl = value.key_lines, value.value_lines
        for k, v in value.items():
            out.extend((k, kl.get(k), vl.get(k), v if type(v) in _SCALARS else encode_value(v)))
        return out
    if isinstance(value, LineList):
        return ["L", value.line, list(value.item_lines),
                [v if type(v) in _SCALARS else encode_value(v) for v in value]]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode_value(value: Any) -> Any:
    if type(value) is list:
        if value[0] == "D":
            d = LineDict(value[1])
            kl, vl = d.key_lines, d.value_lines
            for i in range(2, len(value), 4):
                k, v = value[i], value[i + 3]
                d[k] = v if type(v) in _SCALARS else decode_value(v)
                if value[i + 1] is not None:
                    kl[k] = value[i + 1]
                if value[i + 2] is not None:
                    vl[k] = value[i + 2]
            return d
        if value[0] != "L":
            raise ValueError("not a cached list")
        lst = LineList(value[1])
        lst.item_lines = list(value[2])
        lst.extend([v if type(v) in _SCALARS else decode_value(v) for v in value[3]])
        return lst
    if isinstance(value, dict):
        raise ValueError("not a cached value")
    return value


def encode_parsed(p: Parsed) -> list:
    return [None if p.meta is None else encode_value(p.meta), p.body, p.body_line,
            [list(x) for x in p.problems]]


def decode_parsed(raw: list) -> Parsed:
    """A Parsed from its JSON form; ValueError (or TypeError) when it is not one."""
    meta, body, body_line, problems = raw
    meta = None if meta is None else decode_value(meta)
    if (meta is not None and not isinstance(meta, LineDict)) or not isinstance(body, str) \
            or type(body_line) is not int or not all(isinstance(x, list) and len(x) == 3 for x in problems):
        raise ValueError("not a cached parse")
    return Parsed(meta, body, body_line, [tuple(x) for x in problems])


def pack_parsed(p: Parsed) -> str:
    """A Parsed as the JSON text of its encoded form (TypeError when it holds a value
    that cannot be cached)."""
    return json.dumps(encode_parsed(p), separators=(",", ":"))


def unpack_parsed(text: Any) -> Parsed:
    """The Parsed of :func:`pack_parsed`'s text; ValueError (or TypeError) when it is not one."""
    if not isinstance(text, str):
        raise ValueError("not a cached parse")
    return decode_parsed(json.loads(text))


class PackedEntries(dict):
    """The parsed files of one build, each kept as its JSON text (:func:`pack_parsed`,
    the form ``parsed.json`` stores) and decoded again at every ``get``.

    Why not the objects: the loader keeps some of a parsed file (its strings) and drops
    the rest. Parses held as objects until loading ends leave, when they go, holes
    between the model's objects that the process cannot give back: the resident memory
    of a loaded site roughly doubles, and every rendering process forked from it
    copies what it touches of that sparser memory. Decoded
    where the loader uses it, a parse's leftovers are freed at once, and the next
    file's objects fill their place; a packed entry is one string, which
    ``malloc_trim`` can return. With ``packs`` false, values are stored as given (the
    rendered bodies, which the model keeps anyway). ``dict(entries)`` copies the
    packed values; :meth:`put_packed` stores one."""

    __slots__ = ("packs",)

    def __init__(self, packs: bool = True) -> None:
        super().__init__()
        self.packs = packs

    def get(self, key, default=None):
        value = dict.get(self, key)
        if value is None:
            return default
        return unpack_parsed(value) if self.packs else value

    def __setitem__(self, key, value) -> None:
        if self.packs:
            try:
                value = pack_parsed(value)
            except (TypeError, ValueError):  # not cacheable: parsed again when asked for
                return
        dict.__setitem__(self, key, value)

    def put_packed(self, key, value) -> None:
        """Store a value as ``dict(entries)`` gives it (packed when ``packs``)."""
        dict.__setitem__(self, key, value)

    def holds(self, key) -> bool:
        """Whether ``get(key)`` would find something (without decoding it)."""
        return key in self


class LazyEntries(PackedEntries):
    """PackedEntries that fall back, in ``get``, to the raw entries read from disk
    (keyed by the ``repr`` of the real key), decoding each one the first time it is
    asked for. ``load.ParseCache`` only uses ``get`` and item assignment, whatever its
    keys are made of."""

    __slots__ = ("raw", "decode", "raw_used")

    def __init__(self, raw: dict[str, Any], decode, packs: bool = False):
        super().__init__(packs)
        self.raw, self.decode = raw, decode
        self.raw_used: dict[str, Any] = {}  # repr(key) -> raw entry, for saving without re-encoding

    def holds(self, key) -> bool:
        return key in self or repr(key) in self.raw

    def get(self, key, default=None):
        try:
            value = super().get(key)
        except TypeError:  # unhashable: never cached
            return default
        if value is not None:
            return value
        text = repr(key)
        raw = self.raw.get(text)
        if raw is None:
            return default
        try:
            value = self.decode(raw)
        except (ValueError, TypeError, IndexError, KeyError):
            return default
        if self.packs:
            self.put_packed(key, raw)  # the raw entry is the packed form
        else:
            self[key] = value
        self.raw_used[text] = raw
        return value


def load_parse_cache(config: Config, own: list | None = None) -> ParseCache:
    """A ParseCache primed with ``parsed.json`` (empty when there is none or it is stale).
    ``own``: the file's identity as the last build recorded it (``BuildRecord.parsed_id``)."""
    cache = ParseCache()
    raw_parsed: dict = {}
    raw_html: dict = {}
    trusted = False
    try:
        with open(cache_dir(config) / PARSED_FILE, "rb") as fh:
            trusted = bool(own) and _identity(os.fstat(fh.fileno())) == own
            data = json.loads(fh.read())
        if data.get("format") == FORMAT:
            if data.get("parsed code") == part_digest("parsed") and isinstance(data["parsed"], dict):
                raw_parsed = data["parsed"]
            if data.get("html code") == part_digest("html") and isinstance(data["html"], dict):
                raw_html = data["html"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    cache.parsed = LazyEntries(raw_parsed, unpack_parsed, packs=True)
    # Cached HTML is sanitised again when used (nh3's output is stable under sanitising,
    # so the bytes do not change): the cache folder sits in the repository, and a pull
    # request could commit one whose HTML was never sanitised (issue 8, docs/security.md).
    # Unless the file is the very one the last build on this machine wrote (its inode and
    # change time, which no checkout can reproduce, as for the output folder): its HTML
    # was sanitised when it was made.
    if trusted:
        cache.html = OwnEntries(raw_html, lambda raw: raw if isinstance(raw, str) else _bad())
    else:
        cache.html = LazyEntries(raw_html, lambda raw: sanitise(raw) if isinstance(raw, str) else _bad())
    return cache


class OwnEntries(LazyEntries):
    """The cached HTML of ``parsed.json`` as this machine's last build wrote it."""

    __slots__ = ()


def own_cache_file(cache: ParseCache, written: bool) -> bool:
    """Whether ``parsed.json``, after :func:`save_parse_cache` (which ``written`` it, or
    kept the file it was loaded from), holds only what builds on this machine made, so
    that the build record may vouch for it: a file it did not write must have been
    trusted when loaded (else a committed file would be vouched for once a build had
    used it)."""
    return written or isinstance(cache.html, OwnEntries)


def _bad():
    raise ValueError("not a cached value")


def save_parse_cache(config: Config, cache: ParseCache) -> bool:
    """Write the entries of this build: the files it parsed, or found in the file (files
    that are gone are forgotten), in key order. Returns False when nothing new was added
    (the file is kept as is)."""
    parsed, html = cache.parsed, cache.html
    if isinstance(parsed, LazyEntries) and isinstance(html, LazyEntries):
        if (len(parsed) == len(parsed.raw_used) == len(parsed.raw)
                and len(html) == len(html.raw_used) == len(html.raw)):
            return False  # every entry came from the file, and every one was used
    out_parsed: dict[str, Any] = {}
    used = getattr(parsed, "raw_used", {})
    packed = isinstance(parsed, PackedEntries) and parsed.packs
    for key, value in parsed.items():  # values as stored: packed ones are already the JSON text
        text = repr(key)
        raw = used.get(text)
        if raw is None:
            if packed:
                raw = value
            else:
                try:
                    raw = pack_parsed(value)
                except (TypeError, ValueError):
                    continue
        out_parsed[text] = raw
    out_html = {repr(key): value for key, value in html.items()}
    # in key order: the file does not depend on the order the entries were asked for
    _write_json(cache_dir(config) / PARSED_FILE,
                {"format": FORMAT, "parsed code": part_digest("parsed"), "html code": part_digest("html"),
                 "parsed": dict(sorted(out_parsed.items())), "html": dict(sorted(out_html.items()))})
    return True
