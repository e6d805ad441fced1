"""Themes (I/O edge): where templates and static files come from.

A user theme (``theme:`` in okrsite.yaml: a folder, or a name under ``themes/``)
overrides the built-in ``default`` theme file by file; what it does not have falls back
to the built-in one."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.config import ConfigError
from ..core.model import Config, Diagnostic


def builtin_theme() -> Path:
    """The built-in theme: inside the installed package (okrsite/builtin/default), or
    the repository's top-level themes/default when running from a checkout."""
    here = Path(__file__).resolve().parent.parent  # okrsite/
    for candidate in (here / "builtin" / "default", here.parent / "themes" / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise RuntimeError("okrsite's built-in theme is missing: reinstall okrsite")


def theme_dirs(config: Config) -> list[Path]:
    dirs = []
    if config.theme:
        root = Path(config.root)
        candidates = [root / config.theme, root / "themes" / config.theme]
        found = next((c for c in candidates if c.is_dir()), None)
        if found is None:
            raise ConfigError(
                [
                    Diagnostic(
                        config.path,
                        1,
                        "error",
                        f"theme '{config.theme}' not found (looked for {config.theme}/ and themes/{config.theme}/)",
                    )
                ]
            )
        dirs.append(found.resolve())
    builtin = builtin_theme()
    if builtin not in dirs:
        dirs.append(builtin)
    return dirs


def template_files(dirs: list[Path]) -> list[Path]:
    """Every template file of the themes (for watching and cache keys)."""
    out = []
    for d in dirs:
        t = d / "templates"
        if t.is_dir():
            out.extend(sorted(p for p in t.rglob("*") if p.is_file()))
    return out


def static_files(dirs: list[Path]) -> dict[str, bytes]:
    """Files under each theme's ``static/``, copied to the output root; the first theme
    that has a path wins."""
    out: dict[str, bytes] = {}
    for d in reversed(dirs):  # built-in first, so user themes override
        static = d / "static"
        if not static.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(static):
            dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath) / name
                out[full.relative_to(static).as_posix()] = full.read_bytes()
    return dict(sorted(out.items()))


def template_location(exc: BaseException, root: Path) -> tuple[str, int] | None:
    """The template file and line where rendering failed, relative to the site root when
    inside it: from a syntax error, else from the innermost template frame."""
    import traceback

    cause = exc.__cause__
    filename, line = getattr(cause, "filename", None), getattr(cause, "lineno", None)
    if not filename and cause is not None:
        for frame in reversed(traceback.extract_tb(cause.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt", ".j2")) and "/templates/" in frame.filename:
                filename, line = frame.filename, frame.lineno
                break
    if not filename:
        return None
    try:
        shown = Path(filename).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = filename
    return shown, line or 1
