"""The class service's outputs besides plain JSON: the browser page (every name and text
escaped), the class CSV, and the class's records as JSON built from the stored texts.

>>> "&lt;b&gt;" in teacher_page("<b>", {"<b>": {"decision": 2, "answer": 0}})
True
>>> class_csv({}).decode("utf-8-sig").splitlines()[0]
'learner,item_id,rules,action,rationale,decided_at,revision,format_version'
"""
from __future__ import annotations

import csv
import html
import io
import json

from ..decisions.formats import CSV_COLUMNS, CSV_VERSION, csv_escape, with_revisions
from ..words import plural

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}"
          "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
          "text-align:left}td.n{text-align:right}")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f'{html.escape(title)}</title><style>{_STYLE}</style></head><body>'
            f'<h1>{html.escape(title)}</h1>{body}</body></html>')


def teacher_page(teacher: str, counts: dict) -> str:
    """The class at a glance: each learner with how many decisions and answers they sent."""
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td class=n>{c['decision']}</td>"
        f"<td class=n>{c['answer']}</td></tr>" for name, c in counts.items())
    if counts:
        table = ("<table><thead><tr><th>Learner</th><th>Decisions sent</th><th>Answers sent"
                 f"</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        table = "<p>No learner has sent anything yet.</p>"
    body = (f"<p>Signed in as {html.escape(teacher)} (teacher). "
            f"{html.escape(plural(len(counts), 'learner'))} sent work to this class.</p>{table}"
            '<p><a href="api/class.csv" download>Download the class\'s latest decisions (CSV)'
            "</a>. Open the class view in the kit's teacher notebook for the charts.</p>")
    return _page("Casebook kit: your class", body)


def learner_page(learner: str, mine: dict) -> str:
    """A learner sees only their own counts."""
    body = (f"<p>Signed in as {html.escape(learner)}. Your class has received "
            f"{html.escape(plural(mine['decision'], 'decision'))} and "
            f"{html.escape(plural(mine['answer'], 'answer'))} from you.</p>"
            "<p>Your decisions are saved on your own computer first; the kit sends each one "
            "here by itself.</p>")
    return _page("Casebook kit: your class", body)


def class_csv(learners: dict) -> bytes:
    """Every learner's latest decision per item, in the kit's CSV export format."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for name in sorted(learners):
        latest = {}
        for d in with_revisions(learners[name]):
            latest[d["item_id"]] = d
        for d in latest.values():
            w.writerow([csv_escape(name), d["item_id"], ";".join(d["rules"]), d["action"],
                        csv_escape(d["rationale"]), d["decided_at"], d["revision"], CSV_VERSION])
    return buf.getvalue().encode("utf-8-sig")


def class_json(top: int, raw: dict) -> bytes:
    """``api/class``: ``{"cursor", "learners": {name: [records]}}`` from the records' stored
    JSON texts (:meth:`Store.since_raw`), joined rather than decoded and encoded again.

    >>> json.loads(class_json(3, {"ana": ['{"a":1}', '{"b":2}']}))
    {'cursor': 3, 'learners': {'ana': [{'a': 1}, {'b': 2}]}}
    """
    parts = [f'{{"cursor":{int(top)},"learners":{{']
    for n, (name, bodies) in enumerate(raw.items()):
        parts.append(("," if n else "") + json.dumps(name, ensure_ascii=False) + ":["
                     + ",".join(bodies) + "]")
    parts.append("}}")
    return "".join(parts).encode("utf-8")


def rationales_doc(rows) -> dict:
    """``api/class/rationales``: the non-empty rationales of the latest decisions on some
    items, column by column (``learners`` once, then parallel lists)."""
    learners, index = [], {}
    li, items, texts = [], [], []
    for learner, item, text in rows:
        if learner not in index:
            index[learner] = len(learners)
            learners.append(learner)
        li.append(index[learner])
        items.append(item)
        texts.append(text)
    return {"learners": learners, "columns": {"learner": li, "item_id": items,
                                              "rationale": texts}}
