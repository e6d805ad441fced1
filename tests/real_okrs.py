"""The real OKR sets that some tests read: ``../shared/real-okrs``, beside the checkout,
not in it. A clone has nothing beside it, so each test that reads them skips there with
a reason: decorate it with ``needs_real_okrs``, parametrize it with ``real_okr_sets()``,
or read ``present()``, which is empty without them. tests/test_outside.py checks that no
test reads outside the repository in another way."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REAL_OKRS

NAMES = ("gitlab-fy20-q2", "sourcegraph")
REASON = "the real OKR sets (../shared/real-okrs) are not next to the repository, as in a fresh clone"

needs_real_okrs = pytest.mark.skipif(not REAL_OKRS.is_dir(), reason=REASON)


def real_okr_sets(file: str = "") -> list:
    """One parameter per real set (its folder, or ``file`` in it), each skipped with the
    reason when the sets are not there."""
    return [pytest.param(REAL_OKRS / name / file if file else REAL_OKRS / name, id=name, marks=needs_real_okrs)
            for name in NAMES]


def present() -> list[Path]:
    """The folders of the real sets, or [] when they are not next to the repository."""
    return [REAL_OKRS / name for name in NAMES] if REAL_OKRS.is_dir() else []
