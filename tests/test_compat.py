"""okrsite/site/jinja_compat.py: the quick Jinja classes and escape_text give what Jinja and
markupsafe give, and they are used only with the versions they were tested on, while
the internals they lean on keep their shape. A failure here after an upgrade means:
look at the new version, then move the bounds in TESTED and pyproject.toml together."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import jinja2
import jinja2.runtime
import pytest
from markupsafe import Markup, escape

from okrsite.site import jinja_compat
from okrsite.site.environment import make_environment
from okrsite.site.jinja_compat import escape_text
from okrsite.site.pages import plan_pages, render_page

REPO = Path(__file__).resolve().parent.parent
BUILTIN = REPO / "themes" / "default"


def test_the_installed_jinja_and_markupsafe_are_the_tested_ones():
    """Fails when the installed versions are outside TESTED, or when Context.call, the
    jinja_pass_arg marks or compiled templates' escaping have changed shape."""
    assert jinja_compat.problems() == []
    assert jinja_compat.ACTIVE
    env = make_environment([BUILTIN])
    assert type(env) is jinja_compat.QuickEnvironment
    assert isinstance(env.from_string("").new_context(), jinja_compat.QuickContext)
    assert jinja_compat._escape_inner is not None or metadata.version("markupsafe").startswith("2.")


def test_pyproject_bounds_are_the_tested_ones():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dist, (low, high) in jinja_compat.TESTED.items():
        assert f"{dist}>={low},<{high}" in project["dependencies"], dist


@pytest.mark.parametrize(
    ("versions", "named"),
    [
        ({"jinja2": "3.2.0", "markupsafe": "3.0.2"}, "jinja2 3.2.0"),
        ({"jinja2": "3.0.3", "markupsafe": "3.0.2"}, "jinja2 3.0.3"),
        ({"jinja2": "3.1.6", "markupsafe": "3.1.0rc1"}, "markupsafe 3.1.0rc1"),
        ({"jinja2": "4.0", "markupsafe": "2.0.1"}, "markupsafe 2.0.1"),
    ],
)
def test_a_version_outside_the_tested_range_is_named(versions, named):
    found = jinja_compat.problems(versions.__getitem__)
    assert any(p.startswith(named + " is outside the tested range") for p in found), found
    assert jinja_compat.problems({"jinja2": "3.1.0", "markupsafe": "3.0.99"}.__getitem__) == []


def test_a_changed_context_call_is_named(monkeypatch):
    """A Jinja whose Context.call takes out another internal keyword argument, or has
    another signature, switches the quick context off."""

    def call(__self, __obj, *args, **kwargs):
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_scope_vars", None)
        return __obj(*args, **kwargs)

    monkeypatch.setattr(jinja2.runtime.Context, "call", call)
    assert jinja_compat.problems() == [
        "jinja2.runtime.Context.call no longer takes out exactly _block_vars, _loop_vars"
    ]

    def call(__self, __obj, args, kwargs):
        return __obj(*args, **kwargs)

    monkeypatch.setattr(jinja2.runtime.Context, "call", call)
    assert jinja_compat.problems() == ["jinja2.runtime.Context.call is no longer call(self, obj, *args, **kwargs)"]


def test_outside_the_tested_range_jinjas_own_classes_and_the_same_pages(monkeypatch, tmp_path):
    """With ACTIVE off (an untested version), the environment is Jinja's own and
    escape_text is markupsafe.escape: a page renders to the same bytes."""
    from okrsite.builder.pipeline import build
    from okrsite.core.config import read_config

    config, _ = read_config(REPO / "okrsite.yaml")
    site = build(config, config.as_of, render_pages=False).site
    plan = plan_pages(site)
    pages = [p for p in plan.pages if p.template in {"objective.html", "checkin.html", "alignment.html"}][:6]
    quick = [render_page(plan, p, make_environment([BUILTIN])) for p in pages]
    monkeypatch.setattr(jinja_compat, "ACTIVE", False)
    monkeypatch.setattr(jinja_compat, "_escape_inner", None)
    env = make_environment([BUILTIN])
    assert type(env) is jinja2.Environment
    assert [render_page(plan, p, env) for p in pages] == quick
    assert type(escape_text("<a>")) is Markup


