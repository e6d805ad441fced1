"""The patch step (okrsite/serve/patch.py) and the patched page plan (SitePlan.rebind) give
exactly what a full rebuild gives: same model, same diagnostics, same pages, byte for
byte; and they decline every edit they cannot be sure of."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

from okrsite.builder.gather import gather
from okrsite.builder.pipeline import compute_site
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.builder.parallel import parse_all
from okrsite.builder.parsecache import ParseCache
from okrsite.core.model import Checkin, KeyResult, Objective, Site, SourceFile, Team
from okrsite.serve.patch import edit_checkins
from okrsite.site import export
from okrsite.site.environment import make_environment
from okrsite.site.pages import plan_pages, render_page, render_site
from okrsite.site.themes import theme_dirs
from okrsite.site.views import SiteView

from conftest import REPO, SAMPLE_CONFIG

sys.path.insert(0, str(REPO / "bench"))
import generate  # noqa: E402  (bench/generate.py)


class Org:
    """A site computed from sources held in memory, as serve holds them."""

    def __init__(self, config_path: Path):
        self.config, _ = read_config(config_path)
        diags = Diagnostics()
        self.sources = {s.path: s for s in gather(self.config, diags)}
        self.gather_diags = list(diags.items)
        # full rebuilds re-parse only what changed, as serve's do (the reference model is
        # still loaded, resolved and computed from every file)
        self.cache = ParseCache()
        self.site, self.diagnostics = self.full()
        self.env = make_environment(theme_dirs(self.config))

    def full(self):
        diags = Diagnostics()
        diags.extend(self.gather_diags)
        sources = [self.sources[p] for p in sorted(self.sources)]
        site = compute_site(
            self.config, sources, self.config.as_of, diags, parsed=parse_all(sources, self.config, cache=self.cache)
        )
        return site, diags.sorted()

    def checkins(self) -> list[str]:
        return sorted(p for p in self.sources if "/checkins/" in p)


def same_model(a, b) -> None:
    assert a.checkins == b.checkins
    assert a.objectives == b.objectives
    assert a.teams == b.teams
    assert export.export_json(a) == export.export_json(b)


def edits(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """(what, new text) for one check-in: edits the patch must take."""
    out = [("body line", text + "\nOne more line from the patch test, with *emphasis*.\n")]
    numbers = list(re.finditer(r"^(  [\w-]+/[\w-]+: )(-?\d+(?:\.\d+)?)$", text, re.M))
    if numbers:
        m = rng.choice(numbers)
        out.append(("value", text[: m.start(2)] + str(float(m[2]) * 3 + 7) + text[m.end(2) :]))
        out.append(
            ("unknown kr", text[: m.start()] + m[1].replace("/", "/no-such-kr-", 1).rstrip() + " 5" + text[m.end() :])
        )
    keys = re.findall(r"^  ([\w-]+)/[\w-]+:", text, re.M)
    if keys and "\nobjectives:" not in text:  # the team's call: the objective turns red
        out.append(("call", text.replace("\nkey_results:", f"\nobjectives:\n  {keys[0]}: at-risk\nkey_results:", 1)))
    if "\nkey_results:" in text:
        out.append(("status", text.replace("\nkey_results:", "\nobjectives:\n  nowhere: at-risk\nkey_results:", 1)))
        out.append(
            (
                "confidence",
                re.sub(
                    r"^(  [\w-]+/[\w-]+: )(-?\d+(?:\.\d+)?)$",
                    r"\1{value: \2, confidence: 0.2, note: \"worried\"}",
                    text,
                    count=1,
                    flags=re.M,
                ),
            )
        )
    out.append(
        (
            "help",
            text.replace("\n---", "\nhelp: we need a hand with <script>alert(1)</script>\n---", 1)
            if "\nhelp:" not in text
            else text,
        )
    )
    return out


@pytest.fixture(scope="module")
def sample() -> Org:
    return Org(SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Org:
    root = tmp_path_factory.mktemp("org12")
    generate.generate(12, str(root))
    return Org(root / "okrsite.yaml")


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_patched_site_equals_a_full_rebuild(which, sample, synthetic):
    org = sample if which == "sample" else synthetic
    rng = random.Random(7)
    paths = rng.sample(org.checkins(), 6)
    tried = 0
    for path in paths:
        old = org.sources[path]
        for what, text in edits(old.data.decode("utf-8"), rng):
            new = SourceFile(path, text.encode("utf-8"))
            patch = edit_checkins(org.site, org.diagnostics, [new])
            assert patch is not None, (path, what)
            org.sources[path] = new
            try:
                site, diagnostics = org.full()
            finally:
                org.sources[path] = old
            same_model(patch.site, site)
            assert patch.diagnostics == diagnostics, (path, what)
            tried += 1
    assert tried >= 20


def test_the_old_site_is_left_as_it_was(sample):
    """The server keeps serving the old site while the new one is made."""
    before = export.export_json(sample.site)
    path = sample.checkins()[-1]
    text = sample.sources[path].data.decode("utf-8")
    m = re.search(r"^(  [\w-]+/[\w-]+: )(-?\d+(?:\.\d+)?)$", text, re.M)
    assert m
    changed = text[: m.start(2)] + "123456" + text[m.end(2) :]
    patch = edit_checkins(sample.site, sample.diagnostics, [SourceFile(path, changed.encode())])
    assert patch is not None
    assert export.export_json(patch.site) != before
    assert export.export_json(sample.site) == before


def test_edits_it_cannot_be_sure_of_are_declined(sample):
    site, diags = sample.site, sample.diagnostics
    path = sample.checkins()[-1]
    text = sample.sources[path].data.decode("utf-8")
    declined = {
        "new date": re.sub(r"^date: .*$", "date: 2026-11-19", text, count=1, flags=re.M),
        "new author": re.sub(r"^author: .*$", "author: Someone Else", text, count=1, flags=re.M),
        "no front matter": "just a body\n",
        "broken yaml": text.replace("\n---", "\nkey_results: [\n---", 1),
    }
    for what, new_text in declined.items():
        assert new_text != text, what
        assert edit_checkins(site, diags, [SourceFile(path, new_text.encode())]) is None, what
    objective = next(p for p in sorted(sample.sources) if "/checkins/" not in p and p.count("/") == 4)
    assert edit_checkins(site, diags, [SourceFile(objective, sample.sources[objective].data)]) is None
    new_file = path.rsplit("/", 1)[0] + "/2026-11-21.md"
    assert edit_checkins(site, diags, [SourceFile(new_file, text.encode())]) is None
    assert edit_checkins(site, diags, [SourceFile(path, b"", problem="too large")]) is None
    assert edit_checkins(site, diags, []) is None


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_rebound_plan_renders_every_page_of_a_full_rebuild(which, sample, synthetic):
    """After chained edits of two teams' check-ins, the old plan rebound to the patched
    site renders every page exactly as a plan of a full rebuild does."""
    org = sample if which == "sample" else synthetic
    rng = random.Random(3)
    plan = plan_pages(org.site)
    for page in plan.pages:  # every page rendered once first: the view's caches are full
        render_page(plan, page, org.env)
    site, diagnostics = org.site, org.diagnostics
    saved = dict(org.sources)
    try:
        for path in rng.sample(org.checkins(), 3):
            old = org.sources[path]
            choices = dict(edits(old.data.decode("utf-8"), rng))
            what = "call" if "call" in choices else "value"  # the call turns an objective red
            text = choices.get(what, choices["body line"])
            new = org.sources[path] = SourceFile(path, text.encode("utf-8"))
            patch = edit_checkins(site, diagnostics, [new])
            assert patch is not None, what
            site, diagnostics = patch.site, patch.diagnostics
            plan = plan.rebind(site, patch.team_periods)
        full_site, full_diags = org.full()
    finally:
        org.sources = saved
    assert diagnostics == full_diags
    expected = render_site(full_site, org.env)
    got = {page.path: render_page(plan, page, org.env) for page in plan.pages}
    assert sorted(got) == sorted(expected)
    assert [p for p in expected if expected[p] != got[p]] == []


# A view's caches, filled as pages are rendered: a patched view keeps the entries an edit
# cannot change (compared below with what a view built from scratch computes).
LAZY = {"_progress_cache", "_weeks_cache", "_this_week", "_focus", "_alignment", "_alone"}


def _plain(x):
    """An index as plain data to compare: the model's objects by identity (a patched
    view must hold the patched site's objects, not equal old ones), in their order."""
    if isinstance(x, (Site, Team, Objective, KeyResult, Checkin)):
        return ("object", id(x))
    if isinstance(x, dict):
        return [(_plain(k), _plain(v)) for k, v in x.items()]
    if isinstance(x, (list, tuple)):
        return [_plain(i) for i in x]
    if isinstance(x, (set, frozenset)):
        return sorted(x)
    return x


