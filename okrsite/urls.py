"""Where every page lives. URLs are relative to the site root and end in ``/``;
the page is written to ``<url>index.html``. Shared by rendering and the export."""

from __future__ import annotations

import re
import unicodedata

HOME = ""
TEAMS = "teams/"
PERIODS = "periods/"  # index of all periods
PEOPLE = "people/"
SEARCH = "search/"
NOT_FOUND_FILE = "404.html"
JSON_FILE = "okrs.json"


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


def checkin(team_id: str, period_id: str, name: str) -> str:
    return f"teams/{team_id}/{period_id}/checkins/{name}/"


def period(period_id: str) -> str:
    return f"periods/{period_id}/"


def alignment(period_id: str) -> str:
    return f"periods/{period_id}/alignment/"


def person(slug: str) -> str:
    return f"people/{slug}/"


def output_file(url: str) -> str:
    """The file a page URL is written to."""
    if url.endswith(".html") or url.endswith(".json"):
        return url
    return url + "index.html"


def slugify(text: str) -> str:
    """ASCII slug for a person's name: 'Ana García' -> 'ana-garcia'."""
    norm = unicodedata.normalize("NFKD", text)
    ascii_text = norm.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "person"


def relative(from_url: str, to_url: str) -> str:
    """A link from the page at ``from_url`` to ``to_url`` (both relative to the site root),
    working under any base_url prefix and from a plain static file server."""
    depth = from_url.count("/") if not from_url.endswith(".html") else from_url.count("/")
    prefix = "../" * depth
    target = prefix + to_url
    return target or "./"
