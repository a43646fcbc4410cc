"""Case charts: the two cases as the case file tells them (the timeline and the ladder).

Both take the case file (a :class:`kit.Casebook`); the ladder chart can also
place a learner's or a class's decisions next to Twitter's.
"""
from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from ..casebook import LEADER_NAMES, LEADERS
from ..errors import KitDataError
from ..words import not_on_ladder, plural
from .frames import check_rows, ids_text, ladder_frame, require
from .style import (EVENT_COLOURS, EVENT_KINDS, EVENT_SHAPES, FILL, LABEL_LIMIT, MAX_ROWS,
                    finish, group_order, ladder_scale, leader_name, message_chart)

#: event_type values that are an enforcement action by someone.
_ENFORCEMENT = frozenset({"label", "notice", "removal", "lock", "suspension", "reinstatement",
                          "restriction", "block"})
_PLATFORM_NAMES = {"twitter": "Twitter", "facebook": "Facebook", "instagram": "Instagram",
                   "youtube": "YouTube", "other": "Other platform"}


# --------------------------------------------------------------------------- timeline

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


def timeline_table(casebook, item_actions: bool = True) -> pd.DataFrame:
    """The rows :func:`timeline_chart` draws: events and items, one mark per lane, kind and day.

    Columns: ``group`` (Trump, Khamenei or "Both / general"), ``lane`` (an account
    as "@handle", or a platform), ``date``, ``kind`` (one of :data:`EVENT_KINDS`),
    ``event_type``, ``description``, ``actor``, ``source_ids`` (text, "; "
    separated), ``count`` (events merged into the mark). Posts and Twitter actions
    recorded only on an item (no event for them) are added from ``casebook.items``.
    Events with the same lane, kind and day share one mark; if there would still be
    more than :data:`MAX_ROWS` marks they are merged by month, then by year.
    ``item_actions=False`` leaves out what Twitter did to the items learners decide on (so
    the timeline gives nothing away before lesson 3's reveal); Twitter's other actions stay.

    >>> import kit
    >>> t = timeline_table(kit.load_casebook())
    >>> set(t.kind) <= set(EVENT_KINDS), int(t["count"].min()) >= 1
    (True, True)
    >>> cb = kit.load_casebook()
    >>> hidden = timeline_table(cb, item_actions=False)
    >>> int(hidden["count"].sum()) < int(t["count"].sum())
    True
    """
    accounts = casebook.accounts
    account_platform = dict(zip(accounts.handle, accounts.platform))
    ev = casebook.events
    rows = pd.DataFrame({
        "group": ev["leader"].map(leader_name),
        "lane": [_lane(h, p, account_platform) for h, p in zip(ev["handle"], ev["platform"])],
        "date": ev["date"],
        "kind": [_event_kind(t, p, a) for t, p, a in zip(ev["event_type"], ev["platform"], ev["actor"])],
        "event_type": ev["event_type"],
        "description": ev["description"].astype(str),
        "actor": ev["actor"].astype(str),
        "source_ids": ev["source_ids"].map(ids_text),
        "item_id": ev["item_id"].fillna("").astype(str),
    })
    extra = _item_marks(casebook, rows, account_platform, item_actions)
    if not item_actions:
        rows = rows[~((rows["kind"] == "Twitter action") & (rows["item_id"] != ""))]
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
    return check_rows(table, "timeline")


def _item_marks(casebook, rows: pd.DataFrame, account_platform: dict,
                item_actions: bool = True) -> list:
    """Marks for the posts and Twitter actions that only an item records (no event for them)."""
    levels, names = casebook.action_levels, casebook.action_names
    low = min(levels.values()) if levels else 0
    posted = set(rows.loc[rows["kind"] == "Post", "item_id"]) - {""}
    acted = set(rows.loc[rows["kind"] == "Twitter action", "item_id"]) - {""}
    extra = []
    for it in casebook.items.itertuples(index=False):
        lane = _lane(it.handle, "twitter", account_platform)
        src = ids_text(it.source_ids)
        if it.kind == "post" and it.item_id not in posted and not pd.isna(it.date):
            extra.append({"group": leader_name(it.leader), "lane": lane, "date": it.date,
                          "kind": "Post", "event_type": "post",
                          "description": f"{it.title} ({it.item_id})", "actor": lane,
                          "source_ids": src, "item_id": it.item_id})
        if (item_actions and levels.get(it.twitter_action, low) > low and it.item_id not in acted
                and not pd.isna(it.twitter_action_date)):
            extra.append({"group": leader_name(it.leader), "lane": lane,
                          "date": it.twitter_action_date, "kind": "Twitter action",
                          "event_type": it.twitter_action,
                          "description": f"{names.get(it.twitter_action, it.twitter_action)}: "
                                         f"{it.title} ({it.item_id})",
                          "actor": "Twitter", "source_ids": src, "item_id": it.item_id})
    return extra


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
    group_rank = {g_: i for i, g_ in enumerate(group_order(out["group"]))}
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
    parts = [f"{plural(v, 'time')} on {g}'s accounts" if i == 0 else f"{plural(v, 'time')} on {g}'s"
             for i, (g, v) in enumerate(per.items())]
    return (f"Timeline of {n:,} dated events and posts from {start:%B %Y} to {end:%B %Y}. "
            f"Twitter acted {' and '.join(parts)}; other platforms acted {plural(other, 'time')}.")


