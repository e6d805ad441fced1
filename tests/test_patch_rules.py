"""The patch step's rules on a small in-memory organisation: two check-ins edited at
once, the same file twice, files it must leave to a full rebuild, and the diagnostics it
gives back (the edited files' new ones, everyone else's as they were, in a full build's
order). test_patch.py checks the same against full rebuilds of real organisations."""

from __future__ import annotations

from datetime import date

from okrsite.builder.pipeline import compute_site
from okrsite.core.config import parse_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.core.model import SourceFile
from okrsite.serve.patch import edit_checkins
from test_resolve import objective

AS_OF = date(2026, 11, 20)
WEB = "content/teams/web/2026-Q4/checkins/2026-11-13.md"
API = "content/teams/api/2026-Q4/checkins/2026-11-13.md"
FILES = {
    "content/teams/web/_index.md": "---\nname: Web\nkpis:\n  - {id: up, name: Uptime}\n---\n",
    "content/teams/web/2026-Q4/fast.md": objective(),
    "content/teams/api/2026-Q4/solid.md": objective(),
    "content/teams/data/2026-Q4/deep.md": objective(aligns_to="nobody/x"),  # an error elsewhere
    WEB: "---\ndate: 2026-11-13\nkey_results:\n  fast/k1: 2\n---\n",
    API: "---\ndate: 2026-11-13\nkey_results:\n  solid/k1: 5\n---\n",
}


def full(files):
    config, _ = parse_config(b"as_of: 2026-11-20\n")
    diags = Diagnostics()
    site = compute_site(config, [SourceFile(p, t.encode()) for p, t in sorted(files.items())], AS_OF, diags)
    return site, diags.sorted()


def test_two_checkins_edited_at_once_equal_a_full_rebuild():
    site, diagnostics = full(FILES)
    edited = {
        WEB: "---\ndate: 2026-11-13\nkey_results:\n  fast/k1: 7\n  fast/k9: 1\nkpis:\n  up: 99\n---\n",
        API: "---\ndate: 2026-11-13\nkey_results:\n  solid/k2: {value: 5, progress: 0.5}\n---\n",
    }
    patch = edit_checkins(site, diagnostics, [SourceFile(p, t.encode()) for p, t in edited.items()])
    assert patch is not None
    want_site, want_diags = full({**FILES, **edited})
    assert (
        [str(d) for d in patch.diagnostics]
        == [str(d) for d in want_diags]
        == [
            f"{API}:4: warning: 'progress' and 'done' are for milestones; 'solid/k2' is a metric key result: give its 'value' instead",
            "content/teams/data/2026-Q4/deep.md:4: error: unknown team 'nobody' in ref 'nobody/x'",
            f"{WEB}:5: error: unknown key result 'k9' in objective 'fast'",
        ]
    )
    assert patch.team_periods == {("web", "2026-Q4"), ("api", "2026-Q4")}
    assert patch.site.objectives == want_site.objectives
    assert patch.site.teams == want_site.teams
    assert patch.site.checkins == want_site.checkins
    assert patch.site.teams["web"].kpis[0].value == 99
    assert patch.site.objectives["web/2026-Q4/fast"].key_results[0].current == 7
    # what no edited check-in touches is shared, not copied; the old site is unchanged
    assert patch.site.objectives["data/2026-Q4/deep"] is site.objectives["data/2026-Q4/deep"]
    assert patch.site.teams["data"] is site.teams["data"]
    assert site.objectives["web/2026-Q4/fast"].key_results[0].current == 2
    assert site.teams["web"].kpis[0].value is None


def test_a_diagnostic_fixed_by_the_edit_goes():
    broken = {**FILES, WEB: "---\ndate: 2026-11-13\nkey_results:\n  fast/nope: 2\n---\n"}
    site, diagnostics = full(broken)
    assert any(d.path == WEB for d in diagnostics)
    patch = edit_checkins(site, diagnostics, [SourceFile(WEB, FILES[WEB].encode())])
    assert patch is not None
    assert [d.path for d in patch.diagnostics] == ["content/teams/data/2026-Q4/deep.md"]


def test_edits_left_to_a_full_rebuild():
    site, diagnostics = full(FILES)
    same = SourceFile(WEB, FILES[WEB].encode())
    assert edit_checkins(site, diagnostics, [same, same]) is None  # the same file twice
    outside = SourceFile("elsewhere/teams/web/2026-Q4/checkins/2026-11-13.md", FILES[WEB].encode())
    assert edit_checkins(site, diagnostics, [outside]) is None
    moved = SourceFile("content/teams/web/2026-Q3/checkins/2026-11-13.md", FILES[WEB].encode())
    assert edit_checkins(site, diagnostics, [moved]) is None  # not a check-in the site has
    later = FILES[WEB].replace("date: 2026-11-13", "date: 2026-11-27")  # after as_of: no longer counted
    assert edit_checkins(site, diagnostics, [SourceFile(WEB, later.encode())]) is None
    assert edit_checkins(site, diagnostics, [SourceFile("content/teams/web/_index.md", b"---\nname: W\n---\n")]) is None
    # one file it cannot take spoils the whole batch
    fine = SourceFile(API, FILES[API].replace("5", "6").encode())
    assert edit_checkins(site, diagnostics, [fine, outside]) is None
    assert edit_checkins(site, diagnostics, [fine]) is not None


def test_the_callers_renderer_and_parse_cache_are_used():
    """serve passes its Markdown renderer (the site's settings) and its parse cache, which
    the next full rebuild reads: the edited file's parse must be in it."""
    from okrsite.builder.parallel import parse_all
    from okrsite.builder.parsecache import ParseCache, parse_key
    from okrsite.core.markdown import Markdown

    site, diagnostics = full(FILES)
    text = FILES[WEB] + "<b>bold</b> note\n"  # a body after the front matter
    patch = edit_checkins(site, diagnostics, [SourceFile(WEB, text.encode())], markdown=Markdown(allow_html=True))
    assert patch is not None
    [ci] = [c for c in patch.site.checkins if c.path == WEB]
    assert "<b>bold</b>" in ci.body_html
    # what serve parses for the patch (parse_all, into its cache) is what the patch shows
    cache = ParseCache()
    edited = [SourceFile(WEB, text.replace("bold", "strong").encode())]
    patch = edit_checkins(site, diagnostics, edited, parsed=parse_all(edited, site.config, cache=cache))
    [ci] = [c for c in patch.site.checkins if c.path == WEB]
    assert "&lt;b&gt;strong&lt;/b&gt; note" in ci.body_html  # the site's settings: no raw HTML
    assert parse_key(edited[0].data, site.config.limits) in cache.parsed
    # without a renderer, the site's own settings: raw HTML shown as text
    [ci] = [
        c for c in edit_checkins(site, diagnostics, [SourceFile(WEB, text.encode())]).site.checkins if c.path == WEB
    ]
    assert "<b>" not in ci.body_html and "&lt;b&gt;bold&lt;/b&gt;" in ci.body_html
