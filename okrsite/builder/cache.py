"""The build cache (I/O edge): ``<site root>/.okrsite-cache/``, plain JSON, never pickle.

The folder (git-ignored) holds two files, each replaced atomically (written beside,
then renamed): ``build.json``, what the last successful build read and wrote
(``okrsite.builder.record``, with the input scan of ``okrsite.builder.scan``), and
``parsed.json``, every content file parsed and every body rendered
(``okrsite.builder.parsecache``). This module holds what they share: where the folder
is, the format, and the digests of the code that makes their entries. Anything
unreadable, of another format or written by other code (another okrsite version, other
library versions) is ignored: the build then starts cold.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..core.model import Config

CACHE_DIR = ".okrsite-cache"
FORMAT = 3  # 2: parsed files stored as JSON text; 3: pages' dependencies
LIBRARIES = (
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "mdit-py-plugins",
    "nh3",
    "pyyaml",
    "pagefind",
    "pagefind_bin",
    "python-slugify",
    "text-unidecode",
    "orjson",
    "cbor2",
)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


_CODE: str | None = None
_PART_CODES: dict[str, str] = {}
# what each half of parsed.json depends on: its module and the libraries it calls
PACKAGE = Path(__file__).resolve().parent.parent  # okrsite/
PARTS = {
    "parsed": ("core/parse.py", ("pyyaml",)),
    "html": ("core/markdown.py", ("markdown-it-py", "mdit-py-plugins", "nh3")),
    "text": ("site/search.py", ()),  # search-text.json (searchindex.TextCache)
}


def part_digest(part: str) -> str:
    """The code that makes one kind of cached entries (parsed.json's two kinds, the search
    text): a change to any other module keeps them (they are the output of
    ``parse.parse``, ``Markdown.render`` or ``search.html_to_text`` alone)."""
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


def output_identity(output: Path) -> list:
    """[device, inode, ctime_ns] of a folder (or a file): ctime cannot be set from user
    space, and a folder swapped in by a build gets a new one (a file written by a build,
    too), so no checkout can reproduce it."""
    try:
        st = os.stat(output)
    except OSError:
        return []
    return identity_of(st)


def identity_of(st: os.stat_result) -> list:
    return [st.st_dev, st.st_ino, st.st_ctime_ns]


def cache_dir(config: Config) -> Path:
    return Path(config.root) / CACHE_DIR


def write_json(path: Path, data: Any) -> None:
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
