"""The pull-request commands (edges): ``new``, ``init``, ``diff`` and ``codeowners``.

Each reads what it needs, calls the pure steps (``scaffold``, ``diff``, ``codeowners``)
and writes or prints the result. ``cli.py`` registers them with ``add_parsers`` and
dispatches with ``run``. A file that already exists is never overwritten: that, an
unknown team or period, and a bad git ref are usage errors (exit code 2).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from .. import __version__
from .args import UsageError, as_of_date

if TYPE_CHECKING:
    from ..core.model import Config, Diagnostic, Site, SourceFile

_P = TypeVar("_P", bound=argparse.ArgumentParser)
_T = TypeVar("_T")

COMMANDS = ("new", "init", "diff", "codeowners")


# --------------------------------------------------------------------------- parsers


def add_parsers(sub: argparse._SubParsersAction[_P]) -> None:
    def config_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--config", default="okrsite.yaml", metavar="FILE", help="the site configuration (default: okrsite.yaml)"
        )

    new = sub.add_parser(
        "new",
        help="start a new check-in, objective or period from the content",
        description="Write a new content file, pre-filled from the site. Never overwrites a file.",
    )
    kinds = new.add_subparsers(dest="kind", metavar="KIND", parser_class=type(new))
    kinds.required = True

    c = kinds.add_parser(
        "checkin",
        help="a check-in listing every key result with its last value",
        description="Write content/teams/TEAM/PERIOD/checkins/DATE.md, listing every key result "
        "of the team's period and the team's KPIs, each commented out with its last "
        "value (a commented line is not a measurement), and the three questions as "
        "headings. Uncomment the lines you measured, change their numbers, answer "
        "the questions, and open a pull request.",
    )
    c.add_argument("team", metavar="TEAM", help="the team's id (its folder under teams/)")
    c.add_argument(
        "--date",
        type=as_of_date,
        metavar="DATE",
        help="the check-in's date (default: as_of from the config, else today)",
    )
    c.add_argument("--period", metavar="ID", help="the period (default: the team's period containing the date)")
    c.add_argument("--author", metavar="NAME", help="who writes it (default: the team's lead)")
    config_arg(c)

    o = kinds.add_parser(
        "objective",
        help="a new objective with its required keys",
        description="Write content/teams/TEAM/PERIOD/ID.md: a new objective with two example key "
        "results, and the objectives it could align to as comments.",
    )
    o.add_argument("team", metavar="TEAM", help="the team's id")
    o.add_argument(
        "id",
        metavar="ID",
        nargs="?",
        default="new-objective",
        help="the objective's id, its file name (default: new-objective)",
    )
    o.add_argument(
        "--period",
        metavar="ID",
        help="the period (default: the team's period containing as_of from the config, or today; else the current quarter)",
    )
    config_arg(o)

    p = kinds.add_parser(
        "period",
        help="roll a team over into the next period",
        description="Copy the team's unfinished aspirational objectives from one period into the "
        "next, each key result starting at its latest value and with a note of where "
        "it came from. Finished, committed and experimental objectives stay behind.",
    )
    p.add_argument("team", metavar="TEAM", help="the team's id")
    p.add_argument("--from", dest="from_period", required=True, metavar="ID", help="the period to roll over from")
    p.add_argument(
        "--to",
        dest="to_period",
        metavar="ID",
        help="the new period (default: the next one of the same kind: 2026-Q4 -> 2027-Q1)",
    )
    config_arg(p)

    i = sub.add_parser(
        "init",
        help="start a new OKR repository",
        description="Write a starter OKR repository into DIR: okrsite.yaml, a small content/ "
        "skeleton that builds at once, netlify.toml, a GitHub Actions workflow, "
        "requirements.txt and a README. Never overwrites a file.",
    )
    i.add_argument("dir", metavar="DIR", help="the folder to create (it may exist, empty)")
    i.add_argument("--title", help="the organisation's name (default: from DIR)")
    i.add_argument(
        "--from-git",
        metavar="URL",
        help="okrsite's git repository: requirements.txt installs okrsite from it "
        "(`okrsite @ git+URL@REF`). Default: the repository this okrsite was installed from, "
        "at the same commit, if it was installed from git; else requirements.txt holds a line "
        "to replace, and the workflow says so",
    )
    i.add_argument("--ref", metavar="REF", help="the tag, branch or commit of --from-git (default: its default branch)")
    i.add_argument(
        "--install",
        metavar="SPEC",
        help="requirements.txt's line instead, as written (e.g. okrsite==0.1.0 from your own package index)",
    )

    d = sub.add_parser(
        "diff",
        help="what a change does to the OKRs, for a pull request",
        description="Compare two versions of the content and summarise what changes: objectives and "
        "key results added or removed, every status and progress change, new check-ins, "
        "new requests for help and new errors. Each side is a git ref or a folder holding "
        "okrsite.yaml; HEAD defaults to the working tree. Both sides are computed for the "
        "same as-of date.",
    )
    d.add_argument("base", metavar="BASE", help="a git ref (main, origin/main, a commit) or a folder")
    d.add_argument("head", metavar="HEAD", nargs="?", help="a git ref or a folder (default: the working tree)")
    d.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text for a terminal (default), markdown for a pull request's comment or job summary",
    )
    d.add_argument(
        "--as-of",
        type=as_of_date,
        metavar="DATE",
        help="compute statuses for this date (default: as_of from HEAD's config, else today)",
    )
    config_arg(d)

    co = sub.add_parser(
        "codeowners",
        help="write CODEOWNERS from each team's maintainers",
        description="Write okrsite's section of CODEOWNERS: okrsite.yaml and the content folder owned "
        "by codeowners_fallback, each team's folder by its maintainers. Other lines of the "
        "file are kept. `okrsite check` warns when the committed file is out of date.",
    )
    co.add_argument(
        "--output",
        metavar="FILE",
        help="where to write (default: the existing .github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS, "
        "else .github/CODEOWNERS); '-' prints it",
    )
    config_arg(co)


def run(args: argparse.Namespace) -> int | None:
    """Run one of these commands; None when ``args.command`` is not one of them."""
    if args.command == "new":
        return {"checkin": cmd_new_checkin, "objective": cmd_new_objective, "period": cmd_new_period}[args.kind](args)
    if args.command == "init":
        return cmd_init(args)
    if args.command == "diff":
        return cmd_diff(args)
    if args.command == "codeowners":
        return cmd_codeowners(args)
    return None


# --------------------------------------------------------------------------- helpers


def _usage(message: str) -> UsageError:
    return UsageError(message)


def _config(path: str) -> tuple[Config, list[Diagnostic]]:
    from ..core.config import read_config

    return read_config(path)


def _site(config: Config, as_of: date, sources: list[SourceFile] | None = None) -> Site:
    from ..builder.pipeline import build

    result = build(config, as_of, render_pages=False, sources=sources)
    assert result.site is not None  # build, unlike publish, always computes the site
    if result.errors:
        print(
            f"okrsite: note: the content has {len(result.errors)} error(s); `okrsite check` lists them", file=sys.stderr
        )
    return result.site


def _shown(path: Path) -> str:
    """A path as the user will want to type it: relative to here when inside."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def write_new(files: dict[Path, str]) -> None:
    """Write new files, all or none: refuses (usage error) when any of them exists."""
    existing = [p for p in files if p.exists()]
    if existing:
        raise _usage(
            f"{_shown(existing[0])} already exists: okrsite never overwrites a file "
            f"(edit it, or choose another date, id or folder)"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def _scaffold(fn: Callable[..., _T], *args: object) -> _T:
    from .scaffold import ScaffoldError

    try:
        return fn(*args)
    except ScaffoldError as exc:
        raise _usage(str(exc)) from None


# --------------------------------------------------------------------------- new


def cmd_new_checkin(args: argparse.Namespace) -> int:
    from . import scaffold

    config, _ = _config(args.config)
    day = args.date or config.as_of or date.today()
    site = _site(config, day)
    rel, text = _scaffold(scaffold.checkin, site, args.team, args.period, day, args.author)
    path = Path(config.root) / rel
    write_new({path: text})
    print(_shown(path))
    print(
        "okrsite: uncomment the lines of what you measured and change their numbers, answer the three "
        "questions, then `okrsite check`",
        file=sys.stderr,
    )
    if config.as_of is not None and day > config.as_of:
        where = _shown(Path(config.root) / config.path)
        print(
            f"okrsite: note: this check-in is dated {day}, after as_of {config.as_of} in {where}: statuses "
            f"ignore it until then. To see it counted, preview with `okrsite serve --as-of {day}`, or remove "
            f"as_of from {where}",
            file=sys.stderr,
        )
    return 0


def cmd_new_objective(args: argparse.Namespace) -> int:
    from . import scaffold

    config, _ = _config(args.config)
    day = config.as_of or date.today()
    site = _site(config, day)
    _scaffold(scaffold.require_team, site, args.team)
    period = args.period or scaffold.objective_period(site, args.team, day)
    rel, text = _scaffold(scaffold.objective, site, args.team, period, args.id, day)
    path = Path(config.root) / rel
    write_new({path: text})
    print(_shown(path))
    return 0


def cmd_new_period(args: argparse.Namespace) -> int:
    from ..builder.gather import gather
    from ..core.diagnostics import Diagnostics
    from . import scaffold

    config, _ = _config(args.config)
    as_of = config.as_of or date.today()
    sources = gather(config, Diagnostics())
    site = _site(config, as_of, sources)
    plan = _scaffold(
        scaffold.carry_over, site, args.team, args.from_period, args.to_period, {f.path: f.data for f in sources}
    )
    files = {Path(config.root) / rel: text for rel, text in plan.files.items()}
    write_new(files)
    for path in files:
        print(_shown(path))
    for ref, how_far in plan.carried:
        print(f"okrsite: carried over {ref} ({how_far}) into {plan.target.id}", file=sys.stderr)
    for ref, why in plan.left:
        print(f"okrsite: left {ref} behind: {why}", file=sys.stderr)
    if not plan.files:
        print(
            f"okrsite: nothing to carry over into {plan.target.id}; start it with "
            f"`okrsite new objective {args.team} --period {plan.target.id}`",
            file=sys.stderr,
        )
    return 0


# --------------------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    from ..core.load import default_name
    from . import scaffold

    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise _usage(f"{args.dir} exists and is not a folder")
    title = args.title or default_name(folder.resolve().name.lower().replace("_", "-").replace(" ", "-"))
    files = scaffold.init_files(title, date.today(), _install_line(args), __version__)
    write_new({folder / rel: text for rel, text in files.items()})
    for rel in files:
        print(_shown(folder / rel))
    shown = _shown(folder)
    serve = "okrsite serve" if shown == "." else f"cd {shlex.quote(shown)} && okrsite serve"
    print(
        f"okrsite: a starter OKR repository is in {shown}: `{serve}` to see it; README.md says what to set up next",
        file=sys.stderr,
    )
    from .starter import PLACEHOLDER_MARK

    if PLACEHOLDER_MARK in files["requirements.txt"]:
        print(
            f"okrsite: note: {_shown(folder / 'requirements.txt')} does not say where okrsite comes from yet: "
            f"replace its last line (or run init with --from-git URL), or its workflow and Netlify fail",
            file=sys.stderr,
        )
    return 0


def _install_line(args: argparse.Namespace) -> str | None:
    """requirements.txt's line: --install as written, --from-git, the git repository this
    okrsite came from, or None (a placeholder to replace)."""
    from importlib import metadata

    from . import scaffold

    if args.install:
        if args.from_git or args.ref:
            raise _usage("--install and --from-git/--ref say the same thing twice: give one of them")
        return args.install
    if args.from_git:
        return _scaffold(scaffold.git_requirement, args.from_git, args.ref)
    if args.ref:
        raise _usage("--ref needs --from-git URL")
    try:
        direct_url = metadata.distribution("okrsite").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    source = scaffold.installed_from_git(direct_url)
    return scaffold.git_requirement(*source) if source else None


# --------------------------------------------------------------------------- diff


@dataclass
class Side:
    label: str
    data: dict
    diagnostics: list
    config_as_of: date | None = None
    note: str = ""


def _git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=not binary)


