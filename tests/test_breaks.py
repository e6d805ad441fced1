"""Changes a review made to the code that no test noticed (issue 26, the table), each
with a test that fails when the behaviour is gone:

- the config's ``status:`` thresholds validated, then ignored:
  ``test_each_status_threshold_in_the_config_changes_statuses``;
- "Aligns to" / "Aligned from" links losing their ``#kr-...`` anchor:
  ``test_alignment_links_to_a_key_result_open_it_at_its_anchor``;
- an objective's body no longer indexed for search:
  ``test_an_objectives_body_is_in_its_search_record``;
- serve's quick rebuild after a check-in no longer recomputing KPIs:
  ``test_a_kpi_edited_in_a_checkin_shows_as_a_full_build_shows_it``;
- ``diff`` no longer reporting a help request added to an existing check-in:
  ``test_diff_reports_help_added_to_an_existing_checkin``;
- the atomic output swap replaced by "delete the old, then rename":
  ``test_the_output_is_a_whole_site_at_every_step_of_a_write``. It checks the output
  between the steps of each write rather than racing a reader thread against them: a
  reader that resolves ``public/x`` just as the folders are exchanged can land in the
  old folder while it is being removed, even with a correct swap, so such a test would
  fail now and then for no fault.

(The deleted "unknown status for objective" and "unknown contributor team" errors are
rows of tests/test_messages.py; the sanitiser's raw-file audit is
tests/test_injection.py::test_raw_files_carry_no_live_payload, without a browser.)
"""

from __future__ import annotations

import copy
import posixpath
import re
from datetime import date
from pathlib import Path

import pytest

from okrsite.cli import diff
from okrsite.site import search
from okrsite.site.pages import plan_pages, render_page, render_site
from okrsite.core import urls
from okrsite.builder import write
from okrsite.builder.pipeline import build
from okrsite.core.config import parse_config
from okrsite.site.export import export_data
from okrsite.core.model import SourceFile
from okrsite.serve.patch import edit_checkins
from okrsite.builder.output import MARKER

from conftest import REPO, SAMPLE_CONFIG
from linkcheck import read_output

# --------------------------------------------------------------------------- status thresholds


def statuses(extra_config: str) -> dict[str, tuple]:
    """Every key result's and objective's (status, stale) in the sample, with
    ``extra_config`` appended to its okrsite.yaml."""
    config, _ = parse_config(SAMPLE_CONFIG.read_bytes() + b"\n" + extra_config.encode(), root=str(REPO))
    return statuses_of(build(config, config.as_of, render_pages=False).site)


def statuses_of(site) -> dict[str, tuple]:
    out = {}
    for o in site.objectives.values():
        out[o.ref] = (o.status,)
        out.update({kr.ref: (kr.status, kr.stale) for kr in o.key_results})
    return out


@pytest.fixture(scope="module")
def default_statuses(sample_model):
    return statuses_of(sample_model)


@pytest.mark.parametrize(
    "setting",
    [
        "pace_on_track: 0.5\n  pace_behind: 0.9",  # far behind the pace still counts as on track
        "pace_on_track: 0\n  pace_behind: 0.01",  # any gap is behind
        "confidence_on_track: 0.05\n  confidence_behind: 0.01",  # low confidence is on track
        "confidence_on_track: 1\n  confidence_behind: 0.99",  # any doubt is at risk
        "stale_after_days: 1",  # every key result not updated on the as-of day is stale
    ],
)
def test_each_status_threshold_in_the_config_changes_statuses(default_statuses, setting):
    changed = statuses(f"status:\n  {setting}\n")
    differ = [ref for ref in default_statuses if changed[ref] != default_statuses[ref]]
    assert differ, f"status: {setting} changed no status"


# --------------------------------------------------------------------------- alignment anchors

LINKS = re.compile(r"<dt>(Aligns to|Aligned from)</dt>((?:<dd>.*?</dd>)+)", re.S)
ITEM = re.compile(r'<dd><a href="([^"]+)">.*?</a> <span class="meta">(key result|objective) · ', re.S)


def test_alignment_links_to_a_key_result_open_it_at_its_anchor(sample_site):
    files = read_output(sample_site)
    seen = {"key result": 0, "objective": 0}
    for path, data in sorted(files.items()):
        if not path.endswith(".html"):
            continue
        for _, items in LINKS.findall(data.decode("utf-8")):
            for href, kind in ITEM.findall(items):
                seen[kind] += 1
                target, _, fragment = href.partition("#")
                assert bool(fragment) == (kind == "key result"), f"{path}: {href} ({kind})"
                page = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
                page = page + "/index.html" if target.endswith("/") else page
                assert page in files, f"{path}: {href}"
                if fragment:
                    assert fragment.startswith("kr-") and f'id="{fragment}"'.encode() in files[page], f"{path}: {href}"
    assert seen["key result"] >= 20 and seen["objective"] >= 20, seen