def test_the_quick_template_context_calls_like_jinjas():
    """QuickContext.call takes a shortcut for plain functions, methods and macros;
    anything that asks for the context, the environment or the evaluation context, and
    any other callable, goes through Jinja's own ``Context.call``."""

    class Counter:
        def __init__(self):
            self.n = 0

        def bump(self, by=1):
            self.n += by
            return self.n

    class WithContext:
        @jinja2.pass_context
        def __call__(self, context, x):
            return f"{context['who']}:{x}"

    def stops():
        raise StopIteration

    source = """{% macro box(x) %}[{{ x }}{{ caller() if caller is defined }}]{% endmacro -%}
{{ plain("<b>") }} {{ ctx(1) }} {{ envname(2) }} {{ evalctx(3) }} {{ counter.bump() }} {{ counter.bump(by=2) }}
{{ "a-b".split("-")|join }} {{ {"k": "v"}.get("k") }} {{ box(1) }} {% call box(2) %}in {{ who }}{% endcall %}
{% for i in [1, 2] %}{{ ctx(i) }}{{ plain(i) }}{% set who = "loop" %}{{ ctx(i) }}{% endfor %} {{ obj(4) }} {{ stops() is undefined }}"""
    helpers = dict(
        plain=lambda x: f"<{x}>",
        ctx=jinja2.pass_context(lambda c, x: f"{c['who']}/{x}"),
        envname=jinja2.pass_environment(lambda e, x: f"{type(e).__name__}{x}"),
        evalctx=jinja2.pass_eval_context(lambda e, x: f"{e.autoescape}{x}"),
        obj=WithContext(),
        stops=stops,
        who="page",
    )
    outputs = []
    for context_class in (jinja_compat.QuickContext, jinja2.runtime.Context):
        env = make_environment([BUILTIN])
        env.context_class = context_class
        outputs.append(env.from_string(source).render(helpers, counter=Counter()))
    assert outputs[0] == outputs[1]
    assert "&lt;&lt;b&gt;&gt; page/1 QuickEnvironment2 True3 1 3" in outputs[0]
    assert "loop/1" in outputs[0] and "page:4" in outputs[0] and outputs[0].endswith("True")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "a <b> & 'c' \"d\"",
        "&amp;",
        "\u00e9\u202e<",
        0,
        1.5,
        None,
        True,
        Markup("<b>safe</b>"),
        Markup("a &amp; b"),
    ],
)
def test_escape_text_is_markupsafe_escape_as_text(value):
    from okrsite.site import links, snippets

    assert snippets.escape_text is links.escape_text is jinja_compat.escape_text
    assert escape_text(value) == str(escape(value))


def test_templates_escape_their_output_as_jinja_does():
    """QuickTemplate swaps the escaping of ``{{ ... }}`` in the compiled template for
    escape_text: the same text, in output, macros, set blocks and call blocks; an
    undefined name still fails."""
    source = """{% macro m(x) %}<i>{{ x }}</i>{{ caller() if caller is defined }}{% endmacro -%}
{% set block %}<p>{{ text }}</p>{% endset -%}
{{ text }} {{ safe }} {{ number }} {{ nothing }} {{ text ~ safe }} {{ text|upper }} {{ block }} {{ m(text) }}
{% call m(safe) %}{{ text }}{% endcall %} {{ [text, safe]|join(", ") }} {{ {"k": text} }}"""
    values = dict(text="<a href='x'>&\"</a>", safe=Markup("<b>ok</b>"), number=3.5, nothing=None)
    outputs = []
    for template_class in (jinja_compat.QuickTemplate, jinja2.Template):
        env = make_environment([BUILTIN])
        env.template_class = template_class
        template = env.from_string(source)
        swapped = template.root_render_func.__globals__["escape"] is jinja_compat.escape_text
        assert swapped == (template_class is jinja_compat.QuickTemplate)
        outputs.append(template.render(values))
        with pytest.raises(jinja2.UndefinedError):
            env.from_string("{{ missing }}").render()
    assert outputs[0] == outputs[1]
    assert "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt; <b>ok</b> 3.5 None" in outputs[0]