def timeline_chart(casebook, item_actions: bool = True):
    """Both cases on one timeline: a row per account or platform, a mark per event.

    x is the date, rows are grouped by leader (Trump, Khamenei, both / general);
    colour and shape tell posts, Twitter's actions, other platforms' actions and
    other events apart. Tooltips give the description, actor and source ids.
    ``item_actions=False``: without Twitter's actions on the items learners decide on
    (:func:`timeline_table`), for lessons before the decision desk's reveal.

    >>> import kit
    >>> spec = timeline_chart(kit.load_casebook()).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["x"]["type"]
    ('point', 'temporal')
    """
    table = timeline_table(casebook, item_actions)
    title = "Timeline: both cases, account by account"
    if not len(table):
        return message_chart(title, timeline_summary(table))
    data, y = _lanes_by_group(table)
    chart = alt.Chart(data).mark_point(filled=True, size=60, opacity=0.85).encode(
        x=alt.X("date:T", title="Date", scale=alt.Scale(padding=8),
                axis=alt.Axis(format="%Y", tickCount="year")),
        y=y,
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
    ).properties(width=FILL, height=alt.Step(7, **{"for": "offset"}))
    return finish(chart, title, timeline_summary(table))


def _lanes_by_group(table: pd.DataFrame):
    """The timeline's rows in one view: each group's name (bold), then its lanes. Returns
    the table with a ``row`` key ("group|lane") and the y encoding."""
    data = table.assign(row=table["group"].astype(str) + "|" + table["lane"].astype(str))
    domain = []
    for g in group_order(data["group"]):
        domain.append(f"§{g}")
        domain += list(dict.fromkeys(data.loc[data["group"] == g, "row"]))
    header = "indexof(datum.value, '§') == 0"
    axis = alt.Axis(labelLimit=LABEL_LIMIT, ticks=False, domain=False,
                    labelExpr=f"{header} ? substring(datum.value, 1) : "
                              "substring(datum.value, indexof(datum.value, '|') + 1)",
                    labelFontWeight={"condition": {"test": header, "value": "bold"},
                                     "value": "normal"},
                    labelFontSize={"condition": {"test": header, "value": 12}, "value": 11})
    return data, alt.Y("row:N", title=None, scale=alt.Scale(domain=domain), axis=axis)


# --------------------------------------------------------------------------- ladder

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
    levels = dict(casebook.action_levels)
    items = casebook.items.reset_index(drop=True)
    items["_order"] = np.arange(len(items))
    twitter = pd.DataFrame({"item_id": items["item_id"], "action": items["twitter_action"], "n": 1})
    parts = [twitter.assign(who="Twitter")]
    if decisions is not None:
        parts.append(_modal_decisions(decisions, set(items["item_id"]), levels, casebook.ladder)
                     .assign(who=label))
    rows = pd.concat(parts, ignore_index=True)
    info = items.set_index("item_id")
    rows["group"] = rows["item_id"].map(info["leader"]).map(leader_name)
    rows["title"] = rows["item_id"].map(info["title"]).astype(str)
    rows["date"] = rows["item_id"].map(info["date"])
    rows["_order"] = rows["item_id"].map(info["_order"])
    rows["level"] = rows["action"].map(levels).astype("int64")
    rows["name"] = rows["action"].map(dict(casebook.action_names))
    who_rank = {"Twitter": 0, label: 1}
    rows = rows.assign(_w=rows["who"].map(who_rank),
                       _g=rows["group"].map({g: i for i, g in enumerate(group_order(rows["group"]))}))
    rows = rows.sort_values(["_g", "_w", "level", "date", "_order"], kind="stable")
    rows["pile"] = rows.groupby(["group", "who", "action"]).cumcount().astype("int64") + 1
    rows["n"] = rows["n"].astype("int64")
    return check_rows(rows[list(LADDER_COLUMNS)].reset_index(drop=True), "ladder")


