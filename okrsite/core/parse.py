"""Parse step: bytes of a content file -> front matter (plain data with line numbers)
and a Markdown body. Pure: no I/O.

YAML is parsed by libyaml (the C parser) when available, composed into nodes (by its
C composer when libyaml bounds the nesting itself, else in Python with a bound), and
converted here. Every mapping remembers the line of each key and value (``LineDict``)
and every list the line of each item (``LineList``). Dates stay strings: the validator parses them, so that an impossible date is reported at its
own line rather than crashing the parser.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

# Defaults of ``limits.max_yaml_depth`` and ``limits.max_yaml_nodes`` (okrsite.yaml)
MAX_DEPTH = 50
MAX_NODES = 20_000


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark, max_depth: int) -> None:
        super().__init__(mark)
        self.mark, self.max_depth = mark, max_depth


class _BoundedComposer(Composer):
    """PyYAML's composer, stopping at ``max_depth`` levels of nesting. (The C composer
    of CSafeLoader recurses once per level: with a libyaml that does not bound the
    nesting, 100,000 '[' crash the process; see ``_c_composer_is_bounded``.)"""

    max_depth = MAX_DEPTH
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > self.max_depth + 1:  # the root node is level 0
                event = self.peek_event()  # type: ignore[attr-defined]  # the parser mixed in beside it
                raise _TooDeep(event.start_mark, self.max_depth)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _c_composer_is_bounded(cparser: type[CParser]) -> bool:
    """Whether the libyaml under PyYAML stops deep nesting itself (libyaml 0.2.6, which
    PyYAML 6.0.4 bundles, stops at 1,000 levels while scanning): its composer recurses
    once per level, so only then is it safe on any input. Earlier ones compose 100,000
    '[' until the stack overflows."""
    parser = cparser("[" * 1001)
    try:
        parser.get_single_node()
    except yaml.YAMLError as exc:
        return "maximum nesting depth" in str(exc)
    finally:
        parser.dispose()
    return False


@functools.lru_cache(maxsize=4096)
def _plain_tag(value: str) -> str:
    """The tag of a plain (unquoted) scalar: the regular expressions of YAML 1.1's
    implicit types, run once per distinct short value (keys and small values recur in
    every file)."""
    return _resolve_plain(value)


def _resolve_plain(value: str) -> str:
    tag: str = _PLAIN_RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
    return tag


_PLAIN_RESOLVER = Resolver()  # PyYAML's own: the memo's answers are its answers
_STR_TAG, _SEQ_TAG, _MAP_TAG = Resolver.DEFAULT_SCALAR_TAG, Resolver.DEFAULT_SEQUENCE_TAG, Resolver.DEFAULT_MAPPING_TAG


def _implicit_tag(value: str) -> str:
    """The tag of a plain scalar: through the memo when the value is short enough to recur."""
    return _plain_tag(value) if len(value) <= 100 else _resolve_plain(value)


class _MemoResolver(Resolver):
    """PyYAML's resolver without path resolvers (SafeLoader has none): plain scalars
    through the memo, the rest straight to their default tags."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _implicit_tag(value) if implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG


try:  # the C parser (events) is several times faster; line numbers are the same
    from yaml._yaml import CParser  # what yaml.cyaml imports (its stub does not re-export it)

    class _Loader(_BoundedComposer, CParser, SafeConstructor, _MemoResolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            SafeConstructor.__init__(self)
            _MemoResolver.__init__(self)

    class _CComposerLoader(CParser, SafeConstructor, _MemoResolver):
        """The C parser and its C composer: half the time of composing in Python.
        libyaml bounds the composer's recursion (``_c_composer_is_bounded``), the
        converter the depth of what is kept (see ``load_yaml``)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            _MemoResolver.__init__(self)

    # _Loader itself on an old libyaml
    _CLoader: type[_Loader] | type[_CComposerLoader] = _CComposerLoader if _c_composer_is_bounded(CParser) else _Loader

except ImportError:  # pragma: no cover
    from yaml.parser import Parser
    from yaml.reader import Reader as _YamlReader
    from yaml.scanner import Scanner

    class _Loader(_YamlReader, Scanner, Parser, _BoundedComposer, SafeConstructor, _MemoResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            _YamlReader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _BoundedComposer.__init__(self)
            SafeConstructor.__init__(self)
            _MemoResolver.__init__(self)

    _CLoader = _Loader


class LineDict(dict[Any, Any]):
    """A YAML mapping that knows where it is: ``line`` (its first line) and, for each
    key, ``key_lines[key]`` (the key's line) and ``value_lines[key]``. Keys and values
    are what YAML wrote (scalars, LineDict, LineList): the readers check them."""

    __slots__ = ("line", "key_lines", "value_lines")

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}

    def line_of(self, key: object, default: int | None = None) -> int:
        return self.key_lines.get(key, self.line if default is None else default)


class LineList(list[Any]):
    """A YAML sequence with ``line`` and ``item_lines[i]``."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


class YamlProblem(Exception):
    """A document that cannot be read, at ``line``. ``limit``: the limit it is over
    (``max_yaml_depth``, ``max_yaml_nodes``), with ``count`` its value, so that
    okrsite.yaml can word it for itself."""

    def __init__(self, line: int, message: str, limit: str = "", count: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.limit, self.count = limit, count


@dataclass
class Parsed:
    """A parsed content file. ``meta`` is None when the file has no front matter."""

    meta: LineDict | None
    body: str
    body_line: int  # line of the body's first line
    problems: list[tuple[int, str, str]]  # (line, severity, message)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TEXT_TAGS = (_STR_TAG, _TIMESTAMP_TAG, _MERGE_TAG, "tag:yaml.org,2002:value")
_SafeConstructor = yaml.constructor.SafeConstructor
_CONSTRUCTOR = SafeConstructor()  # its scalar constructors read nothing but the node
_SCALAR_CONSTRUCTORS = {
    "tag:yaml.org,2002:null": _SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": _SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": _SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _SafeConstructor.construct_yaml_float,
}


class _Converter:
    """Turns a composed node graph into LineDict / LineList / scalars."""

    def __init__(self, offset: int, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
        self.offset = offset
        self.max_depth, self.max_nodes = max_depth, max_nodes
        self.nodes = 0
        self.duplicates: list[tuple[int, str]] = []

    def line(self, node: yaml.Node) -> int:
        line: int = node.start_mark.line
        return line + 1 + self.offset

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        """A scalar, LineDict or LineList."""
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise self.too_large(node)
        if depth > self.max_depth:
            raise _too_deep(self.line(node), self.max_depth)
        kind = type(node)
        if kind is _ScalarNode:
            return self.scalar(node)
        offset, depth = self.offset + 1, depth + 1
        if kind is _SequenceNode:
            seq = LineList(node.start_mark.line + offset)
            lines = seq.item_lines
            for item in node.value:
                seq.append(self.convert(item, depth))
                lines.append(item.start_mark.line + offset)
            return seq
        if kind is not _MappingNode:
            raise YamlProblem(self.line(node), "unsupported YAML node")  # pragma: no cover
        out = LineDict(node.start_mark.line + offset)
        key_lines, value_lines = out.key_lines, out.value_lines
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if type(key_node) is _ScalarNode:  # a key is nearly always a scalar: converted here
                if key_node.tag == _MERGE_TAG:
                    merges.append(value_node)
                    continue
                self.nodes += 1
                if self.nodes > self.max_nodes:
                    raise self.too_large(key_node)
                if depth > self.max_depth:
                    raise _too_deep(self.line(key_node), self.max_depth)
                key = self.scalar(key_node)
            else:
                key = self.convert(key_node, depth)
                if isinstance(key, (dict, list)):
                    raise YamlProblem(self.line(key_node), "a mapping key must be a plain value")
            key_line = key_node.start_mark.line + offset
            try:
                if key in out:
                    self.duplicates.append(
                        (key_line, f"duplicate key '{key}' (first at line {key_lines[key]}); the last one is used")
                    )
            except TypeError:  # an unhashable key cannot get here; be safe anyway
                raise YamlProblem(key_line, "a mapping key must be a plain value") from None
            out[key] = self.convert(value_node, depth)
            key_lines[key] = key_line
            value_lines[key] = value_node.start_mark.line + offset
        if merges:
            out = self.merge(node, out, merges, depth - 1)
        return out

    def too_large(self, node: yaml.Node) -> YamlProblem:
        return YamlProblem(
            self.line(node),
            f"front matter too large: more than {self.max_nodes:,} values, aliases "
            "counted each time they are used (limits.max_yaml_nodes in okrsite.yaml)",
            "max_yaml_nodes",
            self.max_nodes,
        )

    def merge(self, node: yaml.Node, own: LineDict, merges: list[yaml.Node], depth: int) -> LineDict:
        """YAML merge keys (``<<: *defaults`` or ``<<: [*a, *b]``): the mapping's own keys
        win, then earlier merged mappings over later ones. Each merged mapping is
        converted (and counted) again where it is used, so that merges of merges cannot
        grow past ``max_nodes`` unnoticed."""
        out = LineDict(own.line)
        for value_node in merges:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise YamlProblem(self.line(value_node), "a merge key '<<' takes a mapping or a list of mappings")
                merged = self.convert(source, depth + 1)
                for key, value in merged.items():
                    if key not in out and key not in own:
                        out[key] = value
                        out.key_lines[key] = merged.key_lines.get(key, merged.line)
                        out.value_lines[key] = merged.value_lines.get(key, merged.line)
        for key, value in own.items():
            out[key] = value
            out.key_lines[key] = own.key_lines[key]
            out.value_lines[key] = own.value_lines[key]
        return out

    def scalar(self, node: yaml.Node) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR_TAG:
            return text
        try:
            return _scalar_value(tag, text) if len(text) > 100 else _short_scalar(tag, text)
        except _BadScalar as exc:
            raise YamlProblem(self.line(node), str(exc)) from None


_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode


class _BadScalar(Exception):
    """A scalar front matter cannot keep; the message says why."""


def _scalar_value(tag: str, text: str, node: yaml.ScalarNode | None = None) -> Any:
    """The value of a scalar of ``tag`` written ``text`` (``node``: its node, if made),
    as front matter keeps it: dates and other text stay text; _BadScalar otherwise."""
    if tag in _TEXT_TAGS:
        return text  # dates stay text: the validator parses them; '<<' or '=' as a value is text
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:
        raise _BadScalar(f"unsupported YAML tag {tag!r}")
    try:  # NaN and infinities are rejected by the validator
        value = construct(_CONSTRUCTOR, node if node is not None else yaml.ScalarNode(tag, text))
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        raise _BadScalar(f"invalid value {_short(text)}: {_short(str(exc), 80)}") from None
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        # beyond any float: no arithmetic on it could work (quote it if it is text)
        raise _BadScalar(f"number too large: {_short(text)} (quote it if it is text)")
    return value


@functools.lru_cache(maxsize=8192)  # numbers, booleans and dates recur from file to file
def _short_scalar(tag: str, text: str) -> Any:
    return _scalar_value(tag, text)


def _short(text: str, limit: int = 40) -> str:
    """repr of a value, cut to ``limit`` characters for a one-line message."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _too_deep(line: int, max_depth: int) -> YamlProblem:
    return YamlProblem(
        line,
        f"front matter nested too deeply: more than {max_depth} levels (limits.max_yaml_depth in okrsite.yaml)",
        "max_yaml_depth",
        max_depth,
    )


def _yaml_message(exc: yaml.YAMLError) -> str:
    """PyYAML's own words: for a problem ``explain_yaml_error`` has no plain words for."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        return f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    return "invalid YAML: " + str(exc).splitlines()[0]


def _yaml_line(exc: yaml.YAMLError, offset: int) -> int:
    mark: yaml.Mark | None = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return 1 + offset
    line: int = mark.line
    return line + 1 + offset


_CLOSERS = {"[": "]", "{": "}"}
_STARTERS = {"@": "'@'", "`": "'`'", "%": "'%'", "*": "'*'", "&": "'&'", "|": "'|'", ">": "'>'"}


def explain_yaml_error(exc: yaml.YAMLError, text: str, offset: int = 0) -> tuple[int, str]:
    """(line, message) for a YAML syntax error in ``text``: the line of the mistake
    (where a bracket or quote was opened, not where the parser gave up) and what to do,
    in plain words. PyYAML's text is kept only for a problem not explained here."""
    problem = getattr(exc, "problem", None) or ""
    context = getattr(exc, "context", None) or ""
    lines = text.split("\n")

    def at(mark: yaml.Mark) -> tuple[int, str, int]:  # (line number in the file, its text, column)
        index = min(mark.line, len(lines) - 1) if lines else 0
        return mark.line + 1 + offset, (lines[index] if lines else ""), mark.column

    if isinstance(exc, yaml.reader.ReaderError):  # a control character: no mark, a position
        line = text.count("\n", 0, exc.position) + 1 + offset
        what = "a NUL byte" if exc.character == 0 else f"the control character U+{exc.character:04X}"
        return line, f"{what} on this line: only text is allowed (is this a binary file, or text pasted with it?)"
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    if problem_mark is None:
        return _yaml_line(exc, offset), _yaml_message(exc)
    line, source, column = at(problem_mark)
    char = source[column : column + 1]

    if "flow sequence" in context or "flow mapping" in context:
        opening = "[" if "sequence" in context else "{"
        if context_mark is not None and "did not find expected" in problem:
            line = context_mark.line + 1 + offset
            return line, (
                f"invalid YAML: the '{opening}' on this line is not closed: end the "
                f"{'list' if opening == '[' else 'mapping'} with '{_CLOSERS[opening]}' on the same "
                f"line, or put the value in quotes if the '{opening}' is part of the text"
            )
    if "quoted scalar" in context and "end of stream" in problem and context_mark is not None:
        cline, csource, ccolumn = at(context_mark)
        quote = csource[ccolumn : ccolumn + 1] or '"'
        return cline, (
            f"invalid YAML: the quote {quote} on this line is not closed: add the closing {quote} "
            "at the end of the value"
        )
    if "unknown escape" in problem:
        escape = source[column : column + 2] if source[column : column + 1] == "\\" else "\\" + char
        return line, (
            f"invalid YAML: unknown escape '{escape}' in a value in double quotes: write '\\\\' for a "
            "backslash, or use single quotes, which take backslashes as they are"
        )
    if problem.startswith("mapping values are not allowed"):
        before = source[:column]
        key = before.lstrip(" -").split(":", 1)[0]
        if ": " in before.lstrip(" -") and key:
            value = (before.lstrip(" -")[len(key) + 1 :].strip() + source[column:]).split(" #", 1)[0].rstrip()
            example = f'{key}: "{value}"' if '"' not in value else f"{key}: '{value}'"
            return line, (
                f"invalid YAML: a colon followed by a space inside the value of '{key}' starts a new "
                f"key: put the value in quotes, like {example}"
            )
        return line, (
            "invalid YAML: this line is indented more than the key above it, which already has a "
            "value: line it up with the other keys of its mapping"
        )
    if "cannot start any token" in problem or "tab character" in problem:
        if char == "\t" or "tab character" in problem:
            return (
                line,
                "invalid YAML: a tab in the indentation: YAML indents with spaces only; replace the tab with spaces",
            )
        if char in _STARTERS:
            return line, f"invalid YAML: a value cannot start with {_STARTERS[char]}: put the value in quotes"
    if "while scanning an alias" in context or "while scanning an anchor" in context or "undefined alias" in problem:
        mark = context_mark or problem_mark
        sign = "&" if "anchor" in context else "*"
        return mark.line + 1 + offset, f"invalid YAML: a value cannot start with '{sign}': put the value in quotes"
    if "block scalar" in context:
        return line, (
            "invalid YAML: after '|' or '>' nothing but a comment may follow on the line: write the text "
            "on the lines below, indented, or put a value starting with '|' or '>' in quotes"
        )
    if "could not find expected ':'" in problem and context_mark is not None:
        return context_mark.line + 1 + offset, (
            "invalid YAML: this line is not 'key: value': add ': ' after the key, "
            "or if it goes on from the value above, put that value in quotes"
        )
    if "expected '-' indicator" in problem:
        return line, (
            "invalid YAML: this line is not lined up with the list above it: start each item with '- ' "
            "at the same indentation, and line up the keys of an item with its first key"
        )
    if "did not find expected key" in problem or "expected <block end>" in problem:
        if source[:column].strip(" -"):
            return line, (
                "invalid YAML: text after the end of a value: a value that starts with a quote or a "
                "bracket ends where it closes; put the whole value in quotes"
            )
        return line, (
            "invalid YAML: this line is not lined up with the keys above it: indent the keys of one "
            "mapping by the same number of spaces"
        )
    if "another document" in problem:
        return line, "invalid YAML: a second document (a line '---'): there must be only one"
    return _yaml_line(exc, offset), _yaml_message(exc)


def load_yaml(
    text: str, offset: int = 0, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> tuple[object, list[tuple[int, str]]]:
    """Parse one YAML document. Returns (data, duplicate-key warnings) or raises
    YamlProblem with the line (counted from the top of the file, after ``offset``).
    More than ``max_depth`` levels of nesting or ``max_nodes`` values (aliases counted
    each time they are used) is a YamlProblem, found in time and memory bounded by them.

    A document is composed in C when that is safe (``_CLoader``), and in Python
    (``_Loader``, whose composer stops at the first level too deep) otherwise and again
    for a document with a problem, so that the problem reported is the same either way:
    the C composer would go on to a later one, or count too many values first. The
    converter finds every level too deep that the Python composer finds, except inside
    a list of merged mappings (``<<: [{...}]``: the converter takes the mappings one
    level up), so a document with a merge key is composed in Python."""
    if _CLoader is not _Loader and "<<" not in text:
        try:
            return _load_yaml(_CLoader, text, offset, max_depth, max_nodes)
        except YamlProblem:
            pass
    return _load_yaml(_Loader, text, offset, max_depth, max_nodes)


def _load_yaml(
    loader_class: type[_Loader] | type[_CComposerLoader], text: str, offset: int, max_depth: int, max_nodes: int
) -> tuple[object, list[tuple[int, str]]]:
    try:
        loader = loader_class(text)
        if isinstance(loader, _BoundedComposer):
            loader.max_depth = max_depth
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in (getattr(exc, "problem", None) or ""):
            # the libyaml bundled with PyYAML 6.0.4 stops at about 1,000 levels while
            # scanning, before the composer sees level max_depth + 1 (at most 201)
            raise _too_deep(_yaml_line(exc, offset), max_depth) from None
        raise YamlProblem(*explain_yaml_error(exc, text, offset)) from None
    except _TooDeep as exc:
        raise _too_deep(exc.mark.line + 1 + offset, exc.max_depth) from None
    except RecursionError:
        raise YamlProblem(1 + offset, "invalid YAML: nested too deeply") from None
    if node is None:
        return None, []
    conv = _Converter(offset, max_depth, max_nodes)
    try:
        data = conv.convert(node)
    except RecursionError:
        raise YamlProblem(1 + offset, "invalid YAML: nested too deeply") from None
    return data, conv.duplicates


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is fine), with CRLF/CR folded to LF.
    Raises UnicodeDecodeError for anything else."""
    text = data.decode("utf-8-sig")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_front_matter(text: str) -> tuple[str | None, int, str, int]:
    """(front matter or None, its closing line or 0, body, body's first line).

    Front matter starts with a first line ``---`` and ends at the next line ``---``
    (or ``...``). A missing closing line raises YamlProblem at the last line."""
    if not (text.startswith("---\n") or text.rstrip(" \t") == "---" or text.startswith("--- \n")):
        return None, 0, text, 1
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, 0, text, 1
    for i in range(1, len(lines)):
        stripped = lines[i].rstrip()
        if stripped in ("---", "..."):
            fm = "\n".join(lines[1:i]) + "\n"
            body = "\n".join(lines[i + 1 :])
            return fm, i + 1, body, i + 2
    last = max((i + 1 for i, line in enumerate(lines) if line.strip()), default=1)
    raise YamlProblem(last, "front matter is not closed: add a line '---' after it")


def parse(data: bytes, front_matter: bool = True, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Parsed:
    """Parse a content file. Problems are returned, never raised. ``max_depth`` and
    ``max_nodes`` bound the front matter (``limits`` in okrsite.yaml)."""
    problems: list[tuple[int, str, str]] = []
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        return Parsed(None, "", 1, [(1, "error", f"not valid UTF-8 text (byte {exc.start}): save the file as UTF-8")])
    if "\x00" in text:  # reported on the line of the first one
        line = text.count("\n", 0, text.index("\x00")) + 1
        return Parsed(None, "", 1, [(line, "error", "binary file (contains NUL bytes): expected UTF-8 Markdown")])
    if not front_matter:
        return Parsed(None, text, 1, problems)
    try:
        fm, close_line, body, body_line = split_front_matter(text)
    except YamlProblem as exc:
        return Parsed(None, "", 1, [(exc.line, "error", exc.message)])
    if fm is None:
        return Parsed(None, body, body_line, problems)
    try:
        data_, dups = load_yaml(fm, offset=1, max_depth=max_depth, max_nodes=max_nodes)
    except YamlProblem as exc:
        line = min(exc.line, close_line) if close_line else exc.line
        return Parsed(LineDict(1), body, body_line, [(line, "error", exc.message)] + problems)
    problems.extend((line, "error", msg) for line, msg in dups)
    if data_ is None:
        data_ = LineDict(1)
    if not isinstance(data_, LineDict):
        problems.append((2, "error", f"front matter must be a mapping of keys to values, not {type_name(data_)}"))
        data_ = LineDict(1)
    data_.line = 1
    return Parsed(data_, body, body_line, problems)


def type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
