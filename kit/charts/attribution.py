"""Attribution chart: the evidence on who runs an account (reported figures and claims).

For a disputed account such as @khamenei_site: the figures reported about it (as
bars, with the sources' own wording) and each attribution claim as a square in a
row for what it points to (official, linked, impostor or unclear).
"""
from __future__ import annotations

import math
import re

import altair as alt
import numpy as np
import pandas as pd

from ..errors import KitDataError
from ..words import plural
from .frames import check_rows, ids_text
from .style import (FILL, LEADER_COLOURS, OKABE_ITO, POINTS_TO, POINTS_TO_COLOURS, ROW_STEP,
                    finish, grouped_rows, message_chart, row_titles, short)

ATTRIBUTION_COLUMNS = ("part", "label", "value", "value_from_text", "value_text", "reported_by", "date", "points_to",
                       "claim", "claimed_by", "note", "source_ids", "position")


_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.,]?\d)")


def _number_in_text(text) -> float:
    """The first whole number written in digits in ``text`` ("more than 80 times" -> 80), else NaN."""
    m = _NUMBER_RE.search(str(text or ""))
    return float(m.group(1).replace(",", "")) if m else math.nan


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
    figures, evidence = _figure_rows(casebook.figures, handle), _evidence_rows(casebook.evidence, handle)
    out = pd.concat([f for f in (figures, evidence) if len(f)], ignore_index=True) \
        if len(figures) or len(evidence) else pd.DataFrame(columns=list(ATTRIBUTION_COLUMNS))
    out["position"] = out["position"].astype("int64")
    out["date"] = pd.to_datetime(out["date"])
    return check_rows(out[list(ATTRIBUTION_COLUMNS)], "attribution")


def _figure_rows(fig: pd.DataFrame, handle: str) -> pd.DataFrame:
    """The figures about ``handle`` (its subject, or "@handle" in the measure) as table rows."""
    subject = fig["subject"].astype(str).str.strip().str.lstrip("@")
    about = (subject.str.lower() == handle.lower()) | \
        fig["measure"].astype(str).str.lower().str.contains(f"@{handle.lower()}", regex=False)
    fig, subject = fig[about], subject[about]
    is_followers = fig["measure"].astype(str).str.lower().str.contains("follower")
    value = pd.to_numeric(fig["value"], errors="coerce").astype("float64")
    from_text = fig["value_text"].map(_number_in_text)
    return pd.DataFrame({
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
        "source_ids": fig["source_ids"].map(ids_text),
        "position": 0,
    })


def _evidence_rows(ev: pd.DataFrame, handle: str) -> pd.DataFrame:
    """The attribution claims about ``handle`` as table rows, numbered within what they point to."""
    ev = ev[ev["handle"] == handle]
    return pd.DataFrame({
        "part": "evidence",
        "label": ev["claim"].astype(str).map(lambda c: short(c, 80)),
        "value": np.nan, "value_from_text": False, "value_text": "", "reported_by": "",
        "date": ev["date"],
        "points_to": ev["points_to"].astype(str),
        "claim": ev["claim"].astype(str),
        "claimed_by": ev["claimed_by"].astype(str),
        "note": "",
        "source_ids": ev["source_ids"].map(ids_text),
        "position": ev.groupby("points_to").cumcount() + 1 if len(ev) else 0,
    })


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
        more = f"; and {plural(len(figs) - 3, 'more figure')}" if len(figs) > 3 else ""
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
        second = (f"Of {plural(len(ev), 'piece')} of attribution evidence, "
                  + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] + ".")
    else:
        second = f"No attribution evidence about @{handle} is in the case file yet."
    return f"{first} {second}"


#: The headings of the chart's parts, in the order drawn.
_HEADINGS = {"counts": "Reported counts", "followers": "Followers",
             "evidence": "Attribution evidence: one square per claim"}
#: The longest bar of a part reaches this share of the chart's width (its wording after it).
_LONGEST = 0.6


