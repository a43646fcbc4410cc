"""How kit charts look: palette, sizes, fonts, leader names, and the encodings charts share.

Colours are fixed across the kit:

* :data:`LEADER_COLOURS`: Trump vermillion, Khamenei blue (Okabe-Ito);
* :data:`WHO_COLOURS`: Twitter in the theme's ink (:data:`INK`: black in a light theme,
  near-white in a dark one); a learner, a class or a policy reddish purple;
* the enforcement ladder: :data:`LADDER_PALETTE`, an ordered scheme (viridis,
  light = mild, dark = severe), keyed by ladder *level* so an action has the same
  colour in every chart.

Charts take the width of the place they are shown in (:data:`FILL`, Vega-Lite's
``width="container"``: one view or layer, never a facet, so the labels fit inside
that width too); :data:`WIDTH` is the width used where no container is known (a
static SVG). Charts follow JupyterLab's light or dark theme: the kit's theme gives
them a transparent background and draws text, axes and Twitter's marks in
``currentColor`` (:data:`INK`), the text colour of the page around the chart.
Item titles are written in full above their row (:func:`grouped_rows`), so they are
never cut on a narrow screen.
"""
from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from ..casebook import LEADER_NAMES, LEADERS  # LEADER_NAMES: how charts name the leaders
from ..errors import KitDataError

#: Altair's limit of rows per chart; the kit aggregates before it is reached.
MAX_ROWS = 5000
#: Width in pixels of a chart's plotting area where no container gives one (labels come on
#: top; total stays under 600).
WIDTH = 340
#: The width of every single-view kit chart: the width of the element it is shown in.
FILL = "container"
#: The colour of text, axes and Twitter's marks: the page's own text colour (so charts
#: follow JupyterLab's light and dark themes); black where there is no page.
INK = "currentColor"
#: Longest y-axis label in pixels before it is cut with an ellipsis.
LABEL_LIMIT = 160

#: The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), plus its grey.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7", "grey": "#999999",
}
#: The two leaders always get the same two colours.
LEADER_COLOURS = {"trump": OKABE_ITO["vermillion"], "khamenei": OKABE_ITO["blue"]}
#: Events concerning both leaders or neither.
GENERAL_GROUP = "Both / general"
#: Twitter's own actions are in the theme's ink everywhere (black on a light page);
#: a learner's, a class's or a policy's purple.
WHO_COLOURS = {"twitter": INK, "other": OKABE_ITO["reddish_purple"]}
#: The ordered scheme of the enforcement ladder, from the mildest level to the most severe
#: (viridis with its palest yellow left out, so level 0 stays visible on white).
LADDER_PALETTE = ("#8FD744", "#35B779", "#21908C", "#31688E", "#443A83", "#440154")
#: Kinds of mark on the timeline, with their colours and shapes.
EVENT_KINDS = ("Post", "Twitter action", "Other platform action", "Other event")
EVENT_COLOURS = (OKABE_ITO["sky_blue"], INK, OKABE_ITO["green"], OKABE_ITO["grey"])
EVENT_SHAPES = ("circle", "square", "triangle-up", "diamond")
#: What a piece of attribution evidence points to, with colours.
POINTS_TO = ("official", "linked", "impostor", "unclear")
POINTS_TO_COLOURS = (OKABE_ITO["green"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"],
                     OKABE_ITO["grey"])

#: The name of the kit's Altair theme (registered by :func:`kit.charts.setup`).
THEME = "kit"
#: The kit's font stack for every chart.
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def kit_theme() -> dict:
    """The kit's Altair theme: fonts and sizes, a transparent background, and text and axes
    in the page's own text colour (:data:`INK`), so charts follow JupyterLab's theme.

    >>> config = kit_theme()["config"]
    >>> config["view"], config["background"], config["axis"]["labelColor"]
    ({'continuousWidth': 340, 'continuousHeight': 220, 'stroke': None}, 'transparent', 'currentColor')
    """
    ink = {"labelColor": INK, "titleColor": INK}
    return {
        "config": {
            "font": FONT,
            "background": "transparent",
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12, "offset": 8,
                      "color": INK, "subtitleColor": INK},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal",
                     **ink, "domainColor": INK, "domainOpacity": 0.6, "tickColor": INK,
                     "tickOpacity": 0.6, "gridColor": INK, "gridOpacity": 0.14},
            "header": {"labelFontSize": 12, "titleFontSize": 12, **ink},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom", **ink},
            "text": {"color": INK},
            "view": {"continuousWidth": WIDTH, "continuousHeight": 220, "stroke": None},
        }
    }


# --------------------------------------------------------------------------- leaders

def leader_name(leader) -> str:
    """How a leader id is named on charts; events about both or neither are "Both / general".

    >>> leader_name("trump"), leader_name("both"), leader_name(None)
    ('Trump', 'Both / general', 'Both / general')
    """
    return LEADER_NAMES.get(leader, GENERAL_GROUP if leader in ("both", "none", "", None)
                            else str(leader).title())


