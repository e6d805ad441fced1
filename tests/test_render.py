"""Rendering: a hand-built, already computed Site -> pages.

The Site is made by ``make_site`` below (not by the loader), with computed fields set by
hand, so these tests exercise only the pages (okrsite.site.pages and what it uses) and the built-in theme."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from okrsite.core import urls
from okrsite.core.model import (
    Checkin,
    Config,
    Initiative,
    KeyResult,
    Kpi,
    Objective,
    Org,
    Period,
    Ref,
    Retro,
    Site,
    Strategy,
    Team,
    Update,
)
from okrsite.site.environment import make_environment
from okrsite.site.formatting import fmt_number, fmt_percent, fmt_quantity
from okrsite.site.pages import DuplicateOutput, RenderError, page_context, plan_pages, render_site
from okrsite.site.people import people
from okrsite.site.snippets import bar_value

try:
    from linkcheck import check_links, reachable
except ImportError:  # pragma: no cover - imported as a package
    from tests.linkcheck import check_links, reachable

REPO = Path(__file__).resolve().parent.parent
BUILTIN = REPO / "themes" / "default"
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --------------------------------------------------------------------------- the site


def _counts(**kw):
    return {"green": 0, "amber": 0, "red": 0, "grey": 0, **kw}


def _ref(raw: str, target: str) -> Ref:
    return Ref(raw=raw, path="x.md", line=1, target=target)


def make_site(base_url: str = "/okrs/") -> Site:
    """A small organisation in 2026-Q4 (as of 2026-11-23): company > engineering > platform,
    plus a team whose name is an XSS attempt; an annual company objective; a graded Q3."""
    periods = {
        p.id: p
        for p in [
            Period("2026", date(2026, 1, 1), date(2026, 12, 31), "2026"),
            Period("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "Q3 2026"),
            Period("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "Q4 2026"),
        ]
    }
    periods = dict(sorted(periods.items(), key=lambda kv: (kv[1].start, kv[1].end, kv[0])))
    config = Config(title="Acme OKRs", base_url=base_url, as_of=date(2026, 11, 23))
    org = Org(
        title="Acme",
        vision="Every customer confident",
        mission="Make shipping boring",
        strategy=[Strategy("trust", "Earn trust", "Reliability first"), Strategy("growth", "Grow")],
        body_html="<p>Welcome to Acme's OKRs.</p>",
    )
    teams = {
        "company": Team(
            "company", "Acme", lead="Ana García", mission="Run the company", children=["engineering", "xss"]
        ),
        "engineering": Team(
            "engineering", "Engineering", parent="company", lead="Bob Stone", children=["platform"], depth=1
        ),
        "platform": Team(
            "platform",
            "Platform",
            parent="engineering",
            lead="Carla Diaz",
            members=["Dan Eve", "Ana Garcia"],
            maintainers=["@carla"],
            mission="Fast, boring infra",
            kpis=[
                Kpi(
                    "uptime",
                    "Uptime",
                    unit="%",
                    healthy_above=99.9,
                    value=99.95,
                    value_date=date(2026, 11, 20),
                    healthy=True,
                ),
                Kpi(
                    "pages", "Pages per week", healthy_below=5, value=9.0, value_date=date(2026, 11, 20), healthy=False
                ),
            ],
            body_html="<p>We run the platform.</p>",
            backlog_html="<ul><li>Try eBPF</li></ul>",
            depth=2,
        ),
        "xss": Team("xss", XSS, parent="company", lead=XSS, depth=1),
    }
    teams = dict(sorted(teams.items()))

    objectives: dict[str, Objective] = {}

    def obj(team, period, oid, title, krs, **kw):
        o = Objective(
            team=team, period=period, id=oid, title=title, path=f"content/teams/{team}/{period}/{oid}.md", **kw
        )
        for kr in krs:
            kr.objective = o.ref
        o.key_results = krs
        objectives[o.ref] = o
        return o

    def kr(kid, title, **kw):
        return KeyResult(objective="", id=kid, title=title, type=kw.pop("type", "metric"), **kw)

    u = lambda team, period, name, **kw: Update(  # noqa: E731
        checkin=f"{team}/{period}/{name}", date=date.fromisoformat(name), line=1, **kw
    )

    obj(
        "company",
        "2026",
        "customer-trust",
        "Customers trust us with their day",
        [
            kr(
                "nps",
                "NPS from 20 to 40",
                start=20,
                target=40,
                current=31.0,
                progress=0.55,
                status="on-track",
                colour="green",
                owner="Ana García",
                updates=[u("company", "2026", "2026-11-02", value=31.0, confidence=0.8)],
                last_update=date(2026, 11, 2),
            )
        ],
        owner="Ana García",
        theme="trust",
        progress=0.55,
        status="on-track",
        colour="green",
        commitment="committed",
    )
    obj(
        "company",
        "2026-Q4",
        "grow",
        "Grow in Europe",
        [
            kr(
                "deals",
                "Close 10 deals",
                start=0,
                target=10,
                current=2,
                progress=0.2,
                status="at-risk",
                colour="red",
                owner="Bob Stone",
                stale=True,
                last_update=date(2026, 10, 20),
                updates=[u("company", "2026-Q4", "2026-10-20", value=2, status="at-risk", note="Pipeline dried up")],
            )
        ],
        owner="Bob Stone",
        theme="growth",
        progress=0.2,
        status="at-risk",
        colour="red",
    )
    obj(
        "platform",
        "2026-Q4",
        "reliability",
        "Make the platform boringly reliable",
        [
            kr(
                "p99",
                "Cut p99 latency from 450 ms to 200 ms",
                start=450.0,
                target=200.0,
                unit="ms",
                current=-117.5,
                progress=2.27,
                status="on-track",
                colour="green",
                owner="Carla Diaz",
                partner=XSS,
                contributors=["engineering"],
                aligns_to=[_ref("company/customer-trust/nps", "company/2026/customer-trust/nps")],
                initiatives=[
                    Initiative("Cache warmup", "in-progress", "https://example.com/i/1"),
                    Initiative("Evil link", "planned", "javascript:alert(1)"),
                ],
                updates=[
                    u("platform", "2026-Q4", "2026-11-06", value=300.0, confidence=0.7, note="First win"),
                    u("platform", "2026-Q4", "2026-11-20", value=-117.5, status="on-track", note=XSS),
                ],
                last_update=date(2026, 11, 20),
            ),
            kr(
                "runbook",
                "Publish the on-call runbook",
                type="milestone",
                progress=0.5,
                status="behind",
                colour="amber",
                owner="Dan Eve",
                updates=[u("platform", "2026-Q4", "2026-11-20", progress=0.5)],
                last_update=date(2026, 11, 20),
            ),
            kr(
                "errors",
                "Keep error rate below 1%",
                type="stay_below",
                target=1,
                unit="%",
                current=0.5,
                progress=1,
                status="on-track",
                colour="green",
                weight=2,
                updates=[u("platform", "2026-Q4", "2026-11-20", value=0.5)],
                last_update=date(2026, 11, 20),
            ),
        ],
        owner="Carla Diaz",
        tags=["infra", XSS],
        theme="trust",
        progress=0.67,
        status="behind",
        colour="amber",
        body_html="<p>Why: customers wait.</p>",
        aligns_to=[_ref("company/customer-trust", "company/2026/customer-trust")],
        depends_on=[_ref("company/grow/deals", "company/2026-Q4/grow/deals")],
        initiatives=[Initiative("Move to new region", "done")],
    )
    obj(
        "engineering",
        "2026-Q4",
        "hiring",
        "Hire well",
        [
            kr(
                "hires",
                "Hire 3 engineers",
                start=0,
                target=3,
                current=None,
                progress=None,
                status="no-data",
                colour="grey",
                owner="Bob Stone",
            )
        ],
        owner="Bob Stone",
        progress=0.0,
        status="no-data",
        colour="grey",
    )
    obj(
        "xss",
        "2026-Q4",
        "evil",
        XSS,
        [
            kr(
                "k1",
                XSS,
                start=0,
                target=1,
                owner=XSS,
                status="at-risk",
                colour="red",
                progress=0.0,
                current=0.0,
                updates=[u("xss", "2026-Q4", "2026-11-21", value=0.0, note=XSS)],
                last_update=date(2026, 11, 21),
            )
        ],
        owner=XSS,
        progress=0.0,
        status="at-risk",
        colour="red",
    )
    obj(
        "platform",
        "2026-Q3",
        "old",
        "Ship the old thing",
        [
            kr(
                "a",
                "Ship A",
                type="milestone",
                progress=1.0,
                status="graded",
                colour="green",
                score=1.0,
                commitment="committed",
                updates=[u("platform", "2026-Q3", "2026-09-30", done=True, score=1.0)],
                last_update=date(2026, 9, 30),
            ),
            kr(
                "b",
                "Grow B from 10 to 20",
                start=10,
                target=20,
                current=14,
                progress=0.4,
                status="graded",
                colour="red",
                score=0.4,
                commitment="committed",
                updates=[u("platform", "2026-Q3", "2026-09-30", value=14)],
                last_update=date(2026, 9, 30),
            ),
        ],
        owner="Carla Diaz",
        commitment="committed",
        progress=0.7,
        status="graded",
        colour="amber",
        score=0.7,
    )
    objectives = dict(sorted(objectives.items()))
    for o in objectives.values():
        for k in o.key_results:
            if k.commitment == "aspirational":
                k.commitment = o.commitment

    def ci(team, period, name, **kw):
        updates = kw.pop("key_results", {})
        day = date.fromisoformat(name)
        if name == "2026-11-10":
            name = "week 47 – ünï#code?"  # a file name that is not a date needs quoting in links
        c = Checkin(
            team=team,
            period=period,
            name=name,
            date=day,
            path=f"content/teams/{team}/{period}/checkins/{name}.md",
            **kw,
        )
        for key, upd in updates.items():
            c.key_results[key] = upd
        return c

    checkins = [
        ci(
            "company",
            "2026",
            "2026-11-02",
            author="Ana García",
            key_results={"customer-trust/nps": objectives["company/2026/customer-trust"].key_results[0].updates[0]},
        ),
        ci(
            "company",
            "2026-Q4",
            "2026-10-20",
            author="Bob Stone",
            key_results={"grow/deals": objectives["company/2026-Q4/grow"].key_results[0].updates[0]},
            help=["Intros to European buyers"],
        ),
        ci(
            "platform",
            "2026-Q3",
            "2026-09-30",
            author="Carla Diaz",
            key_results={
                "old/a": objectives["platform/2026-Q3/old"].key_results[0].updates[0],
                "old/b": objectives["platform/2026-Q3/old"].key_results[1].updates[0],
            },
        ),
        ci(
            "platform",
            "2026-Q4",
            "2026-11-06",
            author="Dan Eve",
            key_results={"reliability/p99": objectives["platform/2026-Q4/reliability"].key_results[0].updates[0]},
            body_html="<h2>What changed?</h2><p>Latency down.</p>",
        ),
        ci(
            "platform",
            "2026-Q4",
            "2026-11-20",
            author="Carla Diaz",
            key_results={
                "reliability/p99": objectives["platform/2026-Q4/reliability"].key_results[0].updates[1],
                "reliability/runbook": objectives["platform/2026-Q4/reliability"].key_results[1].updates[0],
                "reliability/errors": objectives["platform/2026-Q4/reliability"].key_results[2].updates[0],
            },
            objectives={"reliability": "behind"},
            kpis={"uptime": 99.95, "pages": 9},
            help=["Need a DBA for a week", XSS],
        ),
        ci("platform", "2026-Q4", "2026-12-01", author="Future Person", counted=False, help=["not counted yet"]),
        ci("platform", "2026-Q4", "2026-11-10", author="Dan Eve"),
        ci(
            "xss",
            "2026-Q4",
            "2026-11-21",
            author=XSS,
            help=[XSS],
            key_results={"evil/k1": objectives["xss/2026-Q4/evil"].key_results[0].updates[0]},
        ),
    ]
    checkins.sort(key=lambda c: (c.team, c.period, c.date, c.name))

    teams["company"].counts = {"2026": _counts(green=1), "2026-Q4": _counts(red=1)}
    teams["company"].kr_counts = {"2026": _counts(green=1), "2026-Q4": _counts(red=1)}
    teams["platform"].counts = {"2026-Q3": _counts(amber=1), "2026-Q4": _counts(amber=1)}
    teams["platform"].kr_counts = {"2026-Q3": _counts(green=1, red=1), "2026-Q4": _counts(green=2, amber=1)}
    teams["engineering"].counts = {"2026-Q4": _counts(grey=1)}
    teams["engineering"].kr_counts = {"2026-Q4": _counts(grey=1)}
    teams["xss"].counts = {"2026-Q4": _counts(red=1)}
    teams["xss"].kr_counts = {"2026-Q4": _counts(red=1)}

    return Site(
        config=config,
        as_of=date(2026, 11, 23),
        org=org,
        periods=periods,
        current_period="2026-Q4",
        teams=teams,
        objectives=objectives,
        checkins=checkins,
        retros={("platform", "2026-Q3"): Retro("platform", "2026-Q3", "retro.md", "<p>We learned to ship small.</p>")},
        aligned_from={
            "company/2026/customer-trust": ["platform/2026-Q4/reliability"],
            "company/2026/customer-trust/nps": ["platform/2026-Q4/reliability/p99"],
        },
        depended_on_by={"company/2026-Q4/grow/deals": ["platform/2026-Q4/reliability"]},
    )


@pytest.fixture(scope="module")
def env():
    return make_environment([BUILTIN])


@pytest.fixture(scope="module")
def site():
    return make_site()


@pytest.fixture(scope="module")
def files(site, env):
    return render_site(site, env)


def text(files, url: str) -> str:
    return files[urls.output_file(url)].decode("utf-8")


def static(dirs=(BUILTIN,)) -> dict[str, bytes]:
    out = {}
    for d in reversed(dirs):
        root = Path(d) / "static"
        for p in sorted(root.rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


class _Nesting(HTMLParser):
    """For each href: how many <ul>/<details> elements enclose it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.depth: dict[str, list[int]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href", "")
            self.depth.setdefault(href, []).append(sum(t in ("ul", "details") for t in self.stack))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def nesting(html: str) -> dict[str, list[int]]:
    p = _Nesting()
    p.feed(html)
    return p.depth


# --------------------------------------------------------------------------- tests


EXPECTED_PAGES = [
    "index.html",
    "404.html",
    "periods/index.html",
    "periods/2026/index.html",
    "periods/2026-Q3/index.html",
    "periods/2026-Q4/index.html",
    "periods/2026-Q4/alignment/index.html",
    "periods/2026/alignment/index.html",
    "teams/index.html",
    "teams/company/index.html",
    "teams/platform/index.html",
    "teams/xss/index.html",
    "teams/platform/2026-Q4/index.html",
    "teams/platform/2026-Q3/index.html",
    "teams/company/2026/index.html",
    "teams/platform/2026-Q4/reliability/index.html",
    "teams/company/2026/customer-trust/index.html",
    "teams/platform/2026-Q4/checkins/2026-11-20/index.html",
    "teams/platform/2026-Q4/checkins/2026-12-01/index.html",
    "people/index.html",
    "people/ana-garcia/index.html",
    "people/ana-garcia-2/index.html",
    "people/carla-diaz/index.html",
]


def test_every_page_type_exists(files):
    missing = [p for p in EXPECTED_PAGES if p not in files]
    assert not missing
    assert list(files) == sorted(files)
    assert all(isinstance(v, bytes) for v in files.values())


def test_all_links_resolve_and_every_page_is_reachable_from_home(files, site):
    from okrsite.site import feeds  # the Atom feeds and CSVs the pages link to (build.render_output)

    everything = {**static(), **files, **feeds.outputs(site)}
    assert check_links(everything, base_url=site.config.base_url) == []
    pages = {p for p in files if p.endswith(".html")} - {"404.html"}
    assert pages - reachable(everything) == set()


def test_links_are_relative(files):
    for path, data in files.items():
        if path == "404.html":
            continue
        hrefs = re.findall(r'(?:href|src)="([^"]*)"', data.decode())
        internal = [h for h in hrefs if not re.match(r"[a-z]+:", h)]
        assert internal and not [h for h in internal if h.startswith("/")], path


def test_404_uses_absolute_links_under_base_url(files):
    page = text(files, "404.html")
    assert 'href="/okrs/assets/okrsite.css"' in page
    assert 'href="/okrs/"' in page
    assert 'href="/okrs/teams/"' in page
    assert (
        check_links(
            {
                **static(),
                "404.html": files["404.html"],
                "index.html": b"",
                "teams/index.html": b"",
                "people/index.html": b"",
                "periods/index.html": b"",
                "periods/2026-Q4/index.html": b"",
                "search/index.html": b"",
                "this-week/index.html": b"",
            },
            base_url="/okrs/",
        )
        == []
    )
    for base, prefix in [("/", "/"), ("okrs", "/okrs/"), ("/a/b", "/a/b/"), ("", "/")]:
        f = render_site(make_site(base_url=base), make_environment([BUILTIN]))
        assert f'href="{prefix}assets/okrsite.css"' in f["404.html"].decode()


def test_content_is_escaped_everywhere(files):
    for path, data in files.items():
        assert XSS.encode() not in data, path
        assert b"javascript:" not in data, path
    assert XSS_ESCAPED in text(files, "")  # help request and at-risk KR on the home page
    assert XSS_ESCAPED in text(files, urls.team("xss"))  # team name and lead
    obj = text(files, urls.objective("platform", "2026-Q4", "reliability"))
    assert obj.count(XSS_ESCAPED) >= 3  # partner, tag, note
    assert XSS_ESCAPED in text(files, urls.checkin("xss", "2026-Q4", "2026-11-21"))
    # the sanitised Markdown bodies are inserted as HTML
    assert "<p>Why: customers wait.</p>" in obj
    assert "<h2>What changed?</h2>" in text(files, urls.checkin("platform", "2026-Q4", "2026-11-06"))


def test_no_scripts_inline_styles_or_handlers(files):
    for path, data in files.items():
        page = data.decode()
        # scripts only as files of the theme (search, its "/" shortcut, okrsite.js), never inline
        for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S):
            assert re.fullmatch(r' (type="module" )?src="[^"]*assets/(keys|search|okrsite)\.js"( defer)?', attrs), (
                path,
                attrs,
            )
            assert body == "", path
        assert not re.search(r"\sstyle=", page), path
        assert not re.search(r"<[^>]+\son[a-z]+=", page), path


