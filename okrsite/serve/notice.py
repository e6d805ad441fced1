"""The preview's as-of notice (``okrsite serve`` only, never in built files). Pure.

Statuses are computed for one date, the as-of date; a check-in dated after it is shown but
ignored for status. When the date is pinned (``as_of`` in okrsite.yaml or ``--as-of``), a
writer who saves this week's check-in sees nothing change. The preview says so on every
page: the as-of date and where it comes from, and, when saved check-ins are dated after
it, which ones and how to see them counted.
"""

from __future__ import annotations

from html import escape

from ..core.model import Site

MAX_LISTED = 5  # check-ins named in the notice; the rest are counted


def preview_notice(site: Site, source: str, config_name: str = "okrsite.yaml") -> str:
    """The notice's HTML, or "" when there is nothing to say. ``source``: where the as-of
    date comes from: ``config`` (pinned in ``config_name``), ``option`` (``--as-of``) or
    ``today``. Nothing is said when the date is today and no check-in is dated later."""
    as_of = site.as_of.isoformat()
    later = sorted((c for c in site.checkins if not c.counted), key=lambda c: (c.date, c.path))
    if source == "today" and not later:
        return ""
    where = {"config": f"as_of in {config_name}", "option": "--as-of", "today": "today"}[source]
    parts = [f'<p><strong>Preview:</strong> statuses as of <time datetime="{as_of}">{as_of}</time> ({escape(where)}).']
    if later:
        n = len(later)
        listed = ", ".join(f"<code>{escape(c.path)}</code>" for c in later[:MAX_LISTED])
        more = f" and {n - MAX_LISTED} more" if n > MAX_LISTED else ""
        parts.append(
            f" {n} saved check-in{'s are' if n > 1 else ' is'} dated after it and "
            f"{'do' if n > 1 else 'does'} not count yet: {listed}{more}."
        )
        last = later[-1].date.isoformat()
        if source == "config":
            how = (
                f"To see {'them' if n > 1 else 'it'} counted, preview with <code>okrsite serve --as-of {last}</code>, "
                f"or remove as_of from {escape(config_name)}."
            )
        elif source == "option":
            how = f"To see {'them' if n > 1 else 'it'} counted, restart with <code>okrsite serve --as-of {last}</code>."
        else:
            how = f"{'They count' if n > 1 else 'It counts'} from {'their' if n > 1 else 'its'} date."
        parts.append(f"</p>\n<p>{how}")
    kind = "okrsite-preview okrsite-preview-later" if later else "okrsite-preview"
    return f'<aside class="{kind}" aria-label="Preview: as-of date">' + "".join(parts) + "</p></aside>\n"


def insert_at_top(body: bytes, fragment: bytes) -> bytes:
    """``fragment`` just after the opening <body> tag (at the start when there is none)."""
    if not fragment:
        return body
    i = body.lower().find(b"<body")
    end = body.find(b">", i) if i >= 0 else -1
    if end < 0:
        return fragment + body
    return body[: end + 1] + b"\n" + fragment + body[end + 1 :]
