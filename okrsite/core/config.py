"""Configuration step: ``okrsite.yaml`` -> Config, and the site's periods.

``read_config`` is the only function here that touches the disk."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from .diagnostics import Diagnostics
from .fields import MAX_YEAR, MIN_YEAR, PERIOD_ID_RE, Reader, check_id
from .model import Config, Diagnostic, LimitsConfig, LintConfig, Period, StatusConfig
from .parse import LineDict, YamlProblem, decode, load_yaml

CONFIG_KEYS = (
    "title",
    "base_url",
    "content_dir",
    "output_dir",
    "theme",
    "as_of",
    "periods",
    "status",
    "lint",
    "grading_window_days",
    "markdown",
    "search",
    "codeowners_fallback",
    "site_url",
    "limits",
)
STATUS_KEYS = ("confidence_on_track", "confidence_behind", "pace_on_track", "pace_behind", "stale_after_days")
LINT_KEYS = ("max_objectives", "min_key_results", "max_key_results")
LIMITS_KEYS = ("max_file_kb", "max_key_results", "max_yaml_depth", "max_yaml_nodes", "max_period_days")
PERIOD_KEYS = ("id", "start", "end", "label")

_YEAR = re.compile(r"^(\d{4})\Z")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])\Z")
_HALF = re.compile(r"^(\d{4})-H([12])\Z")


class ConfigError(Exception):
    """okrsite.yaml is missing or malformed: the CLI exits with code 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


def calendar_period(period_id: str) -> Period | None:
    """The calendar year, quarter or half an id like 2026, 2026-Q4 or 2026-H1 names
    (years 1900 to 2999, like every date in content)."""
    if not (period_id[:4].isdigit() and MIN_YEAR <= int(period_id[:4]) <= MAX_YEAR):
        return None
    if m := _YEAR.match(period_id):
        y = int(m[1])
        return Period(period_id, date(y, 1, 1), date(y, 12, 31), period_id)
    if m := _QUARTER.match(period_id):
        y, q = int(m[1]), int(m[2])
        start = date(y, 3 * q - 2, 1)
        end = date(y, 12, 31) if q == 4 else date.fromordinal(date(y, 3 * q + 1, 1).toordinal() - 1)
        return Period(period_id, start, end, f"Q{q} {y}")
    if m := _HALF.match(period_id):
        y, h = int(m[1]), int(m[2])
        start, end = (date(y, 1, 1), date(y, 6, 30)) if h == 1 else (date(y, 7, 1), date(y, 12, 31))
        return Period(period_id, start, end, f"H{h} {y}")
    return None


def normalise_base_url(base_url: str) -> str:
    """'/okrs' -> '/okrs/'; '' -> '/'. Full URLs keep their scheme and host."""
    base = base_url.strip() or "/"
    if not base.endswith("/"):
        base += "/"
    if "://" not in base and not base.startswith("/"):
        base = "/" + base
    return base