def test_every_page_has_the_frame(files):
    for path, data in files.items():
        page = data.decode()
        assert page.startswith('<!doctype html>\n<html lang="en">'), path
        assert re.search(r"<title>[^<]+</title>", page), path
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page, path
        assert 'class="skip-link" href="#main"' in page, path
        assert '<main id="main"' in page, path
        assert 'datetime="2026-11-23"' in page.split("<footer", 1)[1], path
        nav = page.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
        for word in ("Home", "Periods", "Teams", "People"):
            assert f">{word}</a>" in nav, path


def test_renders_are_deterministic(env):
    a = render_site(make_site(), env)
    b = render_site(make_site(), make_environment([BUILTIN]))
    assert a == b


def test_home_page(files):
    home = text(files, "")
    assert '<h1 id="org-title">Acme</h1>' in home
    assert "Every customer confident" in home and "Make shipping boring" in home
    assert "Earn trust" in home and "Reliability first" in home
    # company objectives: the annual one (containing period) and the quarter's
    assert "Customers trust us with their day" in home and "Grow in Europe" in home
    # not other teams' objectives
    assert "Make the platform boringly reliable" not in home
    board = home.split('id="attention-title"', 1)[1].split('id="company-title"', 1)[0]
    assert "Red is information, not failure" in board
    assert "Need a DBA for a week" in board
    # only each team's latest counted check-in asks: company's latest (2026-11-02) does not
    assert "Intros to European buyers" not in board
    assert "not counted yet" not in board  # future check-in is not counted
    assert '<span class="status status-red">At risk</span>' in board
    assert "Close 10 deals" in board and "Pipeline dried up" in text(files, urls.THIS_WEEK)
    # stale
    stale = home.split('id="stale-title"', 1)[1].split("</section>", 1)[0]
    assert "Close 10 deals" in stale and "Stale" in stale
    # organisation-wide counts for the current period (red: company + xss)
    counts = board.split('class="attention-counts"', 1)[1].split("</table>", 1)[0]
    assert '<tr><th scope="row">Objectives</th><td>' in counts and "<td>2</td><td>" in counts
    assert 'href="periods/2026-Q4/alignment/"' in home
    assert 'href="people/"' in home and 'href="teams/"' in home and 'href="periods/"' in home


