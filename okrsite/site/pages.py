"""The pages of a computed :class:`~okrsite.core.model.Site`: which pages there are
(``plan_pages``: output path, template, context), and each page rendered
(``render_page``) into UTF-8 bytes.

Pure apart from reading templates: ``render_site`` returns every page as
``{output-relative path: UTF-8 bytes}`` and writes nothing. The same ``Site``
always gives the same bytes (everything is sorted; no clocks, no randomness).

Templates live in ``<theme>/templates/``; a user theme is searched before the
built-in one, so it can override any single template (``okrsite.site.environment``;
static files and the theme folders themselves are ``okrsite.site.themes``' business).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import jinja2

from ..core import urls
from ..core.model import Site
from . import summary
from .links import absolute_url, link_helpers, relative_url
from .people import people
from .views import SiteView

__all__ = [
    "RenderError",
    "DuplicateOutput",
    "render_site",
    "PagePlan",
    "SitePlan",
    "plan_pages",
    "page_context",
    "render_page",
]


class RenderError(Exception):
    """A problem that makes the site impossible to render (a broken template, ...)."""


class DuplicateOutput(RenderError):
    """Two pages map to the same output file (or to files differing only in case)."""


@dataclass
class _Page:
    url: str
    template: str
    section: str
    title: str
    context: dict[str, Any] | Callable[[SiteView], dict[str, Any]]
    wide: bool = False  # shows the whole organisation or a whole period (see PagePlan.wide)
    subject: tuple = ()  # what the page is about (see PagePlan.subject)


def _alignment_context(period_id: str, team_id: str | None, v: SiteView) -> dict[str, Any]:
    p = v.period(period_id)
    roots, others, alone, _teams_of = v.alignment_of(period_id)
    whole: dict[str, Any]
    if team_id is None:
        whole = {
            "period": p,
            "trees": roots,
            "other_trees": others,
            "alone": alone,
            "focus_team": None,
            "focus_teams": v.focus_teams(period_id),
        }
    else:
        trees, other_trees, shown = v.focus(period_id, team_id)
        whole = {
            "period": p,
            "trees": trees,
            "other_trees": other_trees,
            "alone": v.alone(period_id, team_id),
            "focus_team": v.site.teams[team_id],
            "focus_teams": v.shown_focus_teams(period_id, shown),
        }
    return summary.alignment_context(period_id, team_id, v, whole)


def _team_context(team_id: str, v: SiteView) -> dict[str, Any]:
    return {"team": v.site.teams[team_id]}


def _team_period_context(team_id: str, period_id: str, v: SiteView) -> dict[str, Any]:
    return {
        "team": v.site.teams[team_id],
        "period": v.period(period_id),
        "period_id": period_id,
        "objectives": v.objectives(team_id, period_id),
        "checkins": list(reversed(v.checkins(team_id, period_id))),
        "retro": v.site.retros.get((team_id, period_id)),
    }


def _objective_context(ref: str, v: SiteView) -> dict[str, Any]:
    o = v.site.objectives[ref]
    return {"objective": o, "team": v.team(o.team), "period": v.period(o.period)}


def _checkin_context(team_id: str, period_id: str, i: int, v: SiteView) -> dict[str, Any]:
    cis = v.checkins(team_id, period_id)
    ci = cis[i]
    return {
        "checkin": ci,
        "team": v.team(ci.team),
        "period": v.period(ci.period),
        "previous": cis[i - 1] if i > 0 else None,
        "next": cis[i + 1] if i + 1 < len(cis) else None,
    }


def _index_pages(
    count: int, url: str, template: str, section: str, title: str, context: Callable[..., dict[str, Any]]
) -> list[_Page]:
    """The ``count`` pages of a paginated index whose first page is ``url``;
    ``context(n, v)`` is page ``n``'s."""
    return [
        _Page(summary.paged(url, n), template, section, summary.paged_title(title, n), partial(context, n), wide=True)
        for n in range(1, count + 1)
    ]


