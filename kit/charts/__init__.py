"""Charts: pure functions from the kit's tables to Altair charts, and the offline set-up.

Every chart function takes a case file or a table another kit module returns and
gives back an Altair chart; it reads no file and displays nothing. Each chart has
a title, labelled axes, tooltips, colours from one colour-blind-safe palette and a
plain-language summary in its top-level ``description`` (Vega-Lite passes it to
the SVG's ``aria-label``; :func:`text_alternative` returns it). Each chart also
has a ``*_table`` function giving the (already aggregated) rows it draws and a
``*_summary`` function giving its summary sentence, so the same facts can be shown
as a table or read out.

Altair refuses to embed more than 5,000 rows (:data:`MAX_ROWS`); every function
aggregates first, so big class or policy tables still draw.

Call :func:`setup` once at the top of a notebook: it makes charts render with no
internet (JupyterLab and Voila) and applies the kit's fonts and sizes.

One concern per module; every name below is importable from ``kit.charts``:

==================  ====================================================================
``style``           palette, sizes, fonts, the theme (light or dark), rows by leader, text_alternative
``frames``          input checks, the row limit, the ladder as a table
``offline``         setup(), show() and the cached offline JavaScript bundle (the one file)
``case``            the case file: timeline_*, ladder_*
``versus``          a learner or the class next to Twitter: learner_vs_twitter_*, class_vs_twitter_*
``distribution``    how the class's decisions spread: class_distribution_*
``outcome``         a policy next to Twitter, account by account: policy_outcome_*
``attribution``     who runs a disputed account: attribution_*
==================  ====================================================================
"""
from __future__ import annotations

from . import offline  # noqa: I001 - first: it imports Altair (see offline.import_apart)
from .attribution import ATTRIBUTION_COLUMNS, attribution_chart, attribution_summary, attribution_table
from .case import (LADDER_COLUMNS, TIMELINE_COLUMNS, ladder_chart, ladder_summary, ladder_table,
                   timeline_chart, timeline_summary, timeline_table)
from .distribution import (DISTRIBUTION_COLUMNS, DISTRIBUTION_NEEDED, class_distribution_chart,
                           class_distribution_summary, class_distribution_table)
from .offline import setup, show
from .outcome import (OUTCOME_COLUMNS, OUTCOME_NEEDED, policy_outcome_chart, policy_outcome_summary,
                      policy_outcome_table)
from .style import (EVENT_COLOURS, EVENT_KINDS, EVENT_SHAPES, FILL, GENERAL_GROUP, INK,
                    LABEL_LIMIT, LADDER_PALETTE, LEADER_COLOURS, LEADER_NAMES, MAX_ROWS, OKABE_ITO, POINTS_TO,
                    POINTS_TO_COLOURS, THEME, WHO_COLOURS, WIDTH, text_alternative)
from .versus import (COMPARISON_NEEDED, VERSUS_COLUMNS, VS_TWITTER_NEEDED, class_vs_twitter_chart,
                     class_vs_twitter_summary, class_vs_twitter_table, learner_vs_twitter_chart,
                     learner_vs_twitter_summary, learner_vs_twitter_table)

__all__ = [
    # style
    "MAX_ROWS", "WIDTH", "FILL", "INK", "LABEL_LIMIT", "OKABE_ITO", "LEADER_COLOURS", "LEADER_NAMES",
    "GENERAL_GROUP", "WHO_COLOURS", "LADDER_PALETTE", "EVENT_KINDS", "EVENT_COLOURS",
    "EVENT_SHAPES", "POINTS_TO", "POINTS_TO_COLOURS", "THEME", "text_alternative",
    # offline set-up
    "setup", "show",
    # case charts
    "TIMELINE_COLUMNS", "timeline_table", "timeline_summary", "timeline_chart",
    "LADDER_COLUMNS", "ladder_table", "ladder_summary", "ladder_chart",
    # versus charts
    "COMPARISON_NEEDED", "VERSUS_COLUMNS", "learner_vs_twitter_table",
    "learner_vs_twitter_summary", "learner_vs_twitter_chart",
    "VS_TWITTER_NEEDED", "class_vs_twitter_table", "class_vs_twitter_summary",
    "class_vs_twitter_chart",
    # class distribution
    "DISTRIBUTION_NEEDED", "DISTRIBUTION_COLUMNS", "class_distribution_table",
    "class_distribution_summary", "class_distribution_chart",
    # outcome charts
    "OUTCOME_NEEDED", "OUTCOME_COLUMNS", "policy_outcome_table", "policy_outcome_summary",
    "policy_outcome_chart",
    # attribution
    "ATTRIBUTION_COLUMNS", "attribution_table", "attribution_summary", "attribution_chart",
]