def test_status_in_words_and_colour(files):
    obj = text(files, urls.objective("platform", "2026-Q4", "reliability"))
    assert '<span class="status status-amber">Behind</span>' in obj
    assert '<span class="status status-green">On track</span>' in obj
    graded = text(files, urls.objective("platform", "2026-Q3", "old"))
    assert '<span class="status status-amber">Graded 70%</span>' in graded
    assert '<span class="status status-red">Graded 40%</span>' in graded
    assert "No data" in text(files, urls.objective("engineering", "2026-Q4", "hiring"))
    # every status span has words
    for path, data in files.items():
        for m in re.finditer(r'<span class="status status-(\w+)">([^<]*)<', data.decode()):
            assert m.group(2).strip(), (path, m.group(0))


def test_objective_page(files):
    page = text(files, urls.objective("platform", "2026-Q4", "reliability"))
    for kid in ("p99", "runbook", "errors"):
        assert f'id="kr-{kid}"' in page
    p99 = page.split('id="kr-p99"', 1)[1].split('id="kr-runbook"', 1)[0]
    assert "450\u00a0ms" in p99 and "200\u00a0ms" in p99 and "-117.5\u00a0ms" in p99
    assert 'value="100"' in p99 and "227%" in p99  # bar clamped, real percentage shown
    assert "Carla Diaz" in p99 and "Partner" in p99
    assert 'href="../../../../teams/engineering/"' in p99  # contributor
    assert "Aligns to" in p99 and "NPS from 20 to 40" in p99
    assert "Cache warmup" in p99 and 'href="https://example.com/i/1"' in p99
    assert "Evil link" in p99  # unsafe link shown as text only
    assert 'href="../../../../teams/platform/2026-Q4/checkins/2026-11-20/"' in p99
    assert "First win" in p99
    assert "70%" in p99  # confidence
    head = page.split('id="krs-title"', 1)[0]
    assert "Aspirational" in head and "Earn trust" in head and "infra" in head
    assert "Aligns to" in head and "Customers trust us with their day" in head
    assert "Depends on" in head and "Close 10 deals" in head
    assert "Move to new region" in head
    runbook = page.split('id="kr-runbook"', 1)[1].split('id="kr-errors"', 1)[0]
    assert "Milestone" in runbook and "50% done" in runbook
    errors = page.split('id="kr-errors"', 1)[1]
    assert "0.5%" in errors and "Stay below" in errors
    # reverse links on the targets
    company = text(files, urls.objective("company", "2026", "customer-trust"))
    assert "Aligned from" in company and "Make the platform boringly reliable" in company
    assert "Cut p99 latency" in company
    grow = text(files, urls.objective("company", "2026-Q4", "grow"))
    assert "Depended on by" in grow and "Make the platform boringly reliable" in grow
    assert "Stale" in grow