def _extract(archive: bytes, into: Path) -> None:
    """Untar what `git archive` made, safely: nothing outside ``into``, no links."""
    import io

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not (member.isfile() or member.isdir()):
                continue
            target = (into / member.name).resolve()
            if into.resolve() not in target.parents and target != into.resolve():
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())


def _materialise(spec: str, config_path: Path, tmp: Path) -> tuple[Path | None, str, str]:
    """(config file or None, label, note) of one side: a folder, a config file, or a git
    ref checked out with `git archive` into ``tmp``."""
    candidate = Path(spec)
    if candidate.is_dir():
        if not (candidate / config_path.name).is_file():
            raise _usage(f"the folder {spec} has no {config_path.name}")
        return candidate / config_path.name, spec, ""
    if candidate.is_file():
        return candidate, spec, ""
    root = config_path.resolve().parent
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise _usage(f"{spec!r} is not a folder, and {root} is not in a git repository to find it as a ref")
    top_dir = Path(top.stdout.strip())
    if _git(top_dir, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}").returncode != 0:
        raise _usage(f"{spec!r} is neither a folder nor a git ref (branch, tag or commit) of {top_dir}")
    prefix = root.relative_to(top_dir.resolve()).as_posix() if root != top_dir.resolve() else ""
    tree = f"{spec}:{prefix}" if prefix else spec
    proc = _git(top_dir, "archive", "--format=tar", tree, binary=True)
    if proc.returncode != 0:
        if prefix:  # the folder did not exist in that commit
            return None, spec, f"{spec} has no {prefix}/ folder: everything is new"
        raise _usage(f"cannot read {spec} with git archive: {proc.stderr.decode(errors='replace').strip()}")
    _extract(proc.stdout, tmp)
    config = tmp / config_path.name
    if not config.is_file():
        return None, spec, f"{spec} has no {config_path.name}: everything is new"
    return config, spec, ""


