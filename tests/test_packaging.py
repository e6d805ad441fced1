"""A plain `pip install .` ships the built-in theme inside the package, so a site in
any other folder builds.

The wheel is built from a copy of the checkout's tracked files in a temporary folder (so
setuptools' build/ and egg-info never land in the checkout), without build isolation and
without an index: the virtualenv's own setuptools builds it, and nothing is downloaded."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def source_copy(dest: Path) -> Path:
    """The package's sources as a clean checkout holds them (no build/, no egg-info)."""
    dest.mkdir()
    keep = ("pyproject.toml", "README.md", "okrsite", "themes")
    for name in keep:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(src, dest / name)
    return dest


def test_wheel_ships_the_theme_and_builds_a_site_elsewhere(tmp_path):
    src = source_copy(tmp_path / "src")
    wheels = tmp_path / "wheels"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(wheels),
            str(src),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheel = next(wheels.glob("okrsite-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "okrsite/builtin/default/templates/base.html" in names
    assert any(n.startswith("okrsite/builtin/default/static/") for n in names)
    assert not any(n.startswith("themes/") for n in names)

    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    site = tmp_path / "org"
    (site / "content" / "teams" / "web" / "2026-Q4").mkdir(parents=True)
    (site / "okrsite.yaml").write_text("title: Elsewhere\nas_of: 2026-11-20\n")
    (site / "content" / "teams" / "web" / "2026-Q4" / "fast.md").write_text(
        "---\ntitle: Fast pages\nowner: Ana\nkey_results:\n  - {title: p99, start: 900, target: 300, unit: ms}\n"
        "  - {title: Budget, type: milestone}\n---\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "okrsite", "build"], cwd=site, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the installed copy was used, not this checkout
    check = subprocess.run(
        [sys.executable, "-c", "import okrsite, sys; print(okrsite.__file__)"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.startswith(str(target))
    assert (site / "public" / "teams" / "web" / "2026-Q4" / "fast" / "index.html").is_file()
    assert (site / "public" / "okrs.json").is_file()
