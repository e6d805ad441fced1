"""One pipeline (okrsite/builder/: compute → plan → a sink): every command that makes
files plans them with ``outputs.plan``, and ``Outputs.add`` is the one place where two
outputs on one path are found. A theme's static ``okrs.json`` clashes with the JSON
export: the in-memory build, ``okrsite build`` and ``okrsite serve`` each report the
same one diagnostic. ``okrsite check`` and ``okrsite diff`` render nothing, but plan
every file all the same, so they report it too (a pull request learns of it before the
build after the merge fails)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from okrsite.builder.outputs import Outputs, plan
from okrsite.builder.pipeline import build, publish
from okrsite.builder.sinks import LazyFiles, in_memory
from okrsite.cli.main import main
from okrsite.core.config import read_config
from okrsite.core.diagnostics import Diagnostics
from okrsite.serve.session import Server
from okrsite.site.themes import theme_dirs
from test_serve import AS_OF, make_site

CLASH = "okrsite.yaml:1: error: two outputs write okrs.json: the theme's static files and the JSON export"


def clashing_site(tmp_path: Path) -> Path:
    """The small site of test_serve with a user theme whose static files hold okrs.json."""
    config = make_site(tmp_path / "site", theme=True)
    static = config.parent / "themes" / "mytheme" / "static"
    static.mkdir(parents=True)
    (static / "okrs.json").write_text("{}\n", encoding="utf-8")
    return config


@pytest.fixture
def adds(monkeypatch):
    """Every path given to Outputs.add, by the command running."""
    seen: list[str] = []
    real = Outputs.add

    def spy(self, path, owner, **kwargs):
        seen.append(path)
        return real(self, path, owner, **kwargs)

    monkeypatch.setattr(Outputs, "add", spy)
    return seen


def test_the_in_memory_build_reports_the_clash_once(tmp_path, adds):
    config, _ = read_config(clashing_site(tmp_path))
    result = build(config, AS_OF)
    assert [str(d) for d in result.errors] == [CLASH]
    assert adds.count("okrs.json") == 2
    assert result.files["okrs.json"] == b"{}\n"  # the first output keeps its path


def test_okrsite_build_reports_the_clash_once_and_writes_nothing(tmp_path, capsys, adds):
    config = clashing_site(tmp_path)
    out = tmp_path / "public"
    code = main(
        [
            "build",
            "--config",
            str(config),
            "--output",
            str(out),
            "--as-of",
            AS_OF.isoformat(),
            "--no-cache",
            "-q",
            "--jobs",
            "1",
        ]
    )
    printed = capsys.readouterr()
    assert code == 1
    assert [line for line in printed.out.splitlines() if ": error: " in line] == [CLASH]
    assert adds.count("okrs.json") == 2
    assert not out.exists()


def test_okrsite_serve_reports_the_clash_once(tmp_path, adds):
    with Server(clashing_site(tmp_path), port=0, watch=False, out=io.StringIO()) as server:
        state = server.state
    assert not state.ok
    assert [d for d in state.diagnostics if ": error: " in d] == [CLASH]
    assert adds.count("okrs.json") == 2


def test_okrsite_check_reports_the_clash_once(tmp_path, capsys, adds):
    config = clashing_site(tmp_path)
    assert main(["check", "--config", str(config), "--as-of", AS_OF.isoformat()]) == 1
    printed = capsys.readouterr()
    assert [line for line in printed.out.splitlines() if ": error: " in line] == [CLASH]
    assert adds.count("okrs.json") == 2


def test_okrsite_diff_plans_every_file_of_both_sides(tmp_path, capsys, adds):
    """diff computes both sides through the same plan: each side's files are added, and
    the clash the head brings is reported as new."""
    base = make_site(tmp_path / "base", theme=True).parent
    config = clashing_site(tmp_path / "head")
    main(["diff", str(base), str(config.parent), "--config", str(config), "--as-of", AS_OF.isoformat()])
    printed = capsys.readouterr()
    assert adds.count("okrs.json") == 3  # the export on each side, the theme's file on the head's
    assert "two outputs write okrs.json" in printed.out + printed.err


def test_every_sink_makes_exactly_the_planned_files(tmp_path, adds):
    """The files built in memory, served and written are the paths added, and the same
    bytes."""
    config_path = make_site(tmp_path / "site")
    config, _ = read_config(config_path)
    memory = build(config, AS_OF).files
    assert sorted(adds) == sorted(memory)

    adds.clear()
    out = tmp_path / "public"
    result = publish(config, AS_OF, out, jobs=1, use_cache=False, search=False)
    assert result.written and not result.errors
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert sorted(adds) == sorted(written)
    assert {p: d for p, d in written.items() if p != ".okrsite-output"} == memory

    adds.clear()
    with Server(config_path, port=0, watch=False, out=io.StringIO()) as server:
        files = server.snapshot.files
        assert isinstance(files, LazyFiles)
        assert sorted(adds) == files.keys()
        assert files.materialise() == memory


def test_plan_lists_every_file_before_making_any(tmp_path):
    config, _ = read_config(make_site(tmp_path / "site"))
    site = build(config, AS_OF).site
    outputs = plan(site, theme_dirs(config), Diagnostics())
    owners = {o.owner for o in outputs}
    assert owners == {
        "the theme's static files",
        "a page",
        "the JSON export",
        "the JSON export's shards",
        "the feeds and CSV exports",
    }
    assert all(o.data is None for o in outputs if o.owner != "the theme's static files")
    assert len(outputs.teams()) == len(outputs.pages.pages)
    assert sorted(in_memory(outputs)) == sorted(o.path for o in outputs)
