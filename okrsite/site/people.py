"""The people index: everyone the content names, with a unique slug (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core import urls
from ..core.model import Site


@dataclass
class Person:
    """Someone named in the content, with everything they are named on (refs/keys)."""

    name: str
    slug: str
    leads: list[str] = field(default_factory=list)  # team ids
    member_of: list[str] = field(default_factory=list)  # team ids
    objectives: list[str] = field(default_factory=list)  # objective refs owned, newest period first
    key_results: list[str] = field(default_factory=list)  # KR refs owned, newest period first
    partner_on: list[str] = field(default_factory=list)  # KR refs partnered, newest period first
    checkins: list[str] = field(default_factory=list)  # check-in keys written, oldest first

    @property
    def url(self) -> str:
        return urls.person(self.slug)


def _norm_name(name: Any) -> str:
    if not isinstance(name, str):
        return ""
    return " ".join(name.split())


def people(site: Site) -> list[Person]:
    """Every person named as team lead, member, objective owner, KR owner or partner, or
    check-in author, with a unique slug; sorted by name."""
    found: dict[str, Person] = {}

    def get(name: Any) -> Person | None:
        n = _norm_name(name)
        if not n:
            return None
        if n not in found:
            found[n] = Person(name=n, slug="")
        return found[n]

    def add(lst: list[str], value: str) -> None:
        if value not in lst:
            lst.append(value)

    for team in sorted(site.teams.values(), key=lambda t: t.id):
        if (p := get(team.lead)) is not None:
            add(p.leads, team.id)
        for m in team.members:
            if (p := get(m)) is not None:
                add(p.member_of, team.id)
    for ref in sorted(site.objectives):
        obj = site.objectives[ref]
        # refs and keys are unique, so these lists need no duplicate check
        if (p := get(obj.owner)) is not None:
            p.objectives.append(obj.ref)
        for kr in obj.key_results:
            if (p := get(kr.owner)) is not None:
                p.key_results.append(kr.ref)
            if (p := get(kr.partner)) is not None:
                p.partner_on.append(kr.ref)
    for ci in sorted(site.checkins, key=lambda c: (c.date, c.team, c.period, c.name)):
        if (p := get(ci.author)) is not None:
            p.checkins.append(ci.key)

    ordered_periods = sorted(site.periods.values(), key=lambda x: (x.start, x.end, x.id))
    period_pos = {per.id: i for i, per in enumerate(ordered_periods)}

    def newest_first(refs: list[str]) -> list[str]:
        return sorted(refs, key=lambda r: (-period_pos.get(r.split("/")[1], -1), r))

    for p in found.values():
        p.objectives = newest_first(p.objectives)
        p.key_results = newest_first(p.key_results)
        p.partner_on = newest_first(p.partner_on)

    # unique slugs: the first name (by slug, then name) keeps the plain slug, the
    # others get -2, -3, ... skipping any slug already taken.
    ordered = sorted(found.values(), key=lambda p: (urls.slugify(p.name), p.name))
    taken: set[str] = set()
    firsts: set[str] = set()
    for p in ordered:
        base = urls.slugify(p.name)
        if base not in firsts:
            firsts.add(base)
            p.slug = base
            taken.add(base)
    for p in ordered:
        if p.slug:
            continue
        base = urls.slugify(p.name)
        k = 2
        while f"{base}-{k}" in taken or f"{base}-{k}" in firsts:
            k += 1
        p.slug = f"{base}-{k}"
        taken.add(p.slug)
    return sorted(found.values(), key=lambda p: (p.name.casefold(), p.name, p.slug))