@pytest.mark.parametrize("which", ["sample", "synthetic"])
def test_a_patched_view_has_every_index_a_view_built_from_scratch_has(which, sample, synthetic):
    """``SiteView.patched`` after chained edits gives every index of
    ``SiteView(patched site)``, entry for entry, in the same order, holding the same
    objects; what it keeps of the caches is what the new view computes. Every attribute
    of the view is compared, so a new index is covered without changing this test."""
    org = sample if which == "sample" else synthetic
    rng = random.Random(11)
    plan = plan_pages(org.site)
    for page in plan.pages:  # every page rendered once first: the view's caches are full
        render_page(plan, page, org.env)
    view, site, diagnostics = plan.view, org.site, org.diagnostics
    crediting = sorted(
        ci.path
        for ci in site.checkins
        if any(
            c != o.team for o in view.objectives(ci.team, ci.period) for kr in o.key_results for c in kr.contributors
        )
    )
    assert crediting and set(crediting) <= set(org.checkins())
    team = next(ci.team for ci in site.checkins if ci.path == crediting[0])
    latest = view.latest_checkin(team).path  # a team's latest check-in, made anew
    for i, path in enumerate([crediting[0], latest, *rng.sample(org.checkins(), 2)]):
        choices = dict(edits(org.sources[path].data.decode("utf-8"), rng))
        text = choices.get("call", choices.get("value", choices["body line"]))
        patch = edit_checkins(site, diagnostics, [SourceFile(path, text.encode("utf-8"))])
        assert patch is not None, path
        site, diagnostics = patch.site, patch.diagnostics
        old, view = view, view.patched(site, patch.team_periods)
        fresh = SiteView(site, view.people)
        assert set(vars(view)) == set(vars(fresh))
        for name in sorted(set(vars(fresh)) - LAZY):
            assert _plain(getattr(view, name)) == _plain(getattr(fresh, name)), (path, name)
        for ref, points in view._progress_cache.items():
            assert points == fresh.progress_points(site.objectives[ref]), (path, ref)
        for (team, period), weeks in view._weeks_cache.items():
            assert weeks == fresh.colour_weeks(team, period), (path, team, period)
        for period, hit in view._focus.items():
            assert hit == fresh._focus_of(period), (path, period)
        assert view._this_week is None and view._alignment == view._alone == {}
        if i == 0:  # the edited key results credit another team: its list holds the new ones
            assert _plain(old.contributions) != _plain(view.contributions)
