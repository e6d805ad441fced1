"""The shards of the JSON export: ``teams/<team>/okrs.json`` and ``periods/<period>/okrs.json``,
each the full ``okrs.json`` restricted to one team or one period (issue 28)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from okrsite.site import export
from okrsite.builder.pipeline import build
from okrsite.core.config import read_config
from okrsite.serve.session import Server

from conftest import REPO, real_okr_params
from test_dependencies import PAYMENTS_Q4, _check, _edit
from test_messages import _state
from test_serve import get, make_site, write
from test_speed import copy_sample


def _built(config_path: Path) -> dict[str, bytes]:
    config, _ = read_config(config_path)
    config.search = False
    result = build(config, config.as_of)
    assert result.errors == []
    return result.files


def _filtered(full: dict, key: str, value: str) -> dict:
    """The full export restricted to one team (``key`` "team") or one period, as the
    documentation states it: its own entry of ``teams`` or ``periods`` (the other list
    whole), its objectives and its check-ins."""
    own = key + "s"
    return {
        "as_of": full["as_of"],
        "current_period": full["current_period"],
        "periods": [p for p in full["periods"] if own != "periods" or p["id"] == value],
        "teams": [t for t in full["teams"] if own != "teams" or t["id"] == value],
        "objectives": [o for o in full["objectives"] if o[key] == value],
        "checkins": [c for c in full["checkins"] if c[key] == value],
    }


@pytest.mark.parametrize("config_path", [REPO / "okrsite.yaml", *real_okr_params(path=lambda d: d / "okrsite.yaml")])
def test_every_objective_is_in_one_team_shard_and_one_period_shard(config_path):
    files = _built(config_path)
    full = json.loads(files["okrs.json"])
    team_ids = [t["id"] for t in full["teams"]]
    period_ids = [p["id"] for p in full["periods"]]
    shards = {
        path: json.loads(data) for path, data in files.items() if path != "okrs.json" and path.endswith("okrs.json")
    }
    assert sorted(shards) == sorted(
        [f"teams/{t}/okrs.json" for t in team_ids] + [f"periods/{p}/okrs.json" for p in period_ids]
    )
    for kind, ids in (("team", team_ids), ("period", period_ids)):
        seen = [o["ref"] for i in ids for o in shards[f"{kind}s/{i}/okrs.json"]["objectives"]]
        assert sorted(seen) == sorted(o["ref"] for o in full["objectives"])  # each exactly once
        seen = [
            (c["team"], c["period"], c["date"], c["url"])
            for i in ids
            for c in shards[f"{kind}s/{i}/okrs.json"]["checkins"]
        ]
        assert sorted(seen) == sorted((c["team"], c["period"], c["date"], c["url"]) for c in full["checkins"])
        for i in ids:
            shard = shards[f"{kind}s/{i}/okrs.json"]
            assert shard == _filtered(full, kind, i)
            assert list(shard) == list(full)  # the same fields in the same order
    assert full["objectives"], "a set with no objectives proves nothing"


def test_shards_are_written_like_okrs_json():
    """The bytes of a shard are its data as okrs.json is written (indented, a newline)."""
    files = _built(REPO / "okrsite.yaml")
    for path, data in files.items():
        if path.endswith("okrs.json"):
            assert data == export.dumps(json.loads(data)), path


def test_a_one_change_build_gives_the_shards_of_a_cold_build(tmp_path):
    config_path = copy_sample(tmp_path)
    assert _check(config_path, tmp_path) == 0
    before = (tmp_path / "public" / "teams" / "payments" / "okrs.json").read_bytes()
    period_before = (tmp_path / "public" / "periods" / "2026-Q4" / "okrs.json").read_bytes()
    other = (tmp_path / "public" / "teams" / "design" / "okrs.json").read_bytes()
    _edit(tmp_path / PAYMENTS_Q4 / "usage-billing.md", 'title: "', 'title: "Renamed ')
    # _check compares every file, the shards included, with a build from nothing
    assert _check(config_path, tmp_path) > 0
    after = (tmp_path / "public" / "teams" / "payments" / "okrs.json").read_bytes()
    assert after != before and b"Renamed" in after
    assert (tmp_path / "public" / "periods" / "2026-Q4" / "okrs.json").read_bytes() != period_before
    assert (tmp_path / "public" / "teams" / "design" / "okrs.json").read_bytes() == other


def test_serve_answers_a_shard_url(tmp_path):
    config = make_site(tmp_path / "site")
    files = _built(config)
    with Server(config, port=0, watch=False, out=io.StringIO()) as server:
        for path in ("teams/mobile/okrs.json", "periods/2026-Q4/okrs.json"):
            response = get(server, "/okrs/" + path)
            assert response.status == 200, path
            assert response.headers["content-type"].startswith("application/json")
            assert response.body == files[path]
        assert get(server, "/okrs/teams/nobody/okrs.json").status == 404


def test_a_theme_file_on_a_shard_path_is_two_outputs(tmp_path):
    config = make_site(tmp_path / "site", extra="theme: mine\n")
    write(config.parent, "themes/mine/static/teams/mobile/okrs.json", "{}")
    (config.parent / "themes" / "mine" / "templates").mkdir()
    message = (
        "okrsite.yaml:1: error: two outputs write teams/mobile/okrs.json: "
        "the theme's static files and the JSON export's shards"
    )
    cfg, _ = read_config(config)
    cfg.search = False
    result = build(cfg, cfg.as_of)
    assert [str(d) for d in result.errors if "two outputs" in str(d)] == [message]
    with Server(config, port=0, watch=False, out=io.StringIO()) as server:
        state = _state(server)
        assert state["ok"] is False and message in state["diagnostics"], state
