"""Exports of the class view for handouts: the class table as CSV, the class charts as PNG
and SVG. Pure functions returning bytes (nothing is written to disk, nothing is shown).

Charts are drawn by vl-convert (pinned in requirements.txt) on this machine: no request
leaves it (``allowed_base_urls=[]``: a chart that asked for outside data would fail
instead). CSV text cells that start like a spreadsheet formula get a leading ``'``, as
the kit's own exports do (:func:`kit.decisions.formats.csv_escape`); the file starts
with a byte-order mark so spreadsheets read it as UTF-8.
"""
from __future__ import annotations

import csv
import io

import pandas as pd

from .decisions.formats import csv_escape, csv_unescape
from .errors import KitDataError

#: Columns of :func:`class_table_csv` (one row per learner and decided item).
CLASS_CSV_COLUMNS = ("learner", "item_id", "title", "action", "action_name", "level", "rules",
                     "rationale", "decided_at")
#: Columns of :func:`item_table_csv` (one row per item).
ITEM_CSV_COLUMNS = ("item_id", "leader", "title", "n", "modal_action", "modal_tied",
                    "twitter_action", "share_agree_twitter", "mean_level", "twitter_level",
                    "mean_gap")
_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _text(value) -> str:
    return csv_escape("" if value is None else str(value))


def class_table_csv(results, casebook, labels=None) -> bytes:
    """The class's decisions as CSV bytes: one row per learner and decided item
    (:data:`CLASS_CSV_COLUMNS`; rules joined with ``;``). ``labels(name) -> label``
    replaces every learner name (projector mode: :class:`kit.classnames.AnonymousLabels`);
    None keeps the names. Read it back with :func:`read_class_table_csv`.

    >>> import kit
    >>> cb = kit.load_casebook()
    >>> res = kit.collect_class(kit.decisions.SAMPLE_DIR / "class", cb)
    >>> data = class_table_csv(res, cb)
    >>> data[:3] == b"\\xef\\xbb\\xbf", len(read_class_table_csv(data)) == len(res.decisions)
    (True, True)
    """
    d = results.rationales if results.rationales is not None else results.decisions
    names, titles = casebook.action_names, casebook.items.set_index("item_id")["title"]
    rules = results.decisions["rules"].tolist()
    rows = []
    for r, rule_ids in zip(d.itertuples(index=False), rules):
        when = getattr(r, "decided_at", None)
        rows.append([_text(labels(r.learner) if labels is not None else r.learner),
                     r.item_id, _text(titles.get(r.item_id, "")), r.action,
                     _text(names.get(r.action, r.action)), int(r.level), ";".join(rule_ids),
                     _text(getattr(r, "rationale", "")),
                     "" if when is None or pd.isna(when) else pd.Timestamp(when).strftime(_TIME)])
    return _csv_bytes(CLASS_CSV_COLUMNS, rows)


def item_table_csv(results, casebook) -> bytes:
    """The class against Twitter, one row per item (:data:`ITEM_CSV_COLUMNS`), as CSV bytes.
    No learner names are in it."""
    v = results.vs_twitter
    rows = []
    for r in v.itertuples(index=False):
        rows.append([r.item_id, r.leader, _text(r.title), int(r.n), r.modal_action or "",
                     bool(r.modal_tied), r.twitter_action, _num(r.share_agree_twitter),
                     _num(r.mean_level), int(r.twitter_level), _num(r.mean_gap)])
    return _csv_bytes(ITEM_CSV_COLUMNS, rows)


def _num(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.4f}"


def read_class_table_csv(data: bytes) -> pd.DataFrame:
    """A CSV made by :func:`class_table_csv` back as a table (text cells unescaped,
    ``level`` a number, ``rules`` a tuple); KitDataError naming the row otherwise."""
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise KitDataError(f"the file is not UTF-8 text (first bad byte at position {e.start})",
                           file="class table") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or tuple(rows[0]) != CLASS_CSV_COLUMNS:
        raise KitDataError(f"the columns should be {', '.join(CLASS_CSV_COLUMNS)}",
                           file="class table", row=1)
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(CLASS_CSV_COLUMNS):
            raise KitDataError(f"has {len(row)} fields, not {len(CLASS_CSV_COLUMNS)}",
                               file="class table", row=n)
        cell = dict(zip(CLASS_CSV_COLUMNS, row))
        try:
            level = int(cell["level"])
        except ValueError:
            raise KitDataError("should be a whole number", file="class table", row=n,
                               column="level") from None
        out.append({**{k: csv_unescape(cell[k]) for k in ("learner", "title", "action_name",
                                                          "rationale")},
                    "item_id": cell["item_id"], "action": cell["action"], "level": level,
                    "rules": tuple(r for r in cell["rules"].split(";") if r),
                    "decided_at": cell["decided_at"]})
    return pd.DataFrame(out, columns=list(CLASS_CSV_COLUMNS))


# --------------------------------------------------------------------------- charts

def class_charts(results, casebook) -> dict:
    """The two class charts: ``{"class-choices": ..., "class-vs-twitter": ...}``."""
    from . import charts
    return {"class-choices": charts.class_distribution_chart(results.distribution, casebook),
            "class-vs-twitter": charts.class_vs_twitter_chart(results.vs_twitter, casebook)}


def _spec(chart) -> dict:
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


def chart_svg(chart) -> bytes:
    """An Altair chart (or its Vega-Lite dict) as SVG bytes, drawn offline."""
    import vl_convert as vlc
    return vlc.vegalite_to_svg(_spec(chart), allowed_base_urls=[]).encode("utf-8")


def chart_png(chart, scale: float = 2.0) -> bytes:
    """An Altair chart (or its Vega-Lite dict) as PNG bytes (``scale`` x its size, sharp
    on a projector and in print), drawn offline."""
    import vl_convert as vlc
    return bytes(vlc.vegalite_to_png(_spec(chart), scale=scale, allowed_base_urls=[]))
