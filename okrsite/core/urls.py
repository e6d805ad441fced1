"""Where every page lives. URLs are relative to the site root and end in ``/``;
the page is written to ``<url>index.html``. Shared by rendering and the export."""

from __future__ import annotations

import functools

from pathvalidate import ErrorReason, FileNameValidator, ValidationError, validate_filename
from slugify import slugify as _slugify

HOME = ""
TEAMS = "teams/"
PERIODS = "periods/"  # index of all periods
PEOPLE = "people/"
SEARCH = "search/"
SEARCH_TEAMS_FILE = "search/teams.json"  # the search page's teams, when too many to list in it
THIS_WEEK = "this-week/"  # what changed in the week up to the as-of date
NOT_FOUND_FILE = "404.html"
JSON_FILE = "okrs.json"
FEED_FILE = "feed.xml"  # the Atom feed of every check-in (feeds.py)


def team(team_id: str) -> str:
    return f"teams/{team_id}/"


def team_period(team_id: str, period_id: str) -> str:
    return f"teams/{team_id}/{period_id}/"


def objective(team_id: str, period_id: str, objective_id: str) -> str:
    return f"teams/{team_id}/{period_id}/{objective_id}/"


def objective_ref(ref: str) -> str:
    """URL of an objective, or of a key result (objective page + anchor), by full ref."""
    parts = ref.split("/")
    url = objective(*parts[:3])
    if len(parts) == 4:
        url += "#" + kr_anchor(parts[3])
    return url


def kr_anchor(kr_id: str) -> str:
    return f"kr-{kr_id}"


def contribution_anchor(kr_ref: str) -> str:
    """The anchor of a key result on the page of a team contributing to it (the team
    page's "Contributing to other teams' key results" list)."""
    return "contributes-" + kr_ref.replace("/", "-")


def checkin(team_id: str, period_id: str, name: str) -> str:
    return f"teams/{team_id}/{period_id}/checkins/{name}/"


def period(period_id: str) -> str:
    return f"periods/{period_id}/"


def team_feed(team_id: str) -> str:
    """The Atom feed of a team's check-ins."""
    return f"teams/{team_id}/{FEED_FILE}"


def period_csv(period_id: str) -> str:
    """The objectives and key results of a period, with their computed status, as CSV."""
    return f"periods/{period_id}/okrs.csv"


def alignment(period_id: str) -> str:
    return f"periods/{period_id}/alignment/"


def alignment_team(period_id: str, team_id: str) -> str:
    """The alignment page of a period, focused on one team's branches."""
    return f"periods/{period_id}/alignment/{team_id}/"


def alignment_teams(period_id: str) -> str:
    """Every team with a focused alignment page in a period, when the alignment is too
    large to list them on its own page (okrsite.site.summary)."""
    return f"periods/{period_id}/alignment-teams/"


def group(period_id: str, team_id: str) -> str:
    """A top-level group's objectives in a period (a big organisation's period page
    summarises by group: okrsite.site.summary)."""
    return f"periods/{period_id}/groups/{team_id}/"


def glance(period_id: str) -> str:
    """The period at a glance: a heat map of every team's objectives."""
    return f"periods/{period_id}/glance/"


def person(slug: str) -> str:
    return f"people/{slug}/"


def output_file(url: str) -> str:
    """The file a page URL is written to."""
    if url.endswith((".html", ".json", ".xml", ".csv")):
        return url
    return url + "index.html"


# Ids and people's names become folder names of the site (and ids, of the content): at
# most this many characters keeps every path of a site far below the limits of file
# systems (255 bytes a name; 260 characters a path on Windows without long paths).
MAX_NAME_LENGTH = 100


# the first three letters of every name Windows reserves: pathvalidate, which decides, is
# asked only about names that begin like one (most names do not, and asking costs)
_RESERVED_HEADS = frozenset(k[:3].upper() for k in FileNameValidator(platform="windows").reserved_keywords)


def windows_reserved(name: str) -> bool:
    """Whether Windows reserves ``name`` for a device (CON, NUL, COM1, LPT1..., also with
    an extension, in any case): no file or folder can have it there."""
    if name[:3].upper() not in _RESERVED_HEADS:
        return False
    try:
        validate_filename(name, platform="windows")
    except ValidationError as exc:
        return exc.reason == ErrorReason.RESERVED_NAME
    return False


@functools.lru_cache(maxsize=1 << 16)  # a name is slugified wherever it is written
def slugify(text: str) -> str:
    """ASCII slug for a person's name, transliterated by python-slugify (text-unidecode):
    'Ana García' -> 'ana-garcia', 'Søren' -> 'soren', 'Weiß' -> 'weiss', 'Đorđe' -> 'dorde'.
    (Unicode decomposition alone drops ø, ß, æ, ł and đ.) Two names may give one slug:
    ``okrsite.site.people.people`` makes them unique."""
    slug = _slugify(text)
    if windows_reserved(slug):  # 'Con' would be a folder no Windows checkout can hold
        slug += "-person"
    return slug or "person"


def relative(from_url: str, to_url: str) -> str:
    """A link from the page at ``from_url`` to ``to_url`` (both relative to the site root),
    working under any base_url prefix and from a plain static file server."""
    depth = from_url.count("/") if not from_url.endswith(".html") else from_url.count("/")
    prefix = "../" * depth
    target = prefix + to_url
    return target or "./"
