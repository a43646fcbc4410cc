"""Outcome chart: a policy's actions on each account over time, next to Twitter's.

It draws ``kit.policy.outcome_timeline`` output and is redrawn on every change in
the PolicyLab (goal: 50 ms for the whole update, see benchmarks/run.py), so the
table is built in one plain-Python pass over the rows: pandas would cost several
milliseconds per call on the few dozen rows of the case file.
"""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..casebook import LEADER_NAMES, LEADERS
from ..words import plural
from .frames import check_rows, ladder_frame, require
from .style import (FILL, LABEL_LIMIT, MAX_ROWS, finish, leader_name, message_chart, who_scale)

OUTCOME_NEEDED = ("handle", "leader", "date", "source", "action", "level")
OUTCOME_COLUMNS = ("account", "handle", "leader", "date", "source", "action", "level", "items")
_SOURCES = ("policy", "Twitter")
#: Height in pixels of one account's row in :func:`policy_outcome_chart`.
OUTCOME_ROW = 56


def policy_outcome_table(timeline: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`policy_outcome_chart` draws, from ``kit.policy.outcome_timeline`` output.

    One row per account, source ("policy" or "Twitter") and day with the most
    severe action that day; ``items`` says how many rows were merged. Past
    :data:`MAX_ROWS` rows, only the days where the level changes (and each
    series' last day) are kept, then days are merged by week, month or year.
    Rows with no date or no level are left out. Columns: account ("@handle
    (Leader)"), handle, leader, date, source, action, level, items.

    >>> tl = pd.DataFrame({"handle": ["a"] * 4, "leader": ["trump"] * 4,
    ...     "date": pd.to_datetime(["2020-05-29"] * 2 + ["2021-01-08"] * 2),
    ...     "source": ["policy", "Twitter"] * 2, "action": ["remove", "label", "suspend", "suspend"],
    ...     "level": [3, 1, 5, 5]})
    >>> policy_outcome_table(tl)[["source", "action", "level"]].values.tolist()
    [['policy', 'remove', 3], ['Twitter', 'label', 1], ['policy', 'suspend', 5], ['Twitter', 'suspend', 5]]
    """
    require(timeline, OUTCOME_NEEDED, "timeline", "pass the table kit.policy.outcome_timeline returns")
    t = _dated_rows(timeline)
    handles, leaders, sources = t["handle"].tolist(), t["leader"].tolist(), t["source"].tolist()
    levels = t["level"].tolist()
    dates = t["date"]
    chosen = _most_severe(handles, sources, dates.astype("int64").tolist(), levels)
    for freq in ("D", "W", "M", "Y"):  # too many rows: keep change points, then merge days
        if len(chosen) <= MAX_ROWS:
            break
        dates = t["date"].dt.to_period(freq).dt.start_time
        keys = dates.astype("int64").tolist()
        chosen = _change_points(_most_severe(handles, sources, keys, levels), handles, sources,
                                keys, levels)
    source_rank = {s: i for i, s in enumerate(_SOURCES)}
    leader_rank = {l: i for i, l in enumerate(LEADERS)}
    chosen.sort(key=lambda c: (leader_rank.get(leaders[c[0]], len(LEADERS)), handles[c[0]],
                               c[2], source_rank.get(sources[c[0]], len(_SOURCES))))
    rows = np.array([c[0] for c in chosen], dtype=np.intp)
    return check_rows(pd.DataFrame({
        "account": pd.array([f"@{handles[i]} ({leader_name(leaders[i])})" for i in rows], dtype="str"),
        "handle": t["handle"].array.take(rows),
        "leader": t["leader"].array.take(rows),
        "date": dates.array.take(rows),
        "source": t["source"].array.take(rows),
        "action": t["action"].array.take(rows),
        "level": t["level"].to_numpy()[rows],
        "items": np.array([c[1] for c in chosen], dtype=np.int64),
    }, columns=list(OUTCOME_COLUMNS)), "timeline")


def _dated_rows(timeline: pd.DataFrame) -> dict:
    """The columns of the rows with an account, a source, a date and a whole-number level,
    in the order given (Series with a fresh index, by column name)."""
    columns = {c: timeline[c] for c in OUTCOME_NEEDED}
    columns["date"] = pd.to_datetime(columns["date"], errors="coerce")
    columns["level"] = pd.to_numeric(columns["level"], errors="coerce")
    keep = np.ones(len(timeline), dtype=bool)
    for c in ("handle", "source", "date", "level"):
        keep &= columns[c].notna().to_numpy()
    if not keep.all():
        columns = {c: v[keep] for c, v in columns.items()}
    columns["level"] = columns["level"].astype("int64")
    return {c: v.reset_index(drop=True) for c, v in columns.items()}


def _most_severe(handles: list, sources: list, keys: list, levels: list) -> list:
    """Per account, source and date key: [the row with the highest level, rows merged, key].

    On a tie the first row wins; groups come in the order of their chosen rows.
    """
    groups = {}
    for i, group in enumerate(zip(handles, sources, keys)):
        g = groups.get(group)
        if g is None:
            groups[group] = [i, 1, group[2]]
        else:
            if levels[i] > levels[g[0]]:
                g[0] = i
            g[1] += 1
    return sorted(groups.values())


def _change_points(chosen: list, handles: list, sources: list, keys: list, levels: list) -> list:
    """Of each account's and source's series (by date), the first and last rows and the
    rows where the level changes."""
    chosen = sorted(chosen, key=lambda c: (handles[c[0]], sources[c[0]], c[2]))
    kept = []
    for k, c in enumerate(chosen):
        series = handles[c[0]], sources[c[0]]
        prev = chosen[k - 1][0] if k else None
        nxt = chosen[k + 1][0] if k + 1 < len(chosen) else None
        first = prev is None or (handles[prev], sources[prev]) != series
        last = nxt is None or (handles[nxt], sources[nxt]) != series
        if first or last or levels[c[0]] != levels[prev]:
            kept.append(c)
    return kept


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
    top, worst = {}, {}  # highest level per (handle, source); first action at the highest
    for h, s, ldr, a, lv in zip(*(table[c].tolist() for c in ("handle", "source", "leader",
                                                               "action", "level"))):
        if top.get((h, s), lv - 1) < lv:
            top[(h, s)] = lv
        if s in _SOURCES and ldr in LEADERS:
            w = worst.get((ldr, s))
            if w is None or lv > w[0]:
                worst[(ldr, s)] = (lv, str(a))
    handles = list(dict.fromkeys(table["handle"]))
    same = sum(1 for h in handles if top.get((h, "policy")) == top.get((h, "Twitter")))
    first = f"The policy's most severe step matches Twitter's on {same} of {plural(len(handles), 'account')}."
    parts = [f"{LEADER_NAMES[l]}'s accounts: policy {worst[(l, 'policy')][1]}, "
             f"Twitter {worst[(l, 'Twitter')][1] if (l, 'Twitter') in worst else 'nothing'}"
             for l in LEADERS if (l, "policy") in worst]
    return f"{first} Most severe step for " + "; for ".join(parts) + "." if parts else first


def policy_outcome_chart(timeline: pd.DataFrame, casebook=None):
    """Each account's actions over time: the policy's next to Twitter's, one row per account.

    ``timeline`` is ``kit.policy.outcome_timeline`` output (handle, leader, date,
    source "policy"/"Twitter", action, level). In each account's row, lines step from
    one action to the next, higher for a more severe step (bottom: the ladder's first
    step, top: its last, from ``casebook`` if given, otherwise the actions in the
    table); Twitter is solid in the theme's ink, the policy purple and dashed, drawn a
    little apart so both stay visible where they agree. One view as wide as its
    container (rows instead of one panel per account), so it fits a narrow panel.

    >>> tl = pd.DataFrame({"handle": ["a", "a"], "leader": ["trump", "trump"],
    ...     "date": pd.to_datetime(["2021-01-08", "2021-01-08"]), "source": ["policy", "Twitter"],
    ...     "action": ["lock", "suspend"], "level": [4, 5]})
    >>> spec = policy_outcome_chart(tl).to_dict()
    >>> spec["mark"]["interpolate"], spec["encoding"]["color"]["scale"]["domain"]
    ('step-after', ['Twitter', 'policy'])
    """
    table = policy_outcome_table(timeline)
    ladder = ladder_frame(casebook, zip(table["action"], table["level"]))
    title = "Your policy and Twitter, account by account"
    summary = policy_outcome_summary(table)
    if not len(table):
        return message_chart(title, summary)
    who = ["Twitter", "policy"]
    low, high = (int(ladder["level"].min()), int(ladder["level"].max())) if len(ladder) else (0, 5)
    names = dict(zip(ladder["level"].astype(int), ladder["action_id"]))
    subtitle = (f"In each row, higher is more severe: bottom {names.get(low, low)}, "
                f"top {names.get(high, high)}.")
    nudge = 0.12 * max(1, high - low) / 5      # the policy's line a little under Twitter's
    chart = alt.Chart(table).transform_calculate(
        shown=f"datum.level + (datum.source == 'policy' ? {-nudge:.3f} : {nudge:.3f})",
    ).mark_line(interpolate="step-after", point=True, strokeWidth=2).encode(
        x=alt.X("date:T", title="Date of the item", axis=alt.Axis(format="%b %Y", labelAngle=0,
                                                                   labelFlush=True)),
        y=alt.Y("account:N", title=None, sort=list(dict.fromkeys(table["account"])),
                scale=alt.Scale(paddingInner=0.2, paddingOuter=0.1),
                axis=alt.Axis(labelLimit=LABEL_LIMIT + 60, labelFontWeight="bold", ticks=False,
                              domain=False, grid=False)),
        # within an account's band (80% of its row): its ladder, none at the bottom
        yOffset=alt.YOffset("shown:Q", title="Action",
                            scale=alt.Scale(domain=[low - 0.3, high + 0.3],
                                            range=[round(OUTCOME_ROW * 0.8) - 2, 2])),
        color=alt.Color("source:N", title="Decided by", scale=who_scale("policy"),
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("source:N", title="Decided by",
                                  scale=alt.Scale(domain=who, range=[[1, 0], [5, 3]])),
        detail=alt.Detail("account:N"),   # one line per account and source
        tooltip=[alt.Tooltip("account:N", title="Account"),
                 alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("source:N", title="Decided by"),
                 alt.Tooltip("action:N", title="Action"),
                 alt.Tooltip("level:Q", title="Level"),
                 alt.Tooltip("items:Q", title="Items that day")],
    ).properties(width=FILL, height=alt.Step(OUTCOME_ROW))
    return finish(chart, title, summary, subtitle)
