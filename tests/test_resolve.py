"""Contract section 6: references, resolved after everything is loaded. These tests run
the pure steps on in-memory files: no disk involved."""

from __future__ import annotations

from datetime import date

from okrsite.builder.pipeline import compute_site
from okrsite.core.config import parse_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.model import SourceFile


def objective(title="O", aligns_to=None, depends_on=None, krs=("k1", "k2"), extra=""):
    lines = ["---", f"title: {title}", "owner: Ana"]
    if aligns_to is not None:
        lines.append(f"aligns_to: {aligns_to}")
    if depends_on is not None:
        lines.append(f"depends_on: {depends_on}")
    lines.append("key_results:")
    for k in krs:
        lines += [f"  - id: {k}", f"    title: {k}", "    start: 0", "    target: 10"]
    lines += [extra, "---", ""]
    return "\n".join(lines)


def site_of(files: dict[str, str], config: str = "as_of: 2026-11-20\n"):
    cfg, _ = parse_config(config.encode())
    diags = Diagnostics()
    sources = [SourceFile(f"content/{k}", v.encode()) for k, v in files.items()]
    site = compute_site(cfg, sources, date(2026, 11, 20), diags)
    return site, [str(d) for d in diags.sorted()]


def test_two_part_ref_looks_in_own_period_then_containing_periods_shortest_first():
    site, diags = site_of(
        {
            "teams/company/2026/trust.md": objective("Annual trust"),
            "teams/company/2026-H2/trust.md": objective("Half-year trust"),
            "teams/company/2026/growth.md": objective("Annual growth"),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trust"),
            "teams/web/2026-Q4/b.md": objective(aligns_to="[company/growth, company/growth/k2]"),
        }
    )
    assert diags == []
    a = site.objectives["web/2026-Q4/a"]
    assert [r.target for r in a.aligns_to] == ["company/2026-H2/trust"]  # H2 is shorter than the year
    b = site.objectives["web/2026-Q4/b"]
    assert [r.target for r in b.aligns_to] == ["company/2026/growth", "company/2026/growth/k2"]
    assert site.aligned_from["company/2026/growth"] == ["web/2026-Q4/b"]
    assert site.aligned_from["company/2026/growth/k2"] == ["web/2026-Q4/b"]


def test_own_period_wins_over_containing_period():
    site, diags = site_of(
        {
            "teams/company/2026/trust.md": objective(),
            "teams/company/2026-Q4/trust.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trust"),
        }
    )
    assert diags == []
    assert site.objectives["web/2026-Q4/a"].aligns_to[0].target == "company/2026-Q4/trust"


def test_explicit_period_refs_and_kr_to_kr_alignment():
    site, diags = site_of(
        {
            "teams/company/2026-Q3/old.md": objective(),
            "teams/web/2026-Q4/a.md": objective(
                aligns_to="company/2026-Q3/old", extra="    aligns_to: company/2026-Q3/old/k1"
            ),
        }
    )
    assert diags == []
    a = site.objectives["web/2026-Q4/a"]
    assert a.aligns_to[0].target == "company/2026-Q3/old"
    assert a.key_results[1].aligns_to[0].target == "company/2026-Q3/old/k1"
    assert site.aligned_from["company/2026-Q3/old/k1"] == ["web/2026-Q4/a/k2"]


def test_three_part_ref_both_period_and_objective_is_ambiguous():
    site, diags = site_of(
        {
            "teams/company/2026/2026-q3.md": objective(),  # an objective named like a period...
            "teams/company/2026-q3/x.md": objective(),  # ...and a period folder with that id
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/2026-q3/k1"),
        },
        config="as_of: 2026-11-20\nperiods:\n  - {id: 2026-q3, start: 2026-07-01, end: 2026-09-30}\n",
    )
    assert len(diags) == 1 and "ambiguous ref 'company/2026-q3/k1'" in diags[0]
    assert diags[0].startswith("content/teams/web/2026-Q4/a.md:4: error:")


def test_later_period_is_a_warning_and_still_links():
    site, diags = site_of(
        {
            "teams/company/2027/next.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/2027/next"),
        }
    )
    assert len(diags) == 1 and "warning: " in diags[0] and "later period" in diags[0]
    assert site.objectives["web/2026-Q4/a"].aligns_to[0].target == "company/2027/next"


def test_dependencies_both_ways_and_dependency_cycle():
    site, diags = site_of(
        {
            "teams/web/2026-Q4/a.md": objective(depends_on="api/b"),
            "teams/api/2026-Q4/b.md": objective(),
        }
    )
    assert diags == []
    assert site.depended_on_by == {"api/2026-Q4/b": ["web/2026-Q4/a"]}
    site, diags = site_of(
        {
            "teams/web/2026-Q4/a.md": objective(depends_on="api/b"),
            "teams/api/2026-Q4/b.md": objective(depends_on="web/a/k1"),  # a KR counts as its objective
        }
    )
    assert len(diags) == 1 and "'depends_on' forms a cycle" in diags[0]
    assert diags[0].startswith("content/teams/api/2026-Q4/b.md:4: error:")


def test_kr_aligning_to_a_sibling_kr_is_a_cycle_and_to_itself_is_self_reference():
    site, diags = site_of({"teams/web/2026-Q4/a.md": objective(extra="    aligns_to: web/a/k1")})
    assert len(diags) == 1 and "forms a cycle" in diags[0]
    site, diags = site_of({"teams/web/2026-Q4/a.md": objective(extra="    aligns_to: web/a/k2")})
    assert len(diags) == 1 and "points to itself" in diags[0]


def test_unresolved_refs_do_not_reach_the_export():
    from okrsite.site.export import export_data

    site, diags = site_of({"teams/web/2026-Q4/a.md": objective(aligns_to="[web/nope, web/a]")})
    assert len(diags) == 2
    assert export_data(site)["objectives"][0]["aligns_to"] == []


def test_current_period_rules():
    from okrsite.core.load import current_period, site_periods
    from okrsite.core.model import Config, Period

    periods, unknown = site_periods(Config(), ["2026", "2026-Q4", "2026-H2"])
    assert not unknown
    assert current_period(periods, date(2026, 11, 20)) == "2026-Q4"  # the shortest containing
    assert current_period(periods, date(2027, 3, 1)) == "2026-Q4"  # none contains it: the latest started
    assert current_period(periods, date(2025, 1, 1)) == "2026"  # none started: the earliest
    ties = {
        "b": Period("b", date(2026, 1, 1), date(2026, 3, 31), "b"),
        "a": Period("a", date(2026, 1, 1), date(2026, 3, 31), "a"),
    }
    assert current_period(ties, date(2026, 2, 1)) == "a"
