"""Report step: diagnostics in the formats ``okrsite check --format`` prints. Pure.

* ``text``: ``PATH:LINE: SEVERITY: MESSAGE``, one per line (the contract's format).
* ``github``: GitHub Actions workflow commands
  (``::error file=PATH,line=N,title=TITLE::MESSAGE``), which the runner turns into
  annotations on the pull request's diff, at the file and line of each problem.
* ``json``: a list of ``{"path", "line", "severity", "message"}`` for other tools.

Paths are relative to the folder holding ``okrsite.yaml``; ``prefix`` puts them relative
to somewhere else (for annotations: the repository's root, when the site lives in a
sub-folder of it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..core.model import Diagnostic

FORMATS = ("text", "github", "json")


def _path(d: Diagnostic, prefix: str) -> str:
    prefix = prefix.strip("/")
    if not prefix or prefix == ".":
        return d.path
    return f"{prefix}/{d.path}"


def text(diagnostics: Iterable[Diagnostic], prefix: str = "") -> str:
    return "".join(f"{_path(d, prefix)}:{d.line}: {d.severity}: {d.message}\n" for d in diagnostics)


def escape_data(value: str) -> str:
    """A workflow command's message: '%', CR and LF are percent-encoded (GitHub's
    rules, as in @actions/core's ``escapeData``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property (file, title): also ':' and ','."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_command(d: Diagnostic, prefix: str = "") -> str:
    """``::error file=content/x.md,line=4,title=okrsite error::message``"""
    command = "error" if d.severity == "error" else "warning"
    props = ",".join(
        [
            f"file={escape_property(_path(d, prefix))}",
            f"line={int(d.line)}",
            f"title={escape_property(f'okrsite {d.severity}')}",
        ]
    )
    return f"::{command} {props}::{escape_data(d.message)}"


def github(diagnostics: Iterable[Diagnostic], prefix: str = "") -> str:
    return "".join(github_command(d, prefix) + "\n" for d in diagnostics)


def as_data(diagnostics: Iterable[Diagnostic], prefix: str = "") -> list[dict]:
    return [
        {"path": _path(d, prefix), "line": d.line, "severity": d.severity, "message": d.message} for d in diagnostics
    ]


def json_text(diagnostics: Iterable[Diagnostic], prefix: str = "") -> str:
    return json.dumps(as_data(diagnostics, prefix), indent=2, ensure_ascii=False) + "\n"


def render(diagnostics: Iterable[Diagnostic], fmt: str = "text", prefix: str = "") -> str:
    """Every diagnostic in one format. ``json`` always prints a list (``[]`` when there
    is nothing to report), the others nothing at all."""
    diagnostics = list(diagnostics)
    if fmt == "github":
        return github(diagnostics, prefix)
    if fmt == "json":
        return json_text(diagnostics, prefix)
    if fmt == "text":
        return text(diagnostics, prefix)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
