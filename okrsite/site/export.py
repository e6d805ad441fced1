"""Export step: the computed site as ``okrs.json`` (contract section 10). Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

from ..core import urls
from ..core.model import KeyResult, Objective, Ref, Site


def _num(value: float | None, digits: int | None = None) -> float | None:
    """Plain JSON numbers: 450 stays 450, 0.1+0.2 becomes 0.3 when rounded."""
    if value is None:
        return None
    if digits is not None and isinstance(value, float):
        value = round(value, digits)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value) if digits is None else value
    return value


def _date(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _text(value: str) -> str | None:
    """An optional text field: ``null`` when absent (contract section 10), never ``""``."""
    return value or None


def _refs(refs: Iterable[Ref]) -> list[str]:
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


def team_json(team_id: str) -> str:
    """The team's shard of the JSON export (next to its feed, ``teams/<team>/feed.xml``)."""
    return f"teams/{team_id}/{urls.JSON_FILE}"


def period_json(period_id: str) -> str:
    """The period's shard of the JSON export (next to its CSV file)."""
    return f"periods/{period_id}/{urls.JSON_FILE}"


def shard_paths(site: Site) -> list[str]:
    """The output path of every shard :func:`shards` writes."""
    return [team_json(t) for t in site.teams] + [period_json(p) for p in site.periods]


def shard_data(data: dict) -> dict[str, dict]:
    """Every shard of the export ``data`` (``export_data``): {output path: shard}, one
    per team and one per period, each shaped like the full export and restricted to its
    team or period: its own entry in ``teams`` or ``periods`` (the other list stays
    whole, to name the teams and periods of its objectives), its objectives and its
    check-ins, in the full export's order."""
    out: dict[str, dict] = {}
    for key, own, path in (("team", "teams", team_json), ("period", "periods", period_json)):
        groups: dict[str, dict[str, list[dict[str, Any]]]] = {
            entry["id"]: {"objectives": [], "checkins": []} for entry in data[own]
        }
        for field in ("objectives", "checkins"):
            for item in data[field]:
                group = groups.get(item[key])
                if group is not None:
                    group[field].append(item)
        for entry in data[own]:
            out[path(entry["id"])] = {
                "as_of": data["as_of"],
                "current_period": data["current_period"],
                "periods": [entry] if own == "periods" else data["periods"],
                "teams": [entry] if own == "teams" else data["teams"],
                **groups[entry["id"]],
            }
    return out


def shards(site: Site, data: dict | None = None) -> dict[str, bytes]:
    """The shards of ``okrs.json``: {output path: bytes} (``data``: ``export_data(site)``
    when already made)."""
    return {path: dumps(shard) for path, shard in shard_data(data if data is not None else export_data(site)).items()}


def export_json(site: Site, data: dict | None = None) -> bytes:
    """``okrs.json``; ``data``: ``export_data(site)`` when already made."""
    return dumps(data if data is not None else export_data(site))


_ORJSON = (
    orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
# orjson writes a float below 1e-4 its own way (5.2e-05 as 0.000052, 1e-07 as 1e-7).
# Where its text may hold one, the lines there are checked: is the value a number?
_MAYBE_OWN = (re.compile(rb"e-\d"), re.compile(rb"0\.0000"))  # literal searches: quick
_OWN_LINE = re.compile(rb' *(?:"(?:[^"\\]|\\.)*": )?-?(?:0\.0000\d*|\d+(?:\.\d+)?e-\d+),?')


def _orjson_own(text: bytes) -> bool:
    """Whether orjson's indented ``text`` holds a float written otherwise than json
    writes it (one value a line, and no string holds a newline)."""
    for pattern in _MAYBE_OWN:
        for m in pattern.finditer(text):
            start = text.rfind(b"\n", 0, m.start()) + 1
            end = text.find(b"\n", m.end())
            if _OWN_LINE.fullmatch(text, start, end if end >= 0 else len(text)):
                return True
    return False


def dumps(data: object) -> bytes:
    """``json.dumps(data, indent=2, ensure_ascii=False)`` and a newline, in UTF-8: written
    by orjson (json's pure-Python indenting encoder takes many times longer), by json
    where orjson cannot write json's characters (a small float, an integer beyond 64
    bits, a key that is not a string, a lone surrogate). Floats must be finite, as in
    JSON itself (``fields.is_number`` keeps content so): orjson writes NaN as null.
    Dates, dataclasses, sets and other objects raise TypeError, as with json."""
    try:
        text = orjson.dumps(data, option=_ORJSON)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = None
    if text is None or _orjson_own(text):
        text = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return text