def attribution_chart(casebook, handle: str = "khamenei_site"):
    """Who runs ``handle``? Reported figures as bars and each attribution claim as a square.

    Parts (each only when it has rows): counts (e.g. Hamilton 2.0's retweets by
    state-linked accounts, by Khamenei's Farsi account, deletions), followers,
    and the evidence table (one square per claim, in a row for what it points to:
    official, linked, impostor or unclear, with the number of claims). Bars are in
    the leader's colour, each part's longest bar the same length, with the figure's
    own wording after it; who reports them and sources are in the tooltips.

    One view as wide as its container: each part under its heading, each row's label
    written in full above its bar or squares (:func:`~kit.charts.style.grouped_rows`).

    >>> import kit
    >>> chart = attribution_chart(kit.load_casebook())
    >>> "@khamenei_site" in kit.charts.text_alternative(chart)
    True
    >>> chart.to_dict()["width"]
    'container'
    """
    table = attribution_table(casebook, handle)
    handle = handle.strip().lstrip("@")
    leader = dict(zip(casebook.accounts.handle, casebook.accounts.leader)).get(handle)
    colour = LEADER_COLOURS.get(leader, OKABE_ITO["grey"])
    title = f"Who runs @{handle}? The evidence"
    summary = attribution_summary(table, handle)
    rows = attribution_rows(table)
    if not len(rows):
        return message_chart(title, summary)
    order = [h for h in _HEADINGS.values() if h in set(rows["group"])]
    # the chart's rows: the evidence in the order of POINTS_TO (the data keeps its own order)
    rank = {p: i for i, p in enumerate(POINTS_TO)}
    in_order = rows.assign(_r=rows["points_to"].map(rank).fillna(len(rank))).sort_values(
        "_r", kind="stable").drop(columns="_r")
    data, y = grouped_rows(in_order, order=order)
    data = data.sort_index()
    x = alt.X("bar:Q", title=None, axis=None, scale=alt.Scale(domain=[0, 1], nice=False))
    tips = [alt.Tooltip("label:N", title="Measure"), alt.Tooltip("value_text:N", title="As reported"),
            alt.Tooltip("how:N", title="Bar length"),
            alt.Tooltip("reported_by:N", title="Reported by"),
            alt.Tooltip("date:T", title="As of", format="%d %b %Y"),
            alt.Tooltip("note:N", title="Note"), alt.Tooltip("source_ids:N", title="Sources")]
    base = alt.Chart(data)
    figures = base.transform_filter("datum.kind == 'bar'")
    bars = figures.mark_bar(color=colour, height=alt.RelativeBandSize(0.8)).encode(
        x=x, y=y, tooltip=tips)
    # the wording after its bar, cut only where wider than the rest of the chart
    wording = figures.mark_text(align="left", baseline="middle", dx=4, fontSize=11,
                                limit=alt.ExprRef("width * (1 - datum.bar) - 8")).encode(
        x=x, y=y, text=alt.Text("value_text:N"), tooltip=tips)
    squares = base.transform_filter("datum.kind == 'square'").mark_square(
        size=110, opacity=0.9).encode(
        x=x, y=y,
        color=alt.Color("points_to:N", title="Points to", legend=None,
                        scale=alt.Scale(domain=list(POINTS_TO), range=list(POINTS_TO_COLOURS))),
        tooltip=[alt.Tooltip("claim:N", title="Claim"),
                 alt.Tooltip("claimed_by:N", title="Claimed by"),
                 alt.Tooltip("points_to:N", title="Points to"),
                 alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("source_ids:N", title="Sources")])
    chart = alt.layer(bars, wording, squares, *row_titles(data, y)).properties(
        width=FILL, height=alt.Step(ROW_STEP))
    return finish(chart, title, summary, "Figures as their sources word them, and each claim about "
                                         "who runs the account")


def attribution_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`attribution_chart` draws from an :func:`attribution_table`.

    Per figure a bar (``kind`` "bar"): ``bar`` is its length, as a share of the chart's
    width (each part's largest figure at :data:`_LONGEST`; 0 where no number is given),
    ``how`` says where the number comes from. Per claim a square (``kind`` "square") at
    ``bar`` = its place in its row. Each row of the chart has a key (``item_id``), its
    label (``title``: the measure, with who reports it for followers; for the evidence,
    what the claims point to and how many there are: every value of
    :data:`~kit.charts.style.POINTS_TO`, "no claims" where none) and its part's heading
    (``group``).

    >>> t = pd.DataFrame({"part": ["counts", "counts", "evidence"], "label": ["a", "b", "c"],
    ...     "value": [10.0, 5.0, float("nan")], "value_from_text": [False, True, False],
    ...     "reported_by": ["X", "Y", ""], "points_to": ["", "", "linked"], "position": [0, 0, 1]})
    >>> r = attribution_rows(t)
    >>> r[["kind", "title", "bar"]].values.tolist()[:4]
    [['bar', 'a', 0.6], ['bar', 'b', 0.3], ['square', 'Points to linked: 1 claim', 0.5], ['', 'Points to official: no claims', 0.0]]
    """
    parts = []
    for part in ("counts", "followers"):
        f = table[table["part"] == part]
        if not len(f):
            continue
        value = f["value"].fillna(0.0).astype("float64")
        top = float(value.max())
        labels = [f"{lab} ({rep})" if part == "followers" else str(lab)
                  for lab, rep in zip(f["label"], f["reported_by"])]
        parts.append(f.assign(
            group=_HEADINGS[part], item_id=[f"{part}{i}" for i in range(len(f))], title=labels,
            kind="bar", bar=value / top * _LONGEST if top > 0 else 0.0,
            how=np.where(f["value_from_text"], "read from the wording (at least)",
                         np.where(f["value"].isna(), "no number given", "as a number"))))
    ev = table[table["part"] == "evidence"]
    if len(ev):
        counts = ev["points_to"].value_counts()
        slots = int(ev["position"].max()) + 1
        label = {p: f"Points to {p}: " + (plural(int(counts[p]), "claim") if p in counts.index
                                         else "no claims") for p in POINTS_TO}
        known = ev["points_to"].isin(POINTS_TO)
        others = [p for p in dict.fromkeys(ev.loc[~known, "points_to"])]
        label.update({p: f"Points to {p}: {plural(int(counts[p]), 'claim')}" for p in others})
        empty = pd.DataFrame({"part": "evidence", "position": 0, "value_from_text": False,
                              "points_to": [p for p in POINTS_TO if p not in counts.index]})
        claims = ev.assign(kind="square", bar=ev["position"] / slots)
        rows = pd.concat([claims, empty.assign(kind="", bar=0.0)], ignore_index=True)
        parts.append(rows.assign(
            group=_HEADINGS["evidence"], item_id="evidence:" + rows["points_to"].astype(str),
            title=rows["points_to"].map(label)))
    if not parts:
        return pd.DataFrame(columns=list(ATTRIBUTION_COLUMNS) + ["group", "item_id", "title",
                                                                  "kind", "bar", "how"])
    out = pd.concat(parts, ignore_index=True)
    for col in ("label", "value_text", "reported_by", "claim", "claimed_by", "note", "source_ids",
                "how"):
        out[col] = out[col].fillna("") if col in out else ""
    return out.reset_index(drop=True)
