"""Everything okrsite does to Jinja and markupsafe beyond their public API, in one place.

Rendering a big site is mostly Jinja calling our helpers and escaping their results
(about 90 calls and 230 escapes a page), and four small changes make it a fifth
quicker, with the same bytes:

- :class:`QuickContext`: Jinja's ``Context.call`` without its four attribute lookups
  for plain functions, methods and macros (they cannot ask for the context); anything
  else goes through Jinja's own ``call``.
- :class:`QuickTemplate`: compiled templates escape ``{{ expression }}`` with
  :func:`escape_text`, the text of ``markupsafe.escape`` as a plain ``str`` (Jinja only
  ever joins that output into the page), without a ``Markup`` object each time.
- :class:`QuickEnvironment`: templates' globals are one flat dict, not a ``ChainMap``
  over the environment's (copied name by name into every page's context).
- :func:`escape_text` uses ``markupsafe._escape_inner``, the function ``escape`` itself
  calls on a ``str``.

Each leans on internals: the names and keyword arguments inside ``Context.call``, the
name ``escape`` in a compiled template's module, ``markupsafe._escape_inner``. They are
used only with the versions they were tested on (:data:`TESTED`, the same bounds as
pyproject.toml) and only while those internals have the shape :func:`problems` checks;
otherwise :func:`new_environment` gives Jinja's own classes and :func:`escape_text`
calls ``markupsafe.escape``: slower, and the same output. tests/test_compat.py fails
when either happens, so a new Jinja or markupsafe is looked at before its bounds move.
"""

from __future__ import annotations

import re
import types
from importlib import metadata
from typing import Any, Callable, MutableMapping

import jinja2
import jinja2.runtime
import markupsafe
from markupsafe import Markup, escape

# distribution -> (lowest tested version, first version not tested), as in pyproject.toml
TESTED = {"jinja2": ("3.1", "3.2"), "markupsafe": ("2.1", "3.1")}

# the keyword arguments Jinja's compiled code passes to ``Context.call`` for itself
# (variables of the loop or block around the call), which ``call`` takes out
_INTERNAL_KWARGS = ("_block_vars", "_loop_vars")


def _release(version: str) -> tuple[int, ...]:
    """``"3.1.6"`` -> ``(3, 1, 6)``; a pre- or post-release suffix is ignored."""
    return tuple(int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3])


def _str_constants(code: types.CodeType) -> set[str]:
    return {c for c in code.co_consts if isinstance(c, str)}


def problems(version: Callable[[str], str] = metadata.version) -> list[str]:
    """Why the quick classes must not be used, in words; empty when they may be.
    ``version``: a distribution's installed version (``importlib.metadata.version``)."""
    out = []
    for dist, (low, high) in TESTED.items():
        try:
            installed = version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - imported above
            installed = "0"
        if not _release(low) <= _release(installed) < _release(high):
            out.append(f"{dist} {installed} is outside the tested range >={low},<{high}")
    call = getattr(jinja2.runtime.Context.call, "__code__", None)
    if call is None or call.co_argcount != 2 or (call.co_flags & 0x0C) != 0x0C:  # *args, **kwargs
        out.append("jinja2.runtime.Context.call is no longer call(self, obj, *args, **kwargs)")
    elif {c for c in _str_constants(call) if c.startswith("_") and c.endswith("_vars")} != set(_INTERNAL_KWARGS):
        out.append(f"jinja2.runtime.Context.call no longer takes out exactly {', '.join(_INTERNAL_KWARGS)}")
    from_obj = getattr(getattr(jinja2.utils, "_PassArg", None), "from_obj", None)
    if from_obj is None or "jinja_pass_arg" not in _str_constants(from_obj.__func__.__code__):
        out.append("jinja2 no longer marks pass_context and the like with jinja_pass_arg")
    source = jinja2.Environment(autoescape=True).compile("{{ x }}", raw=True)
    if "escape(" not in source:
        out.append("Jinja's compiled templates no longer escape output with escape()")
    return out


PROBLEMS = problems()
ACTIVE = not PROBLEMS

if ACTIVE and hasattr(markupsafe, "_escape_inner"):  # markupsafe 3.0 and later
    _escape_inner: Callable[[str], str] | None = markupsafe._escape_inner
else:
    _escape_inner = None


def escape_text(value: Any) -> str:
    """The text of ``markupsafe.escape(value)``, for HTML being put together: a str
    comes back as a plain str (no ``Markup`` object made: a sixth of the time), a
    ``Markup`` as it is; anything else goes through ``escape``."""
    if type(value) is str and _escape_inner is not None:
        return _escape_inner(value)
    if type(value) is Markup:
        return value
    return escape(value)


# callables whose pass-context decorations Jinja reads from the object alone
_PLAIN_CALLABLES = frozenset({types.FunctionType, types.MethodType, types.BuiltinFunctionType, jinja2.runtime.Macro})


class QuickContext(jinja2.runtime.Context):
    """Jinja's template context with a quicker ``call`` for plain functions, methods
    and macros: the same result as ``Context.call``, which for these finds no
    ``jinja_pass_arg`` after four attribute lookups."""

    @jinja2.utils.internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's own signature
        if type(__obj) not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            for name in _INTERNAL_KWARGS:
                kwargs.pop(name, None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


class QuickTemplate(jinja2.Template):
    """Jinja's template whose output escaping is :func:`escape_text`. Jinja's generated
    code escapes each ``{{ expression }}`` with ``escape`` and only ever joins the
    result into the output, so the same text as a plain str serves."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: types.CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__  # the compiled module's
        if namespace.get("escape") is escape:
            namespace["escape"] = escape_text
        return template


class QuickEnvironment(jinja2.Environment):
    """Jinja's environment with :class:`QuickContext` and :class:`QuickTemplate`, whose
    templates' globals are one flat dict, not a ChainMap over the environment's: every
    page copies them into its context, and twice more into sets of names, which over a
    ChainMap costs a lookup in each map per name. So the globals must all be set before
    any template is loaded."""

    context_class = QuickContext
    template_class = QuickTemplate

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def new_environment(**options: Any) -> jinja2.Environment:
    """``jinja2.Environment(**options)``: a :class:`QuickEnvironment` when the installed
    Jinja and markupsafe are the tested ones (:data:`ACTIVE`), else Jinja's own."""
    return (QuickEnvironment if ACTIVE else jinja2.Environment)(**options)
