"""The command line (edge): parse arguments, run the build, print diagnostics.

Exit codes: 0 success; 1 content has errors (or warnings under --strict);
2 a wrong command line, a missing or invalid okrsite.yaml, or an output folder that
okrsite may not replace (output.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from .. import __version__
from ..core.config import ConfigError, normalise_base_url, read_config
from .args import UsageError, as_of_date

if TYPE_CHECKING:
    from ..builder.pipeline import BuildResult
    from ..core.model import Config, Diagnostic

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with our own wording, no traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"okrsite: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="okrsite",
        description="Publish your organisation's OKRs and check-ins as a static site.",
    )
    parser.add_argument("--version", action="version", version=f"okrsite {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def common(p: argparse.ArgumentParser, output: bool = False) -> None:
        p.add_argument(
            "--config",
            default="okrsite.yaml",
            metavar="FILE",
            help="the site configuration (default: okrsite.yaml); content and output folders are relative to its folder",
        )
        p.add_argument(
            "--as-of",
            type=as_of_date,
            metavar="DATE",
            help="compute statuses for this date (YYYY-MM-DD) instead of as_of in the config or today",
        )
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
        if output:
            p.add_argument("--output", metavar="DIR", help="write the site here instead of output_dir from the config")
            p.add_argument(
                "--base-url",
                metavar="PATH",
                help="the path the site is served under (e.g. /okrs/), instead of base_url from the config",
            )

    b = sub.add_parser(
        "build",
        help="validate the content and write the site",
        description="Validate the content and write the site. A failed build leaves the previous site untouched.",
    )
    common(b, output=True)
    b.add_argument(
        "--no-search",
        action="store_true",
        help="leave out the search index, the search page and the header search box (like search: false in the config)",
    )
    b.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="render pages in N processes (default: one per CPU); the output is the same for any N",
    )
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not update the build cache (.okrsite-cache/ next to okrsite.yaml), "
        "which lets a build with nothing changed return at once, and a build after a change "
        "reuse the parsed files that did not change and render only the pages the change "
        "can alter",
    )
    b.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress display (by default: a counter on a terminal, a line every 10 s otherwise); "
        "diagnostics and the summary are still printed",
    )
    b.add_argument("--timings", action="store_true", help="print how long each step of the build took")
    c = sub.add_parser(
        "check",
        help="validate the content; write nothing",
        description="Validate the content and report every problem as PATH:LINE: SEVERITY: MESSAGE. Writes nothing.",
    )
    common(c)
    c.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text: PATH:LINE: SEVERITY: MESSAGE (default); github: workflow commands that annotate the "
        "pull request's diff at each file and line; json: a list of diagnostics for other tools",
    )
    cl = sub.add_parser(
        "clean",
        help="remove what builds wrote: the output folder, the build cache, leftovers",
        description="Remove what okrsite build leaves behind: the output folder, but only if a build "
        "wrote it (it holds the marker file .okrsite-output), the temporary folders of "
        "builds that were stopped before they finished, the output's lock file, and the "
        "build cache (.okrsite-cache/ next to okrsite.yaml). Prints each with its size. "
        "Refuses the same folders a build refuses, and removes nothing else.",
    )
    cl.add_argument(
        "--config", default="okrsite.yaml", metavar="FILE", help="the site configuration (default: okrsite.yaml)"
    )
    cl.add_argument("--output", metavar="DIR", help="the output folder, if a build was told --output DIR")
    add_serve_parser(sub)
    from .commands import add_parsers as add_pull_request_parsers  # new, init, diff, codeowners

    add_pull_request_parsers(sub)
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
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "clean":
            return cmd_clean(args)
        from . import commands  # new, init, diff, codeowners

        if (code := commands.run(args)) is not None:
            return code
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


def load_config(args: argparse.Namespace) -> tuple[Config, list[Diagnostic], date]:
    config, warnings = read_config(args.config)
    if getattr(args, "base_url", None):
        config.base_url = normalise_base_url(args.base_url)
    as_of = args.as_of or config.as_of or date.today()
    return config, warnings, as_of


def output_folder(config: Config, override: str | None, verb: str = "write the site to") -> Path:
    """The output folder, resolved (``..`` and symbolic links), once ``output.check``
    allows a build to replace it: raises UsageError otherwise."""
    from ..builder.output import OutputRefused, check, protected_folders
    from ..site.themes import theme_dirs

    out = Path(override) if override else Path(config.root) / config.output_dir
    out = out.resolve()
    try:
        check(out, protected_folders(config, theme_dirs(config)), verb)
    except OutputRefused as exc:
        raise UsageError(str(exc)) from None
    return out


def report(
    result: BuildResult,
    config_warnings: Iterable[Diagnostic],
    strict: bool,
    out: TextIO | None = None,
    fmt: str = "text",
) -> None:
    out = out or sys.stdout
    diagnostics = sorted(set(config_warnings) | set(result.diagnostics), key=lambda d: (d.path, d.line))
    if fmt != "text":  # check --format github|json (report.py)
        from .report import render as render_report

        out.write(render_report(diagnostics, fmt, annotation_prefix(result) if fmt == "github" else ""))
        return
    for d in diagnostics:
        print(d, file=out)


def annotation_prefix(result: BuildResult) -> str:
    """Where the site is from the working folder, for annotations: GitHub wants paths from
    the repository's root, which is where a workflow runs; '' when it is the site's root."""
    import os

    root = getattr(getattr(result.site, "config", None), "root", None)
    if not root:
        return ""
    rel = os.path.relpath(Path(root).resolve(), Path.cwd().resolve())
    return "" if rel == "." or rel.startswith("..") else Path(rel).as_posix()


def summary(result: BuildResult, config_warnings: Sequence[Diagnostic], written: int) -> str:
    errors = len(result.errors)
    warnings = len(result.warnings) + len(config_warnings)
    plural = lambda n, w: f"{n} {w}{'' if n == 1 else 's'}"  # noqa: E731
    return (
        f"okrsite: {plural(result.files_read, 'file')} read, {plural(written, 'page')} written, "
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {result.seconds:.2f} s"
    )


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of processes: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1 process: {text!r}")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    from ..builder.memory import MemoryPolicy
    from ..builder.output import OutputRefused, removed_line
    from ..builder.pipeline import publish
    from ..builder.progress import Progress

    config, config_warnings, as_of = load_config(args)
    output = output_folder(config, args.output)
    if args.no_search:
        config.search = False
    progress = Progress.quiet() if args.quiet else Progress(sys.stderr)

    def on_wait() -> None:
        progress.finish()
        print(f"okrsite: another build is writing {output}; waiting for it to finish", file=sys.stderr)

    # A failed build writes nothing: errors are found before the output folder is touched
    # (a template that fails while rendering drops the half-filled temporary folder).
    try:
        # the process exits after the build: what it made stays frozen (no last collection)
        with MemoryPolicy(exiting=True):
            result = publish(
                config,
                as_of,
                output,
                search=config.search,
                jobs=args.jobs,
                use_cache=not args.no_cache,
                progress=progress,
                on_wait=on_wait,
                strict=args.strict,
                write=not (args.strict and config_warnings),
            )
    except OutputRefused as exc:  # the folder changed since output_folder looked at it
        progress.finish()
        raise UsageError(str(exc)) from None
    except OSError as exc:
        progress.finish()
        print(f"{output}:1: error: cannot write the site: {exc.strerror or exc}", file=sys.stdout)
        print("okrsite: the build failed; the previous site was left untouched", file=sys.stderr)
        return EXIT_CONTENT
    report(result, config_warnings, args.strict)
    if result.leftovers:
        print(removed_line(result.leftovers), file=sys.stderr)
    failed = result.failed(args.strict) or (args.strict and bool(config_warnings))
    if result.unchanged and not failed:
        print(f"okrsite: nothing changed since the last build: {output} is up to date", file=sys.stderr)
    elif failed:
        print("okrsite: the build failed; the previous site was left untouched", file=sys.stderr)
    if args.timings:
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
        if result.written:
            steps += f" ({result.processes} rendering process{'es' if result.processes != 1 else ''}"
            if result.reused:
                steps += f"; {result.reused:,} unchanged pages taken from the last build"
            steps += ")"
        print(f"okrsite: steps: {steps}", file=sys.stderr)
    print(summary(result, config_warnings, result.pages if result.written else 0), file=sys.stderr)
    return EXIT_CONTENT if failed else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..builder.pipeline import build

    config, config_warnings, as_of = load_config(args)
    result = build(config, as_of, render_pages=False, plan_files=True)
    report(result, config_warnings, args.strict, fmt=getattr(args, "format", "text"))
    print(summary(result, config_warnings, 0), file=sys.stderr)
    failed = result.failed(args.strict) or (args.strict and bool(config_warnings))
    return EXIT_CONTENT if failed else EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    from ..builder.cache import CACHE_DIR
    from ..builder.output import shown_size
    from ..builder.write import clean

    config, _ = read_config(args.config)
    output = output_folder(config, args.output, verb="clean")

    def on_wait() -> None:
        print(f"okrsite: another build is writing {output}; waiting for it to finish", file=sys.stderr)

    removed = clean(output, Path(config.root) / CACHE_DIR, on_wait)
    for path, size in removed:
        print(f"removed {_shown(path)} ({shown_size(size)})")
    total = sum(size for _, size in removed)
    print(
        f"okrsite: {len(removed)} removed, {shown_size(total)} in all" if removed else "okrsite: nothing to remove",
        file=sys.stderr,
    )
    return EXIT_OK


def _shown(path: Path) -> str:
    """A path as the user would type it: from the working folder when inside it."""
    import os

    rel = os.path.relpath(path, Path.cwd().resolve())
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


# ---------------------------------------------------------------------------- serve


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return value


def add_serve_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    s = sub.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading as you edit",
        description="Build the site and serve it from memory under its base_url, watching the "
        "content, okrsite.yaml and the theme. Pages reload by themselves after each "
        "rebuild; a build with errors keeps the last good site and shows the problems "
        "on the page and here. Ctrl-C stops.",
    )
    s.add_argument(
        "--config", default="okrsite.yaml", metavar="FILE", help="the site configuration (default: okrsite.yaml)"
    )
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; 0.0.0.0 shares it with the network)",
    )
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    s.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="DATE",
        help="compute statuses for this date (YYYY-MM-DD) instead of as_of in the config or today",
    )
    s.add_argument(
        "--poll",
        action="store_true",
        help="poll for changes instead of using file-system events (network and container mounts)",
    )
    s.add_argument("--open", action="store_true", help="open the site in the web browser")


def cmd_serve(args: argparse.Namespace) -> int:
    from ..serve.command import run

    return run(args.config, host=args.host, port=args.port, as_of=args.as_of, poll=args.poll, open_browser=args.open)
