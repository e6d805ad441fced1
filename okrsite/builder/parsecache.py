"""The parse cache (I/O edge): every content file parsed and every body rendered to HTML,
kept across builds: by ``okrsite serve`` in memory, by ``okrsite build`` in
``<site root>/.okrsite-cache/parsed.json``, so that a build after a change parses YAML
and renders Markdown only for the files that changed.

Parses are keyed by the file's digest and the parse limits, rendered bodies by the
body's digest. Each half of parsed.json is kept as long as the module that makes it
(parse.py, markdown.py) and its libraries are the same, whatever else changes in
okrsite. A parsed file is stored as the text of its JSON form (a JSON string inside the
file, :func:`pack_parsed`), decoded the first time a build asks for it, so an unchanged
file costs a dict lookup and a JSON-to-objects conversion, not a YAML parse.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from ..core.markdown import sanitise
from ..core.model import Config, LimitsConfig
from ..core.parse import LineDict, LineList, Parsed
from .cache import FORMAT, cache_dir, identity_of, output_identity, part_digest, write_json

PARSED_FILE = "parsed.json"

## A parsed file as JSON: a mapping is ["D", line, key, key line, value line, value, ...],
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
        return ["L", value.line, list(value.item_lines), [v if type(v) in _SCALARS else encode_value(v) for v in value]]
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
    return [None if p.meta is None else encode_value(p.meta), p.body, p.body_line, [list(x) for x in p.problems]]


def decode_parsed(raw: list) -> Parsed:
    """A Parsed from its JSON form; ValueError (or TypeError) when it is not one."""
    meta, body, body_line, problems = raw
    meta = None if meta is None else decode_value(meta)
    if (
        (meta is not None and not isinstance(meta, LineDict))
        or not isinstance(body, str)
        or type(body_line) is not int
        or not all(isinstance(x, list) and len(x) == 3 for x in problems)
    ):
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


ParseKey = tuple[bytes, bool, tuple[int, int]]
HtmlKey = tuple[bytes, bool]


def parse_key(data: bytes, limits: LimitsConfig) -> ParseKey:
    """A file's bytes and the parse limits (the same bytes may be fine under one
    okrsite.yaml and too deep under another)."""
    return (hashlib.blake2b(data, digest_size=20).digest(), True, (limits.max_yaml_depth, limits.max_yaml_nodes))


def html_key(body: str, allow_html: bool) -> HtmlKey:
    return (hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=20).digest(), allow_html)


class ParseCache:
    """Parsed files (``parsed``) and rendered bodies (``html``) by digest. ``stored`` and
    ``stored_html`` hold the entries of ``parsed.json`` (by the ``repr`` of their key),
    taken into the first two when a build asks for them; ``stored`` also receives the
    JSON form of new parses that come packed (from the parsing processes), so that
    saving need not encode them again. Stored HTML is sanitised again when taken unless
    ``own`` (the file is the very one this machine's last build wrote)."""

    def __init__(
        self, stored: dict[str, Any] | None = None, stored_html: dict[str, Any] | None = None, own: bool = True
    ) -> None:
        self.parsed: dict[ParseKey, Parsed] = {}
        self.html: dict[HtmlKey, str] = {}
        self.stored: dict[str, Any] = stored or {}
        self.stored_html: dict[str, Any] = stored_html or {}
        self.own = own
        self.loaded = (len(self.stored), len(self.stored_html))  # entries read from parsed.json
        self.added = 0  # entries parsed or rendered here, not taken from parsed.json

    def get(self, key: ParseKey) -> Parsed | None:
        hit = self.parsed.get(key)
        if hit is None and self.stored:
            text = self.stored.get(repr(key))
            if text is not None:
                try:
                    hit = self.parsed[key] = unpack_parsed(text)
                except (ValueError, TypeError, IndexError, KeyError):
                    del self.stored[repr(key)]
        return hit

    def put(self, key: ParseKey, parsed: Parsed, packed: str | None = None) -> None:
        self.parsed[key] = parsed
        self.added += 1
        if packed is not None:
            self.stored[repr(key)] = packed

    def get_html(self, key: HtmlKey) -> str | None:
        hit = self.html.get(key)
        if hit is None and self.stored_html:
            raw = self.stored_html.get(repr(key))
            if isinstance(raw, str):
                hit = self.html[key] = raw if self.own else sanitise(raw)
        return hit

    def put_html(self, key: HtmlKey, html: str) -> None:
        self.html[key] = html
        self.added += 1

    def prune(self, keep_data: list[bytes]) -> None:
        """Forget entries of files that no longer exist (bounded memory in serve)."""
        digests = {hashlib.blake2b(d, digest_size=20).digest() for d in keep_data}
        self.parsed = {k: v for k, v in self.parsed.items() if k[0] in digests}
        bodies = {html_key(p.body, False)[0] for p in self.parsed.values()}
        self.html = {k: v for k, v in self.html.items() if k[0] in bodies}


def load_parse_cache(config: Config, own: list | None = None) -> ParseCache:
    """A ParseCache primed with ``parsed.json`` (empty when there is none or it is stale).
    ``own``: the file's identity as the last build recorded it (``BuildRecord.parsed_id``)."""
    raw_parsed: dict = {}
    raw_html: dict = {}
    trusted = False
    try:
        with open(cache_dir(config) / PARSED_FILE, "rb") as fh:
            trusted = bool(own) and identity_of(os.fstat(fh.fileno())) == own
            data = json.loads(fh.read())
        if data.get("format") == FORMAT:
            if data.get("parsed code") == part_digest("parsed") and isinstance(data["parsed"], dict):
                raw_parsed = data["parsed"]
            if data.get("html code") == part_digest("html") and isinstance(data["html"], dict):
                raw_html = data["html"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    # Cached HTML is sanitised again when used (nh3's output is stable under sanitising,
    # so the bytes do not change): the cache folder sits in the repository, and a pull
    # request could commit one whose HTML was never sanitised (issue 8, docs/security.md).
    # Unless the file is the very one the last build on this machine wrote (its inode and
    # change time, which no checkout can reproduce, as for the output folder): its HTML
    # was sanitised when it was made.
    return ParseCache(raw_parsed, raw_html, own=trusted)


def parsed_identity(config: Config) -> list:
    """``output_identity`` of ``parsed.json`` (the build record keeps it: see
    :func:`load_parse_cache`)."""
    return output_identity(cache_dir(config) / PARSED_FILE)


def own_cache_file(cache: ParseCache, written: bool) -> bool:
    """Whether ``parsed.json``, after :func:`save_parse_cache` (which ``written`` it, or
    kept the file it was loaded from), holds only what builds on this machine made, so
    that the build record may vouch for it: a file it did not write must have been
    trusted when loaded (else a committed file would be vouched for once a build had
    used it)."""
    return written or cache.own


def save_parse_cache(config: Config, cache: ParseCache) -> bool:
    """Write the entries this build used (files that are gone are forgotten), in key
    order. Returns False when nothing new was added and every entry of the file was used
    (the file is kept as is)."""
    if not cache.added and (len(cache.parsed), len(cache.html)) == cache.loaded:
        return False
    out_parsed: dict[str, Any] = {}
    for key, value in cache.parsed.items():
        text = repr(key)
        raw = cache.stored.get(text)
        if raw is None:
            try:
                raw = pack_parsed(value)
            except (TypeError, ValueError):  # not cacheable: parsed again next time
                continue
        out_parsed[text] = raw
    out_html = {repr(key): value for key, value in cache.html.items()}
    # in key order: the file does not depend on the order the entries were asked for
    write_json(
        cache_dir(config) / PARSED_FILE,
        {
            "format": FORMAT,
            "parsed code": part_digest("parsed"),
            "html code": part_digest("html"),
            "parsed": dict(sorted(out_parsed.items())),
            "html": dict(sorted(out_html.items())),
        },
    )
    return True