def test_odd_checkin_names_are_quoted_in_links(files):
    path = urls.output_file(urls.checkin("platform", "2026-Q4", "week 47 – ünï#code?"))
    assert path in files
    tp = text(files, urls.team_period("platform", "2026-Q4"))
    assert 'href="../../../teams/platform/2026-Q4/checkins/week%2047%20%E2%80%93%20%C3%BCn%C3%AF%23code%3F/"' in tp


def test_alignment_page_nests_and_lists_loners(files):
    page = text(files, urls.alignment("2026-Q4"))
    for summary in re.findall(r"<summary>(.*?)</summary>", page, re.S):
        assert "<a " not in summary  # no interactive content nested in a summary
    depth = nesting(page)
    company = depth["../../../teams/company/2026/customer-trust/"][0]
    platform = depth["../../../teams/platform/2026-Q4/reliability/"][0]
    p99 = depth["../../../teams/platform/2026-Q4/reliability/#kr-p99"]
    assert platform > company
    assert max(p99) > platform  # p99 nested under nps, under customer-trust
    alone = page.split('id="alone-title"', 1)[1]
    assert "Hire well" in alone and "Grow in Europe" not in alone
    assert "Customers trust us" not in alone


def test_teams_index_is_a_tree_with_counts(files):
    page = text(files, urls.TEAMS)
    depth = nesting(page)
    assert depth["../teams/company/"][0] < depth["../teams/engineering/"][0] < depth["../teams/platform/"][0]
    assert "1</span> Behind" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert not re.search(r"\d%|Score|Graded", main)  # counts only, no score