def _pages(site: Site, v: SiteView) -> list[_Page]:
    """Every page. A page's context is a dict, or a function of the ``SiteView`` that
    makes it when the page is rendered: pages that show computed state (status,
    check-ins) look it up in the view they are rendered with, so ``okrsite serve`` can
    render an unchanged plan against a view patched after an edit (``SitePlan.rebind``)."""
    pages: list[_Page] = []
    add = pages.append
    org_title = site.org.title or site.config.title
    add(_Page(urls.HOME, "home.html", "home", org_title, {}, wide=True))
    add(_Page(urls.PERIODS, "periods.html", "periods", "Periods", {}, wide=True))
    for p in v.periods:
        add(
            _Page(
                urls.period(p.id),
                "period.html",
                "periods",
                p.label or p.id,
                partial(summary.period_context, p.id),
                wide=True,
            )
        )
        add(
            _Page(
                urls.glance(p.id),
                "glance.html",
                "periods",
                f"At a glance, {p.label or p.id}",
                partial(summary.period_context, p.id),
                wide=True,
            )
        )
        if summary.period_summarised(v, p.id):
            for g in summary.top_groups(v):
                group_teams = tuple(summary.subtree(v, g))
                for n, _teams in enumerate(summary.group_pages(v, p.id, g), 1):
                    add(
                        _Page(
                            summary.paged(urls.group(p.id, g), n),
                            "group.html",
                            "periods",
                            summary.paged_title(f"{v.team_name(g)}, {p.label or p.id}", n),
                            partial(summary.group_context, p.id, g, n),
                            subject=("teams", group_teams),
                        )
                    )
        focus = v.focus_teams(p.id)
        add(
            _Page(
                urls.alignment(p.id),
                "alignment.html",
                "periods",
                f"Alignment, {p.label or p.id}",
                partial(_alignment_context, p.id, None),
                wide=True,
            )
        )
        for tid in focus:
            add(
                _Page(
                    urls.alignment_team(p.id, tid),
                    "alignment.html",
                    "periods",
                    f"Alignment, {p.label or p.id}: {v.team_name(tid)}",
                    partial(_alignment_context, p.id, tid),
                    subject=("alignment", p.id, tid),
                )
            )
        for page in _index_pages(
            len(summary.alignment_teams_pages(v, p.id)),
            urls.alignment_teams(p.id),
            "alignment_teams.html",
            "periods",
            f"Teams in the alignment, {p.label or p.id}",
            partial(summary.alignment_teams_context, p.id),
        ):
            add(page)
    for page in _index_pages(
        len(summary.teams_pages(v)), urls.TEAMS, "teams.html", "teams", "Teams", summary.teams_context
    ):
        add(page)
    for tid in v.team_order:
        team = site.teams[tid]
        add(_Page(urls.team(tid), "team.html", "teams", team.name, partial(_team_context, tid), subject=("team", tid)))
        for pid in v.team_periods(tid):
            add(
                _Page(
                    urls.team_period(tid, pid),
                    "team_period.html",
                    "teams",
                    f"{team.name}, {v.period_label(pid)}",
                    partial(_team_period_context, tid, pid),
                    subject=("own", tid),
                )
            )
    for ref in sorted(site.objectives):
        o = site.objectives[ref]
        add(
            _Page(
                urls.objective(o.team, o.period, o.id),
                "objective.html",
                "teams",
                o.title,
                partial(_objective_context, ref),
                subject=("objective", ref),
            )
        )
    for (tid, pid), cis in sorted(v.checkins_by_tp.items()):
        for i, ci in enumerate(cis):
            add(
                _Page(
                    urls.checkin(ci.team, ci.period, ci.name),
                    "checkin.html",
                    "teams",
                    f"Check-in {ci.date.isoformat()}, {v.team_name(ci.team)}",
                    partial(_checkin_context, tid, pid, i),
                    subject=("own", tid),
                )
            )
    add(_Page(urls.THIS_WEEK, "this_week.html", "this-week", "This week", {}, wide=True))
    for name, n in summary.list_pages(v):
        kind = summary.LISTS[name]
        add(
            _Page(
                summary.paged(summary.list_url(name), n),
                "list.html",
                "this-week",
                summary.paged_title(kind.title, n),
                partial(summary.list_context, name, n),
                wide=True,
            )
        )
    for page in _index_pages(
        len(summary.people_pages(v)), urls.PEOPLE, "people.html", "people", "People", summary.people_context
    ):
        add(page)
    for person in v.people:
        add(_Page(person.url, "person.html", "people", person.name, {"person": person}, subject=("person", person)))
    if site.config.search:
        add(_Page(urls.SEARCH, "search.html", "search", "Search", {"filters": search_filters(v)}))
    return pages


@dataclass
class SearchFilter:
    """One filter control of the search page: URL parameter, label, (value, words), and
    ``source``: the file its options are fetched from when they are not in the page."""

    name: str
    label: str
    any_label: str
    options: list[tuple[str, str]]
    source: str | None = None


def search_teams(v: SiteView) -> list[tuple[str, str]]:
    """The team filter's options: every team, in the order of the organisation chart."""
    return [(t, v.team_name(t)) for t in v.team_order]


def search_teams_apart(v: SiteView) -> bool:
    """Whether the team filter's options are a file of their own (urls.SEARCH_TEAMS_FILE)
    rather than in the search page: when there are more than summary.SEARCH_TEAMS_MAX,
    so that the page stays small at any size of organisation."""
    return len(v.team_order) > summary.SEARCH_TEAMS_MAX


