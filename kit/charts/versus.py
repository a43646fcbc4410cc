"""Versus charts: a learner's or a class's decisions next to what Twitter did, item by item.

Each item is a dumbbell on the enforcement ladder: a square at Twitter's step, a
circle at the learner's (or the class's mean) step, and a grey line for the gap.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from ..words import plural
from .frames import check_rows, first_items, ladder_frame, require
from .style import (FILL, OKABE_ITO, ROW_STEP, finish, grouped_rows, item_labels,
                    leader_name, level_axis, level_scale, message_chart, row_titles, short,
                    who_scale)

# --------------------------------------------------------------------------- a learner vs Twitter

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
    require(comparison, COMPARISON_NEEDED, "comparison", "pass the table compare_decisions returns")
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
    out["group"] = out["leader"].map(leader_name)
    out["label"] = item_labels(out)
    out["twitter_level"] = out["twitter_level"].astype("int64")
    out["n"] = out["n"].astype("int64")
    for col in ("level", "gap", "share_agree"):
        out[col] = out[col].astype("float64")
    return check_rows(out[list(VERSUS_COLUMNS)], "comparison")


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
    first = (f"{whose} {what} matched Twitter's on {same} of {plural(n, 'item')}, "
             f"was stricter on {stricter} and more lenient on {lenient}.")
    top = table.loc[gap.abs().idxmax()]
    steps = abs(float(top["gap"]))
    if steps < 0.5:
        return first
    steps_text = f"{steps:.0f}" if steps == int(steps) else f"{steps:.1f}"
    way = "stricter" if top["gap"] > 0 else "more lenient"
    return (first + f" The largest gap was on '{short(top['title'], 60)}': "
            f"{steps_text} {'step' if steps == 1 else 'steps'} {way} than Twitter.")


def _dumbbell(table: pd.DataFrame, ladder: pd.DataFrame, label: str, title: str, summary: str,
              subtitle: str, extra_tooltips: list):
    """Per item a grey rule from Twitter's level to the other level, with a mark at each end.

    One view as wide as its container, items grouped by leader (:func:`grouped_rows`),
    each item's title in full above its row. Twitter's mark is an open square drawn
    larger than the learner's filled circle, which comes on top: where both are on the
    same step both stay visible (a dot inside a square), and the tooltip says so.
    """
    data, y = grouped_rows(table)
    data["same"] = (data["level"] - data["twitter_level"]).abs() < 0.5
    data["same_text"] = data["same"].map({True: "yes", False: "no"})
    who = ["Twitter", label]
    scale = level_scale(ladder)
    x_axis = level_axis(ladder, "Enforcement ladder level")
    x_axis.labelFlush = True
    tips = [alt.Tooltip("title:N", title="Item"), alt.Tooltip("item_id:N", title="Id"),
            alt.Tooltip("twitter_action:N", title="Twitter's action"), *extra_tooltips,
            alt.Tooltip("same_text:N", title="On Twitter's step")]
    base = alt.Chart(data)
    rule = base.mark_rule(color=OKABE_ITO["grey"], strokeWidth=2).encode(
        x=alt.X("level:Q", scale=scale, axis=x_axis), x2="twitter_level:Q", y=y, tooltip=tips)
    folded = base.transform_fold(["level", "twitter_level"], as_=["which", "step"]).transform_calculate(
        who=f"datum.which == 'twitter_level' ? 'Twitter' : {_js(label)}")
    colour = alt.Color("who:N", title=None, scale=who_scale(label), legend=alt.Legend(orient="bottom"))
    shape = alt.Shape("who:N", title=None, scale=alt.Scale(domain=who, range=["square", "circle"]))
    point_tips = [alt.Tooltip("who:N", title="Who"),
                  alt.Tooltip("step:Q", title="Level", format=".2~f"), *tips]
    dots = folded.transform_filter("datum.which == 'level'").mark_point(
        filled=True, size=64, opacity=1).encode(
        x=alt.X("step:Q", scale=scale, axis=x_axis), y=y, color=colour, shape=shape,
        tooltip=point_tips)
    squares = folded.transform_filter("datum.which == 'twitter_level'").mark_point(
        filled=False, size=150, strokeWidth=2, opacity=1).encode(
        x=alt.X("step:Q", scale=scale, axis=x_axis), y=y, color=colour, shape=shape,
        tooltip=point_tips)
    chart = alt.layer(rule, squares, dots, *row_titles(data, y)).properties(
        width=FILL, height=alt.Step(ROW_STEP))
    return finish(chart, title, summary, subtitle)


def _js(text: str) -> str:
    """``text`` as a JavaScript string literal for a Vega expression."""
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


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
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rule', 'point', 'point', 'text', 'text', 'text']
    """
    table = learner_vs_twitter_table(comparison)
    average = bool(len(table)) and int(table["n"].max()) > 1
    label = label or ("Class (mean)" if average else "You")
    c = comparison
    ladder = ladder_frame(casebook, list(zip(c["action"], c["level"]))
                          + list(zip(c["twitter_action"], c["twitter_level"])))
    title = "Your decisions next to Twitter's" if label == "You" else f"{label} next to Twitter"
    summary = learner_vs_twitter_summary(table, label)
    if not len(table):
        return message_chart(title, summary)
    tips = [alt.Tooltip("action:N", title="Decision (most common)" if average else "Decision"),
            alt.Tooltip("gap:Q", title="Gap in steps (+ stricter)", format="+.2~f"),
            alt.Tooltip("share_agree:Q", title="Same as Twitter", format=".0%"),
            alt.Tooltip("n:Q", title="Decisions")]
    subtitle = f"Open square: Twitter; dot: {label}; a dot in a square: the same step."
    return _dumbbell(table, ladder, label, title, summary, subtitle, tips)