def group_order(values) -> list:
    """Leader groups in the kit's order (Trump, Khamenei), others after, general last.

    >>> group_order(["Both / general", "Khamenei", "Other", "Trump"])
    ['Trump', 'Khamenei', 'Other', 'Both / general']
    """
    order = [LEADER_NAMES[l] for l in LEADERS]
    present = list(dict.fromkeys(values))
    rest = sorted(v for v in present if v not in order and v != GENERAL_GROUP)
    return [v for v in order if v in present] + rest + (
        [GENERAL_GROUP] if GENERAL_GROUP in present else [])


# --------------------------------------------------------------------------- text on charts

def short(text, limit: int = 60) -> str:
    """``text`` on one line, cut with an ellipsis at ``limit`` characters.

    >>> short("a  very\\nlong title", 10)
    'a very lo…'
    """
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_labels(frame: pd.DataFrame) -> pd.Series:
    """Short item labels for an axis; the item id is added where titles repeat.

    >>> item_labels(pd.DataFrame({"title": ["A", "A", ""], "item_id": ["T1", "T2", "T3"]})).tolist()
    ['A (T1)', 'A (T2)', 'T3']
    """
    titles = frame["title"].fillna("").astype(str).map(lambda t: short(t, 48))
    ids = frame["item_id"].astype(str)
    per_title = pd.DataFrame({"t": titles, "i": ids}).drop_duplicates().groupby("t")["i"].nunique()
    dup = titles.map(per_title) > 1
    return titles.where(~dup, titles + " (" + ids + ")").where(titles != "", ids)


# --------------------------------------------------------------------------- ladder encodings

def ladder_colour(level: int, top: int) -> str:
    """Colour of a ladder level: the palette entry at ``level`` (rescaled for long ladders).

    >>> ladder_colour(0, 5), ladder_colour(5, 5), ladder_colour(10, 10)
    ('#8FD744', '#440154', '#440154')
    """
    n = len(LADDER_PALETTE)
    if top < n:
        return LADDER_PALETTE[max(0, min(int(level), n - 1))]
    return LADDER_PALETTE[round(max(0, int(level)) * (n - 1) / top)]


def ladder_scale(ladder: pd.DataFrame) -> alt.Scale:
    """A colour scale giving each named action on ``ladder`` its level's colour."""
    top = int(ladder["level"].max()) if len(ladder) else 0
    named = ladder[ladder["action_id"] != ""]
    return alt.Scale(domain=list(named["action_id"]),
                     range=[ladder_colour(lv, top) for lv in named["level"]])


def level_axis(ladder: pd.DataFrame, title: str) -> alt.Axis:
    """A quantitative axis at the ladder's levels, labelled with action ids."""
    levels = [int(v) for v in ladder["level"]]
    expr = "''"
    for lv, action in zip(reversed(levels), reversed(list(ladder["action_id"]))):
        label = str(action).replace("\\", "\\\\").replace("'", "\\'")
        text = f"{lv} {label}" if label else f"{lv}"
        expr = f"datum.value == {lv} ? '{text}' : {expr}"
    return alt.Axis(values=levels, labelExpr=expr, title=title, grid=True)


def level_scale(ladder: pd.DataFrame) -> alt.Scale:
    """A quantitative scale from the ladder's lowest level to its highest."""
    if not len(ladder):
        return alt.Scale()
    return alt.Scale(domain=[int(ladder["level"].min()), int(ladder["level"].max())], nice=False,
                     padding=8)


def who_scale(label: str, twitter: str = "Twitter") -> alt.Scale:
    """Twitter in the theme's ink, ``label`` (a learner, the class, a policy) in purple."""
    return alt.Scale(domain=[twitter, label], range=[WHO_COLOURS["twitter"], WHO_COLOURS["other"]])


# --------------------------------------------------------------------------- titles and notes

def row_header() -> alt.Header:
    """The header of a chart's rows of panels (a leader or an account), bold on the left."""
    return alt.Header(title=None, labelAngle=0, labelAlign="left", labelAnchor="start",
                      labelOrient="top", labelFontWeight="bold", labelPadding=4)


# --------------------------------------------------------------------------- rows by leader

#: The y field of charts drawn with :func:`grouped_rows`.
ROW = "row"
#: Height in pixels of a band of :func:`grouped_rows`: a line of a title, or an item's marks.
ROW_STEP = 15
#: Titles longer than this many characters are written on two lines.
TITLE_LINE = 60


def _title_lines(title) -> tuple:
    """An item's title on one line, or two when it is long (never shortened).

    >>> _title_lines("A short title")
    ('A short title', '')
    >>> _title_lines("word " * 15)[1]
    'word word word'
    """
    text = " ".join(str("" if title is None else title).split())
    if len(text) <= TITLE_LINE:
        return text, ""
    lines = textwrap.wrap(text, TITLE_LINE)
    return lines[0], " ".join(lines[1:])