def _modal_decisions(decisions, known_items: set, levels: dict, ladder: tuple) -> pd.DataFrame:
    hint = "pass a table with item_id and action columns (e.g. DecisionLog.table())"
    require(decisions, ("item_id", "action"), "decisions", hint)
    d = decisions[["item_id", "action"]].copy()
    empty = d["action"].isna() | (d["action"].astype(str).str.strip() == "")
    d = d[~empty]
    d["item_id"] = d["item_id"].astype(str).str.strip()
    d["action"] = d["action"].astype(str).str.strip()
    unknown = sorted(set(d["item_id"]) - known_items)
    if unknown:
        raise KitDataError(f"{unknown[0]!r} is not an item in the case file", file="decisions",
                           column="item_id")
    bad = sorted(set(d["action"]) - set(levels))
    if bad:
        raise KitDataError(not_on_ladder(bad, ladder), file="decisions", column="action")
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
        counts, worst = [], []
        for g in group_order(t["group"]):
            tg = t[t["group"] == g]
            counts.append(f"{int((tg['level'] > low).sum())} of {plural(len(tg), f'{g} item')}")
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

    Steps come from ``casebook.ladder`` (all shown, even empty ones); each item is
    a mark piled up at its step, coloured by the ladder's ordered scheme. With
    ``decisions`` (``item_id``, ``action``; e.g. ``DecisionLog.table()``) the
    learner's choice is shown next to Twitter's, as circles labelled ``label``
    (beside Twitter's square on the same step, so both stay visible where they agree).

    One view as wide as its container: each leader's piles in a block of their own,
    one above the other, with the leader's name in bold over the block and the count
    of items on the left axis (the y field ``y`` is the item's place in its pile plus
    its block's offset, see :func:`ladder_blocks`).

    >>> import kit
    >>> spec = ladder_chart(kit.load_casebook()).to_dict()
    >>> spec["width"], spec["layer"][0]["encoding"]["x"]["field"]
    ('container', 'action')
    """
    ladder = ladder_frame(casebook)
    table = ladder_table(casebook, decisions, label)
    title = "Where the items landed on the enforcement ladder"
    summary = ladder_summary(table, ladder)
    if not len(table):
        return message_chart(title, summary)
    steps = list(casebook.ladder)
    who = ["Twitter", label] if decisions is not None else ["Twitter"]
    top = max(2, int(table["pile"].max()))
    groups = group_order(table["group"])
    data, block = ladder_blocks(table, groups, top)
    ticks = list(range(0, top + 1, max(1, math.ceil(top / 8))))
    values = [b * block + v for b in range(len(groups)) for v in ticks]
    y_scale = alt.Scale(domain=[-0.5, len(groups) * block - 0.5], nice=False, zero=False)
    y_axis = alt.Axis(values=values, labelExpr=f"datum.value % {block}", format="d")
    y = alt.Y("y:Q", title="Items", scale=y_scale, axis=y_axis)
    x = alt.X("action:N", title="Enforcement ladder (mildest to most severe)",
              scale=alt.Scale(domain=steps), sort=steps, axis=alt.Axis(labelAngle=0))
    encoding = dict(
        x=x, y=y,
        color=alt.Color("action:N", title="Step", scale=ladder_scale(ladder), sort=steps,
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
    base = alt.Chart(data)
    marks = base.mark_point(filled=True, size=90, opacity=0.9).encode(**encoding)
    # each leader's name in bold over its block (from the same data: no second dataset)
    names = base.transform_aggregate(head="max(head)", groupby=["group"]).mark_text(
        align="left", baseline="middle", dx=4, fontSize=13, fontWeight="bold",
    ).encode(x=alt.value(0), y=alt.Y("head:Q", title="Items", scale=y_scale, axis=y_axis),
             text=alt.Text("group:N"))
    height = len(groups) * min(400 + 40, 16 * block + 8)
    chart = alt.layer(marks, names).properties(width=FILL, height=height)
    subtitle = ("Squares: Twitter; circles: " + label) if decisions is not None else None
    return finish(chart, title, summary, subtitle)


def ladder_blocks(table: pd.DataFrame, groups: list, top: int):
    """:func:`ladder_table` rows placed in one view, one block per leader: ``(data, block)``.

    ``block`` is a block's height in items (the tallest pile, a line for the leader's
    name and a gap); ``data`` adds ``y``, the item's place in its pile counted from its
    block's foot (the first leader's block on top), and ``head``, where its leader's name
    is written.

    >>> t = pd.DataFrame({"group": ["Trump", "Khamenei"], "pile": [1, 2]})
    >>> data, block = ladder_blocks(t, ["Trump", "Khamenei"], 2)
    >>> block, data["y"].tolist(), data["head"].tolist()
    (4, [5, 2], [7.0, 3.0])
    """
    block = top + 2
    foot = table["group"].map({g: (len(groups) - 1 - i) * block for i, g in enumerate(groups)})
    return table.assign(y=(foot + table["pile"]).astype("int64"),
                        head=(foot + top + 1).astype("float64")), block