# --------------------------------------------------------------------------- the class vs Twitter

VS_TWITTER_NEEDED = ("item_id", "leader", "title", "n", "twitter_action", "modal_action",
                     "share_agree_twitter", "mean_level", "twitter_level", "mean_gap")


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
    require(vs_twitter, VS_TWITTER_NEEDED, "vs_twitter", "pass collect_class(...).vs_twitter")
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
    g["group"] = g["leader"].map(leader_name)
    g["label"] = item_labels(g)
    g["twitter_level"] = g["twitter_level"].astype("int64")
    g, _, _ = first_items(g, 1)
    return check_rows(g[list(VERSUS_COLUMNS)].reset_index(drop=True), "vs_twitter")


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
            f"{plural(n, 'item')}. {second}")


def class_vs_twitter_chart(vs_twitter: pd.DataFrame, casebook=None):
    """Per item the class's mean ladder level next to Twitter's, joined by a line, by leader.

    ``vs_twitter`` is ``collect_class(...).vs_twitter``; tooltips give the most
    common choice, the share that matched Twitter and the mean gap.

    >>> vs = pd.DataFrame({"item_id": ["T1"], "leader": ["trump"], "title": ["A"], "n": [4],
    ...     "twitter_action": ["suspend"], "modal_action": ["lock"], "share_agree_twitter": [0.25],
    ...     "mean_level": [4.25], "twitter_level": [5], "mean_gap": [-0.75]})
    >>> spec = class_vs_twitter_chart(vs).to_dict()
    >>> spec["layer"][1]["encoding"]["color"]["scale"]["domain"]
    ['Twitter', 'Class (mean)']
    """
    table = class_vs_twitter_table(vs_twitter)
    v = vs_twitter
    ladder = ladder_frame(casebook, zip(v["twitter_action"], v["twitter_level"]),
                          span=list(table["level"]) if len(table) else ())
    label = "Class (mean)"
    title = "The class next to Twitter"
    summary = class_vs_twitter_summary(table)
    if not len(table):
        return message_chart(title, summary)
    tips = [alt.Tooltip("action:N", title="Class's most common choice"),
            alt.Tooltip("gap:Q", title="Mean gap in steps (+ stricter)", format="+.2f"),
            alt.Tooltip("share_agree:Q", title="Chose Twitter's action", format=".0%"),
            alt.Tooltip("n:Q", title="Learners")]
    subtitle = "Open square: Twitter; dot: the class's mean; a dot in a square: the same step."
    return _dumbbell(table, ladder, label, title, summary, subtitle, tips)
