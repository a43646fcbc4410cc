"""Distribution chart: how a class's decisions on each item spread over the ladder.

A 100% stacked bar per item, coloured by the ladder's ordered scheme, grouped by
leader; it draws ``collect_class(...).distribution``.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..words import plural
from .frames import check_rows, first_items, ladder_frame, require
from .style import (FILL, INK, ROW_STEP, finish, grouped_rows, item_labels, ladder_scale,
                    row_titles,
                    leader_name, message_chart, row_header, short)

DISTRIBUTION_NEEDED = ("item_id", "leader", "title", "action", "level", "count")
DISTRIBUTION_COLUMNS = ("group", "item_id", "label", "title", "action", "level", "count", "share")


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
    require(distribution, DISTRIBUTION_NEEDED, "distribution",
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
    g["group"] = g["leader"].map(leader_name)
    g = g.sort_values("level", kind="stable")
    order = {i: k for k, i in enumerate(dict.fromkeys(d["item_id"]))}
    g = g.assign(_o=g["item_id"].map(order)).sort_values(["_o", "level"], kind="stable")
    g["label"] = item_labels(g)
    g, _, _ = first_items(g, g.groupby("item_id").size().max() if len(g) else 1)
    return check_rows(g[list(DISTRIBUTION_COLUMNS)].reset_index(drop=True), "distribution")


def class_distribution_summary(table: pd.DataFrame, n_items_all: int | None = None,
                               action_names=None) -> str:
    """One or two sentences summarising a :func:`class_distribution_table`; actions by their
    names when ``action_names`` (e.g. ``casebook.action_names``) is given.

    >>> t = pd.DataFrame({"item_id": ["T1", "T1", "K1"], "title": ["A", "A", "B"],
    ...     "action": ["none", "remove", "remove"], "count": [1, 3, 2], "share": [0.25, 0.75, 1.0]})
    >>> class_distribution_summary(t)
    "6 decisions on 2 items. The most common choice was remove (83% of decisions); the class was most divided on 'A' (top choice 75%)."
    >>> class_distribution_summary(t, action_names={"remove": "Require removal"}).split(". ")[1]
    "The most common choice was Require removal (83% of decisions); the class was most divided on 'A' (top choice 75%)."
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
    return (f"{plural(n, 'decision')} on {plural(items, 'item')}{shown}. The most common choice was "
            f"{(action_names or {}).get(top_action, top_action)} ({by_action[top_action] / n:.0%} of decisions); the class was most "
            f"divided on '{short(title, 60)}' (top choice {top_share[divided]:.0%}).")


def class_distribution_chart(distribution: pd.DataFrame, casebook=None):
    """Per item, how the class's decisions spread over the ladder (a 100% stacked bar), by leader.

    One view as wide as its container; items grouped by leader, each item's title in full
    above its bar (:func:`kit.charts.style.grouped_rows`).

    ``distribution`` is ``collect_class(...).distribution``. Colours follow the
    ladder's ordered scheme (the ladder from ``casebook`` if given, otherwise from
    the table); tooltips give each action's count and share.

    >>> dist = pd.DataFrame({"item_id": ["T1", "T1"], "leader": ["trump", "trump"],
    ...     "title": ["A", "A"], "action": ["none", "suspend"], "level": [0, 5], "count": [1, 3],
    ...     "share": [0.25, 0.75]})
    >>> spec = class_distribution_chart(dist).to_dict()
    >>> spec["layer"][0]["mark"]["type"], spec["layer"][0]["encoding"]["x"]["field"]
    ('bar', 'share')
    """
    table = class_distribution_table(distribution)
    n_all = distribution["item_id"].nunique() if len(distribution) else 0
    d = distribution
    ladder = ladder_frame(casebook, zip(d["action"], d["level"]))
    title = "How the class decided each item"
    summary = class_distribution_summary(table, n_all,
                                         casebook.action_names if casebook is not None else None)
    if not len(table):
        return message_chart(title, summary)
    steps = list(ladder["action_id"])
    data, y = grouped_rows(table)
    tips = [alt.Tooltip("title:N", title="Item"), alt.Tooltip("item_id:N", title="Id"),
            alt.Tooltip("action:N", title="Action"), alt.Tooltip("level:Q", title="Level"),
            alt.Tooltip("count:Q", title="Learners"),
            alt.Tooltip("share:Q", title="Share", format=".0%")]
    # a thin outline in the page's ink: the darkest step stays visible on a dark page
    bars = alt.Chart(data).mark_bar(height=12, stroke=INK, strokeWidth=0.6, strokeOpacity=0.5).encode(
        x=alt.X("share:Q", title="Share of the class's decisions", stack="zero",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1], labelFlush=True)),
        y=y,
        color=alt.Color("action:N", title="Action", scale=ladder_scale(ladder), sort=steps,
                        legend=alt.Legend(orient="bottom", columns=6)),
        order=alt.Order("level:Q", sort="ascending"),
        tooltip=tips,
    )
    chart = alt.layer(bars, *row_titles(data, y)).properties(
        width=FILL, height=alt.Step(ROW_STEP))
    return finish(chart, title, summary)