def search_teams_json(v: SiteView) -> bytes:
    """urls.SEARCH_TEAMS_FILE: the team filter's options as [[id, name], ...]."""
    import json

    return json.dumps(search_teams(v), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def search_filters(v: SiteView) -> list[SearchFilter]:
    """The search page's filters, with their values (the index's filter values)."""
    from .search import KINDS, STATUS_FILTER_WORDS

    apart = search_teams_apart(v)  # the options in a file of their own
    return [
        SearchFilter(
            "team", "Team", "All teams", [] if apart else search_teams(v), urls.SEARCH_TEAMS_FILE if apart else None
        ),
        SearchFilter("period", "Period", "All periods", [(p.id, p.label or p.id) for p in v.periods]),
        SearchFilter("status", "Status", "Any status", list(STATUS_FILTER_WORDS.items())),
        SearchFilter("kind", "Kind", "Any kind", list(KINDS.items())),
    ]


def render_site(site: Site, env: jinja2.Environment) -> dict[str, bytes]:
    """Every page of the site: output-relative path -> UTF-8 bytes (sorted by path).
    ``plan_pages`` then ``render_page`` for each page, in plan order."""
    plan = plan_pages(site)
    out = {page.path: render_page(plan, page, env) for page in plan.pages}
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------- page plans
#
# ``plan_pages`` decides every page (output path, template, context) without rendering
# any; ``render_page`` renders one of them. ``render_site`` is the two together;
# ``okrsite build`` renders a plan in several processes (``okrsite.builder.parallel``),
# ``okrsite serve`` page by page when a page is asked for (``okrsite.serve.session``).
# The same plan gives the same bytes whatever the order its pages are rendered in.


@dataclass
class PagePlan:
    """One page to render: its output file, URL, template and its own context."""

    path: str  # output-relative file, e.g. teams/platform/index.html
    url: str  # root-relative URL; the page's links are relative to it
    template: str
    section: str
    title: str
    context: dict[str, Any] | Callable[[SiteView], dict[str, Any]]  # a function: made at render time
    absolute: bool = False  # links absolute under base_url (the 404 page, served from anywhere)
    # reads the whole organisation or a whole period: rendering it touches most of the
    # model, which a forked rendering process then copies (parallel.render_to_folder)
    wide: bool = False
    # what the page is about, for okrsite.site.dependencies (which teams' content it shows):
    # ("own", team) a team-period or check-in page, ("team", team), ("objective", ref),
    # ("alignment", period, team), ("person", Person); () for a page that shows the
    # whole organisation or a whole period
    subject: tuple = ()


@dataclass
class SitePlan:
    """Every page of a site in the order ``render_site`` renders them, with what they
    share: the ``SiteView`` (``v`` in templates) and the site-wide context."""

    view: SiteView
    common: dict[str, Any]
    pages: list[PagePlan]

    def __len__(self) -> int:
        return len(self.pages)

    def rebind(self, site: Site, team_periods: set[tuple[str, str]]) -> "SitePlan":
        """The plan of ``site`` after ``okrsite.serve.patch`` changed the check-ins of
        ``team_periods``: the same pages (contexts that show computed state are made at
        render time from the view), with a patched view."""
        v = self.view.patched(site, team_periods)
        common = dict(self.common, site=site, v=v)
        return SitePlan(v, common, self.pages)


def plan_pages(site: Site) -> SitePlan:
    """Plan every page of the site; renders nothing. Raises DuplicateOutput when two
    pages map to the same output file (or to files differing only in case)."""
    v = SiteView(site, people(site))
    common = {
        "site": site,
        "v": v,
        "config": site.config,
        "site_title": site.config.title or "OKRs",
        "as_of": site.as_of,
        "current_period": v.current,
        "periods_url": urls.PERIODS,
    }
    pages = [
        PagePlan(
            urls.output_file(p.url), p.url, p.template, p.section, p.title, p.context, wide=p.wide, subject=p.subject
        )
        for p in _pages(site, v)
    ]
    pages.append(
        PagePlan(
            urls.output_file(urls.NOT_FOUND_FILE),
            urls.NOT_FOUND_FILE,
            "404.html",
            "",
            "Page not found",
            {},
            absolute=True,
        )
    )
    owner: dict[str, str] = {}
    folded: dict[str, str] = {}
    for page in pages:
        path = page.path
        if path in owner:
            raise DuplicateOutput(f"two pages map to the same output file {path!r}: {owner[path]} and {page.template}")
        key = path.casefold()
        if key in folded:
            raise DuplicateOutput(f"two pages map to output files differing only in case: {folded[key]!r} and {path!r}")
        owner[path] = page.template
        folded[key] = path
    return SitePlan(v, common, pages)


def page_context(plan: SitePlan, page: PagePlan) -> dict[str, Any]:
    """The template context of one planned page."""
    link = absolute_url(plan.view.site.config.base_url) if page.absolute else relative_url(page.url)
    ctx = dict(plan.common)
    ctx.update(page.context(plan.view) if callable(page.context) else page.context)
    ctx.update(page_url=page.url, url=link, section=page.section, page_title=page.title)
    ctx.update(link_helpers(plan.view, link))
    return ctx


def render_page(plan: SitePlan, page: PagePlan, env: jinja2.Environment) -> bytes:
    """One planned page as UTF-8 bytes. Raises RenderError (from the template's error)."""
    try:
        html = env.get_template(page.template).render(page_context(plan, page))
    except jinja2.TemplateError as exc:
        raise RenderError(f"rendering {page.path} with template {page.template}: {exc}") from exc
    return html.encode("utf-8")