# --------------------------------------------------------------------------- search records


def test_an_objectives_body_is_in_its_search_record(sample_model):
    items = {i.url: i for r in search.records(sample_model) for i in r.items}
    checked = 0
    for o in sample_model.objectives.values():
        words = search.html_to_text(o.body_html).split()
        if len(words) < 12:
            continue
        item = items[urls.objective(o.team, o.period, o.id)]
        phrase = " ".join(words[-8:])  # the end of the body: after the title, owner and tags
        assert phrase in " ".join(item.content.split()), (o.ref, phrase)
        checked += 1
    assert checked >= 10


# --------------------------------------------------------------------------- serve's quick rebuild: KPIs


def test_a_kpi_edited_in_a_checkin_shows_as_a_full_build_shows_it():
    """The preview's quick rebuild of one check-in (patch + the rebound page plan) gives
    the KPI the check-in now reports, on every page, as a full build does."""
    from test_patch import Org, same_model

    org = Org(SAMPLE_CONFIG)
    path = "content/teams/data/2026-Q4/checkins/2026-11-20.md"
    text = org.sources[path].data.decode("utf-8")
    assert "  load-failures: 0.4\n" in text
    edited = SourceFile(path, text.replace("  load-failures: 0.4\n", "  load-failures: 5.2\n").encode("utf-8"))
    plan = plan_pages(org.site)
    patch = edit_checkins(org.site, org.diagnostics, [edited])
    assert patch is not None
    kpi = next(k for k in patch.site.teams["data"].kpis if k.id == "load-failures")
    assert kpi.value == 5.2 and kpi.value_date == date(2026, 11, 20)
    org.sources[path] = edited
    full, _ = org.full()
    same_model(patch.site, full)
    plan = plan.rebind(patch.site, patch.team_periods)
    expected = render_site(full, org.env)
    got = {page.path: render_page(plan, page, org.env) for page in plan.pages}
    team_page = urls.team("data") + "index.html"
    assert "5.2" in expected[team_page].decode() and got[team_page] == expected[team_page]
    assert [p for p in expected if expected[p] != got.get(p)] == []


# --------------------------------------------------------------------------- diff: help requests


def test_diff_reports_help_added_to_an_existing_checkin(sample_model):
    base = export_data(sample_model)
    head = copy.deepcopy(base)
    ci = next(c for c in head["checkins"] if not c["help"])
    ci["help"] = ["Could someone from Data pair with us on the cache keys?"]
    changes = diff.compare(base, head)
    assert [(c.url, text) for c, text in changes.help] == [(ci["url"], ci["help"][0])]
    assert changes.checkins == []  # the check-in itself is not new
    assert "1 new request for help" in diff.headline(changes)
    assert "Could someone from Data pair with us on the cache keys?" in diff.markdown(changes)
    # a request already there is not new
    assert diff.compare(head, head).help == []


# --------------------------------------------------------------------------- the atomic swap


def site_files(generation: int) -> dict[str, bytes]:
    """A site whose every file says which write made it, and one file only it has."""
    return {
        "index.html": f"<p>{generation}</p>".encode(),
        "marker.txt": str(generation).encode(),
        f"only-{generation}/page.html": f"{generation}".encode() * 1000,
    }


def whole_site(output: Path) -> int | None:
    """The generation the output folder holds, or None: missing, or a mix of two."""
    try:
        names = sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file())
        names.remove(MARKER)  # okrsite's own marker (okrsite/builder/output.py), in every output it writes
        marker = (output / "marker.txt").read_bytes()
        generation = int(marker)
        files = {n: (output / n).read_bytes() for n in names}
    except (OSError, ValueError):
        return None
    return generation if files == site_files(generation) else None


def test_the_output_is_a_whole_site_at_every_step_of_a_write(tmp_path, monkeypatch):
    """Deterministic: every rename, exchange and removal write_site makes is checked
    before and after, and the output is then the whole old site or the whole new one."""
    if write._renameat2 is None:
        pytest.skip("this system has no atomic exchange of two folders (renameat2): the swap has a gap by design")
    output = tmp_path / "public"
    write.write_site(site_files(1), output)
    seen: list[int | None] = []

    def checked(fn):
        def step(*args, **kwargs):
            seen.append(whole_site(output))
            try:
                return fn(*args, **kwargs)
            finally:
                seen.append(whole_site(output))

        return step

    for module, name in [
        (write.os, "rename"),
        (write.os, "replace"),
        (write.os, "rmdir"),
        (write.os, "chmod"),
        (write.shutil, "rmtree"),
        (write.shutil, "move"),
        (write, "exchange"),
    ]:
        monkeypatch.setattr(module, name, checked(getattr(module, name)))
    for generation in (2, 3):
        seen.clear()
        write.write_site(site_files(generation), output)
        assert seen and set(seen) <= {generation - 1, generation}, seen
        assert whole_site(output) == generation
