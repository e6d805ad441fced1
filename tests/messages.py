"""The diagnostics okrsite can emit, read from its code, and which tests name them.

``emitted()`` reads okrsite/*.py (by AST) for every message written literally where a
diagnostic is made: ``diags.error(path, line, MESSAGE)``, ``diags.warning(...)``,
``diags.add(path, line, severity, MESSAGE)``, ``Diagnostic(path, line, severity,
MESSAGE)`` and resolve's ``self.error(ref, MESSAGE)``. A message is a plain string, an
f-string or a ``+`` of them; each becomes a *template* in which ``{}`` stands for any
text. A message held in a variable (``problem``, ``message``) is made elsewhere and is
not listed here.

``fragments()`` collects what the tests assert: every string in tests/*.py, each line of
a longer one, the text after a ``#!E``/``#!W`` marker (tests/test_validation.py) and the
message of a printed ``PATH:LINE: SEVERITY: MESSAGE``.
A template is *named* when a fragment of at least ``MIN_FRAGMENT`` characters is a piece
of some message the template can produce (see ``names``)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIN_FRAGMENT = 8  # shorter strings ("unknown", "must be") would name many messages
HOLE = "\x00"  # a placeholder in a template: any text


@dataclass(frozen=True)
class Message:
    where: str  # "okrsite/core/load.py:541"
    severity: str  # error, warning, or the expression that gives it
    template: str  # the message with HOLE for each formatted value

    @property
    def shown(self) -> str:
        return self.template.replace(HOLE, "{}")


def _template(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (HOLE if left is None else left) + (HOLE if right is None else right)
    return None


def _message_arg(call: ast.Call) -> tuple[str, ast.AST] | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in ("error", "warning") and len(call.args) == 3:
        return name, call.args[2]
    if name == "error" and isinstance(func, ast.Attribute) and len(call.args) == 2:  # resolve's Linker.error
        return "error", call.args[1]
    if name in ("add", "Diagnostic") and len(call.args) == 4:
        severity = call.args[2]
        return (severity.value if isinstance(severity, ast.Constant) else ast.unparse(severity)), call.args[3]
    return None


def emitted(package: Path = REPO / "okrsite") -> list[Message]:
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (arg := _message_arg(node)):
                template = _template(arg[1])
                if template is not None and template.strip(HOLE):
                    found.append(Message(f"{path.relative_to(REPO).as_posix()}:{node.lineno}", arg[0], template))
    return sorted(set(found), key=lambda m: m.where)


MARKER = re.compile(r"#![EW] (.*)$")
PRINTED = re.compile(r"^\S+?:\d+: (?:error|warning): (.*)$")  # PATH:LINE: SEVERITY: MESSAGE


def _pieces(text: str) -> set[str]:
    out = {text}
    for line in text.splitlines():
        out.add(line.strip())
        if m := MARKER.search(line) or PRINTED.match(line):
            out.add(m[1].strip())
    return out


def fragments(tests: Path = REPO / "tests") -> set[str]:
    found: set[str] = set()
    for path in sorted(tests.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found |= _pieces(node.value)
            elif isinstance(node, ast.JoinedStr):  # the literal parts of an f-string
                for v in node.values:
                    if isinstance(v, ast.Constant):
                        found |= _pieces(v.value)
    return {f for f in found if len(f) >= MIN_FRAGMENT}


RUN = 10  # literal characters a fragment must match of the template it names...
RUN_AT_START = 6  # ...or this many, when it is the beginning of the message ("no owner")


@lru_cache(maxsize=None)
def _grams(text: str, k: int) -> frozenset[str]:
    return frozenset(text[i : i + k] for i in range(len(text) - k + 1))


@lru_cache(maxsize=None)
def _shape(template: str) -> tuple[str, int, frozenset[str]]:
    """(the literal text the message starts with, the longest literal piece's length,
    the template's literal runs of GRAM characters)."""
    literal = [p for p in template.split(HOLE) if p]
    return template.split(HOLE)[0], max(map(len, literal)), frozenset(g for p in literal for g in _grams(p, GRAM))


GRAM = 8  # quick refusal: a fragment naming a message mid-way shares 8 literal characters


def names(fragment: str, template: str) -> bool:
    """Whether ``fragment`` is a piece of some message ``template`` can produce: it starts
    on the template's literal text, then follows it character by character, each HOLE
    taking any text (a value, or the rest of the message); and it matches ``RUN`` literal
    characters, or ``RUN_AT_START`` if it is the message's beginning (both at most the
    template's longest literal piece)."""
    head, longest, grams = _shape(template)
    if (
        head
        and fragment.startswith(head[: len(fragment)])
        and _window_match(fragment, template, min(RUN_AT_START, longest), True)
    ):
        return True
    if min(RUN, longest) >= GRAM and grams.isdisjoint(_grams(fragment, GRAM)):
        return False
    return _window_match(fragment, template, min(RUN, longest), False)


@lru_cache(maxsize=None)
def _window_match(fragment: str, template: str, need: int, at_start: bool) -> bool:
    # best[i]: most literal characters matched by a run of the template, ending here, that
    # matches fragment[:i]; -1 when none does. With at_start, the run starts at the
    # template's first character.
    n = len(fragment)
    best = [0] + [-1] * n if at_start else [-1] * (n + 1)
    for position, token in enumerate(template):
        if token == HOLE:
            running = -1
            for i in range(n + 1):  # the hole takes fragment[i':i] for any i' <= i
                running = max(running, best[i])
                best[i] = running
        else:
            start = best if at_start else [0] + best[1:]  # a run may start at this character
            best = [-1] + [start[i] + 1 if start[i] >= 0 and fragment[i] == token else -1 for i in range(n)]
        if best[n] >= need:
            return True
    return False


def unnamed(messages: list[Message], found: set[str]) -> list[Message]:
    return [m for m in messages if not any(names(f, m.template) for f in found)]
