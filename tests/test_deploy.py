"""The one-change deploy as CI runs it (issue 28): the build cache and the last site are
restored into a fresh checkout (new inodes, new mtimes, maybe in another folder), one
check-in is added, and the build renders only what the check-in can alter, writing the
very bytes of a build from nothing. A cache or an output folder that git tracks (a pull
request can commit them) is never taken for a restored one."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from okrsite.builder import cache, record
from okrsite.builder.pipeline import publish
from okrsite.core.config import read_config

from conftest import copy_sample
from test_speed import read_tree

CHECKIN = Path("content/teams/payments/2026-Q4/checkins/2026-11-19.md")
CHECKIN_TEXT = """\
---
date: 2026-11-19
author: "Olumide Adeyemi"
key_results:
  payment-reliability/checkout-success: 98.4
---

One more day of clean checkouts.
"""
CACHED = (cache.CACHE_DIR, "public")  # what the workflow's cache step saves and restores


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=CI", "-c", "user.email=ci@example.com", *args],
        check=True,
        capture_output=True,
    )


def checkout(origin: Path, where: Path) -> Path:
    """A fresh clone of ``origin`` (every file new: new inodes, new mtimes)."""
    where.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(where)], check=True, capture_output=True)
    return where


def save_cache(root: Path, archive: Path, how: str) -> None:
    """What a CI cache step keeps of a build: the cache and the output folder, as a tar
    archive (actions/cache: new inodes, mtimes kept) or as plain copies (new mtimes too)."""
    if how == "tar":
        with tarfile.open(archive, "w") as tar:
            for name in CACHED:
                tar.add(root / name, arcname=name)
    else:
        for name in CACHED:
            shutil.copytree(root / name, archive / name, copy_function=shutil.copyfile)


def restore_cache(archive: Path, root: Path, how: str) -> None:
    if how == "tar":
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="tar")
    else:
        for name in CACHED:
            shutil.copytree(archive / name, root / name, copy_function=shutil.copyfile)


def build(root: Path, *, use_cache: bool = True):
    config, _ = read_config(root / "okrsite.yaml")
    result = publish(config, config.as_of, root / "public", jobs=1, use_cache=use_cache)
    assert result.errors == [] and result.written, result.errors
    return result


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """The repository: the sample organisation, committed."""
    root = tmp_path_factory.mktemp("origin") / "okrs"
    root.mkdir()
    copy_sample(root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "OKRs")
    return root


@pytest.fixture(scope="module")
def cold(origin, tmp_path_factory) -> dict[str, bytes]:
    """The site with the new check-in, built from nothing in a checkout of its own."""
    root = checkout(origin, tmp_path_factory.mktemp("cold") / "okrs")
    (root / CHECKIN).write_text(CHECKIN_TEXT)
    build(root, use_cache=False)
    return read_tree(root / "public")


@pytest.mark.parametrize("how", ["tar", "copy"])
@pytest.mark.parametrize("place", ["same folder", "another folder"])
def test_one_change_deploy_after_a_restore_reuses_pages(origin, cold, tmp_path, how, place):
    # the build on main, whose cache step saves the cache and the site
    first = checkout(origin, tmp_path / "runner-1" / "okrs")
    built = build(first)
    assert built.reused == 0
    archive = tmp_path / ("cache.tar" if how == "tar" else "cache")
    save_cache(first, archive, how)
    # the next run: a new runner, a fresh checkout, the cache restored, one check-in added
    shutil.rmtree(first)
    second = checkout(origin, first if place == "same folder" else tmp_path / "runner-2" / "ws" / "okrs")
    restore_cache(archive, second, how)
    assert (
        cache.output_identity(second / "public") != record.read_build(read_config(second / "okrsite.yaml")[0]).output_id
    )
    (second / CHECKIN).write_text(CHECKIN_TEXT)
    result = build(second)
    got = read_tree(second / "public")
    assert sorted(got) == sorted(cold)
    assert [p for p in cold if got[p] != cold[p]] == []
    pages = sum(1 for p in got if p.endswith(".html"))
    assert result.reused > pages * 0.8, (result.reused, pages)  # one team's pages change, and the wide ones
    # and the build after it, with nothing changed, has nothing to do
    assert publish(
        read_config(second / "okrsite.yaml")[0], result.site.config.as_of, second / "public", jobs=1
    ).unchanged


def test_one_change_deploy_indexes_only_the_changed_period_for_search(origin, cold, tmp_path, indexed_parts):
    """The search index is one Pagefind bundle per period (and one for teams and people):
    after a restore, the new check-in's period is indexed again, the other parts are
    taken from the restored site, and the index is the cold build's, byte for byte."""
    from okrsite.builder import searchindex

    indexed = indexed_parts
    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    parts = list(json.loads((first / "public/pagefind" / searchindex.PARTS_FILE).read_bytes())["parts"])
    assert indexed == parts and len(parts) > 2 and "periods/2026-Q4/" in parts
    save_cache(first, tmp_path / "cache.tar", "tar")
    second = checkout(origin, tmp_path / "b" / "okrs")
    restore_cache(tmp_path / "cache.tar", second, "tar")
    (second / CHECKIN).write_text(CHECKIN_TEXT)
    indexed.clear()
    build(second)
    assert indexed == ["periods/2026-Q4/"]
    got = read_tree(second / "public")
    assert sorted(got) == sorted(cold) and [p for p in cold if got[p] != cold[p]] == []
    # a restored index file whose bytes are not the manifest's: its part is indexed again
    third = checkout(origin, tmp_path / "c" / "okrs")
    restore_cache(tmp_path / "cache.tar", third, "tar")
    fragment = next(p for p in sorted((third / "public/pagefind/periods/2026-Q3/fragment").iterdir()))
    fragment.write_bytes(fragment.read_bytes()[:-1] + b"x")
    (third / CHECKIN).write_text(CHECKIN_TEXT)
    indexed.clear()
    build(third)
    assert sorted(indexed) == ["periods/2026-Q3/", "periods/2026-Q4/"]
    got = read_tree(third / "public")
    assert [p for p in cold if got[p] != cold[p]] == []


