"""The Jinja environment the pages are rendered with: the themes' templates, and the
filters and globals every template may use (words, snippets, URLs, summaries).

Everything done to Jinja beyond its public API is in ``okrsite.site.jinja_compat``.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from ..core import urls
from ..core.markdown import safe_link
from ..core.model import COLOUR_ORDER, STATUS_WORDS
from .formatting import fmt_number, fmt_percent, fmt_quantity
from .jinja_compat import new_environment
from .snippets import (
    COMMITMENT_WORDS,
    GRADED_COUNT_WORDS,
    HOME_LIST_MAX,
    INITIATIVE_WORDS,
    OPEN_COUNT_WORDS,
    TYPE_WORDS,
    bar_value,
    checkin_updates_table,
    grade_band_key,
    help_lists,
    html_date,
    html_status,
    html_status_word,
    kr_history_rows,
    status_colour,
    status_words,
)
from .summary import template_globals


def make_environment(theme_dirs: list[Path]) -> jinja2.Environment:
    """A Jinja environment over each theme's ``templates/`` (first wins), autoescaping
    everything, failing on undefined names."""
    searchpath = [str(Path(d) / "templates") for d in theme_dirs]
    env = new_environment(
        loader=jinja2.FileSystemLoader(searchpath),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_number,
        qty=fmt_quantity,
        pct=fmt_percent,
        bar=bar_value,
        words=status_words,
        colour=status_colour,
    )
    env.globals.update(
        urls=urls,
        STATUS_WORDS=STATUS_WORDS,
        COLOUR_ORDER=COLOUR_ORDER,
        TYPE_WORDS=TYPE_WORDS,
        COMMITMENT_WORDS=COMMITMENT_WORDS,
        INITIATIVE_WORDS=INITIATIVE_WORDS,
        OPEN_COUNT_WORDS=OPEN_COUNT_WORDS,
        GRADED_COUNT_WORDS=GRADED_COUNT_WORDS,
        HOME_LIST_MAX=HOME_LIST_MAX,
        GRADE_BAND_WORDS=grade_band_key(),
        safe_link=safe_link,
        status=html_status,
        status_word=html_status_word,
        date=html_date,
        kr_history_rows=kr_history_rows,
        checkin_updates_table=checkin_updates_table,
        help_lists=help_lists,
    )
    env.globals.update(template_globals())
    return env