def _side(config_file: Path | None, label: str, note: str, as_of: date) -> Side:
    from ..builder.pipeline import build
    from ..core.config import ConfigError, read_config
    from ..site.export import export_data
    from .diff import EMPTY

    if config_file is None:
        return Side(label, dict(EMPTY), [], None, note)
    try:
        config, warnings = read_config(config_file)
    except ConfigError as exc:
        return Side(label, dict(EMPTY), list(exc.diagnostics), None, note)
    result = build(config, as_of, render_pages=False, plan_files=True)
    assert result.site is not None  # build, unlike publish, always computes the site
    return Side(label, export_data(result.site), list(warnings) + list(result.diagnostics), config.as_of, note)


def cmd_diff(args: argparse.Namespace) -> int:
    from . import diff

    config_path = Path(args.config)
    if args.head is None and not config_path.is_file():
        raise _usage(f"no {config_path} here: run okrsite in your site's folder or pass --config FILE")
    with tempfile.TemporaryDirectory(prefix="okrsite-diff-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "base").mkdir()
        (tmp_path / "head").mkdir()
        base_config, base_label, base_note = _materialise(args.base, config_path, tmp_path / "base")
        head_config: Path | None
        if args.head is None:
            head_config, head_label, head_note = config_path, "working tree", ""
        else:
            head_config, head_label, head_note = _materialise(args.head, config_path, tmp_path / "head")
        as_of = args.as_of or _config_as_of(head_config) or date.today()
        base = _side(base_config, base_label, base_note, as_of)
        head = _side(head_config, head_label, head_note, as_of)
    changes = diff.compare(base.data, head.data, base.diagnostics, head.diagnostics)
    changes.notes = [n for n in (base.note, head.note) if n]
    title = f"OKR changes from {base.label} to {head.label} (as of {as_of.isoformat()})"
    output = diff.markdown(changes, title) if args.format == "markdown" else diff.text(changes, title)
    sys.stdout.write(output)
    return 0


def _config_as_of(config_file: Path | None) -> date | None:
    from ..core.config import ConfigError, read_config

    if config_file is None or not Path(config_file).is_file():
        return None
    try:
        return read_config(config_file)[0].as_of
    except ConfigError:
        return None


# --------------------------------------------------------------------------- codeowners


def cmd_codeowners(args: argparse.Namespace) -> int:
    from ..core import codeowners

    config, _ = _config(args.config)
    site = _site(config, config.as_of or date.today())
    section = codeowners.section(site)
    if args.output == "-":
        sys.stdout.write(section)
        return 0
    root = Path(config.root)
    if args.output:
        target = Path(args.output)
        existing = target.read_text(encoding="utf-8") if target.is_file() else None
    else:
        found = codeowners.committed(root)
        location = found[0] if found else codeowners.DEFAULT_LOCATION
        target = root / location
        existing = found[1] if found else None
    text = codeowners.update(existing, section)
    if text == existing:
        print(f"okrsite: {_shown(target)} is up to date", file=sys.stderr)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    print(_shown(target))
    return 0


__all__ = ["COMMANDS", "add_parsers", "run", "write_new"]