def parse_config(data: bytes, root: str = ".", path: str = "okrsite.yaml") -> tuple[Config, list[Diagnostic]]:
    """Config from the bytes of okrsite.yaml. Raises ConfigError when it has errors;
    returns the warnings (unknown keys) otherwise."""
    diags = Diagnostics()
    config = Config(root=root, path=path)
    try:
        raw, dups = load_yaml(decode(data))
    except UnicodeDecodeError:
        raise ConfigError([Diagnostic(path, 1, "error", "not valid UTF-8 text")]) from None
    except YamlProblem as exc:
        raise ConfigError([Diagnostic(path, exc.line, "error", _config_problem(exc, path))]) from None
    for line, message in dups:
        diags.error(path, line, message)
    if raw is None:
        raw = LineDict(1)
    if not isinstance(raw, LineDict):
        raise ConfigError([Diagnostic(path, 1, "error", "okrsite.yaml must be a mapping of keys to values")])

    r = Reader(diags, path, raw, CONFIG_KEYS)
    config.title = r.text("title", default="OKRs") or "OKRs"
    config.base_url = normalise_base_url(r.text("base_url", default="/"))
    config.content_dir = r.text("content_dir", default="content") or "content"
    config.output_dir = r.text("output_dir", default="public") or "public"
    config.theme = r.text("theme", default=None) or None
    config.as_of = r.date("as_of")
    config.grading_window_days = r.integer("grading_window_days", 30, maximum=3660)
    config.search = r.boolean("search", True)
    config.codeowners_fallback = [owner for owner, _ in r.text_list("codeowners_fallback", one_allowed=True)]
    site_url = r.text("site_url", default="") or ""
    if site_url:
        if re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", site_url):
            config.site_url = site_url if site_url.endswith("/") else site_url + "/"
        else:
            diags.error(
                path,
                r.line("site_url"),
                f"'site_url' must be a full address like https://okrs.example.com/, not {site_url!r}",
            )

    if (status := r.mapping("status")) is not None:
        s = Reader(diags, path, status, STATUS_KEYS, "status")
        defaults = StatusConfig()
        config.status = StatusConfig(
            confidence_on_track=_unit(s, "confidence_on_track", defaults.confidence_on_track),
            confidence_behind=_unit(s, "confidence_behind", defaults.confidence_behind),
            pace_on_track=_unit(s, "pace_on_track", defaults.pace_on_track),
            pace_behind=_unit(s, "pace_behind", defaults.pace_behind),
            stale_after_days=s.integer("stale_after_days", defaults.stale_after_days),
        )
    if (lint := r.mapping("lint")) is not None:
        li = Reader(diags, path, lint, LINT_KEYS, "lint")
        d = LintConfig()
        config.lint = LintConfig(
            max_objectives=li.integer("max_objectives", d.max_objectives, 1),
            min_key_results=li.integer("min_key_results", d.min_key_results, 0),
            max_key_results=li.integer("max_key_results", d.max_key_results, 1),
        )
    if (limits := r.mapping("limits")) is not None:
        lim = Reader(diags, path, limits, LIMITS_KEYS, "limits")
        dl = LimitsConfig()
        config.limits = LimitsConfig(
            max_file_kb=lim.integer("max_file_kb", dl.max_file_kb, 1, 1024 * 1024),
            max_key_results=lim.integer("max_key_results", dl.max_key_results, 1, 100_000),
            max_yaml_depth=lim.integer("max_yaml_depth", dl.max_yaml_depth, 2, 200),
            max_yaml_nodes=lim.integer("max_yaml_nodes", dl.max_yaml_nodes, 100, 10_000_000),
            max_period_days=lim.integer("max_period_days", dl.max_period_days, 1, 3_000_000),
        )
    if (md := r.mapping("markdown")) is not None:
        config.allow_html = Reader(diags, path, md, ("allow_html",), "markdown").boolean("allow_html", False)

    seen: dict[str, int] = {}
    for item in r.mapping_list("periods"):
        p = Reader(diags, path, item, PERIOD_KEYS, "a period")
        pid = p.text("id", required=True)
        start, end = p.date("start", required=True), p.date("end", required=True)
        label = p.text("label", default="")
        if pid is None or not check_id(diags, path, p.line("id"), pid, "period", PERIOD_ID_RE):
            continue
        if pid in seen:
            diags.error(path, p.line("id"), f"period '{pid}' is declared twice (first at line {seen[pid]})")
            continue
        same = next((other for other in seen if other.casefold() == pid.casefold()), None)
        if same is not None:
            diags.error(
                path,
                p.line("id"),
                f"period '{pid}' differs only in case from '{same}' (line {seen[same]}): "
                "their pages would be one folder on a case-insensitive file system",
            )
            continue
        seen[pid] = p.line("id")
        if start is None or end is None:
            continue
        if end < start:
            diags.error(path, p.line("end"), f"period '{pid}' ends ({end}) before it starts ({start})")
            continue
        if (end - start).days + 1 > config.limits.max_period_days:
            diags.warning(
                path,
                p.line("end"),
                f"period '{pid}' is {(end - start).days + 1:,} days long (more than "
                f"limits.max_period_days, {config.limits.max_period_days:,}): is a year mistyped?",
            )
        cal = calendar_period(pid)
        config.periods.append(Period(pid, start, end, label or (cal.label if cal else pid), declared=True))

    if diags.errors:
        raise ConfigError(diags.sorted())
    return config, diags.sorted()


def _config_problem(exc: YamlProblem, path: str) -> str:
    """A YAML problem of the configuration, worded for it: its own limits are fixed
    (the ``limits`` it sets are for content)."""
    if exc.limit == "max_yaml_depth":
        return f"{path} is nested too deeply: more than {exc.count} levels"
    if exc.limit == "max_yaml_nodes":
        return f"{path} is too large: more than {exc.count:,} values, aliases counted each time they are used"
    return exc.message


def _unit(reader: Reader, key: str, default: float) -> float:
    value = reader.number(key, default=default)
    if not 0 <= value <= 1:
        reader.diags.error(reader.path, reader.line(key), f"'{key}' must be between 0 and 1, not {value}")
        return default
    return float(value)


def read_config(config_file: str | Path) -> tuple[Config, list[Diagnostic]]:
    """Read okrsite.yaml from disk (the CLI's edge). Raises ConfigError."""
    config_path = Path(config_file)
    try:
        data = config_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [
                Diagnostic(
                    str(config_file),
                    1,
                    "error",
                    "no okrsite.yaml here: run okrsite in your site's folder or pass --config FILE",
                )
            ]
        ) from None
    except OSError as exc:
        raise ConfigError(
            [Diagnostic(str(config_file), 1, "error", f"cannot read the configuration: {exc.strerror}")]
        ) from None
    root = config_path.resolve().parent
    return parse_config(data, root=str(root), path=config_path.name)
