"""Contract section 6, the resolve step's rules one by one, in-process: every link a team
can get wrong gives one diagnostic with its whole message at the right line, and the links
that resolve are what the pages show (parents, children, depth, reverse links).

test_validation.py checks the same messages through the command line; these tests run
the pure steps on in-memory files, so that they also catch a change in the step itself
(bench/mutation.py)."""

from __future__ import annotations

from test_resolve import objective, site_of

TEAM_A = "teams/a/_index.md"


def team(parent=None, kpis=()):
    lines = ["---", "name: Team"]
    if parent:
        lines.append(f"parent: {parent}")
    if kpis:
        lines.append("kpis:")
        for k in kpis:
            lines += [f"  - id: {k}", f"    name: {k}"]
    return "\n".join(lines + ["---", ""])


def checkin(body: str) -> str:
    return f"---\ndate: 2026-11-13\n{body}---\n"


# ---------------------------------------------------------------------- teams


def test_unknown_parent_is_reported_at_its_line_and_the_team_becomes_a_root():
    site, diags = site_of({"teams/web/_index.md": team(parent="platfrom"), "teams/platform/_index.md": team()})
    assert diags == ["content/teams/web/_index.md:3: error: unknown parent team 'platfrom' (did you mean 'platform'?)"]
    web = site.teams["web"]
    assert (web.parent, web.depth) == (None, 0)
    assert site.teams["platform"].children == []


def test_children_are_sorted_and_depth_counts_from_each_root():
    site, diags = site_of(
        {
            "teams/company/_index.md": team(),
            "teams/zeta/_index.md": team(parent="company"),
            "teams/alpha/_index.md": team(parent="company"),
            "teams/leaf/_index.md": team(parent="zeta"),
            "teams/other/_index.md": team(),
        }
    )
    assert diags == []
    teams = site.teams
    assert teams["company"].children == ["alpha", "zeta"]
    assert teams["zeta"].children == ["leaf"]
    assert [teams[t].depth for t in ("company", "alpha", "zeta", "leaf", "other")] == [0, 1, 1, 2, 0]


def test_a_cycle_of_parents_is_reported_once_on_its_smallest_team_which_becomes_a_root():
    site, diags = site_of(
        {
            "teams/c/_index.md": team(parent="b"),
            "teams/b/_index.md": team(parent="a"),
            "teams/a/_index.md": team(parent="c"),
            "teams/d/_index.md": team(parent="c"),  # hangs off the cycle: not part of it
        }
    )
    assert diags == ["content/teams/a/_index.md:3: error: team parents form a cycle: a -> c -> b -> a"]
    teams = site.teams
    assert teams["a"].parent is None
    assert (teams["b"].parent, teams["c"].parent, teams["d"].parent) == ("a", "b", "c")
    assert [teams[t].depth for t in "abcd"] == [0, 1, 2, 3]
    assert teams["c"].children == ["d"]


def test_a_team_that_is_its_own_parent_is_a_cycle_of_one():
    site, diags = site_of({TEAM_A: team(parent="a")})
    assert diags == ["content/teams/a/_index.md:3: error: team parents form a cycle: a -> a"]
    assert site.teams["a"].parent is None


def test_two_separate_cycles_are_each_reported():
    site, diags = site_of(
        {
            "teams/a/_index.md": team(parent="b"),
            "teams/b/_index.md": team(parent="a"),
            "teams/x/_index.md": team(parent="y"),
            "teams/y/_index.md": team(parent="x"),
        }
    )
    assert diags == [
        "content/teams/a/_index.md:3: error: team parents form a cycle: a -> b -> a",
        "content/teams/x/_index.md:3: error: team parents form a cycle: x -> y -> x",
    ]


# ---------------------------------------------------------------------- themes, contributors


