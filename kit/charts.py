"""Charts: pure functions from the kit's tables to Altair charts, and the offline set-up.

Every chart function takes a case file or a table another kit module returns and
gives back an Altair chart; it reads no file and displays nothing. Each chart has
a title, labelled axes, tooltips, colours from one colour-blind-safe palette and a
plain-language summary in its top-level ``description`` (Vega-Lite passes it to
the SVG's ``aria-label``; :func:`text_alternative` returns it). Each chart also
has a ``*_table`` function giving the (already aggregated) rows it draws and a
``*_summary`` function giving its summary sentence, so the same facts can be shown
as a table or read out.

Colours are fixed across the kit:

* :data:`LEADER_COLOURS`: Trump vermillion, Khamenei blue (Okabe-Ito);
* :data:`WHO_COLOURS`: Twitter black; a learner, a class or a policy reddish purple;
* the enforcement ladder: :data:`LADDER_PALETTE`, an ordered scheme (viridis,
  light = mild, dark = severe), keyed by ladder *level* so an action has the same
  colour in every chart.

Altair refuses to embed more than 5,000 rows (:data:`MAX_ROWS`); every function
aggregates in pandas first, so big class or policy tables still draw.

Charts are at most :data:`WIDTH` pixels wide (plus axis labels) so they fit a
narrow JupyterLab panel. No background colour is set: charts keep Vega's own
(white) background, which stays readable under JupyterLab's dark theme.

Call :func:`setup` once at the top of a notebook: it makes charts render with no
internet (JupyterLab and Voila) and applies the kit's fonts and sizes.
"""
from __future__ import annotations

import math
import re
import textwrap

import altair as alt
from altair.utils.schemapi import debug_mode
import numpy as np
import pandas as pd

from .casebook import LEADERS, Casebook
from .errors import KitDataError

#: Altair's limit of rows per chart; the kit aggregates before it is reached.
MAX_ROWS = 5000
#: Width in pixels of a chart's plotting area (labels come on top; total stays under 600).
WIDTH = 340
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
#: How the leaders are named on charts.
LEADER_NAMES = {"trump": "Trump", "khamenei": "Khamenei"}
#: Events concerning both leaders or neither.
GENERAL_GROUP = "Both / general"
#: Twitter's own actions are black everywhere; a learner's, a class's or a policy's purple.
WHO_COLOURS = {"twitter": OKABE_ITO["black"], "other": OKABE_ITO["reddish_purple"]}
#: The ordered scheme of the enforcement ladder, from the mildest level to the most severe
#: (viridis with its palest yellow left out, so level 0 stays visible on white).
LADDER_PALETTE = ("#8FD744", "#35B779", "#21908C", "#31688E", "#443A83", "#440154")
#: Kinds of mark on the timeline, with their colours and shapes.
EVENT_KINDS = ("Post", "Twitter action", "Other platform action", "Other event")
EVENT_COLOURS = (OKABE_ITO["sky_blue"], OKABE_ITO["black"], OKABE_ITO["green"], OKABE_ITO["grey"])
EVENT_SHAPES = ("circle", "square", "triangle-up", "diamond")
#: What a piece of attribution evidence points to, with colours.
POINTS_TO = ("official", "linked", "impostor", "unclear")
POINTS_TO_COLOURS = (OKABE_ITO["green"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"],
                     OKABE_ITO["grey"])

#: event_type values that are an enforcement action by someone.
_ENFORCEMENT = frozenset({"label", "notice", "removal", "lock", "suspension", "reinstatement",
                          "restriction", "block"})
_PLATFORM_NAMES = {"twitter": "Twitter", "facebook": "Facebook", "instagram": "Instagram",
                   "youtube": "YouTube", "other": "Other platform"}
THEME = "kit"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


# --------------------------------------------------------------------------- set-up

def _kit_theme() -> dict:
    """The kit's Altair theme: fonts and sizes only (no background, no colours)."""
    return {
        "config": {
            "font": _FONT,
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 12, "offset": 8},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal"},
            "header": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "view": {"continuousWidth": WIDTH, "continuousHeight": 220},
        }
    }


def setup() -> None:
    """Prepare charts for this notebook: offline rendering and the kit's look. Call it first.

    Charts then render as an interactive widget (``alt.JupyterChart``) whose
    JavaScript comes from the installed ``vl-convert-python`` package, not from a
    CDN, so they work in JupyterLab and Voila with no internet. The kit's theme
    sets fonts and sizes (no background colour, so dark themes stay readable).
    Calling it again does nothing new and is cheap. Returns ``None`` and prints
    nothing.

    >>> import altair as alt
    >>> before = alt.renderers.active, dict(alt.renderers.options), alt.theme.active
    >>> setup()
    >>> alt.renderers.active, alt.renderers.options, alt.theme.active
    ('jupyter', {'offline': True}, 'kit')
    >>> setup()   # a second call is harmless
    >>> _ = alt.renderers.enable(before[0], **before[1]), alt.theme.enable(before[2])  # undo
    """
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_kit_theme)
    if alt.theme.active != THEME:
        alt.theme.enable(THEME)
    if alt.renderers.active != "jupyter" or alt.renderers.options != {"offline": True}:
        try:
            import anywidget  # noqa: F401  (the jupyter renderer needs both)
            import vl_convert  # noqa: F401
        except ImportError:
            raise ImportError("kit charts need the packages anywidget and vl-convert-python "
                              "to draw offline; install them with "
                              "'pip install -r requirements.txt'") from None
        _load_cached_bundle()
        alt.renderers.enable("jupyter", offline=True)
    alt.JupyterChart.enable_offline()  # builds the JS bundle once (about a second); then a no-op
    _save_bundle()


