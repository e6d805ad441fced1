"""The command line (edge): parse arguments, run the build, print diagnostics.

Exit codes: 0 success; 1 content has errors (or warnings under --strict);
2 a wrong command line or a missing or invalid okrsite.yaml."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from . import __version__
from .config import ConfigError, normalise_base_url, read_config
from .fields import parse_date

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with our own wording, no traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"okrsite: error: {message}\n")


def _as_of(text: str) -> date:
    value = parse_date(text)
    if not isinstance(value, date):
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="okrsite",
        description="Publish your organisation's OKRs and check-ins as a static site.",
    )
    parser.add_argument("--version", action="version", version=f"okrsite {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(p, output=False):
        p.add_argument("--config", default="okrsite.yaml", metavar="FILE",
                       help="the site configuration (default: okrsite.yaml); content and output folders are relative to its folder")
        p.add_argument("--as-of", type=_as_of, metavar="DATE",
                       help="compute statuses for this date (YYYY-MM-DD) instead of as_of in the config or today")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        if output:
            p.add_argument("--output", metavar="DIR", help="write the site here instead of output_dir from the config")
            p.add_argument("--base-url", metavar="PATH",
                           help="the path the site is served under (e.g. /okrs/), instead of base_url from the config")

    b = sub.add_parser("build", help="validate the content and write the site",
                       description="Validate the content and write the site. A failed build leaves the previous site untouched.")
    common(b, output=True)
    c = sub.add_parser("check", help="validate the content; write nothing",
                       description="Validate the content and report every problem as PATH:LINE: SEVERITY: MESSAGE. Writes nothing.")
    common(c)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "build":
            return cmd_build(args)
        if args.command == "check":
            return cmd_check(args)
    except ConfigError as exc:
        for d in exc.diagnostics:
            print(d, file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"okrsite: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return EXIT_USAGE  # pragma: no cover


def load_config(args):
    config, warnings = read_config(args.config)
    if getattr(args, "base_url", None):
        config.base_url = normalise_base_url(args.base_url)
    as_of = args.as_of or config.as_of or date.today()
    return config, warnings, as_of


def output_folder(config, override: str | None) -> Path:
    out = Path(override) if override else Path(config.root) / config.output_dir
    out = out.absolute()
    root = Path(config.root).absolute()
    content = (root / config.content_dir).absolute()
    for protected in (root, content):
        if out == protected or out in protected.parents:
            raise UsageError(f"refusing to write the site to {out}: it would replace {protected}")
    if content in out.parents:
        raise UsageError(f"refusing to write the site inside the content folder ({out})")
    return out


def report(result, config_warnings, strict: bool, out=None) -> None:
    out = out or sys.stdout
    for d in sorted(set(config_warnings) | set(result.diagnostics), key=lambda d: (d.path, d.line)):
        print(d, file=out)


def summary(result, config_warnings, written: int) -> str:
    errors = len(result.errors)
    warnings = len(result.warnings) + len(config_warnings)
    plural = lambda n, w: f"{n} {w}{'' if n == 1 else 's'}"  # noqa: E731
    return (f"okrsite: {plural(result.files_read, 'file')} read, {plural(written, 'page')} written, "
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {result.seconds:.2f} s")


def cmd_build(args) -> int:
    from .build import build
    from .write import write_site

    config, config_warnings, as_of = load_config(args)
    output = output_folder(config, args.output)
    result = build(config, as_of)
    report(result, config_warnings, args.strict)
    failed = result.failed(args.strict) or (args.strict and bool(config_warnings))
    written = 0
    if failed:
        print("okrsite: the build failed; the previous site was left untouched", file=sys.stderr)
    else:
        try:
            write_site(result.files, output)
        except OSError as exc:
            print(f"{output}:1: error: cannot write the site: {exc.strerror or exc}", file=sys.stdout)
            print("okrsite: the build failed; the previous site was left untouched", file=sys.stderr)
            return EXIT_CONTENT
        written = result.pages
    print(summary(result, config_warnings, written), file=sys.stderr)
    return EXIT_CONTENT if failed else EXIT_OK


def cmd_check(args) -> int:
    from .build import build

    config, config_warnings, as_of = load_config(args)
    result = build(config, as_of, render_pages=False)
    report(result, config_warnings, args.strict)
    print(summary(result, config_warnings, 0), file=sys.stderr)
    failed = result.failed(args.strict) or (args.strict and bool(config_warnings))
    return EXIT_CONTENT if failed else EXIT_OK
