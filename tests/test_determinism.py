"""Determinism (issue 8): the same content gives the same bytes in every HTML and JSON
file (and every other file), whatever the folder, the number of rendering processes,
Python's hash seed, the time zone, the locale or the build cache.

(``test_sample_site.test_same_content_same_bytes_in_another_folder`` compares one build
in another folder with the session's sample build; this test varies everything else.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SAMPLE_CONFIG


def read_output(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_bytes_twice_and_elsewhere_whatever_the_environment(tmp_path, sample_site):
    copy = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(REPO / "content", copy / "content")
    shutil.copy(SAMPLE_CONFIG, copy / "okrsite.yaml")
    runs = [
        # the same folder as the session's build, again: one process, another hash seed and zone
        (
            SAMPLE_CONFIG,
            tmp_path / "again",
            {"PYTHONHASHSEED": "1", "TZ": "Pacific/Kiritimati", "LC_ALL": "C"},
            ["-j", "1", "--no-cache"],
        ),
        # another folder: several processes, another seed, zone and locale, with the build cache
        (
            copy / "okrsite.yaml",
            tmp_path / "other",
            {"PYTHONHASHSEED": "4242", "TZ": "America/Adak", "LC_ALL": "C.UTF-8"},
            ["-j", "3"],
        ),
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "okrsite", "build", "--config", str(config), "--output", str(out), *args],
            env={**os.environ, **env},
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for config, out, env, args in runs
    ]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    reference = read_output(sample_site)
    assert any(p.endswith(".html") for p in reference) and "okrs.json" in reference
    for _, out, _, _ in runs:
        again = read_output(out)
        assert sorted(again) == sorted(reference)
        assert [p for p in reference if reference[p] != again[p]] == []