def test_unknown_theme_names_where_the_themes_are_and_is_dropped():
    site, diags = site_of(
        {
            "_index.md": "---\ntitle: Org\nstrategy:\n  - id: growth\n    title: Grow\n---\n",
            "teams/web/2026-Q4/a.md": objective(extra="theme: growht"),
            "teams/web/2026-Q4/b.md": objective(extra="theme: growth"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:13: error: unknown strategic theme 'growht' (did you mean "
        "'growth'?); the strategic choices are listed under 'strategy:' in content/_index.md"
    ]
    assert site.objectives["web/2026-Q4/a"].theme is None
    assert site.objectives["web/2026-Q4/b"].theme == "growth"


def test_unknown_theme_without_an_org_file():
    _, diags = site_of({"teams/web/2026-Q4/a.md": objective(extra="theme: growth")})
    assert diags == [
        "content/teams/web/2026-Q4/a.md:13: error: unknown strategic theme 'growth'; the strategic "
        "choices are listed under 'strategy:' in content/_index.md"
    ]


def test_contributors_unknown_own_and_repeated():
    site, diags = site_of(
        {
            "teams/web/_index.md": team(),
            "teams/api/_index.md": team(),
            "teams/data/_index.md": team(),
            "teams/web/2026-Q4/a.md": objective(extra="    contributors: [ap, web, api, data, api]"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:13: error: unknown contributor team 'ap' (did you mean 'api'?)",
        "content/teams/web/2026-Q4/a.md:13: warning: 'web' owns this key result: contributors are other teams",
    ]
    kr = site.objectives["web/2026-Q4/a"].key_results[1]
    assert kr.contributors == ["api", "data"]
    assert kr.contributor_lines == []


# ---------------------------------------------------------------------- check-ins


def test_checkin_keys_naming_nothing_are_reported_and_dropped():
    site, diags = site_of(
        {
            "teams/web/_index.md": team(kpis=("uptime",)),
            "teams/web/2026-Q4/growth.md": objective(),
            "teams/web/2026-Q4/checkins/2026-11-13.md": checkin(
                "key_results:\n"
                "  growht/k1: {value: 1}\n"  # line 4
                "  growth/k3: {value: 2}\n"  # line 5
                "  growth/k1: {value: 3}\n"  # line 6
                "objectives:\n"
                "  grwth: on-track\n"  # line 8
                "  growth: behind\n"
                "kpis:\n"
                "  uptme: 99\n"  # line 11
                "  uptime: 98\n"
            ),
        }
    )
    path = "content/teams/web/2026-Q4/checkins/2026-11-13.md"
    assert diags == [
        f"{path}:4: error: unknown objective 'growht' of team 'web' in 2026-Q4 (did you mean 'growth'?)",
        f"{path}:5: error: unknown key result 'k3' in objective 'growth'",
        f"{path}:8: error: unknown objective 'grwth' of team 'web' in 2026-Q4 (did you mean 'growth'?)",
        f"{path}:11: error: unknown KPI 'uptme' of team 'web' (did you mean 'uptime'?)",
    ]
    [ci] = site.checkins
    assert list(ci.key_results) == ["growth/k1"]
    assert ci.objectives == {"growth": "behind"}
    assert ci.kpis == {"uptime": 98}
    assert site.objectives["web/2026-Q4/growth"].key_results[0].current == 3


def test_checkin_of_a_team_without_a_team_file_has_no_kpis():
    _, diags = site_of(
        {
            "teams/web/2026-Q4/growth.md": objective(),
            "teams/web/2026-Q4/checkins/2026-11-13.md": checkin("kpis:\n  uptime: 99\n"),
        }
    )
    assert diags == ["content/teams/web/2026-Q4/checkins/2026-11-13.md:4: error: unknown KPI 'uptime' of team 'web'"]


def test_progress_on_a_metric_is_a_warning_and_is_ignored():
    site, diags = site_of(
        {
            "teams/web/2026-Q4/growth.md": objective(),
            "teams/web/2026-Q4/checkins/2026-11-13.md": checkin(
                "key_results:\n  growth/k1: {value: 4, progress: 0.9}\n  growth/k2: {done: true}\n"
            ),
        }
    )
    path = "content/teams/web/2026-Q4/checkins/2026-11-13.md"
    assert diags == [
        f"{path}:4: warning: 'progress' and 'done' are for milestones; 'growth/k1' is a metric key result: give its 'value' instead",
        f"{path}:5: warning: 'progress' and 'done' are for milestones; 'growth/k2' is a metric key result: give its 'value' instead",
    ]
    k1, k2 = site.objectives["web/2026-Q4/growth"].key_results
    assert (k1.progress, k1.updates[-1].progress) == (0.4, None)
    assert (k2.updates[-1].done, k2.progress) == (None, None)


# ---------------------------------------------------------------------- refs


def test_invalid_refs():
    for raw in ("web", "a/b/c/d/e", "web//a"):
        _, diags = site_of({"teams/web/2026-Q4/a.md": objective(aligns_to=f"'{raw}'")})
        assert diags == [
            f"content/teams/web/2026-Q4/a.md:4: error: invalid ref '{raw}': write team/objective, "
            "team/objective/kr, team/period/objective or team/period/objective/kr"
        ]


def test_unknown_team_in_a_ref():
    _, diags = site_of(
        {"teams/platform/2026-Q4/a.md": objective(), "teams/web/2026-Q4/b.md": objective(depends_on="platfrom/a")}
    )
    assert diags == [
        "content/teams/web/2026-Q4/b.md:4: error: unknown team 'platfrom' in ref 'platfrom/a' (did you mean 'platform'?)"
    ]


def test_unknown_objective_lists_the_periods_searched_and_suggests_from_all_of_them():
    site, diags = site_of(
        {
            "teams/company/2026/trust.md": objective(),
            "teams/company/2026-H2/growth.md": objective(),
            "teams/company/2027/trusty.md": objective(),  # not a containing period: not suggested
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trusst"),
            "teams/web/2026-Q4/b.md": objective(aligns_to="company/grwth"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: unknown objective 'trusst' of team 'company' in 2026-Q4 or the "
        "periods containing it (2026-H2, 2026) (did you mean 'trust'?)",
        "content/teams/web/2026-Q4/b.md:4: error: unknown objective 'grwth' of team 'company' in 2026-Q4 or the "
        "periods containing it (2026-H2, 2026) (did you mean 'growth'?)",
    ]
    assert site.objectives["web/2026-Q4/a"].aligns_to[0].target is None


def test_unknown_objective_in_a_period_contained_by_none():
    _, diags = site_of(
        {
            "teams/company/2026-Q4/trust.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trusts"),
        },
        config="as_of: 2026-11-20\nperiods:\n  - {id: 2026-Q4, start: 2026-10-01, end: 2026-12-31}\n",
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: unknown objective 'trusts' of team 'company' in 2026-Q4 (did you mean 'trust'?)"
    ]


def test_three_part_ref_to_an_unknown_objective():
    _, diags = site_of(
        {
            "teams/company/2026-Q4/trust.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trusts/k1"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: unknown objective 'trusts' of team 'company' in 2026-Q4 (did you mean 'trust'?)"
    ]


def test_explicit_period_refs_unknown_period_objective_and_kr():
    site, diags = site_of(
        {
            "teams/company/2026-Q3/old.md": objective(),
            "teams/company/2026-Q4/now.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/2025-Q3/old/k1"),
            "teams/web/2026-Q4/b.md": objective(aligns_to="company/2026-Q3/olds"),
            "teams/web/2026-Q4/c.md": objective(aligns_to="company/2026-Q3/old/k11"),
            "teams/web/2026-Q4/d.md": objective(aligns_to="company/2026-Q3/old/k2"),
            "teams/web/2026-Q4/e.md": objective(aligns_to="company/2026-Q3/now"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: unknown period '2025-Q3' in ref 'company/2025-Q3/old/k1' (did you mean '2026-Q3'?)",
        "content/teams/web/2026-Q4/b.md:4: error: unknown objective 'olds' of team 'company' in 2026-Q3 (did you mean 'old'?)",
        "content/teams/web/2026-Q4/c.md:4: error: unknown key result 'k11' in company/2026-Q3/old (did you mean 'k1'?)",
        "content/teams/web/2026-Q4/e.md:4: error: unknown objective 'now' of team 'company' in 2026-Q3",
    ]
    assert site.objectives["web/2026-Q4/d"].aligns_to[0].target == "company/2026-Q3/old/k2"
    assert site.aligned_from == {"company/2026-Q3/old/k2": ["web/2026-Q4/d"]}


def test_self_references_say_what_they_point_to():
    _, diags = site_of(
        {"teams/web/2026-Q4/a.md": objective(aligns_to="web/a", depends_on="web/a/k1", extra="    aligns_to: web/a")}
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: ref 'web/a' points to itself: an objective or key result cannot align to itself",
        "content/teams/web/2026-Q4/a.md:5: error: ref 'web/a/k1' points to one of its own key results: an objective or "
        "key result cannot depend on itself",
        "content/teams/web/2026-Q4/a.md:15: error: ref 'web/a' points to its own objective: an objective or key "
        "result cannot align to itself",
    ]


def test_reverse_links_are_sorted_and_unique():
    site, diags = site_of(
        {
            "teams/company/2026-Q4/trust.md": objective(),
            "teams/web/2026-Q4/b.md": objective(aligns_to="[company/trust, company/trust]", depends_on="company/trust"),
            "teams/api/2026-Q4/a.md": objective(aligns_to="company/trust", depends_on="company/trust"),
        }
    )
    assert diags == []
    assert site.aligned_from == {"company/2026-Q4/trust": ["api/2026-Q4/a", "web/2026-Q4/b"]}
    assert site.depended_on_by == {"company/2026-Q4/trust": ["api/2026-Q4/a", "web/2026-Q4/b"]}


def test_an_alignment_cycle_is_reported_once_with_its_shortest_loop_and_unlinked():
    site, diags = site_of(
        {
            "teams/a/2026-Q4/x.md": objective(aligns_to="b/y"),
            "teams/b/2026-Q4/y.md": objective(aligns_to="[c/z, a/x]"),
            "teams/c/2026-Q4/z.md": objective(aligns_to="a/x"),
            "teams/d/2026-Q4/w.md": objective(aligns_to="a/x"),  # points into the cycle: not part of it
        }
    )
    assert diags == [
        "content/teams/a/2026-Q4/x.md:4: error: 'aligns_to' forms a cycle: a/2026-Q4/x -> b/2026-Q4/y -> a/2026-Q4/x"
    ]
    assert site.objectives["a/2026-Q4/x"].aligns_to[0].target is None
    # the edges left still link, both ways
    assert site.aligned_from["a/2026-Q4/x"] == ["b/2026-Q4/y", "c/2026-Q4/z", "d/2026-Q4/w"]
    assert "b/2026-Q4/y" not in site.aligned_from


def test_a_longer_cycle_is_reported_along_its_path():
    _, diags = site_of(
        {
            "teams/a/2026-Q4/x.md": objective(depends_on="b/y"),
            "teams/b/2026-Q4/y.md": objective(depends_on="c/z"),
            "teams/c/2026-Q4/z.md": objective(depends_on="a/x"),
        }
    )
    assert diags == [
        "content/teams/a/2026-Q4/x.md:4: error: 'depends_on' forms a cycle: a/2026-Q4/x -> b/2026-Q4/y "
        "-> c/2026-Q4/z -> a/2026-Q4/x"
    ]


def test_strongly_connected_components_of_a_deep_chain_need_no_recursion():
    from okrsite.core.resolve import strongly_connected

    n = 5000
    graph = {f"n{i:05}": [(f"n{i + 1:05}", None)] for i in range(n)}
    graph[f"n{n:05}"] = [("n00000", None)]
    [component] = strongly_connected(graph)
    assert len(component) == n + 1
    chain = {f"n{i}": [(f"n{i + 1}", None)] for i in range(3)}
    assert sorted(map(sorted, strongly_connected(chain))) == [["n0"], ["n1"], ["n2"], ["n3"]]


def test_every_wrong_key_of_a_checkin_is_reported_and_milestones_take_progress():
    site, diags = site_of(
        {
            "teams/web/2026-Q4/growth.md": objective(extra="  - {id: m, title: Ship, type: milestone}"),
            "teams/web/2026-Q4/checkins/2026-11-13.md": checkin(
                "key_results:\n  growth/k11: 1\n  growth/k4: 2\n  growth/m: {progress: 0.5}\n"
            ),
        }
    )
    path = "content/teams/web/2026-Q4/checkins/2026-11-13.md"
    assert diags == [
        f"{path}:4: error: unknown key result 'k11' in objective 'growth' (did you mean 'k1'?)",
        f"{path}:5: error: unknown key result 'k4' in objective 'growth'",
    ]
    assert site.objectives["web/2026-Q4/growth"].key_results[2].progress == 0.5


def test_a_checkin_in_a_period_where_its_team_has_no_objectives():
    _, diags = site_of(
        {
            "teams/api/2026-Q3/x.md": objective(),
            "teams/web/2026-Q4/growth.md": objective(),
            "teams/web/2026-Q3/checkins/2026-08-14.md": "---\ndate: 2026-08-14\nkey_results:\n  growth/k1: 1\nobjectives:\n  growth: behind\n---\n",
        }
    )
    path = "content/teams/web/2026-Q3/checkins/2026-08-14.md"
    assert diags == [
        f"{path}:4: error: unknown objective 'growth' of team 'web' in 2026-Q3",
        f"{path}:6: error: unknown objective 'growth' of team 'web' in 2026-Q3",
    ]


def test_team_objective_kr_refs_to_an_unknown_kr_and_into_an_empty_period():
    site, diags = site_of(
        {
            "teams/api/2026-Q3/x.md": objective(),
            "teams/company/2026-Q4/trust.md": objective(),
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trust/k11"),
            "teams/web/2026-Q4/b.md": objective(aligns_to="company/2026-Q3/trust"),
        }
    )
    assert diags == [
        "content/teams/web/2026-Q4/a.md:4: error: unknown key result 'k11' in company/2026-Q4/trust (did you mean 'k1'?)",
        "content/teams/web/2026-Q4/b.md:4: error: unknown objective 'trust' of team 'company' in 2026-Q3",
    ]
    assert site.objectives["web/2026-Q4/a"].aligns_to[0].target is None
    assert site.aligned_from == {}


def test_a_ref_to_a_kr_of_an_objective_that_did_not_load_is_dropped_quietly():
    site, diags = site_of(
        {
            "teams/company/2026-Q4/trust.md": "no front matter\n",
            "teams/web/2026-Q4/a.md": objective(aligns_to="company/trust/k1"),
        }
    )
    assert diags == [
        "content/teams/company/2026-Q4/trust.md:1: error: front matter missing: an objective starts "
        "with '---', its title and key_results, then '---'"
    ]
    assert site.objectives["web/2026-Q4/a"].aligns_to[0].target is None
    assert site.aligned_from == {}


def test_a_later_period_is_one_that_starts_after_the_end():
    periods = (
        "periods:\n  - {id: Q4, start: 2026-10-01, end: 2026-12-31}\n"
        "  - {id: LAST, start: 2026-12-31, end: 2027-01-31}\n  - {id: NEXT, start: 2027-01-01, end: 2027-03-31}\n"
    )
    _, diags = site_of(
        {
            "teams/company/LAST/a.md": objective(),
            "teams/company/NEXT/b.md": objective(),
            "teams/web/Q4/x.md": objective(aligns_to="[company/LAST/a, company/NEXT/b]"),
        },
        config="as_of: 2026-11-20\n" + periods,
    )
    assert diags == [
        "content/teams/web/Q4/x.md:4: warning: 'company/NEXT/b' is in NEXT, which starts after Q4 ends: "
        "aligning to a later period"
    ]


def test_a_cycle_is_found_whatever_comes_before_it():
    _, diags = site_of(
        {
            "teams/a/2026-Q4/x.md": objective(aligns_to="z/w"),  # leads out of nothing
            "teams/z/2026-Q4/w.md": objective(),
            "teams/b/2026-Q4/y.md": objective(aligns_to="[a/x, c/z]"),  # a/x sorts first, outside the cycle
            "teams/c/2026-Q4/z.md": objective(aligns_to="b/y"),
        }
    )
    assert diags == [
        "content/teams/b/2026-Q4/y.md:4: error: 'aligns_to' forms a cycle: b/2026-Q4/y -> c/2026-Q4/z -> b/2026-Q4/y"
    ]


def test_strongly_connected_components_of_small_graphs():
    from okrsite.core.resolve import strongly_connected

    def components(edges):
        graph = {node: [(t, None) for t in targets] for node, targets in edges.items()}
        return sorted(sorted(c) for c in strongly_connected(graph))

    # a cycle below the root
    assert components({"r": ["a"], "a": ["b"], "b": ["a"]}) == [["a", "b"], ["r"]]
    # two roots reaching one finished component: no false cycle
    assert components({"a": ["b"], "c": ["b"]}) == [["a"], ["b"], ["c"]]
    # a root already visited, then a cycle of its own
    assert components({"a": ["b"], "b": [], "c": ["d"], "d": ["c"]}) == [["a"], ["b"], ["c", "d"]]
    # two cycles joined by one edge stay two
    assert components({"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["c"]}) == [["a", "b"], ["c", "d"]]