def grouped_rows(table: pd.DataFrame, group: str = "group", order=None):
    """Rows grouped by leader in one view (instead of one panel per leader, which cannot
    take the width of its container): ``(data, y)``.

    ``data`` is ``table`` with a ``row`` key per item (its ``item_id``) and its title in
    one or two lines (``title_1``, ``title_2``); ``y`` is the shared y encoding, one band
    per line: every group's header ("§" and its name), then per item its title's lines
    ("t1:" and "t2:" and the id) and its marks (the id), in the kit's leader order (or
    the groups in ``order``, when given).
    :func:`row_titles` draws the titles and the group names.

    >>> t = pd.DataFrame({"group": ["Khamenei", "Trump"], "item_id": ["K1", "T1"],
    ...                   "title": ["A", "B"]})
    >>> data, y = grouped_rows(t)
    >>> y.to_dict()["scale"]["domain"]
    ['§Trump', 't1:T1', 'T1', '§Khamenei', 't1:K1', 'K1']
    """
    data = table.copy()
    data[ROW] = data["item_id"].astype(str)
    lines = [_title_lines(t) for t in data["title"]]
    data["title_1"] = [a for a, _ in lines]
    data["title_2"] = [b for _, b in lines]
    two = set(data.loc[data["title_2"] != "", ROW])
    domain = []
    for g in (group_order(data[group]) if order is None else order):
        domain.append(f"§{g}")
        for r in dict.fromkeys(data.loc[data[group] == g, ROW]):
            domain += [f"t1:{r}"] + ([f"t2:{r}"] if r in two else []) + [r]
    y = alt.Y(f"{ROW}:N", title=None, axis=None,
              scale=alt.Scale(domain=domain, paddingInner=0, paddingOuter=0.5))
    return data, y


def row_titles(data: pd.DataFrame, y, group: str = "group") -> list:
    """The text layers of :func:`grouped_rows` (from the same data, no second dataset):
    each item's title in full on the line(s) above its marks (cut only where wider than
    the whole chart) and each group's name in bold on its header line."""
    base = alt.Chart(data)
    layers = []
    for n in (1, 2):
        line = base.transform_filter(f"datum.title_{n} != ''").transform_aggregate(
            groupby=[ROW, f"title_{n}"]).transform_calculate(
            **{ROW: f"'t{n}:' + datum.{ROW}"}).mark_text(
            align="left", baseline="middle", fontSize=11, limit=alt.ExprRef("width"),
        ).encode(x=alt.value(0), y=y, text=alt.Text(f"title_{n}:N"))
        layers.append(line)
    names = base.transform_aggregate(groupby=[group]).transform_calculate(
        **{ROW: f"'§' + datum['{group}']"}).mark_text(
        align="left", baseline="middle", fontSize=13, fontWeight="bold",
    ).encode(x=alt.value(0), y=y, text=alt.Text(f"{group}:N"))
    return layers + [names]


def finish(chart, title: str, description: str, subtitle: str | None = None):
    """Give ``chart`` its title and its plain-language summary (the ``description``)."""
    t = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    return chart.properties(title=t, description=description)


def message_chart(title: str, message: str):
    """A chart that only says why there is nothing to draw (keeps widgets and notebooks simple).

    >>> text_alternative(message_chart("Timeline", "Nothing to show."))
    'Nothing to show.'
    """
    data = pd.DataFrame({"message": [message]})
    chart = alt.Chart(data).mark_text(align="left", baseline="middle", fontSize=12).encode(
        x=alt.value(0), y=alt.value(12), text=alt.Text("message:N"),
        tooltip=[alt.Tooltip("message:N", title="Note")],
    ).properties(width=FILL, height=24)
    return finish(chart, title, message)


def text_alternative(chart) -> str:
    """The plain-language summary of a kit chart (its top-level ``description``).

    Screen readers get the same text from the chart's ``aria-label``.

    >>> from kit.charts import class_distribution_chart
    >>> dist = pd.DataFrame({"item_id": ["T1", "T1"], "leader": ["trump", "trump"],
    ...                      "title": ["A post", "A post"], "action": ["none", "suspend"],
    ...                      "level": [0, 5], "count": [1, 3], "share": [0.25, 0.75]})
    >>> text_alternative(class_distribution_chart(dist))
    "4 decisions on 1 item. The most common choice was suspend (75% of decisions); the class was most divided on 'A post' (top choice 75%)."
    """
    description = getattr(chart, "description", alt.Undefined)
    if description is alt.Undefined or not isinstance(description, str) or not description:
        raise KitDataError("this chart has no text description (it was not made by kit.charts)",
                           file="chart")
    return description
