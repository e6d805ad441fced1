"""The search index of a site: its records (``okrsite.site.search``), part by part, as
Pagefind bundles, reusing the bundle of every part whose records did not change.

One Pagefind bundle per part (``search.partition``): what has no single period (teams,
people) in ``pagefind/`` with Pagefind's code, each period's records in
``pagefind/periods/<period id>/``. The search page loads the first and merges the others
(Pagefind's ``mergeIndex``), listed in ``pagefind/okrsite-bundles.json``. A part of more
than ``RUN_RECORDS`` records is indexed in several runs (``<part>/1/``, ``<part>/2/``…),
each a bundle of its own, so indexing memory stays bounded whatever the size of a period.

Each part is keyed by a digest of its records (as Pagefind receives them), of Pagefind's
version and of how a part is indexed (``part_key``); ``pagefind/okrsite-parts.json``
lists the keys. A build given the last index (``LastOutput``: the last build's output
folder as its cache manifest vouches for it; ``LastFiles``: the preview server's last
bundle in memory) takes an unchanged part's files from it and runs Pagefind only for the
parts that changed. Pagefind's output is made canonical (``_canonical_filters``), so a
part's bytes depend only on its records: an incremental index is the cold one, byte for
byte.

This is the edge: it runs Pagefind (the ``pagefind`` Python package driving the
``pagefind_bin`` binary, no network) and reads the last output.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import hashlib
import json
import os
import re
import threading
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

import cbor2

from ..core.model import Config, Site
from .cache import cache_dir, digest, part_digest, write_json
from ..site.search import LANGUAGE, ORG_PART, Record, html_to_text, partition, records

__all__ = [
    "OUTPUT_DIR",
    "BUNDLES_FILE",
    "PARTS_FILE",
    "RUN_RECORDS",
    "SearchError",
    "Previous",
    "LastFiles",
    "LastOutput",
    "part_dir",
    "build_index",
    "index_files",
    "TextCache",
    "load_texts",
    "save_texts",
]

OUTPUT_DIR = "pagefind"
# At most this many records per Pagefind run. Pagefind's memory while it writes a
# bundle grows with the words it indexed: a large part is indexed in several runs, one
# after the other, each a bundle the search page merges (Pagefind's mergeIndex), so
# indexing memory stays bounded whatever the size of the site.
RUN_RECORDS = 4000
BUNDLES_FILE = "okrsite-bundles.json"  # {"merge": ["1/", "periods/2026-Q4/", ...]}: the extra bundles
PARTS_FILE = "okrsite-parts.json"  # {"format": FORMAT, "parts": {part folder: key}}
PERIODS_DIR = "periods/"  # a period's part: pagefind/periods/<period id>/
FORMAT = 1  # what a part's bundle is made of: change it when the way to make one changes

# Files of the Pagefind bundle the search page needs. Left out: Pagefind's own UIs and
# wasm.unknown.pagefind (every record is indexed as English, so only wasm.en is loaded).
# Extra bundles (merged into the first) need only their index: their code is the first's.
_BUNDLE_KEEP = re.compile(
    r"^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|wasm\.en\.pagefind"
    r"|index/[^/]+|fragment/[^/]+|filter/[^/]+)$"
)
_MERGED_KEEP = re.compile(r"^(pagefind-entry\.json|pagefind\.[^/]+\.pf_meta|index/[^/]+|fragment/[^/]+|filter/[^/]+)$")


class SearchError(Exception):
    """The search index could not be built (Pagefind missing or failing)."""


def part_dir(part: str) -> str:
    """The folder of a part's bundle inside ``pagefind/``: "" for ``ORG_PART`` (the
    first bundle), ``periods/<id>/`` for a period's."""
    return "" if part == ORG_PART else f"{PERIODS_DIR}{part}/"


def _in_part(path: str, prefix: str) -> bool:
    """Whether an output path is a file of the part in folder ``prefix`` (its runs'
    folders included; the first bundle's folder holds the periods' and the lists too)."""
    root = f"{OUTPUT_DIR}/{prefix}"
    if not path.startswith(root):
        return False
    rest = path[len(root) :]
    return bool(prefix) or not (rest.startswith(PERIODS_DIR) or rest in (BUNDLES_FILE, PARTS_FILE))