def test_team_pages(files):
    page = text(files, urls.team("platform"))
    assert "Fast, boring infra" in page and "Carla Diaz" in page and "Dan Eve" in page
    assert "@carla" in page and "We run the platform." in page and "Try eBPF" in page
    assert "Uptime" in page and "99.95%" in page and "above 99.9%" in page and "Healthy" in page
    assert "Needs attention" in page and "below 5" in page
    assert "Make the platform boringly reliable" in page
    assert 'href="../../teams/platform/2026-Q3/"' in page and 'href="../../teams/platform/2026-Q4/"' in page
    assert "Need a DBA for a week" in page
    eng = text(files, urls.team("engineering"))
    assert "Cut p99 latency" in eng  # contributor
    tp = text(files, urls.team_period("platform", "2026-Q4"))
    assert tp.index("2026-12-01") < tp.index("2026-11-20") < tp.index("2026-11-06")  # newest first
    assert "Need a DBA for a week" in tp and "not counted" in tp
    retro = text(files, urls.team_period("platform", "2026-Q3"))
    assert "We learned to ship small." in retro


def test_checkin_page(files):
    page = text(files, urls.checkin("platform", "2026-Q4", "2026-11-20"))
    assert "Carla Diaz" in page and "Need a DBA for a week" in page
    assert 'href="../../../../../teams/platform/2026-Q4/reliability/#kr-p99"' in page
    assert "Behind" in page and "Make the platform boringly reliable" in page
    assert "Uptime" in page and "99.95%" in page
    assert page.index("Need a DBA") < page.index("Key result updates")


