"""Script injection (issue 8): one team's text never runs script in another person's
browser.

A site is built whose every text field (titles, owners, units, notes, help, team names,
KPI names, initiative titles and links, the site's title) and every Markdown body
carries a payload from a corpus (script tags, event-handler attributes, javascript: and
data: links, SVG and MathML tricks, ``</script>`` and ``</title>`` breakers, template
syntax, CSV formulas, control characters), twice: with ``markdown.allow_html`` off and
on. The raw files are audited without a browser (so ``-m "not browser"`` keeps that
check); then every page is opened in Chromium: no dialog opens, no payload element exists, no
script ran, no script but the theme's own is on the page, no inline event handler and no
javascript: URL is anywhere in the DOM, and nothing is requested from another host. The
raw files are checked too (HTML, the Atom feeds, the JSON export, the CSV exports)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from okrsite.core import urls

REPO = Path(__file__).resolve().parent.parent

# {tag} becomes the field's marker, so that a payload that fires says where it came from
PAYLOADS = [
    "<script>window.__pwned='{tag}';alert('{tag}')</script>",
    "<img src=x onerror=\"window.__pwned='{tag}';alert('{tag}')\" data-pwned=\"{tag}\" id=pwned>",
    "<svg onload=\"alert('{tag}')\" data-pwned=\"{tag}\"><script>alert('{tag}')</script></svg>",
    '<svg><animate onbegin="alert(\'{tag}\')" attributeName=x dur=1s data-pwned="{tag}"></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(\'{tag}\')" data-pwned="{tag}"></style></mglyph></table></mtext></math>',
    '<a href="javascript:alert(\'{tag}\')" data-pwned="{tag}">click {tag}</a>',
    "[md link {tag}](javascript:alert('{tag}')) [b](JaVaScRiPt:alert(1)) [c](java&#x09;script:alert(1)) [d](&#106;avascript:alert(1)) [e](vbscript:msgbox(1)) <a href=\"VBScript:msgbox('{tag}')\" data-pwned=\"{tag}\">vb</a>",
    "[data {tag}](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) ![img](javascript:alert(1)) ![ext](https://evil.example/{tag}.png)",
    "</script><script>alert('{tag}')</script>",
    "</title><script>alert('{tag}')</script><title>",
    '"><img src=x onerror="alert(\'{tag}\')" data-pwned="{tag}">',
    "' onmouseover='alert(\"{tag}\")' data-pwned='{tag}' x='",
    '" autofocus onfocus="alert(\'{tag}\')" data-pwned="{tag}" x="',
    "{{{{ 7*7 }}}} {{{{ 7*'7' }}}} {{% raw %}} ${{7*7}} <%= 7*7 %> #{{7*7}} {tag}",
    '<iframe src="javascript:alert(\'{tag}\')" data-pwned="{tag}"></iframe><object data="javascript:alert(1)"></object><embed src=x>',
    '<form action="javascript:alert(\'{tag}\')"><button formaction="javascript:alert(1)" data-pwned="{tag}">go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'{tag}\')"><base href="javascript:alert(1)//">',
    '<div style="background:url(javascript:alert(\'{tag}\'))" data-pwned="{tag}">styled</div><style>*{{color:red}}</style>',
    '<details open ontoggle="alert(\'{tag}\')" data-pwned="{tag}"><summary>x</summary></details>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{tag}') data-pwned='{tag}'>\"></noscript>",
    "--><script>alert('{tag}')</script><!-- ]]><script>alert('{tag}')</script>",
    '=HYPERLINK("http://evil.example/?{tag}","x")',
    "@SUM(1+1)*cmd|' /C calc'!A0 {tag}",
    "\u202e{tag} \u2066gnp.exe\u2069 \x07\x1b[31m bell and escape",
]
TOKEN = "zqxj"  # a word every payload's field carries: the search finds them all


class Fields:
    """Hands out a payload (and a unique marker) to each text field in turn."""

    def __init__(self, offset: int):
        self.n = offset
        self.start = offset

    def __call__(self, prefix: str = "") -> str:
        self.n += 1
        tag = f"f{self.n}"
        return f"{prefix}{TOKEN} {tag} " + PAYLOADS[self.n % len(PAYLOADS)].format(tag=tag)

    def person(self) -> str:
        """A payload as a person's name, cut to what names a person's page (issue 24)."""
        text = self()
        while len(urls.slugify(text)) > urls.MAX_NAME_LENGTH:
            text = text[:-1]
        return text

    def body(self) -> str:
        parts = [
            f"# {self('')}",
            self(""),
            f"- {self('')}",
            f"> {self('')}",
            f"`{self('')}`",
            f"| a | b |\n|---|---|\n| {self('').replace('|', ' ')} | x |",
        ]
        return (
            "\n\n".join(parts) + "\n\n" + "\n\n".join(p.format(tag=f"body{i}") for i, p in enumerate(PAYLOADS)) + "\n"
        )


def front(doc: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000) + "---\n" + body


def injection_site(root: Path, allow_html: bool) -> Path:
    f = Fields(1000 if allow_html else 0)
    files = {
        "content/_index.md": front(
            {"title": f(), "vision": f(), "mission": f(), "strategy": [{"id": "s1", "title": f(), "description": f()}]},
            f.body(),
        ),
        "content/teams/company/_index.md": front(
            {
                "name": f("Company "),
                "lead": f(),
                "members": [f.person(), f.person()],
                "mission": f(),
                "kpis": [{"id": "uptime", "name": f(), "unit": f(), "healthy_above": 99}],
            },
            f.body(),
        ),
        "content/teams/t/_index.md": front(
            {"name": f("Team "), "parent": "company", "lead": f(), "members": [f.person()], "mission": f()}, f.body()
        ),
        "content/teams/t/backlog.md": front({"title": f()}, f.body()),
        "content/teams/company/2026-Q4/grow.md": front(
            {
                "title": f(),
                "owner": f(),
                "theme": "s1",
                "tags": [f(), f()],
                "initiatives": [
                    {"title": f(), "status": "planned", "link": "https://x.example/\"><script>alert('link')</script>"},
                    {"title": f(), "status": "done", "link": 'rel" onmouseover="alert(\'rel\')" data-pwned="rel'},
                ],
                "key_results": [
                    {"id": "k1", "title": f(), "start": 0, "target": 10, "unit": f(), "owner": f(), "partner": f()},
                    {"id": "k2", "title": f(), "type": "milestone", "owner": f()},
                ],
            },
            f.body(),
        ),
        "content/teams/t/2026-Q4/o.md": front(
            {
                "title": f(),
                "owner": f(),
                "aligns_to": "company/grow",
                "depends_on": "company/grow/k2",
                "key_results": [
                    {"id": "k1", "title": f(), "start": 100, "target": 20, "unit": f(), "contributors": ["company"]},
                    {"id": "k2", "title": f(), "type": "stay_above", "target": 5, "unit": f()},
                ],
            },
            f.body(),
        ),
        "content/teams/t/2026-Q4/checkins/2026-11-06.md": front(
            {
                "date": "2026-11-06",
                "author": f(),
                "help": [f(), f()],
                "key_results": {
                    "o/k1": {"value": 80, "note": f(), "confidence": 0.3},
                    "o/k2": {"value": 6, "note": f()},
                },
                "kpis": {},
            },
            f.body(),
        ),
        "content/teams/company/2026-Q4/checkins/2026-11-13.md": front(
            {
                "date": "2026-11-13",
                "author": f(),
                "help": f(),
                "key_results": {
                    "grow/k1": {"value": 4, "note": f(), "status": "at-risk"},
                    "grow/k2": {"progress": "50%", "note": f()},
                },
                "kpis": {"uptime": 99.5},
            },
            f.body(),
        ),
        "content/teams/t/2026-Q4/retro.md": front({"title": f()}, f.body()),
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    config = {"title": f("Site "), "as_of": "2026-11-20", "markdown": {"allow_html": allow_html}, "search": True}
    (root / "okrsite.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return root / "okrsite.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[bool, Path]:
    """Both sites, built at once: {allow_html: output folder}."""
    outs, procs = {}, []
    for allow_html in (False, True):
        root = tmp_path_factory.mktemp(f"inject-{'html' if allow_html else 'plain'}")
        config = injection_site(root, allow_html)
        outs[allow_html] = root / "public"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "okrsite", "build", "--config", str(config), "--no-cache"],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, out + err
        assert " error: " not in out, out
    return outs


# --------------------------------------------------------------------------- the raw files

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "srcset"}
BAD_SCHEMES = re.compile(r"^(javascript|vbscript|data|file):", re.I)


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str | None] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("data-pwned", "id") and (name == "data-pwned" or value == "pwned"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRS and value is not None:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                if BAD_SCHEMES.match(cleaned) and not (tag == "img" and cleaned.startswith("data:image/")):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "javascript" in (value or "").lower():
                self.problems.append(f"<{tag} style={value!r}>")
        if tag in ("iframe", "object", "embed", "base", "frame", "frameset", "applet"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(n == "http-equiv" for n, _ in attrs):
            self.problems.append("<meta http-equiv>")
        if tag == "script":
            src = dict(attrs).get("src")
            self.scripts.append(src)
            self.in_script = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]!r}")


def theme_script(src: str | None) -> bool:
    """The theme's own scripts: external, from the site's assets/ or pagefind/."""
    if not src:
        return False
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return False
    path = re.sub(r"^/?(\.\./|\./)*", "", parts.path)  # relative, or absolute from base_url '/' (404.html)
    return path.startswith(("assets/", "pagefind/"))


@pytest.mark.parametrize("allow_html", [False, True], ids=["html-off", "html-on"])
def test_raw_files_carry_no_live_payload(built, allow_html):
    out = built[allow_html]
    pages = sorted(p for p in out.rglob("*.html"))
    assert len(pages) > 20
    shown_literally = False
    for page in pages:
        text = page.read_text(encoding="utf-8")
        audit = _Audit()
        audit.feed(text)
        audit.close()
        rel = page.relative_to(out).as_posix()
        assert audit.problems == [], f"{rel}: {audit.problems[:5]}"
        assert all(theme_script(s) for s in audit.scripts), f"{rel}: scripts {audit.scripts}"
        assert "7777777" not in text and "#{49}" not in text, rel  # no template was evaluated
        shown_literally |= "{{ 7*7 }}" in text
    assert shown_literally  # template syntax is shown as written
    grow = (out / "teams/company/2026-Q4/grow/index.html").read_text(encoding="utf-8")
    # a relative initiative link is a link (issue 27), its quotes escaped inside the one attribute
    assert '<a href="rel&#34; onmouseover=&#34;alert(&#39;rel&#39;)&#34; data-pwned=&#34;rel">' in grow
    for feed in out.rglob("*.xml"):
        ET.fromstring(feed.read_bytes())  # well-formed, whatever the text held
    for data in out.rglob("*.json"):
        json.loads(data.read_bytes())
    formulas = 0
    for sheet in out.rglob("*.csv"):
        for row in csv.reader(io.StringIO(sheet.read_text(encoding="utf-8"), newline="")):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert re.fullmatch(r"-?\d+(\.\d+)?", cell), (
                        f"{sheet.name}: a cell a spreadsheet would run: {cell!r}"
                    )
                formulas += TOKEN in cell
    assert formulas  # the payloads are in the sheets, defused


# --------------------------------------------------------------------------- in the browser

CHECK = """() => {
  const out = {pwned: window.__pwned === undefined ? null : String(window.__pwned), problems: []};
  for (const el of document.querySelectorAll('[data-pwned], #pwned, iframe, object, embed, base, meta[http-equiv]'))
    out.problems.push('element ' + el.outerHTML.slice(0, 80));
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) out.problems.push('handler ' + el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name)) {
        const v = a.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
        if (/^(javascript|vbscript|data|file):/.test(v) && !(el.tagName === 'IMG' && v.startsWith('data:image/')))
          out.problems.push('url ' + el.tagName + ' ' + a.name + '=' + a.value.slice(0, 60));
      }
    }
  }
  for (const s of document.scripts) {
    if (!s.src) { out.problems.push('inline script ' + s.textContent.slice(0, 60)); continue; }
    const u = new URL(s.src);
    if (u.origin !== location.origin || !/\\/(assets|pagefind)\\//.test(u.pathname)) out.problems.push('script ' + s.src);
  }
  return out;
}"""


@pytest.mark.browser
def test_every_page_in_the_browser(built, static_server, browser):
    page = browser.new_page()
    dialogs, foreign, errors = [], [], []
    page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    page.on("request", lambda r: not r.url.startswith(("http://127.0.0.1", "data:")) and foreign.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    visited = 0
    try:
        for allow_html, out in built.items():
            base = static_server(out, "/okrs/")
            for html in sorted(out.rglob("*.html")):
                rel = html.relative_to(out).as_posix()
                url = base + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
                page.goto(url, wait_until="load")
                page.wait_for_timeout(30)  # timers and animations a payload might use
                result = page.evaluate(CHECK)
                assert result == {"pwned": None, "problems": []}, f"{url}: {result}"
                visited += 1
            # the search page renders results (excerpts of every payload) from the index
            page.goto(base + f"search/?q={TOKEN}", wait_until="load")
            page.wait_for_selector("#search-results li, .search-results li", timeout=15_000)
            page.wait_for_timeout(200)
            assert page.locator("li", has_text=TOKEN).count() > 0
            result = page.evaluate(CHECK)
            assert result == {"pwned": None, "problems": []}, f"search: {result}"
    finally:
        page.close()
    assert visited > 40
    assert dialogs == [], dialogs
    assert foreign == [], foreign  # no image or anything else from another host
    assert errors == [], errors