@functools.cache
def _maker() -> str:
    """What turns documents into a bundle: Pagefind's version and this module's code."""
    versions = []
    for name in ("pagefind", "pagefind_bin"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    versions.append(hashlib.sha256(Path(__file__).read_bytes()).hexdigest())
    return ", ".join(versions)


def part_key(docs: list[tuple[str, str]], run_records: int, first: bool) -> str:
    """A part's key: the digest of what its bundle is made from (the records' URLs and
    documents, in order), of what makes it (``_maker``) and of how it is split into runs."""
    h = hashlib.sha256(json.dumps([FORMAT, _maker(), LANGUAGE, run_records, first]).encode("utf-8"))
    for url, doc in docs:
        h.update(b"\0%d:%s\0%d:%s" % (len(url), url.encode("utf-8"), len(doc), doc.encode("utf-8")))
    return h.hexdigest()


# --------------------------------------------------------------------------- the last index


class Previous:
    """The last index, to take unchanged parts from: nothing, here."""

    def keys(self) -> dict[str, str]:
        """{part folder: key} of the last index."""
        return {}

    def files(self, prefix: str) -> dict[str, bytes] | None:
        """The files of the part in folder ``prefix`` as the last index holds them, or
        None when they cannot be had as they were written."""
        return None


def _keys(data: bytes | None) -> dict[str, str]:
    try:
        value = json.loads(data) if data is not None else None
    except ValueError:
        return {}
    if not isinstance(value, dict) or value.get("format") != FORMAT or not isinstance(value.get("parts"), dict):
        return {}
    return {k: v for k, v in value["parts"].items() if isinstance(k, str) and isinstance(v, str)}


class LastFiles(Previous):
    """The last index in memory (``okrsite serve`` keeps its last bundle)."""

    def __init__(self, files: Mapping[str, bytes] | None) -> None:
        self._files = files or {}

    def keys(self) -> dict[str, str]:
        return _keys(self._files.get(f"{OUTPUT_DIR}/{PARTS_FILE}"))

    def files(self, prefix: str) -> dict[str, bytes] | None:
        return {p: d for p, d in self._files.items() if _in_part(p, prefix)} or None


class LastOutput(Previous):
    """The last build's output folder, as the build record's manifest (``record``, from
    the build cache) vouches for it: a file is taken only when its bytes have the digest
    the last build wrote, and nothing is taken from a folder or cache that a git checkout
    may have brought (a pull request can commit them: ``record.output_origin``, the rule
    ``record.trusted_output`` follows too)."""

    def __init__(self, config, output: Path, record) -> None:
        self._config, self._output, self._record = config, Path(output), record
        self._trusted: bool | None = None

    def _trust(self) -> bool:
        if self._trusted is None:
            from .record import output_origin

            record = self._record  # each file taken is checked against its digest (_read)
            self._trusted = bool(record is not None and record.manifest) and (
                output_origin(self._config, self._output, record) is not None
            )
        return self._trusted

    def _read(self, path: str) -> bytes | None:
        entry = self._record.manifest.get(path)
        if not entry:
            return None
        try:
            with open(self._output / path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        return data if len(data) == entry[0] and digest(data) == entry[2] else None

    def keys(self) -> dict[str, str]:
        return _keys(self._read(f"{OUTPUT_DIR}/{PARTS_FILE}")) if self._trust() else {}

    def files(self, prefix: str) -> dict[str, bytes] | None:
        if not self._trust():
            return None
        out = {}
        for path in sorted(p for p in self._record.manifest if _in_part(p, prefix)):
            data = self._read(path)
            if data is None:
                return None
            out[path] = data
        return out or None


# --------------------------------------------------------------------------- the index


def build_index(
    recs: Iterable[Record],
    run_records: int | None = None,
    *,
    periods: Iterable[str] = (),
    previous: Previous | None = None,
) -> dict[str, bytes]:
    """The search bundle of the records as ``{"pagefind/<file>": bytes}``: one bundle
    per part (``search.partition``, periods in the order of ``periods``), each in runs
    of at most ``run_records`` records (default ``RUN_RECORDS``) dealt round-robin (one
    Pagefind process each, so its memory is freed before the next). The first part's
    first run is ``pagefind/`` (with the search page's code); every other bundle is
    listed in ``pagefind/okrsite-bundles.json`` for the search page to merge. A part whose
    key is the one ``previous`` lists is taken from it, not indexed again. The same
    records in the same order give the same bytes. Raises SearchError when Pagefind
    cannot run."""
    size = max(1, run_records or RUN_RECORDS)
    last = previous.keys() if previous is not None else {}
    out: dict[str, bytes] = {}
    merge: list[str] = []
    keys: dict[str, str] = {}
    for part, precs in partition(recs, periods).items():
        prefix = part_dir(part)
        docs = [(r.url, r.html()) for r in precs]
        del precs
        key = part_key(docs, size, not prefix)
        files = previous.files(prefix) if previous is not None and last.get(prefix) == key else None
        if files is None:
            files = _index_part(docs, size, prefix)
        del docs
        keys[prefix] = key
        merge += _bundles(files, prefix)
        out.update(files)
        del files
    out[f"{OUTPUT_DIR}/{BUNDLES_FILE}"] = json.dumps({"merge": merge}, separators=(",", ":")).encode("utf-8")
    out[f"{OUTPUT_DIR}/{PARTS_FILE}"] = json.dumps(
        {"format": FORMAT, "parts": keys}, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    return {path: out[path] for path in sorted(out)}


def _index_part(docs: list[tuple[str, str]], size: int, prefix: str) -> dict[str, bytes]:
    """Run Pagefind over one part's documents, in runs of at most ``size``: its files as
    ``{"pagefind/<prefix>[<run>/]<file>": bytes}``."""
    runs = max(1, -(-len(docs) // size))
    out: dict[str, bytes] = {}
    for k in range(runs):
        run = docs[k::runs]  # round-robin: every bundle a similar mix, so scores compare
        try:
            files = _run(lambda: _pagefind(run))
        except SearchError:
            raise
        except Exception as exc:  # noqa: BLE001 - the binary missing, crashing, or answering an error
            raise SearchError(f"Pagefind failed: {exc}") from exc
        keep = _BUNDLE_KEEP if k == 0 and not prefix else _MERGED_KEEP
        files = _canonical_filters({path: data for path, data in files.items() if keep.match(path)})
        folder = f"{OUTPUT_DIR}/{prefix}" + (f"{k}/" if k else "")
        out.update((folder + path, files[path]) for path in files)
        del files
    return out


def _bundles(files: Mapping[str, bytes], prefix: str) -> list[str]:
    """The folders (inside ``pagefind/``) of a part's bundles the search page merges, in
    the order of their runs: all but the first bundle of the site."""
    entry = "pagefind-entry.json"
    folders = [p[len(OUTPUT_DIR) + 1 : -len(entry)] for p in files if p.endswith("/" + entry)]
    runs = sorted(f for f in folders if f == prefix or f[len(prefix) : -1].isdigit())
    runs.sort(key=lambda f: int(f[len(prefix) : -1] or 0))
    return [f for f in runs if f]


def index_files(site: Site, previous: Previous | None = None, texts: "TextCache | None" = None) -> dict[str, bytes]:
    """The search bundle of a computed site: ``build_index`` of its records, the parts
    unchanged since ``previous`` taken from it, the bodies' text from ``texts``."""
    return build_index(records(site, texts or html_to_text), periods=list(site.periods), previous=previous)


# --------------------------------------------------------------------------- bodies' text

TEXT_FILE = "search-text.json"  # in the build cache: {"code": ..., "text": {key: text}}


class TextCache:
    """The plain text of bodies (``search.html_to_text``, the most costly step of making
    the records: about 6 s for 1,000 teams' 63,000 bodies), by a digest of the body's
    HTML and whether its headings count. Kept in the build cache between builds
    (:func:`load_texts`, :func:`save_texts`), so that a build after a change converts
    only the bodies that changed. An entry is a pure function of its key: the records,
    and so the index, are the same whatever the cache holds."""

    def __init__(self, stored: Mapping[str, str] | None = None) -> None:
        self.stored = stored or {}
        self.used: dict[str, str] = {}
        self.added = 0

    def __call__(self, html: str, headings: bool = True) -> str:
        if not html:
            return ""
        key = ("h" if headings else "b") + digest(html.encode("utf-8", "surrogatepass"))
        text = self.used.get(key)
        if text is None:
            text = self.stored.get(key)
            if not isinstance(text, str):
                text = html_to_text(html, headings)
                self.added += 1
            self.used[key] = text
        return text


def load_texts(config: Config) -> TextCache:
    """The cache's texts, or none: when the file is missing, unreadable, of other code,
    or one a git checkout may have brought (a committed cache is never taken: its texts
    would be in the index of every build after)."""
    from .record import from_checkout

    folder = cache_dir(config)
    try:
        with open(folder / TEXT_FILE, "rb") as fh:
            data = json.loads(fh.read())
        if data.get("code") == part_digest("text") and isinstance(data.get("text"), dict):
            if not from_checkout(folder):
                return TextCache(data["text"])
    except (OSError, ValueError, AttributeError):
        pass
    return TextCache()


def save_texts(config: Config, texts: TextCache) -> None:
    """Write the texts this build used, in key order (the file is kept as it is when
    nothing was added or left unused)."""
    if not texts.added and len(texts.used) == len(texts.stored):
        return
    write_json(cache_dir(config) / TEXT_FILE, {"code": part_digest("text"), "text": dict(sorted(texts.used.items()))})


# --------------------------------------------------------------------------- Pagefind


def _run(make_coro):
    """Run a coroutine to completion from synchronous code: here, or in a worker thread
    when this thread already runs an event loop (an application embedding okrsite)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coro())
    box: dict = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(make_coro())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=work, name="okrsite-search-index")
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _service_class():
    """Pagefind's Python service reads one reply per 0.1 s (a sleep in its polling loop)
    and refuses a reply over 2 MiB: 10 records a second, and no bundle for a large site.
    This subclass reads replies as they come, with no size limit; everything else
    (the protocol, PagefindIndex and its methods) is the package's own."""
    from pagefind.service import PagefindService

    class _Service(PagefindService):
        async def launch(self):
            self._backend = await asyncio.create_subprocess_exec(
                self._bin,
                "--service",
                cwd=os.getcwd(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                limit=2**31 - 1,
            )
            self._poll_task = self._loop.create_task(self._wait_for_responses())
            return self

        async def _wait_for_responses(self) -> None:
            assert self._backend.stdout is not None
            while True:
                try:
                    output = await self._backend.stdout.readuntil(b",")
                except asyncio.IncompleteReadError:  # the binary exited
                    for pending in self._responses.values():
                        if not pending.done():
                            pending.set_exception(SearchError("the Pagefind binary exited unexpectedly"))
                    return
                resp = json.loads(base64.b64decode(output[:-1]))
                if not resp:
                    continue
                fut = self._responses.pop(resp.get("message_id"), None)
                if fut is None or fut.done():
                    continue
                payload = resp["payload"]
                if payload.get("type") == "Error":
                    fut.set_exception(SearchError(f"Pagefind: {payload.get('message')}"))
                else:
                    fut.set_result(payload)

    return _Service


async def _pagefind(docs: list[tuple[str, str]], batch: int = 500) -> dict[str, bytes]:
    """Pagefind's bundle of the documents ``(url, html)``, as ``{path: bytes}``."""
    try:
        service_class = _service_class()
        service = service_class()
    except (ImportError, FileNotFoundError) as exc:
        raise SearchError(f"Pagefind is not installed ({exc}): pip install 'pagefind[bin]'") from exc
    await service.launch()
    try:
        index = await service.create_index({"force_language": LANGUAGE})
        # in order, a batch at a time: the service handles messages one by one, in order,
        # so page numbers (and the index) follow the records' order
        for start in range(0, len(docs), batch):
            await asyncio.gather(
                *(index.add_html_file(content=doc, url=url) for url, doc in docs[start : start + batch])
            )
        files = await index.get_files()
        return {f["path"]: f["content"] for f in files}
    finally:
        await service.close()


# --------------------------------------------------------------------------- determinism

# Pagefind keeps filters in hash maps seeded at random, so the values inside each
# filter file, and the list of filter files in the metadata, come out in a different
# order on every run (index, fragment and word files do not). The browser does not care
# about that order; byte-for-byte builds do. So the filter files and the metadata are
# decoded, sorted and encoded again, and renamed by the hash of their new content.

_SIGNATURE = b"pagefind_dcd"


def _canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle with its filter files and metadata in a canonical order. Anything
    not understood (a future Pagefind format) leaves the bundle exactly as it was."""
    entry_name = "pagefind-entry.json"
    if entry_name not in files:
        return files
    entry = json.loads(files[entry_name])
    out = dict(files)
    renamed: dict[str, str] = {}  # old filter hash -> new
    for path in sorted(p for p in files if p.startswith("filter/") and p.endswith(".pf_filter")):
        value = _decode_dcd(files[path])
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], list)):
            return files
        name, values = value
        data = _encode_dcd([name, sorted(values, key=lambda v: v[0])])
        old = path[len("filter/") : -len(".pf_filter")]
        new = f"{old.split('_', 1)[0]}_{_hash(data)[:7]}"
        del out[path]
        out[f"filter/{new}.pf_filter"] = data
        renamed[old] = new
    if not renamed:
        return files
    for lang, info in entry.get("languages", {}).items():
        meta_path = f"pagefind.{info['hash']}.pf_meta"
        meta = _decode_dcd(files[meta_path]) if meta_path in files else None
        at = _meta_filters_position(meta, renamed)
        if at is None:
            return files
        assert meta is not None  # _meta_filters_position found the filters in it
        meta[at] = sorted(([f, renamed[h]] for f, h in meta[at]), key=lambda fh: fh[0])
        data = _encode_dcd(meta)
        new_hash = f"{lang}_{_hash(data)[:10]}"
        del out[meta_path]
        out[f"pagefind.{new_hash}.pf_meta"] = data
        info["hash"] = new_hash
    out[entry_name] = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return out


def _meta_filters_position(meta, renamed: dict[str, str]) -> int | None:
    """Where the metadata lists the filter files: a list of [filter name, hash] pairs
    whose hashes are the filter files' (empty when there are no filters)."""
    if not isinstance(meta, list):
        return None
    for i, item in enumerate(meta):
        if (
            isinstance(item, list)
            and item
            and all(isinstance(x, list) and len(x) == 2 for x in item)
            and all(isinstance(x[1], str) and x[1] in renamed for x in item)
        ):
            return i
    return None


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode_dcd(data: bytes):
    """A gzipped Pagefind data file: the signature, then one CBOR value (cbor2), or None
    when it is not one that cbor2 writes back byte for byte (then the file is left as
    Pagefind wrote it)."""
    try:
        raw = gzip.decompress(data)
    except OSError:
        raw = data
    if not raw.startswith(_SIGNATURE):
        return None
    try:
        value = cbor2.loads(raw[len(_SIGNATURE) :])
        if _SIGNATURE + cbor2.dumps(value) != raw:  # also: anything after the value
            return None
    except (cbor2.CBORError, ValueError, TypeError):
        return None
    return value


def _encode_dcd(value) -> bytes:
    """The signature and ``value`` in CBOR: definite lengths and the shortest heads, as
    Pagefind writes its filter and metadata files (lists, text, byte strings, integers)."""
    return gzip.compress(_SIGNATURE + cbor2.dumps(value), compresslevel=6, mtime=0)
