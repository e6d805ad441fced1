"""Golden files: okrs.json and key pages of the sample must not drift unnoticed.
After an intended change, refresh them with:

    OKRSITE_UPDATE_GOLDEN=1 ./test.sh tests/test_golden.py
and review the diff like code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
PAGES = [
    "okrs.json",
    "index.html",
    "teams/index.html",
    "teams/platform/index.html",
    "teams/platform/2026-Q4/index.html",
    "teams/platform/2026-Q4/fast-dashboards/index.html",
    "teams/platform/2026-Q4/checkins/2026-11-20/index.html",
    "teams/platform/2026-Q3/query-engine-v2/index.html",
    "periods/2026-Q4/alignment/index.html",
]


@pytest.mark.parametrize("page", PAGES)
def test_golden(sample_site, page):
    actual = (sample_site / page).read_bytes()
    golden = GOLDEN / page.replace("/", "__")
    if os.environ.get("OKRSITE_UPDATE_GOLDEN"):
        golden.write_bytes(actual)
    assert golden.exists(), f"no golden file for {page}: run with OKRSITE_UPDATE_GOLDEN=1"
    assert actual == golden.read_bytes(), f"{page} differs from {golden}; if intended, refresh with OKRSITE_UPDATE_GOLDEN=1"
