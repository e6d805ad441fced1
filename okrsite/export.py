"""Export step: the computed site as ``okrs.json`` (contract section 10). Pure."""

from __future__ import annotations

import json

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
        "unit": kr.unit,
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
        "owner": obj.owner,
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
                "author": c.author,
                "url": urls.checkin(c.team, c.period, c.name),
                "help": list(c.help),
            }
            for c in sorted(site.checkins, key=lambda c: (c.team, c.period, c.date, c.name))
        ],
    }


def export_json(site: Site) -> bytes:
    return (json.dumps(export_data(site), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