def test_people(site, files):
    persons = people(site)
    slugs = [p.slug for p in persons]
    assert len(slugs) == len(set(slugs))
    by_name = {p.name: p for p in persons}
    assert by_name["Ana Garcia"].slug == "ana-garcia"
    assert by_name["Ana García"].slug == "ana-garcia-2"
    carla = by_name["Carla Diaz"]
    assert carla.leads == ["platform"]
    assert "platform/2026-Q4/reliability" in carla.objectives
    assert "platform/2026-Q4/reliability/p99" in carla.key_results
    assert by_name[XSS].partner_on == ["platform/2026-Q4/reliability/p99"]
    assert "Future Person" in by_name
    page = text(files, urls.person("carla-diaz"))
    assert "Make the platform boringly reliable" in page and "Platform" in page
    assert not re.search(r"status-|score|%", page.split("<main", 1)[1].split("</main>")[0])
    index = text(files, urls.PEOPLE)
    assert index.index("Ana Garcia") < index.index("Bob Stone") < index.index("Carla Diaz")


def test_slug_deduplication_is_deterministic():
    site = make_site()
    site.teams["platform"].members = ["Ana 2", "ana", "Ana"]
    persons = people(site)
    slugs = sorted(p.slug for p in persons)
    assert len(slugs) == len(set(slugs))
    assert [p.slug for p in people(site)] == [p.slug for p in persons]


