"""Export step: the computed site as ``okrs.json`` (contract section 10). Pure."""

from __future__ import annotations

import json
from json.encoder import encode_basestring

from . import urls
from .model import KeyResult, Objective, Site


def _num(value: float | None, digits: int | None = None):
    """Plain JSON numbers: 450 stays 450, 0.1+0.2 becomes 0.3 when rounded."""
    if value is None:
        return None
    if digits is not None and isinstance(value, float):
        value = round(value, digits)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value) if digits is None else value
    return value


def _date(d):
    return d.isoformat() if d is not None else None


def _text(value: str) -> str | None:
    """An optional text field: ``null`` when absent (contract section 10), never ``""``."""
    return value or None


def _refs(refs) -> list[str]:
    return [r.target for r in refs if r.target is not None]


def key_result_data(kr: KeyResult) -> dict:
    return {
        "ref": kr.ref,
        "id": kr.id,
        "title": kr.title,
        "type": kr.type,
        "start": _num(kr.start),
        "target": _num(kr.target),
        "unit": _text(kr.unit),
        "current": _num(kr.current),
        "commitment": kr.commitment,
        "progress": _num(kr.progress, 6),
        "status": kr.status,
        "colour": kr.colour,
        "stale": kr.stale,
        "score": _num(kr.score, 6),
        "last_update": _date(kr.last_update),
        "aligns_to": _refs(kr.aligns_to),
        "contributors": list(kr.contributors),
    }


def objective_data(obj: Objective) -> dict:
    return {
        "ref": obj.ref,
        "team": obj.team,
        "period": obj.period,
        "id": obj.id,
        "title": obj.title,
        "owner": _text(obj.owner),
        "commitment": obj.commitment,
        "url": urls.objective(obj.team, obj.period, obj.id),
        "aligns_to": _refs(obj.aligns_to),
        "depends_on": _refs(obj.depends_on),
        "progress": _num(obj.progress, 6),
        "status": obj.status,
        "colour": obj.colour,
        "score": _num(obj.score, 6),
        "key_results": [key_result_data(kr) for kr in obj.key_results],
    }


def export_data(site: Site) -> dict:
    return {
        "as_of": site.as_of.isoformat(),
        "current_period": site.current_period,
        "periods": [
            {"id": p.id, "start": p.start.isoformat(), "end": p.end.isoformat(), "label": p.label}
            for p in site.periods.values()
        ],
        "teams": [
            {
                "id": t.id,
                "name": t.name,
                "parent": t.parent,
                "url": urls.team(t.id),
                "counts": t.counts,
                "kr_counts": t.kr_counts,
            }
            for t in sorted(site.teams.values(), key=lambda t: t.id)
        ],
        "objectives": [objective_data(o) for _, o in sorted(site.objectives.items())],
        "checkins": [
            {
                "team": c.team,
                "period": c.period,
                "date": c.date.isoformat(),
                "author": _text(c.author),
                "url": urls.checkin(c.team, c.period, c.name),
                "help": list(c.help),
            }
            for c in sorted(site.checkins, key=lambda c: (c.team, c.period, c.date, c.name))
        ],
    }


def export_json(site: Site, data: dict | None = None) -> bytes:
    """``okrs.json``; ``data``: ``export_data(site)`` when already made."""
    return (dumps(data if data is not None else export_data(site)) + "\n").encode("utf-8")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


_CONSTANTS = {True: "true", False: "false", None: "null"}


def _key(key) -> str:
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return _CONSTANTS[key]
    if isinstance(key, float):
        return _float(key)
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


_SCALARS = {str: encode_basestring, int: int.__repr__, float: _float,
            bool: _CONSTANTS.__getitem__, type(None): _CONSTANTS.__getitem__}
# Parts joined into one piece at a time: millions of small strings alive at once (the
# whole of okrs.json in parts) raise the peak memory of a large build, likely from the
# holes they leave in the main process's memory, which every rendering process forked
# from it carries. Pieces of 10,000 parts are a few hundred kB each.
_FLUSH = 10_000


def dumps(data) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, the same characters, in a
    fraction of the time: with ``indent``, CPython encodes in pure Python through nested
    generators, and ``okrs.json`` of a large organisation is tens of megabytes of it.
    Here each scalar costs one lookup of its type, and
    strings go through the C ``encode_basestring`` that ``json`` itself uses. Anything
    but plain dicts, lists, tuples, strings, numbers, booleans and None (subclasses
    included) is handed to ``json.dumps`` itself, which raises TypeError for what it
    cannot encode."""
    pieces: list[str] = []  # the text so far, in pieces of about FLUSH parts
    parts: list[str] = []
    scalars = _SCALARS

    def put(part: str) -> None:
        parts.append(part)
        if len(parts) >= _FLUSH:
            pieces.append("".join(parts))
            parts.clear()

    text = encode_basestring
    names: dict[str, str] = {}  # key -> its text and ": " (records repeat the same few keys)

    def encode(o, level: int) -> None:
        enc = scalars.get(type(o))
        if enc is not None:
            put(enc(o))
            return
        kind = type(o)
        if kind is not dict and kind is not list and kind is not tuple:
            # json's own rules, at this depth (its output has no newline inside strings)
            put(json.dumps(o, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level))
            return
        if not o:
            put("{}" if kind is dict else "[]")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "," + inner
        if kind is dict:
            head = "{" + inner
            for k, v in o.items():
                if type(k) is str:  # only these: 1, 1.0 and True are one key to a dict
                    name = names.get(k) or names.setdefault(k, text(k) + ": ")
                else:
                    name = text(_key(k)) + ": "
                enc = scalars.get(type(v))
                if enc is not None:
                    put(head + name + enc(v))
                else:
                    put(head + name)
                    encode(v, level + 1)
                head = sep
            put("\n" + "  " * level + "}")
        else:
            head = "[" + inner
            for v in o:
                enc = scalars.get(type(v))
                if enc is not None:
                    put(head + enc(v))
                else:
                    put(head)
                    encode(v, level + 1)
                head = sep
            put("\n" + "  " * level + "]")

    encode(data, 0)
    pieces.append("".join(parts))
    return "".join(pieces)