def test_a_restored_cache_with_nothing_changed_has_nothing_to_do(origin, tmp_path):
    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    save_cache(first, tmp_path / "cache", "copy")
    second = checkout(origin, tmp_path / "b" / "okrs")
    restore_cache(tmp_path / "cache", second, "copy")
    config, _ = read_config(second / "okrsite.yaml")
    assert publish(config, config.as_of, second / "public", jobs=1).unchanged
    # the record now names the restored folder: the next build trusts it without reading it
    assert record.read_build(config).output_id == cache.output_identity(second / "public")
    assert publish(config, config.as_of, second / "public", jobs=1).unchanged


@pytest.mark.parametrize("tracked", list(CACHED))
def test_a_committed_cache_or_output_is_not_taken_for_a_restored_one(origin, cold, tmp_path, tracked):
    """The same files, but git tracks one of the two folders (what a pull request can
    commit): the build renders every page, whatever the cache says."""
    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    save_cache(first, tmp_path / "cache", "copy")
    second = checkout(origin, tmp_path / "b" / "okrs")
    restore_cache(tmp_path / "cache", second, "copy")
    git(second, "add", "-f", tracked)
    git(second, "commit", "-q", "-m", "a committed cache")
    (second / CHECKIN).write_text(CHECKIN_TEXT)
    result = build(second)
    assert result.reused == 0
    got = read_tree(second / "public")
    assert sorted(got) == sorted(cold) and [p for p in cold if got[p] != cold[p]] == []


def test_a_restored_output_that_differs_from_the_manifest_is_not_used(origin, cold, tmp_path):
    """A restored page whose bytes are not the manifest's (a cache of another build, a
    damaged archive), even with the size and mtime the manifest records: nothing is taken
    from that output."""
    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    save_cache(first, tmp_path / "cache.tar", "tar")
    second = checkout(origin, tmp_path / "b" / "okrs")
    restore_cache(tmp_path / "cache.tar", second, "tar")
    page = next(p for p in sorted((second / "public").rglob("*.html")) if "payments" not in str(p))
    st = page.stat()
    data = page.read_bytes()
    page.write_bytes(data[:-8] + b"<b>x</b>"[: len(data[-8:])])
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    (second / CHECKIN).write_text(CHECKIN_TEXT)
    result = build(second)
    assert result.reused == 0
    got = read_tree(second / "public")
    assert [p for p in cold if got[p] != cold[p]] == []


def test_from_checkout(tmp_path):
    assert not record.from_checkout(tmp_path)  # no work tree
    git(tmp_path, "init", "-q")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.html").write_text("x")
    assert not record.from_checkout(tmp_path / "out")  # untracked
    git(tmp_path, "add", "out/a.html")
    assert record.from_checkout(tmp_path / "out")  # in the index: a checkout brings it
    (tmp_path / ".git" / "HEAD").write_text("garbage")  # git cannot answer: not trusted
    assert record.from_checkout(tmp_path / "out")


def test_the_bodies_text_comes_from_the_restored_cache(origin, cold, tmp_path, monkeypatch):
    """The search records' plain text of each body is kept in the build cache
    (searchindex.TextCache): after a restore and one new check-in, only the new body is
    converted, and the site is the cold build's, byte for byte."""
    from okrsite.builder import searchindex

    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    stored = json.loads((first / cache.CACHE_DIR / searchindex.TEXT_FILE).read_bytes())["text"]
    assert len(stored) > 100 and all(isinstance(t, str) for t in stored.values())
    save_cache(first, tmp_path / "cache.tar", "tar")
    second = checkout(origin, tmp_path / "b" / "okrs")
    restore_cache(tmp_path / "cache.tar", second, "tar")
    (second / CHECKIN).write_text(CHECKIN_TEXT)
    converted = []
    real = searchindex.html_to_text
    monkeypatch.setattr(
        searchindex, "html_to_text", lambda html, headings=True: converted.append(html) or real(html, headings)
    )
    build(second)
    assert len(converted) == 1 and "clean checkouts" in converted[0]
    got = read_tree(second / "public")
    assert [p for p in cold if got[p] != cold[p]] == []


def test_a_committed_text_cache_is_not_taken(origin, cold, tmp_path):
    """A search-text.json that git tracks (a pull request can commit one) is ignored:
    its texts never reach the index."""
    from okrsite.builder import searchindex

    first = checkout(origin, tmp_path / "a" / "okrs")
    build(first)
    path = first / cache.CACHE_DIR / searchindex.TEXT_FILE
    data = json.loads(path.read_bytes())
    data["text"] = {key: "planted words" for key in data["text"]}
    path.write_text(json.dumps(data))
    git(first, "add", "-f", str(path.relative_to(first)))
    git(first, "commit", "-q", "-m", "a committed text cache")
    (first / CHECKIN).write_text(CHECKIN_TEXT)
    build(first)
    got = read_tree(first / "public")
    assert [p for p in cold if p.startswith("pagefind/") and got[p] != cold[p]] == []
    plain = [gzip.decompress(d) if d[:2] == b"\x1f\x8b" else d for p, d in got.items() if p.startswith("pagefind/")]
    assert plain and not any(b"planted" in d for d in plain)