def test_number_formatting():
    assert fmt_number(450.0) == "450"
    assert fmt_number(0.125) == "0.13"
    assert fmt_number(-0.001) == "0"
    assert fmt_number(None) == "—"
    assert fmt_number(2400.0) == "2,400" and fmt_number(-1234567.891) == "-1,234,567.89"
    assert fmt_quantity(320.0, "ms") == "320\u00a0ms"
    assert fmt_quantity(45, "%") == "45%"
    assert fmt_percent(2.27) == "227%"
    assert fmt_percent(-0.012) == "-1%"
    assert fmt_percent(0.285) == "29%"
    assert bar_value(2.27) == 100 and bar_value(-0.5) == 0


def test_user_theme_overrides_one_template(tmp_path, site):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Lost? {{ site_title }}</h1>{% endblock %}'
    )
    files = render_site(site, make_environment([tmp_path, BUILTIN]))
    assert "<h1>Lost? Acme OKRs</h1>" in files["404.html"].decode()
    assert "Where teams need help" in files["index.html"].decode()  # falls back


def test_undefined_names_fail_loudly(tmp_path, site):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("{{ no_such_thing }}")
    with pytest.raises(RenderError):
        render_site(site, make_environment([tmp_path, BUILTIN]))


def test_duplicate_output_paths_raise(site, env, monkeypatch):
    monkeypatch.setattr(urls, "person", lambda slug: "teams/")
    with pytest.raises(DuplicateOutput, match="teams/index.html"):
        render_site(site, env)