def _bundle_path():
    """Where the offline JavaScript bundle is cached between kernels (None: no cache).

    Building it with vl-convert costs 1.5–2 s in every new kernel; the cached copy
    loads in milliseconds. Keyed by the altair and vl-convert versions, in
    ``$KIT_CACHE_DIR`` or ``~/.cache/casebook-kit``. The one file the charts layer
    touches; any problem with it just means building the bundle again.
    """
    import os

    try:
        import vl_convert

        base = os.environ.get("KIT_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "casebook-kit")
        name = f"altair-{alt.__version__}-vl-convert-{vl_convert.__version__}-offline.js"
        return os.path.join(base, name)
    except Exception:  # noqa: BLE001 - no cache is fine
        return None


def _load_cached_bundle() -> None:
    path = _bundle_path()
    if path is None or alt.JupyterChart._is_offline:
        return
    try:
        with open(path, encoding="utf-8") as fh:
            src = fh.read()
    except OSError:
        return
    if len(src) > 100_000:  # a truncated file is rebuilt instead
        alt.JupyterChart._esm = src
        alt.JupyterChart._is_offline = True


def _save_bundle() -> None:
    import os
    import tempfile

    path = _bundle_path()
    if path is None or not alt.JupyterChart._is_offline or os.path.exists(path):
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(alt.JupyterChart._esm)
        os.replace(tmp, path)
    except OSError:
        pass


def show(chart) -> alt.JupyterChart:
    """Wrap ``chart`` in an offline ``alt.JupyterChart`` widget (calls :func:`setup`).

    Widgets embed the result and update it in place by assigning its ``.chart``.

    >>> import altair as alt, pandas as pd
    >>> view = show(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))
    >>> type(view).__name__, view.chart.mark
    ('JupyterChart', 'point')
    """
    if not isinstance(chart, alt.TopLevelMixin):
        raise KitDataError(f"expected an Altair chart, got {type(chart).__name__}", file="chart")
    setup()
    return alt.JupyterChart(chart)


def text_alternative(chart) -> str:
    """The plain-language summary of a kit chart (its top-level ``description``).

    Screen readers get the same text from the chart's ``aria-label``.

    >>> import pandas as pd
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


# --------------------------------------------------------------------------- helpers

def _require(frame, columns, what: str, hint: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise KitDataError(f"expected a table (DataFrame), got {type(frame).__name__}; {hint}",
                           file=what)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KitDataError(f"missing column(s) {', '.join(missing)}; {hint}", file=what)


def _leader_name(leader) -> str:
    return LEADER_NAMES.get(leader, GENERAL_GROUP if leader in ("both", "none", "", None)
                            else str(leader).title())


def _group_order(values) -> list:
    """Leader groups in the kit's order (Trump, Khamenei), others after, general last."""
    order = [LEADER_NAMES[l] for l in LEADERS]
    present = list(dict.fromkeys(values))
    rest = sorted(v for v in present if v not in order and v != GENERAL_GROUP)
    return [v for v in order if v in present] + rest + (
        [GENERAL_GROUP] if GENERAL_GROUP in present else [])


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _ids_text(value) -> str:
    if isinstance(value, (tuple, list)):
        return "; ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _short(text, limit: int = 60) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ladder_colour(level: int, top: int) -> str:
    """Colour of a ladder level: the palette entry at ``level`` (rescaled for long ladders)."""
    n = len(LADDER_PALETTE)
    if top < n:
        return LADDER_PALETTE[max(0, min(int(level), n - 1))]
    return LADDER_PALETTE[round(max(0, int(level)) * (n - 1) / top)]


def _casebook_ladder(casebook) -> pd.DataFrame:
    a = casebook.actions[["action_id", "name", "level"]].copy()
    a["level"] = a["level"].astype("int64")
    return a.sort_values("level", kind="stable").reset_index(drop=True)


def _frame_ladder(pairs, casebook=None, span=()) -> pd.DataFrame:
    """The ladder (action_id, name, level) for an axis or a colour scale.

    With ``casebook``: the case file's ladder. Otherwise it is built from the
    (action, level) pairs found in a table, with every whole level in between (and
    up to the levels in ``span``) filled in; a level with no known action gets
    action_id "" (its axis label is the bare number).
    """
    if casebook is not None:
        return _casebook_ladder(casebook)
    rows = {}
    for action, level in pairs:
        if action is None or (not isinstance(action, str) and pd.isna(action)):
            continue
        if level is None or pd.isna(level) or float(level) != int(level):
            continue
        rows.setdefault(int(level), str(action))
    span = [float(v) for v in span if not pd.isna(v)]
    found = list(rows) + [math.floor(v) for v in span] + [math.ceil(v) for v in span]
    levels = list(range(min(found), max(found) + 1)) if found else []
    ids = [rows.get(lv, "") for lv in levels]
    return pd.DataFrame({"action_id": ids, "name": ids, "level": levels},
                        columns=["action_id", "name", "level"]).astype({"level": "int64"})


def _ladder_scale(ladder: pd.DataFrame) -> alt.Scale:
    top = int(ladder["level"].max()) if len(ladder) else 0
    named = ladder[ladder["action_id"] != ""]
    return alt.Scale(domain=list(named["action_id"]),
                     range=[_ladder_colour(lv, top) for lv in named["level"]])


def _level_axis(ladder: pd.DataFrame, title: str) -> alt.Axis:
    """A quantitative axis at the ladder's levels, labelled with action ids."""
    levels = [int(v) for v in ladder["level"]]
    expr = "''"
    for lv, action in zip(reversed(levels), reversed(list(ladder["action_id"]))):
        label = str(action).replace("\\", "\\\\").replace("'", "\\'")
        text = f"{lv} {label}" if label else f"{lv}"
        expr = f"datum.value == {lv} ? '{text}' : {expr}"
    return alt.Axis(values=levels, labelExpr=expr, title=title, grid=True)


def _level_scale(ladder: pd.DataFrame) -> alt.Scale:
    if not len(ladder):
        return alt.Scale()
    return alt.Scale(domain=[int(ladder["level"].min()), int(ladder["level"].max())], nice=False,
                     padding=8)


def _who_scale(label: str, twitter: str = "Twitter") -> alt.Scale:
    return alt.Scale(domain=[twitter, label], range=[WHO_COLOURS["twitter"], WHO_COLOURS["other"]])


def _item_labels(frame: pd.DataFrame) -> pd.Series:
    """Short item labels for an axis; the item id is added where titles repeat."""
    titles = frame["title"].fillna("").astype(str).map(lambda t: _short(t, 48))
    ids = frame["item_id"].astype(str)
    per_title = pd.DataFrame({"t": titles, "i": ids}).drop_duplicates().groupby("t")["i"].nunique()
    dup = titles.map(per_title) > 1
    return titles.where(~dup, titles + " (" + ids + ")").where(titles != "", ids)


def _row_header() -> alt.Header:
    return alt.Header(title=None, labelAngle=0, labelAlign="left", labelAnchor="start",
                      labelOrient="top", labelFontWeight="bold", labelPadding=4)


def _finish(chart, title: str, description: str, subtitle: str | None = None):
    t = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    return chart.properties(title=t, description=description)


def _message_chart(title: str, message: str):
    """A chart that only says why there is nothing to draw (keeps widgets and notebooks simple)."""
    data = pd.DataFrame({"message": [message]})
    chart = alt.Chart(data).mark_text(align="left", baseline="middle", fontSize=12).encode(
        x=alt.value(0), y=alt.value(12), text=alt.Text("message:N"),
        tooltip=[alt.Tooltip("message:N", title="Note")],
    ).properties(width=WIDTH, height=24)
    return _finish(chart, title, message)


def _check_rows(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    if len(frame) > MAX_ROWS:
        raise KitDataError(f"{len(frame):,} rows are too many to draw (at most {MAX_ROWS:,}); "
                           "pass fewer rows", file=what)
    return frame


def _agg_max(frame: pd.DataFrame, keys: list) -> pd.DataFrame:
    """Per group the row with the highest level (first one on ties)."""
    idx = frame.sort_values("level", ascending=False, kind="stable").groupby(keys, sort=False).head(1).index
    return frame.loc[sorted(idx)]


# --------------------------------------------------------------------------- 1. timeline

TIMELINE_COLUMNS = ("group", "lane", "date", "kind", "event_type", "description", "actor",
                    "source_ids", "count")


def _lane(handle, platform, account_platform: dict) -> str:
    if handle:
        p = account_platform.get(handle, "twitter")
        return f"@{handle}" + ("" if p == "twitter" else f" ({_PLATFORM_NAMES.get(p, p)})")
    return _PLATFORM_NAMES.get(platform, str(platform).title())


def _is_twitter(actor: str) -> bool:
    a = str(actor).strip().lower()
    return "twitter" in a or a in ("x", "x corp", "x corp.") or a.startswith("x ")


def _event_kind(event_type: str, platform: str, actor: str) -> str:
    if event_type == "post":
        return "Post"
    if event_type in _ENFORCEMENT:
        if platform == "twitter":
            return "Twitter action" if _is_twitter(actor) else "Other event"
        return "Other platform action"
    return "Other event"


def timeline_table(casebook) -> pd.DataFrame:
    """The rows :func:`timeline_chart` draws: events and items, one mark per lane, kind and day.

    Columns: ``group`` (Trump, Khamenei or "Both / general"), ``lane`` (an account
    as "@handle", or a platform), ``date``, ``kind`` (one of :data:`EVENT_KINDS`),
    ``event_type``, ``description``, ``actor``, ``source_ids`` (text, "; "
    separated), ``count`` (events merged into the mark). Posts and Twitter actions
    recorded only on an item (no event for them) are added from ``casebook.items``.
    Events with the same lane, kind and day share one mark; if there would still be
    more than :data:`MAX_ROWS` marks they are merged by month, then by year.

    >>> import kit
    >>> t = timeline_table(kit.load_casebook())
    >>> set(t.kind) <= set(EVENT_KINDS), int(t["count"].min()) >= 1
    (True, True)
    """
    accounts = casebook.accounts
    account_platform = dict(zip(accounts.handle, accounts.platform))
    names = dict(zip(casebook.actions.action_id, casebook.actions.name))
    ev = casebook.events
    rows = pd.DataFrame({
        "group": ev["leader"].map(_leader_name),
        "lane": [_lane(h, p, account_platform) for h, p in zip(ev["handle"], ev["platform"])],
        "date": ev["date"],
        "kind": [_event_kind(t, p, a) for t, p, a in zip(ev["event_type"], ev["platform"], ev["actor"])],
        "event_type": ev["event_type"],
        "description": ev["description"].astype(str),
        "actor": ev["actor"].astype(str),
        "source_ids": ev["source_ids"].map(_ids_text),
        "item_id": ev["item_id"].fillna("").astype(str),
    })
    items = casebook.items
    levels = casebook.action_levels
    low = min(levels.values()) if levels else 0
    posted = set(rows.loc[rows["kind"] == "Post", "item_id"]) - {""}
    acted = set(rows.loc[rows["kind"] == "Twitter action", "item_id"]) - {""}
    extra = []
    for it in items.itertuples(index=False):
        lane = _lane(it.handle, "twitter", account_platform)
        src = _ids_text(it.source_ids)
        if it.kind == "post" and it.item_id not in posted and not pd.isna(it.date):
            extra.append({"group": _leader_name(it.leader), "lane": lane, "date": it.date,
                          "kind": "Post", "event_type": "post",
                          "description": f"{it.title} ({it.item_id})", "actor": lane,
                          "source_ids": src, "item_id": it.item_id})
        if (levels.get(it.twitter_action, low) > low and it.item_id not in acted
                and not pd.isna(it.twitter_action_date)):
            extra.append({"group": _leader_name(it.leader), "lane": lane,
                          "date": it.twitter_action_date, "kind": "Twitter action",
                          "event_type": it.twitter_action,
                          "description": f"{names.get(it.twitter_action, it.twitter_action)}: "
                                         f"{it.title} ({it.item_id})",
                          "actor": "Twitter", "source_ids": src, "item_id": it.item_id})
    if extra:
        rows = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    rows = rows[rows["date"].notna()].drop(columns="item_id")
    # lanes: accounts in case-file order, then platforms (Twitter first)
    lane_rank = {_lane(h, "twitter", account_platform): i for i, h in enumerate(accounts["handle"])}
    for name in _PLATFORM_NAMES.values():
        lane_rank.setdefault(name, len(lane_rank))
    rows["date"] = pd.to_datetime(rows["date"])
    for freq in (None, "M", "Y"):
        table = _merge_marks(rows, freq, lane_rank)
        if len(table) <= MAX_ROWS:
            break
    return _check_rows(table, "timeline")


def _merge_marks(rows: pd.DataFrame, freq, lane_rank: dict) -> pd.DataFrame:
    r = rows.copy()
    if freq is not None:
        r["date"] = r["date"].dt.to_period(freq).dt.start_time
    keys = ["group", "lane", "kind", "date"]

    def joined(values, limit=3):
        values = list(dict.fromkeys(v for v in values if v))
        text = "; ".join(values[:limit])
        return text + (f"; and {len(values) - limit} more" if len(values) > limit else "")

    def sources(values):
        ids = list(dict.fromkeys(s.strip() for v in values for s in v.split(";") if s.strip()))
        return "; ".join(ids)

    g = r.groupby(keys, sort=False)
    out = g.agg(event_type=("event_type", joined), description=("description", joined),
                actor=("actor", joined), source_ids=("source_ids", sources),
                count=("description", "size")).reset_index()
    group_rank = {g_: i for i, g_ in enumerate(_group_order(out["group"]))}
    kind_rank = {k: i for i, k in enumerate(EVENT_KINDS)}
    out = out.assign(_g=out["group"].map(group_rank), _k=out["kind"].map(kind_rank),
                     _l=out["lane"].map(lambda lane: lane_rank.get(lane, len(lane_rank))))
    out = out.sort_values(["_g", "_l", "lane", "date", "_k"], kind="stable").drop(columns=["_g", "_k", "_l"])
    out["count"] = out["count"].astype("int64")
    return out[list(TIMELINE_COLUMNS)].reset_index(drop=True)


def timeline_summary(table: pd.DataFrame) -> str:
    """One or two sentences summarising a :func:`timeline_table`.

    >>> t = pd.DataFrame({"group": ["Trump", "Khamenei", "Both / general"],
    ...                   "lane": ["@a", "@b", "Facebook"], "kind": ["Twitter action"] * 2
    ...                   + ["Other platform action"], "count": [2, 1, 1],
    ...                   "date": pd.to_datetime(["2020-05-29", "2021-01-08", "2021-01-07"])})
    >>> timeline_summary(t)
    "Timeline of 4 dated events and posts from May 2020 to January 2021. Twitter acted 2 times on Trump's accounts and 1 time on Khamenei's; other platforms acted 1 time."
    """
    if not len(table):
        return "The timeline has no dated events or posts."
    n = int(table["count"].sum())
    start, end = table["date"].min(), table["date"].max()
    acts = table[table["kind"] == "Twitter action"]
    per = {g: int(acts.loc[acts["group"] == g, "count"].sum()) for g in (LEADER_NAMES[l] for l in LEADERS)}
    other = int(table.loc[table["kind"] == "Other platform action", "count"].sum())
    times = lambda k: _plural(k, "time")  # noqa: E731
    parts = [f"{times(v)} on {g}'s accounts" if i == 0 else f"{times(v)} on {g}'s"
             for i, (g, v) in enumerate(per.items())]
    return (f"Timeline of {n:,} dated events and posts from {start:%B %Y} to {end:%B %Y}. "
            f"Twitter acted {' and '.join(parts)}; other platforms acted {times(other)}.")


def timeline_chart(casebook):
    """Both cases on one timeline: a row per account or platform, a mark per event.

    x is the date, rows are grouped by leader (Trump, Khamenei, both / general);
    colour and shape tell posts, Twitter's actions, other platforms' actions and
    other events apart. Tooltips give the description, actor and source ids.

    >>> import kit
    >>> spec = timeline_chart(kit.load_casebook()).to_dict()
    >>> spec["spec"]["mark"]["type"], spec["spec"]["encoding"]["x"]["type"]
    ('point', 'temporal')
    """
    table = timeline_table(casebook)
    title = "Timeline: both cases, account by account"
    if not len(table):
        return _message_chart(title, timeline_summary(table))
    lanes = list(dict.fromkeys(table["lane"]))
    chart = alt.Chart(table).mark_point(filled=True, size=60, opacity=0.85).encode(
        x=alt.X("date:T", title="Date", scale=alt.Scale(padding=8),
                axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("lane:N", title=None, sort=lanes, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        yOffset=alt.YOffset("kind:N", sort=list(EVENT_KINDS), scale=alt.Scale(domain=list(EVENT_KINDS))),
        color=alt.Color("kind:N", title="Event", scale=alt.Scale(domain=list(EVENT_KINDS),
                        range=list(EVENT_COLOURS)), legend=alt.Legend(orient="bottom", columns=2)),
        shape=alt.Shape("kind:N", title="Event", scale=alt.Scale(domain=list(EVENT_KINDS),
                        range=list(EVENT_SHAPES))),
        tooltip=[alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("lane:N", title="Account or platform"),
                 alt.Tooltip("kind:N", title="Kind"),
                 alt.Tooltip("description:N", title="What happened"),
                 alt.Tooltip("actor:N", title="Who acted"),
                 alt.Tooltip("source_ids:N", title="Sources"),
                 alt.Tooltip("count:Q", title="Events in this mark")],
    ).properties(width=WIDTH, height=alt.Step(7, **{"for": "offset"})).facet(
        row=alt.Row("group:N", sort=_group_order(table["group"]), header=_row_header()),
        spacing=10,
    ).resolve_scale(y="independent")
    return _finish(chart, title, timeline_summary(table))


# --------------------------------------------------------------------------- 2. ladder

LADDER_COLUMNS = ("group", "who", "item_id", "title", "date", "action", "name", "level", "pile",
                  "n")


def ladder_table(casebook, decisions=None, label: str = "You") -> pd.DataFrame:
    """The rows :func:`ladder_chart` draws: each item at its step of the ladder, by leader.

    One row per item for Twitter (``who`` = "Twitter") and, when ``decisions``
    (a table with ``item_id`` and ``action``) is given, one per decided item for
    ``who`` = ``label``. With several rows per item (a class) the most common
    action is used (ties go to the lower level) and ``n`` says how many decided it.
    Columns: group, who, item_id, title, date, action, name, level, pile (the
    item's place in the pile at its step, from 1), n.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> t = ladder_table(cb)
    >>> len(t) == len(cb.items), set(t.who)
    (True, {'Twitter'})
    """
    ladder = _casebook_ladder(casebook)
    levels = dict(zip(ladder["action_id"], ladder["level"]))
    names = dict(zip(ladder["action_id"], ladder["name"]))
    items = casebook.items.reset_index(drop=True)
    items["_order"] = np.arange(len(items))
    twitter = pd.DataFrame({"item_id": items["item_id"], "action": items["twitter_action"], "n": 1})
    parts = [twitter.assign(who="Twitter")]
    if decisions is not None:
        parts.append(_modal_decisions(decisions, set(items["item_id"]), levels).assign(who=label))
    rows = pd.concat(parts, ignore_index=True)
    info = items.set_index("item_id")
    rows["group"] = rows["item_id"].map(info["leader"]).map(_leader_name)
    rows["title"] = rows["item_id"].map(info["title"]).astype(str)
    rows["date"] = rows["item_id"].map(info["date"])
    rows["_order"] = rows["item_id"].map(info["_order"])
    rows["level"] = rows["action"].map(levels).astype("int64")
    rows["name"] = rows["action"].map(names)
    who_rank = {"Twitter": 0, label: 1}
    rows = rows.assign(_w=rows["who"].map(who_rank),
                       _g=rows["group"].map({g: i for i, g in enumerate(_group_order(rows["group"]))}))
    rows = rows.sort_values(["_g", "_w", "level", "date", "_order"], kind="stable")
    rows["pile"] = rows.groupby(["group", "who", "action"]).cumcount().astype("int64") + 1
    rows["n"] = rows["n"].astype("int64")
    return _check_rows(rows[list(LADDER_COLUMNS)].reset_index(drop=True), "ladder")


def _modal_decisions(decisions, known_items: set, levels: dict) -> pd.DataFrame:
    hint = "pass a table with item_id and action columns (e.g. DecisionLog.table())"
    _require(decisions, ("item_id", "action"), "decisions", hint)
    d = decisions[["item_id", "action"]].copy()
    blank = d["action"].isna() | (d["action"].astype(str).str.strip() == "")
    d = d[~blank]
    d["item_id"] = d["item_id"].astype(str).str.strip()
    d["action"] = d["action"].astype(str).str.strip()
    unknown = sorted(set(d["item_id"]) - known_items)
    if unknown:
        raise KitDataError(f"{unknown[0]!r} is not an item in the case file", file="decisions",
                           column="item_id")
    bad = sorted(set(d["action"]) - set(levels))
    if bad:
        raise KitDataError(f"{bad[0]!r} is not an action on the ladder "
                           f"({', '.join(sorted(levels, key=levels.get))})",
                           file="decisions", column="action")
    counts = d.groupby(["item_id", "action"]).size().rename("count").reset_index()
    counts["level"] = counts["action"].map(levels)
    counts = counts.sort_values(["item_id", "count", "level"], ascending=[True, False, True],
                                kind="stable")
    modal = counts.groupby("item_id", sort=False).head(1)[["item_id", "action"]]
    n = d.groupby("item_id").size()
    return modal.assign(n=modal["item_id"].map(n).to_numpy()).reset_index(drop=True)


def ladder_summary(table: pd.DataFrame, ladder: pd.DataFrame | None = None) -> str:
    """One or two sentences summarising a :func:`ladder_table`.

    ``ladder`` (action_id, name, level; default: the levels in the table) sets
    which level counts as no action (the lowest).

    >>> t = pd.DataFrame({"group": ["Trump"] * 3 + ["Khamenei"] * 2, "who": "Twitter",
    ...                   "action": ["none", "label", "suspend", "none", "remove"],
    ...                   "name": ["No action", "Label", "Permanent suspension", "No action",
    ...                            "Required removal"], "level": [0, 1, 5, 0, 3]})
    >>> ladder_summary(t)
    'Twitter took action on 2 of 3 Trump items and 1 of 2 Khamenei items; the most severe was permanent suspension for Trump and required removal for Khamenei.'
    """
    if not len(table):
        return "There are no items on the ladder."
    low = int(ladder["level"].min()) if ladder is not None and len(ladder) else int(table["level"].min())
    sentences = []
    for who in dict.fromkeys(table["who"]):
        t = table[table["who"] == who]
        groups = _group_order(t["group"])
        counts, worst = [], []
        for g in groups:
            tg = t[t["group"] == g]
            counts.append(f"{int((tg['level'] > low).sum())} of {_plural(len(tg), f'{g} item')}")
            top = tg.loc[tg["level"].idxmax()]
            worst.append((g, str(top["name"]).lower() if int(top["level"]) > low else "no action"))
        if len(set(w for _, w in worst)) == 1:
            sev = f"the most severe was {worst[0][1]}" + (" for both" if len(worst) == 2 else "")
        else:
            sev = "the most severe was " + " and ".join(f"{w} for {g}" for g, w in worst)
        sentences.append(f"{who} took action on {' and '.join(counts)}; {sev}.")
    return " ".join(sentences)


def ladder_chart(casebook, decisions=None, label: str = "You"):
    """The enforcement ladder with each item placed on the step Twitter took, by leader.

    Steps come from ``casebook.actions`` in level order (all shown, even empty
    ones); each item is a mark piled up at its step, coloured by the ladder's
    ordered scheme. With ``decisions`` (``item_id``, ``action``; e.g.
    ``DecisionLog.table()``) the learner's choice is shown next to Twitter's, as
    circles labelled ``label``.

    >>> import kit
    >>> spec = ladder_chart(kit.load_casebook()).to_dict()
    >>> spec["spec"]["encoding"]["x"]["field"], spec["spec"]["encoding"]["color"]["field"]
    ('action', 'action')
    """
    ladder = _casebook_ladder(casebook)
    table = ladder_table(casebook, decisions, label)
    title = "Where the items landed on the enforcement ladder"
    summary = ladder_summary(table, ladder)
    if not len(table):
        return _message_chart(title, summary)
    steps = list(ladder["action_id"])
    who = ["Twitter", label] if decisions is not None else ["Twitter"]
    top = max(2, int(table["pile"].max()))
    encoding = dict(
        x=alt.X("action:N", title="Enforcement ladder (mildest to most severe)",
                scale=alt.Scale(domain=steps), sort=steps, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("pile:Q", title="Items", scale=alt.Scale(domain=[0, top + 0.5], nice=False),
                axis=alt.Axis(values=list(range(0, top + 1, max(1, math.ceil(top / 8)))), format="d")),
        color=alt.Color("action:N", title="Step", scale=_ladder_scale(ladder), sort=steps,
                        legend=None),
        shape=alt.Shape("who:N", title="Decided by",
                        scale=alt.Scale(domain=who, range=["square", "circle"][: len(who)]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("title:N", title="Item"), alt.Tooltip("item_id:N", title="Id"),
                 alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("who:N", title="Decided by"), alt.Tooltip("name:N", title="Action"),
                 alt.Tooltip("level:Q", title="Level"),
                 alt.Tooltip("n:Q", title="Decisions behind it")],
    )
    if decisions is not None:
        encoding["xOffset"] = alt.XOffset("who:N", sort=who, scale=alt.Scale(domain=who))
    chart = alt.Chart(table).mark_point(filled=True, size=90, opacity=0.9).encode(**encoding) \
        .properties(width=WIDTH, height=min(400, 16 * top + 16)).facet(
            row=alt.Row("group:N", sort=_group_order(table["group"]), header=_row_header()),
            spacing=10)
    subtitle = ("Squares: Twitter; circles: " + label) if decisions is not None else None
    return _finish(chart, title, summary, subtitle)


# --------------------------------------------------------------------------- 3. learner vs Twitter

COMPARISON_NEEDED = ("item_id", "leader", "title", "action", "level", "twitter_action",
                     "twitter_level", "gap", "agree")
VERSUS_COLUMNS = ("group", "item_id", "label", "title", "n", "action", "level", "twitter_action",
                  "twitter_level", "gap", "share_agree")


def learner_vs_twitter_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per item the decision's ladder level next to Twitter's (what :func:`learner_vs_twitter_chart` draws).

    ``comparison`` is :func:`kit.compare_decisions` output. With several rows per
    item (a class: a ``learner`` column) the rows are averaged. Columns: group
    (leader), item_id, label (short title for the axis), title, n (decisions),
    action (the most common one), level (mean), twitter_action, twitter_level,
    gap (mean level - twitter_level), share_agree (share of decisions equal to
    Twitter's); items in the order given.

    >>> comp = pd.DataFrame({"item_id": ["T1", "K1"], "leader": ["trump", "khamenei"],
    ...     "title": ["Post A", "Post B"], "action": ["remove", "none"], "level": [3, 0],
    ...     "twitter_action": ["suspend", "remove"], "twitter_level": [5, 3], "gap": [-2, -3],
    ...     "agree": [False, False]})
    >>> learner_vs_twitter_table(comp)[["group", "level", "twitter_level", "gap"]].values.tolist()
    [['Trump', 3.0, 5, -2.0], ['Khamenei', 0.0, 3, -3.0]]
    """
    _require(comparison, COMPARISON_NEEDED, "comparison", "pass the table compare_decisions returns")
    c = comparison[list(COMPARISON_NEEDED)].copy()
    c["item_id"] = c["item_id"].astype(str)
    c["level"] = pd.to_numeric(c["level"], errors="coerce")
    c = c[c["level"].notna()]
    c["agree"] = c["agree"].astype(bool)
    if not len(c):
        return pd.DataFrame(columns=list(VERSUS_COLUMNS))
    modal = (c.groupby(["item_id", "action", "level"], sort=False).size().rename("k").reset_index()
             .sort_values(["item_id", "k", "level"], ascending=[True, False, True], kind="stable")
             .groupby("item_id", sort=False).head(1).set_index("item_id")["action"])
    g = c.groupby("item_id", sort=False)
    out = g.agg(leader=("leader", "first"), title=("title", "first"), n=("level", "size"),
                level=("level", "mean"), twitter_action=("twitter_action", "first"),
                twitter_level=("twitter_level", "first"), gap=("gap", "mean"),
                share_agree=("agree", "mean")).reset_index()
    out["action"] = out["item_id"].map(modal)
    out["group"] = out["leader"].map(_leader_name)
    out["label"] = _item_labels(out)
    out["twitter_level"] = out["twitter_level"].astype("int64")
    out["n"] = out["n"].astype("int64")
    for col in ("level", "gap", "share_agree"):
        out[col] = out[col].astype("float64")
    return _check_rows(out[list(VERSUS_COLUMNS)], "comparison")


def learner_vs_twitter_summary(table: pd.DataFrame, label: str = "You") -> str:
    """One or two sentences summarising a :func:`learner_vs_twitter_table`.

    With more than one decision per item the comparison is of the average step.

    >>> t = pd.DataFrame({"title": ["A", "B", "C"], "n": [1, 1, 1], "gap": [0.0, 2.0, -1.0]})
    >>> learner_vs_twitter_summary(t)
    "Your step matched Twitter's on 1 of 3 items, was stricter on 1 and more lenient on 1. The largest gap was on 'B': 2 steps stricter than Twitter."
    """
    whose = "Your" if label == "You" else f"{label}'s"
    n = len(table)
    if not n:
        return f"{whose} decisions: none yet."
    average = int(table["n"].max()) > 1
    gap = table["gap"].astype("float64")
    if average:  # a mean level within half a step of Twitter's counts as the same step
        same, stricter = int((gap.abs() < 0.5).sum()), int((gap >= 0.5).sum())
    else:
        same, stricter = int((gap == 0).sum()), int((gap > 0).sum())
    lenient = n - same - stricter
    what = "average step" if average else "step"
    first = (f"{whose} {what} matched Twitter's on {same} of {_plural(n, 'item')}, "
             f"was stricter on {stricter} and more lenient on {lenient}.")
    top = table.loc[gap.abs().idxmax()]
    steps = abs(float(top["gap"]))
    if steps < 0.5:
        return first
    steps_text = f"{steps:.0f}" if steps == int(steps) else f"{steps:.1f}"
    way = "stricter" if top["gap"] > 0 else "more lenient"
    return (first + f" The largest gap was on '{_short(top['title'], 60)}': "
            f"{steps_text} {'step' if steps == 1 else 'steps'} {way} than Twitter.")


def _dumbbell(table: pd.DataFrame, ladder: pd.DataFrame, label: str, title: str, summary: str,
              subtitle: str, extra_tooltips: list):
    """Per item a grey rule from Twitter's level to the other level, with a point at each end."""
    data = table.copy()
    order = list(dict.fromkeys(data["label"]))
    who = ["Twitter", label]
    base = alt.Chart(data).properties(width=WIDTH, height=alt.Step(18))
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    x_axis = _level_axis(ladder, "Enforcement ladder level")
    tips = [alt.Tooltip("title:N", title="Item"), alt.Tooltip("item_id:N", title="Id"),
            alt.Tooltip("twitter_action:N", title="Twitter's action"), *extra_tooltips]
    rule = base.mark_rule(color=OKABE_ITO["grey"], strokeWidth=2).encode(
        x=alt.X("level:Q", scale=_level_scale(ladder), axis=x_axis),
        x2="twitter_level:Q", y=y, tooltip=tips)
    dots = base.transform_fold(["level", "twitter_level"], as_=["which", "step"]).transform_calculate(
        who=f"datum.which == 'twitter_level' ? 'Twitter' : '{label}'"
    ).mark_point(filled=True, size=80, opacity=1).encode(
        x=alt.X("step:Q", scale=_level_scale(ladder), axis=x_axis),
        y=y,
        color=alt.Color("who:N", title=None, scale=_who_scale(label), legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("who:N", title=None, scale=alt.Scale(domain=who, range=["square", "circle"])),
        tooltip=[alt.Tooltip("who:N", title="Who"), alt.Tooltip("step:Q", title="Level", format=".2~f"),
                 *tips],
    )
    chart = alt.layer(rule, dots).facet(
        row=alt.Row("group:N", sort=_group_order(data["group"]), header=_row_header()),
        spacing=10).resolve_scale(y="independent")
    return _finish(chart, title, summary, subtitle)


def learner_vs_twitter_chart(comparison: pd.DataFrame, casebook=None, label: str | None = None):
    """Per item the learner's step next to Twitter's, as a dot pair joined by a line, by leader.

    ``comparison`` is :func:`kit.compare_decisions` output (several learners are
    averaged). The x axis is the ladder (from ``casebook`` if given, otherwise the
    actions found in the table). ``label`` names the learner's dots (default "You",
    or "Class (mean)" for several learners). The gap is in the tooltip.

    >>> comp = pd.DataFrame({"item_id": ["T1"], "leader": ["trump"], "title": ["Post A"],
    ...     "action": ["remove"], "level": [3], "twitter_action": ["suspend"],
    ...     "twitter_level": [5], "gap": [-2], "agree": [False]})
    >>> spec = learner_vs_twitter_chart(comp).to_dict()
    >>> [layer["mark"]["type"] for layer in spec["spec"]["layer"]]
    ['rule', 'point']
    """
    table = learner_vs_twitter_table(comparison)
    average = bool(len(table)) and int(table["n"].max()) > 1
    label = label or ("Class (mean)" if average else "You")
    c = comparison
    ladder = _frame_ladder(list(zip(c["action"], c["level"])) + list(zip(c["twitter_action"],
                           c["twitter_level"])), casebook)
    title = "Your decisions next to Twitter's" if label == "You" else f"{label} next to Twitter"
    summary = learner_vs_twitter_summary(table, label)
    if not len(table):
        return _message_chart(title, summary)
    tips = [alt.Tooltip("action:N", title="Decision (most common)" if average else "Decision"),
            alt.Tooltip("gap:Q", title="Gap in steps (+ stricter)", format="+.2~f"),
            alt.Tooltip("share_agree:Q", title="Same as Twitter", format=".0%"),
            alt.Tooltip("n:Q", title="Decisions")]
    subtitle = f"Squares: Twitter; circles: {label}. The line is the gap."
    return _dumbbell(table, ladder, label, title, summary, subtitle, tips)


# --------------------------------------------------------------------------- 4. policy outcome

OUTCOME_NEEDED = ("handle", "leader", "date", "source", "action", "level")
OUTCOME_COLUMNS = ("account", "handle", "leader", "date", "source", "action", "level", "items")
_SOURCES = ("policy", "Twitter")


_NAT = np.iinfo(np.int64).min


def _all_str(values) -> bool:
    return all(type(v) is str for v in values)


def _policy_outcome_table_small(timeline: pd.DataFrame):
    """:func:`policy_outcome_table` in plain Python for small, clean tables (else None).

    Pandas overhead dominates the few dozen rows of the shipped case file (the
    PolicyLab redraws on every change); larger or unusual input takes the pandas path.
    """
    n = len(timeline)
    dtype = timeline["date"].dtype
    if not (0 < n <= MAX_ROWS and isinstance(dtype, np.dtype) and dtype.kind == "M"
            and timeline["level"].dtype == np.int64):
        return None
    handles, leaders = timeline["handle"].tolist(), timeline["leader"].tolist()
    sources = timeline["source"].tolist()
    dates = timeline["date"].to_numpy().view(np.int64).tolist()
    levels = timeline["level"].tolist()
    if not (_all_str(handles) and _all_str(leaders) and _all_str(sources)) or _NAT in dates:
        return None
    groups = {}  # (handle, source, date) -> [row with the highest level (first on ties), count]
    for i in range(n):
        g = groups.get((handles[i], sources[i], dates[i]))
        if g is None:
            groups[(handles[i], sources[i], dates[i])] = [i, 1]
        else:
            if levels[i] > levels[g[0]]:
                g[0] = i
            g[1] += 1
    chosen = sorted(groups.values())
    src_rank = {s: i for i, s in enumerate(_SOURCES)}
    lead_rank = {l: i for i, l in enumerate(LEADERS)}
    chosen.sort(key=lambda g: (lead_rank.get(leaders[g[0]], len(LEADERS)), handles[g[0]],
                               dates[g[0]], src_rank.get(sources[g[0]], len(_SOURCES))))
    rows = np.array([g[0] for g in chosen], dtype=np.intp)
    return pd.DataFrame({
        "account": pd.array([f"@{handles[i]} ({_leader_name(leaders[i])})" for i in rows],
                            dtype="str"),
        "handle": timeline["handle"].array.take(rows),
        "leader": timeline["leader"].array.take(rows),
        "date": timeline["date"].to_numpy()[rows],
        "source": timeline["source"].array.take(rows),
        "action": timeline["action"].array.take(rows),
        "level": timeline["level"].to_numpy()[rows],
        "items": np.array([g[1] for g in chosen], dtype=np.int64),
    })


def policy_outcome_table(timeline: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`policy_outcome_chart` draws, from ``kit.policy.outcome_timeline`` output.

    One row per account, source ("policy" or "Twitter") and day with the most
    severe action that day; ``items`` says how many rows were merged. Past
    :data:`MAX_ROWS` rows, only the days where the level changes (and each
    series' last day) are kept, then days are merged by week, month or year.
    Columns: account ("@handle (Leader)"), handle, leader, date, source, action,
    level, items.

    >>> tl = pd.DataFrame({"handle": ["a"] * 4, "leader": ["trump"] * 4,
    ...     "date": pd.to_datetime(["2020-05-29"] * 2 + ["2021-01-08"] * 2),
    ...     "source": ["policy", "Twitter"] * 2, "action": ["remove", "label", "suspend", "suspend"],
    ...     "level": [3, 1, 5, 5]})
    >>> policy_outcome_table(tl)[["source", "action", "level"]].values.tolist()
    [['policy', 'remove', 3], ['Twitter', 'label', 1], ['policy', 'suspend', 5], ['Twitter', 'suspend', 5]]
    """
    _require(timeline, OUTCOME_NEEDED, "timeline",
             "pass the table kit.policy.outcome_timeline returns")
    fast = _policy_outcome_table_small(timeline)
    if fast is not None:
        return fast
    t = timeline[list(OUTCOME_NEEDED)].copy()
    t["date"] = pd.to_datetime(t["date"], errors="coerce")
    t["level"] = pd.to_numeric(t["level"], errors="coerce")
    t = t[t["date"].notna() & t["level"].notna()].reset_index(drop=True)
    t["level"] = t["level"].astype("int64")
    t["items"] = 1
    day = _per_day(t)
    for freq in ("D", "W", "M", "Y"):  # too many rows: keep change points, then merge days
        if len(day) <= MAX_ROWS:
            break
        coarse = t.assign(date=t["date"].dt.to_period(freq).dt.start_time)
        day = _change_points(_per_day(coarse))
    day["account"] = "@" + day["handle"].astype(str) + " (" + day["leader"].map(_leader_name) + ")"
    src_rank = {s: i for i, s in enumerate(_SOURCES)}
    lead_rank = {l: i for i, l in enumerate(LEADERS)}
    day = day.assign(_l=day["leader"].map(lead_rank).fillna(len(LEADERS)),
                     _s=day["source"].map(src_rank).fillna(len(_SOURCES)))
    day = day.sort_values(["_l", "handle", "date", "_s"], kind="stable")
    return _check_rows(day[list(OUTCOME_COLUMNS)].reset_index(drop=True), "timeline")


def _per_day(t: pd.DataFrame) -> pd.DataFrame:
    keys = ["handle", "source", "date"]
    top = _agg_max(t, keys)
    counts = t.groupby(keys, sort=False)["items"].sum()
    top = top.set_index(keys)
    top["items"] = counts.reindex(top.index).to_numpy()
    return top.reset_index()[["handle", "leader", "date", "source", "action", "level", "items"]]


def _change_points(day: pd.DataFrame) -> pd.DataFrame:
    day = day.sort_values(["handle", "source", "date"], kind="stable").reset_index(drop=True)
    same_series = (day["handle"] == day["handle"].shift()) & (day["source"] == day["source"].shift())
    changed = ~same_series | (day["level"] != day["level"].shift())
    last = ~((day["handle"] == day["handle"].shift(-1)) & (day["source"] == day["source"].shift(-1)))
    return day[changed | last].reset_index(drop=True)


def _summary_small(table: pd.DataFrame):
    """The facts :func:`policy_outcome_summary` needs, in plain Python (None: use pandas)."""
    if not (len(table) <= MAX_ROWS and table["level"].dtype == np.int64
            and table.index.is_unique):
        return None
    handles, sources = table["handle"].tolist(), table["source"].tolist()
    if not (_all_str(handles) and _all_str(sources)):
        return None
    leaders, actions, levels = table["leader"].tolist(), table["action"].tolist(), \
        table["level"].tolist()
    top, worst = {}, {}  # highest level per (handle, source); first action at the highest
    for h, s, ldr, a, lv in zip(handles, sources, leaders, actions, levels):
        if top.get((h, s), lv - 1) < lv:
            top[(h, s)] = lv
        if s in ("policy", "Twitter") and ldr in LEADERS:
            w = worst.get((ldr, s))
            if w is None or lv > w[0]:
                worst[(ldr, s)] = (lv, a)
    handles = list(dict.fromkeys(handles))
    same = sum(1 for h in handles if top.get((h, "policy")) == top.get((h, "Twitter")))
    pol, tw = ({ldr: str(worst[(ldr, s)][1]) for ldr in LEADERS if (ldr, s) in worst}
               for s in ("policy", "Twitter"))
    return same, handles, pol, tw


def policy_outcome_summary(table: pd.DataFrame) -> str:
    """One or two sentences summarising a :func:`policy_outcome_table`.

    >>> t = pd.DataFrame({"handle": ["a", "a", "b", "b"], "leader": ["trump"] * 2 + ["khamenei"] * 2,
    ...     "source": ["policy", "Twitter"] * 2, "action": ["suspend", "suspend", "lock", "remove"],
    ...     "level": [5, 5, 4, 3]})
    >>> policy_outcome_summary(t)
    "The policy's most severe step matches Twitter's on 1 of 2 accounts. Most severe step for Trump's accounts: policy suspend, Twitter suspend; for Khamenei's accounts: policy lock, Twitter remove."
    """
    if not len(table):
        return "No account outcomes to show."
    small = _summary_small(table)
    if small is not None:
        same, handles, pol, tw = small
    else:
        top = _agg_max(table, ["handle", "source"]).set_index(["handle", "source"])["level"]
        handles = list(dict.fromkeys(table["handle"]))
        same = sum(1 for h in handles if top.get((h, "policy")) == top.get((h, "Twitter")))

        def worst(source):
            out = []
            for leader in LEADERS:
                t = table[(table["leader"] == leader) & (table["source"] == source)]
                if len(t):
                    out.append((leader, str(t.loc[t["level"].idxmax(), "action"])))
            return out

        pol, tw = dict(worst("policy")), dict(worst("Twitter"))
    first = f"The policy's most severe step matches Twitter's on {same} of {_plural(len(handles), 'account')}."
    parts = [f"{LEADER_NAMES[l]}'s accounts: policy {pol[l]}, Twitter {tw.get(l, 'nothing')}"
             for l in LEADERS if l in pol]
    return f"{first} Most severe step for " + "; for ".join(parts) + "." if parts else first


def policy_outcome_chart(timeline: pd.DataFrame, casebook=None):
    """Each account's actions over time: the policy's next to Twitter's, one panel per account.

    ``timeline`` is ``kit.policy.outcome_timeline`` output (handle, leader, date,
    source "policy"/"Twitter", action, level). Lines step from one action to the
    next; Twitter is black and solid, the policy purple and dashed. The y axis is
    the ladder (from ``casebook`` if given, otherwise the actions in the table).

    >>> tl = pd.DataFrame({"handle": ["a", "a"], "leader": ["trump", "trump"],
    ...     "date": pd.to_datetime(["2021-01-08", "2021-01-08"]), "source": ["policy", "Twitter"],
    ...     "action": ["lock", "suspend"], "level": [4, 5]})
    >>> spec = policy_outcome_chart(tl).to_dict()
    >>> spec["spec"]["mark"]["interpolate"], spec["spec"]["encoding"]["color"]["scale"]["domain"]
    ('step-after', ['Twitter', 'policy'])
    """
    table = policy_outcome_table(timeline)
    ladder = _outcome_ladder(table, casebook)
    title = "Your policy and Twitter, account by account"
    summary = policy_outcome_summary(table)
    if not len(table):
        return _message_chart(title, summary)
    who = ["Twitter", "policy"]
    # Every part below is built from known-good values, so altair's schema checks at
    # construction (tens of milliseconds on every PolicyLab change) are skipped; the
    # chart and its spec are exactly what the checked construction gives.
    with debug_mode(False):
        chart = alt.Chart(table).mark_line(interpolate="step-after", point=True,
                                           strokeWidth=2).encode(
            x=alt.X("date:T", title="Date of the item",
                    axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("level:Q", scale=_level_scale(ladder), axis=_level_axis(ladder, "Action")),
            color=alt.Color("source:N", title="Decided by", scale=_who_scale("policy"),
                            legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash("source:N", title="Decided by",
                                      scale=alt.Scale(domain=who, range=[[1, 0], [5, 3]])),
            tooltip=[alt.Tooltip("account:N", title="Account"),
                     alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                     alt.Tooltip("source:N", title="Decided by"),
                     alt.Tooltip("action:N", title="Action"),
                     alt.Tooltip("level:Q", title="Level"),
                     alt.Tooltip("items:Q", title="Items that day")],
        )
        chart = _unchecked_properties(chart, width=WIDTH, height=90).facet(
            row=alt.Row("account:N", sort=list(dict.fromkeys(table["account"])),
                        header=_row_header()),
            spacing=8)
        return _unchecked_properties(chart, title=alt.Title(title), description=summary)


def _unchecked_properties(chart, **props):
    """``chart.properties(**props)`` without re-validating values known to be valid."""
    copy = chart.copy(deep=False)
    for key, value in props.items():
        setattr(copy, key, value)
    return copy


def _outcome_ladder(table: pd.DataFrame, casebook) -> pd.DataFrame:
    """The ladder for :func:`policy_outcome_chart`'s axis (action_id and level, by level)."""
    if not isinstance(casebook, Casebook):
        return _frame_ladder(zip(table["action"], table["level"]), casebook)
    levels = sorted(casebook.action_levels.items(), key=lambda kv: kv[1])  # stable, as the file
    return pd.DataFrame({"action_id": [a for a, _ in levels],
                         "level": np.array([lv for _, lv in levels], dtype=np.int64)})


# --------------------------------------------------------------------------- 5. class charts

DISTRIBUTION_NEEDED = ("item_id", "leader", "title", "action", "level", "count")
DISTRIBUTION_COLUMNS = ("group", "item_id", "label", "title", "action", "level", "count", "share")
VS_TWITTER_NEEDED = ("item_id", "leader", "title", "n", "twitter_action", "modal_action",
                     "share_agree_twitter", "mean_level", "twitter_level", "mean_gap")


def _first_items(frame: pd.DataFrame, per_item: int) -> tuple[pd.DataFrame, int, int]:
    """Keep whole items, in order, so that at most MAX_ROWS rows remain."""
    ids = list(dict.fromkeys(frame["item_id"]))
    keep = max(1, MAX_ROWS // max(1, per_item))
    if len(ids) <= keep:
        return frame, len(ids), len(ids)
    return frame[frame["item_id"].isin(set(ids[:keep]))], keep, len(ids)


def class_distribution_table(distribution: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`class_distribution_chart` draws: per item and action, how many chose it.

    ``distribution`` is ``collect_class(...).distribution``. Rows with the same item
    and action are added up (so one row per decision works too); zero counts are
    dropped; ``share`` is the count over the item's decisions. Columns: group,
    item_id, label, title, action, level, count, share. If there are so many items
    that the rows pass :data:`MAX_ROWS`, the first items are kept (the summary says so).

    >>> dist = pd.DataFrame({"item_id": ["T1"] * 3, "leader": ["trump"] * 3, "title": ["A"] * 3,
    ...     "action": ["none", "remove", "remove"], "level": [0, 3, 3], "count": [1, 2, 1]})
    >>> class_distribution_table(dist)[["action", "count", "share"]].values.tolist()
    [['none', 1, 0.25], ['remove', 3, 0.75]]
    """
    _require(distribution, DISTRIBUTION_NEEDED, "distribution",
             "pass collect_class(...).distribution")
    d = distribution[list(DISTRIBUTION_NEEDED)].copy()
    d["item_id"] = d["item_id"].astype(str)
    d["count"] = pd.to_numeric(d["count"], errors="coerce").fillna(0)
    g = d.groupby(["item_id", "action"], sort=False).agg(
        leader=("leader", "first"), title=("title", "first"), level=("level", "first"),
        count=("count", "sum")).reset_index()
    g = g[g["count"] > 0].copy()
    total = g.groupby("item_id")["count"].transform("sum")
    g["share"] = (g["count"] / total).astype("float64")
    g["count"] = g["count"].astype("int64")
    g["level"] = g["level"].astype("int64")
    g["group"] = g["leader"].map(_leader_name)
    g = g.sort_values("level", kind="stable")
    order = {i: k for k, i in enumerate(dict.fromkeys(d["item_id"]))}
    g = g.assign(_o=g["item_id"].map(order)).sort_values(["_o", "level"], kind="stable")
    g["label"] = _item_labels(g)
    g, _, _ = _first_items(g, g.groupby("item_id").size().max() if len(g) else 1)
    return _check_rows(g[list(DISTRIBUTION_COLUMNS)].reset_index(drop=True), "distribution")


def class_distribution_summary(table: pd.DataFrame, n_items_all: int | None = None) -> str:
    """One or two sentences summarising a :func:`class_distribution_table`.

    >>> t = pd.DataFrame({"item_id": ["T1", "T1", "K1"], "title": ["A", "A", "B"],
    ...     "action": ["none", "remove", "remove"], "count": [1, 3, 2], "share": [0.25, 0.75, 1.0]})
    >>> class_distribution_summary(t)
    "6 decisions on 2 items. The most common choice was remove (83% of decisions); the class was most divided on 'A' (top choice 75%)."
    """
    if not len(table):
        return "No class decisions yet."
    n = int(table["count"].sum())
    items = table["item_id"].nunique()
    by_action = table.groupby("action", sort=False)["count"].sum()
    top_action = by_action.idxmax()
    top_share = table.groupby("item_id", sort=False)["share"].max()
    divided = top_share.idxmin()
    title = table.loc[table["item_id"] == divided, "title"].iloc[0]
    shown = "" if not n_items_all or n_items_all <= items else \
        f" (showing the first {items:,} of {n_items_all:,} items)"
    return (f"{_plural(n, 'decision')} on {_plural(items, 'item')}{shown}. The most common choice was "
            f"{top_action} ({by_action[top_action] / n:.0%} of decisions); the class was most "
            f"divided on '{_short(title, 60)}' (top choice {top_share[divided]:.0%}).")


def class_distribution_chart(distribution: pd.DataFrame, casebook=None):
    """Per item, how the class's decisions spread over the ladder (a 100% stacked bar), by leader.

    ``distribution`` is ``collect_class(...).distribution``. Colours follow the
    ladder's ordered scheme (the ladder from ``casebook`` if given, otherwise from
    the table); tooltips give each action's count and share.

    >>> dist = pd.DataFrame({"item_id": ["T1", "T1"], "leader": ["trump", "trump"],
    ...     "title": ["A", "A"], "action": ["none", "suspend"], "level": [0, 5], "count": [1, 3],
    ...     "share": [0.25, 0.75]})
    >>> spec = class_distribution_chart(dist).to_dict()
    >>> spec["spec"]["mark"]["type"], spec["spec"]["encoding"]["x"]["field"]
    ('bar', 'share')
    """
    table = class_distribution_table(distribution)
    n_all = distribution["item_id"].nunique() if len(distribution) else 0
    d = distribution
    ladder = _frame_ladder(zip(d["action"], d["level"]), casebook)
    title = "How the class decided each item"
    summary = class_distribution_summary(table, n_all)
    if not len(table):
        return _message_chart(title, summary)
    steps = list(ladder["action_id"])
    chart = alt.Chart(table).mark_bar().encode(
        x=alt.X("share:Q", title="Share of the class's decisions", stack="zero",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(table["label"])),
                axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        color=alt.Color("action:N", title="Action", scale=_ladder_scale(ladder), sort=steps,
                        legend=alt.Legend(orient="bottom", columns=6)),
        order=alt.Order("level:Q", sort="ascending"),
        tooltip=[alt.Tooltip("title:N", title="Item"), alt.Tooltip("item_id:N", title="Id"),
                 alt.Tooltip("action:N", title="Action"), alt.Tooltip("level:Q", title="Level"),
                 alt.Tooltip("count:Q", title="Learners"),
                 alt.Tooltip("share:Q", title="Share", format=".0%")],
    ).properties(width=WIDTH, height=alt.Step(18)).facet(
        row=alt.Row("group:N", sort=_group_order(table["group"]), header=_row_header()),
        spacing=10).resolve_scale(y="independent")
    return _finish(chart, title, summary)


def class_vs_twitter_table(vs_twitter: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`class_vs_twitter_chart` draws: per item the class's mean level and Twitter's.

    ``vs_twitter`` is ``collect_class(...).vs_twitter``. Items nobody decided
    (n = 0) are left out; duplicate item rows are merged (n added, levels
    averaged by n). Columns as :func:`learner_vs_twitter_table`: group, item_id,
    label, title, n, action (the class's most common), level (mean), twitter_action,
    twitter_level, gap (mean_gap), share_agree (share_agree_twitter).

    >>> vs = pd.DataFrame({"item_id": ["T1", "K1"], "leader": ["trump", "khamenei"],
    ...     "title": ["A", "B"], "n": [4, 0], "twitter_action": ["suspend", "none"],
    ...     "modal_action": ["lock", None], "share_agree_twitter": [0.25, float("nan")],
    ...     "mean_level": [4.25, float("nan")], "twitter_level": [5, 0], "mean_gap": [-0.75, float("nan")]})
    >>> class_vs_twitter_table(vs)[["item_id", "n", "level", "gap"]].values.tolist()
    [['T1', 4, 4.25, -0.75]]
    """
    _require(vs_twitter, VS_TWITTER_NEEDED, "vs_twitter", "pass collect_class(...).vs_twitter")
    v = vs_twitter[list(VS_TWITTER_NEEDED)].copy()
    v["item_id"] = v["item_id"].astype(str)
    v["n"] = pd.to_numeric(v["n"], errors="coerce").fillna(0).astype("int64")
    v = v[(v["n"] > 0) & v["mean_level"].notna()]
    if not len(v):
        return pd.DataFrame(columns=list(VERSUS_COLUMNS))
    v = v.assign(_wl=v["mean_level"] * v["n"], _wg=v["mean_gap"] * v["n"],
                 _wa=v["share_agree_twitter"].astype("float64") * v["n"])
    g = v.groupby("item_id", sort=False).agg(
        leader=("leader", "first"), title=("title", "first"), n=("n", "sum"),
        action=("modal_action", "first"), twitter_action=("twitter_action", "first"),
        twitter_level=("twitter_level", "first"), _wl=("_wl", "sum"), _wg=("_wg", "sum"),
        _wa=("_wa", "sum")).reset_index()
    g["level"] = g["_wl"] / g["n"]
    g["gap"] = g["_wg"] / g["n"]
    g["share_agree"] = g["_wa"] / g["n"]
    g["group"] = g["leader"].map(_leader_name)
    g["label"] = _item_labels(g)
    g["twitter_level"] = g["twitter_level"].astype("int64")
    g, _, _ = _first_items(g, 1)
    return _check_rows(g[list(VERSUS_COLUMNS)].reset_index(drop=True), "vs_twitter")


def class_vs_twitter_summary(table: pd.DataFrame) -> str:
    """One or two sentences summarising a :func:`class_vs_twitter_table`.

    >>> t = pd.DataFrame({"action": ["lock", "none"], "twitter_action": ["suspend", "none"],
    ...                   "n": [4, 4], "gap": [-0.75, 0.25]})
    >>> class_vs_twitter_summary(t)
    "The class's most common choice matched Twitter's action on 1 of 2 items. Averaged over the items, the class was 0.25 steps more lenient than Twitter."
    """
    if not len(table):
        return "No class decisions yet."
    n = len(table)
    same = int((table["action"] == table["twitter_action"]).sum())
    mean_gap = float(table["gap"].mean())
    if abs(mean_gap) < 0.005:
        second = "Averaged over the items, the class was as strict as Twitter."
    else:
        way = "stricter" if mean_gap > 0 else "more lenient"
        second = f"Averaged over the items, the class was {abs(mean_gap):.2f} steps {way} than Twitter."
    return (f"The class's most common choice matched Twitter's action on {same} of "
            f"{_plural(n, 'item')}. {second}")


def class_vs_twitter_chart(vs_twitter: pd.DataFrame, casebook=None):
    """Per item the class's mean ladder level next to Twitter's, joined by a line, by leader.

    ``vs_twitter`` is ``collect_class(...).vs_twitter``; tooltips give the most
    common choice, the share that matched Twitter and the mean gap.

    >>> vs = pd.DataFrame({"item_id": ["T1"], "leader": ["trump"], "title": ["A"], "n": [4],
    ...     "twitter_action": ["suspend"], "modal_action": ["lock"], "share_agree_twitter": [0.25],
    ...     "mean_level": [4.25], "twitter_level": [5], "mean_gap": [-0.75]})
    >>> spec = class_vs_twitter_chart(vs).to_dict()
    >>> spec["spec"]["layer"][1]["encoding"]["color"]["scale"]["domain"]
    ['Twitter', 'Class (mean)']
    """
    table = class_vs_twitter_table(vs_twitter)
    v = vs_twitter
    ladder = _frame_ladder(zip(v["twitter_action"], v["twitter_level"]), casebook,
                           span=list(table["level"]) if len(table) else ())
    label = "Class (mean)"
    title = "The class next to Twitter"
    summary = class_vs_twitter_summary(table)
    if not len(table):
        return _message_chart(title, summary)
    tips = [alt.Tooltip("action:N", title="Class's most common choice"),
            alt.Tooltip("gap:Q", title="Mean gap in steps (+ stricter)", format="+.2f"),
            alt.Tooltip("share_agree:Q", title="Chose Twitter's action", format=".0%"),
            alt.Tooltip("n:Q", title="Learners")]
    subtitle = "Squares: Twitter; circles: the class's mean level. The line is the gap."
    return _dumbbell(table, ladder, label, title, summary, subtitle, tips)


# --------------------------------------------------------------------------- 6. attribution

ATTRIBUTION_COLUMNS = ("part", "label", "value", "value_from_text", "value_text", "reported_by", "date", "points_to",
                       "claim", "claimed_by", "note", "source_ids", "position")


_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.,]?\d)")


def _number_in_text(text) -> float:
    """The first whole number written in digits in ``text`` ("more than 80 times" -> 80), else NaN."""
    m = _NUMBER_RE.search(str(text or ""))
    return float(m.group(1).replace(",", "")) if m else math.nan


def _wrap(text: str, width: int = 34, lines: int = 3) -> str:
    """Wrap text into at most ``lines`` lines joined by "|" (split again by the axis labelExpr)."""
    out = textwrap.wrap(str(text), width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _short(out[-1] + " …", width)
    return "|".join(out)


def attribution_table(casebook, handle: str = "khamenei_site") -> pd.DataFrame:
    """The evidence on who runs ``handle``: reported figures and attribution claims, one row each.

    ``part`` is "counts" (figures such as retweets or deletions), "followers"
    (follower figures) or "evidence" (rows of ``casebook.evidence``; none until
    that table is filled). Figures are those whose ``subject`` is the handle
    (with or without "@", any case). Other columns: label (measure, or the
    claim), value, value_text, reported_by, date, points_to, claim, claimed_by,
    note, source_ids, position (the claim's place in its row of the chart).

    >>> import kit
    >>> t = attribution_table(kit.load_casebook())
    >>> set(t.part) <= {"counts", "followers", "evidence"}
    True
    """
    if not isinstance(handle, str) or not handle.strip():
        raise KitDataError("give the account's handle, e.g. 'khamenei_site'", file="handle")
    handle = handle.strip().lstrip("@")
    accounts = casebook.accounts
    if handle not in set(accounts["handle"]):
        raise KitDataError(f"@{handle} is not an account in the case file", file="data/accounts.csv",
                           column="handle")
    fig = casebook.figures
    subject = fig["subject"].astype(str).str.strip().str.lstrip("@")
    about = (subject.str.lower() == handle.lower()) | \
        fig["measure"].astype(str).str.lower().str.contains(f"@{handle.lower()}", regex=False)
    fig, subject = fig[about], subject[about]
    is_followers = fig["measure"].astype(str).str.lower().str.contains("follower")
    value = pd.to_numeric(fig["value"], errors="coerce").astype("float64")
    from_text = fig["value_text"].map(_number_in_text)
    figures = pd.DataFrame({
        "part": np.where(is_followers, "followers", "counts"),
        "label": [m if s.lower() == handle.lower() else f"{m} ({s})"
                  for m, s in zip(fig["measure"].astype(str), subject)],
        "value": value.where(value.notna(), from_text),
        "value_from_text": value.isna() & from_text.notna(),
        "value_text": fig["value_text"].astype(str),
        "reported_by": fig["reported_by"].astype(str),
        "date": fig["as_of"],
        "points_to": "", "claim": "", "claimed_by": "",
        "note": fig["note"].fillna("").astype(str),
        "source_ids": fig["source_ids"].map(_ids_text),
        "position": 0,
    })
    ev = casebook.evidence
    ev = ev[ev["handle"] == handle]
    evidence = pd.DataFrame({
        "part": "evidence",
        "label": ev["claim"].astype(str).map(lambda c: _short(c, 80)),
        "value": np.nan, "value_from_text": False, "value_text": "", "reported_by": "",
        "date": ev["date"],
        "points_to": ev["points_to"].astype(str),
        "claim": ev["claim"].astype(str),
        "claimed_by": ev["claimed_by"].astype(str),
        "note": "",
        "source_ids": ev["source_ids"].map(_ids_text),
        "position": ev.groupby("points_to").cumcount() + 1 if len(ev) else 0,
    })
    out = pd.concat([f for f in (figures, evidence) if len(f)], ignore_index=True) \
        if len(figures) or len(evidence) else pd.DataFrame(columns=list(ATTRIBUTION_COLUMNS))
    out["position"] = out["position"].astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    return _check_rows(out[list(ATTRIBUTION_COLUMNS)], "attribution")


def attribution_summary(table: pd.DataFrame, handle: str = "khamenei_site") -> str:
    """One or two sentences summarising an :func:`attribution_table`.

    >>> t = pd.DataFrame({"part": ["counts", "evidence", "evidence"], "label": ["retweets by state accounts", "", ""],
    ...     "value_text": ["more than 80", "", ""], "reported_by": ["ASD", "", ""],
    ...     "points_to": ["", "linked", "linked"]})
    >>> attribution_summary(t)
    'Reported about @khamenei_site: retweets by state accounts: more than 80. Of 2 pieces of attribution evidence, 2 point to linked.'
    """
    handle = handle.lstrip("@")
    figs = table[table["part"] != "evidence"]
    ev = table[table["part"] == "evidence"]
    if len(figs):
        figs = pd.concat([figs[figs["part"] == "counts"], figs[figs["part"] != "counts"]])
        shown = [f"{r.label}: {r.value_text}" for r in figs.head(3).itertuples()]
        more = f"; and {_plural(len(figs) - 3, 'more figure')}" if len(figs) > 3 else ""
        first = f"Reported about @{handle}: {'; '.join(shown)}{more}."
    else:
        first = f"No figures about @{handle} are in the case file."
    if len(ev):
        counts = ev["points_to"].value_counts()
        parts = [f"{int(counts[p])} point to {p}" if int(counts[p]) != 1 else f"1 points to {p}"
                 for p in POINTS_TO if p in counts.index and p != "unclear"]
        if "unclear" in counts.index:
            k = int(counts["unclear"])
            parts.append(f"{k} {'is' if k == 1 else 'are'} unclear")
        second = (f"Of {_plural(len(ev), 'piece')} of attribution evidence, "
                  + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + ".")
    else:
        second = f"No attribution evidence about @{handle} is in the case file yet."
    return f"{first} {second}"


def attribution_chart(casebook, handle: str = "khamenei_site"):
    """Who runs ``handle``? Reported figures as bars and each attribution claim as a square.

    Panels (each only when it has rows): counts (e.g. Hamilton 2.0's retweets by
    state-linked accounts, by Khamenei's Farsi account, deletions), followers,
    and the evidence table (one square per claim, in a row for what it points to:
    official, linked, impostor or unclear). Bars are in the leader's colour; the
    figures' own wording, who reports them and sources are in the tooltips.

    >>> import kit
    >>> chart = attribution_chart(kit.load_casebook())
    >>> "@khamenei_site" in text_alternative(chart)
    True
    """
    table = attribution_table(casebook, handle)
    handle = handle.strip().lstrip("@")
    leader = dict(zip(casebook.accounts.handle, casebook.accounts.leader)).get(handle)
    colour = LEADER_COLOURS.get(leader, OKABE_ITO["grey"])
    title = f"Who runs @{handle}? The evidence"
    summary = attribution_summary(table, handle)
    panels = []
    for part, heading in (("counts", "Reported counts"), ("followers", "Followers")):
        f = table[table["part"] == part]
        if not len(f):
            continue
        rows = [f"{lab} ({rep})" if part == "followers" else lab
                for lab, rep in zip(f["label"], f["reported_by"])]
        f = f.assign(row=[_wrap(r) for r in rows], bar=f["value"].fillna(0.0),
                     how=np.where(f["value_from_text"], "read from the wording (at least)",
                                  np.where(f["value"].isna(), "no number given", "as a number")))
        base = alt.Chart(f, title=alt.Title(heading, fontSize=13, anchor="start"))
        top = float(f["bar"].max())
        y = alt.Y("row:N", title=None, sort=list(dict.fromkeys(f["row"])),
                  axis=alt.Axis(labelExpr="split(datum.label, '|')", labelLimit=LABEL_LIMIT + 60))
        tips = [alt.Tooltip("label:N", title="Measure"), alt.Tooltip("value_text:N", title="As reported"),
                alt.Tooltip("how:N", title="Bar length"),
                alt.Tooltip("reported_by:N", title="Reported by"),
                alt.Tooltip("date:T", title="As of", format="%d %b %Y"),
                alt.Tooltip("note:N", title="Note"), alt.Tooltip("source_ids:N", title="Sources")]
        x = alt.X("bar:Q", title="Number" if part == "counts" else "Followers",
                  scale=alt.Scale(domain=[0, top * 1.5 if top > 0 else 1]), axis=alt.Axis(tickCount=4))
        bars = base.mark_bar(color=colour).encode(x=x, y=y, tooltip=tips)
        text = base.mark_text(align="left", dx=4, fontSize=11).encode(
            x=x, y=y, text=alt.Text("value_text:N"), tooltip=tips)
        panels.append((bars + text).properties(width=WIDTH - 160, height=alt.Step(40)))
    ev = table[table["part"] == "evidence"]
    if len(ev):
        evid = alt.Chart(ev, title=alt.Title("Attribution evidence: one square per claim", fontSize=13,
                                 anchor="start")) \
            .mark_square(size=140, opacity=0.9).encode(
                x=alt.X("position:Q", title="Number of claims", axis=alt.Axis(tickMinStep=1, format="d"),
                        scale=alt.Scale(domain=[0, int(ev["position"].max()) + 1], nice=False)),
                y=alt.Y("points_to:N", title="Points to", sort=list(POINTS_TO),
                        scale=alt.Scale(domain=list(POINTS_TO))),
                color=alt.Color("points_to:N", title="Points to", legend=None,
                                scale=alt.Scale(domain=list(POINTS_TO), range=list(POINTS_TO_COLOURS))),
                tooltip=[alt.Tooltip("claim:N", title="Claim"),
                         alt.Tooltip("claimed_by:N", title="Claimed by"),
                         alt.Tooltip("points_to:N", title="Points to"),
                         alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                         alt.Tooltip("source_ids:N", title="Sources")],
            ).properties(width=WIDTH - 160, height=alt.Step(24))
        panels.append(evid)
    if not panels:
        return _message_chart(title, summary)
    chart = panels[0] if len(panels) == 1 else alt.vconcat(*panels, spacing=16)
    return _finish(chart, title, summary, "Figures as their sources word them, and each claim about "
                                          "who runs the account")