def test_empty_site_renders(env):
    site = Site(
        config=Config(),
        as_of=date(2026, 1, 1),
        org=Org(),
        periods={},
        current_period=None,
        teams={},
        objectives={},
        checkins=[],
    )
    files = render_site(site, env)
    assert set(files) == {
        "index.html",
        "404.html",
        "periods/index.html",
        "teams/index.html",
        "people/index.html",
        "search/index.html",
        "this-week/index.html",
    }
    from okrsite.site import feeds  # the site-wide feed the home page links to

    assert check_links({**static(), **files, **feeds.outputs(site)}) == []


def test_macros_kept_for_custom_themes_match_the_helpers(site, env):
    """The built-in templates call ``breadcrumb_nav`` and ``tree_nodes`` (okrsite.site.links)
    directly; the ``breadcrumbs`` and ``tree_node`` macros stay in macros.html for
    themes that call them, and give the same HTML."""
    plan = plan_pages(site)
    page = next(p for p in plan.pages if p.template == "alignment.html")
    ctx = page_context(plan, page)
    crumbs = [("Periods", "periods/"), ("<Q4>", "periods/2026-Q4/")]
    ctx["crumbs"] = crumbs
    html = env.from_string(
        '{% import "macros.html" as m with context %}'
        "{{ m.breadcrumbs(crumbs) }}|{% for n in trees + other_trees %}{{ m.tree_node(n) }}{% endfor %}"
    ).render(ctx)
    trees = ctx["trees"] + ctx["other_trees"]
    assert html == ctx["breadcrumb_nav"](crumbs) + "|" + ctx["tree_nodes"](trees, ctx["period"].id)
    assert "&lt;Q4&gt;" in html and 'aria-current="page"' in html
    assert 'class="tree-objective"' in html and 'class="tree-kr"' in html


def test_focused_alignment_lists_are_the_periods_own_filtered(site):
    """A focused alignment page lists its teams and lone objectives from per-period
    lookups (a pass over the whole period on every page grew with the square of the
    organisation); they equal filtering the period's lists, in the same order."""
    v = plan_pages(site).view
    checked = 0
    for p in v.periods:
        focus = v.focus_teams(p.id)
        alone = v.alignment_of(p.id)[2]
        for team_id in focus:
            _, _, shown = v.focus(p.id, team_id)
            assert v.shown_focus_teams(p.id, shown) == [t for t in focus if t in shown]
            assert v.alone(p.id, team_id) == [o for o in alone if o.team == team_id]
            assert v.has_focus(p.id, team_id)
            checked += 1
        assert not v.has_focus(p.id, "no-such-team") and v.alone(p.id, "no-such-team") == []
    assert checked
