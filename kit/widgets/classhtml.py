"""The class dashboard's panels as HTML: overview, files, agreement, per-item table, debrief.

Pure functions of a :class:`kit.classroom.ClassResults` (and the debrief's items): every
text from a learner or a file is escaped (:func:`esc`). ``name`` is how learners are
named: their name shown safely, or their anonymous label in projector mode. In
projector mode nothing shows a name: the files panel says only how many files have a
problem (file names and messages name learners) and lists conflicts by label.
"""
from __future__ import annotations

import math

from ..classnames import shown
from ..words import blank, plural
from ._common import esc
from .cards import header_html, note_html, text_html, twitter_card_html


def _pct(value) -> str:
    return "" if blank(value) else f"{value:.0%}"


def _num(value, fmt="{:.1f}") -> str:
    return "" if blank(value) else fmt.format(value)


def overview_html(res, name=None, limit: int = 30) -> str:
    """How many learners and decisions, and the first ``limit`` learners: their names
    shown safely, or with ``name(learner) -> label`` their labels (sorted by label)."""
    n = len(res.learners)
    if n == 0:
        where = f" in {res.source}" if getattr(res, "source", "") else " in this folder"
        return f'<div class="kit-card"><p>No learner decisions yet{esc(where)}.</p></div>'
    listed = ([shown(x) for x in res.learners] if name is None
              else sorted(name(x) for x in res.learners))
    more = f" and {n - limit} more" if n > limit else ""
    return (f'<div class="kit-card"><p><b>{plural(n, "learner")}</b>, '
            f"{len(res.decisions)} decisions.</p>"
            f"<p class='kit-muted'>{', '.join(esc(x) for x in listed[:limit])}{more}</p></div>")


def problems_html(res, max_shown: int, projector: bool = False, name=shown) -> str:
    """The files panel: names to check, then conflicts, skipped, notes and ignored files
    (the first ``max_shown``, then a count). In projector mode: counts and labels only."""
    p = res.problems
    groups = getattr(res, "check_names", None) or []
    if projector:
        return _projector_problems(res, groups, name)
    out = []
    if groups:
        items = "".join(f"<li>{' / '.join(esc(n) for n in g)}</li>" for g in groups)
        out.append('<div class="kit-note kit-dash-names" role="status"><b>Check these '
                   "names</b>: they look alike. Are they different people? If one person "
                   f"used two spellings, keep one file.<ul>{items}</ul></div>")
    if not len(p):
        return "".join(out)
    words = {"skipped": "skipped (not used)", "conflict": "conflict",
             "note": "used, with a note", "ignored": "not read"}
    order = {"conflict": 0, "skipped": 1, "note": 2, "ignored": 3}
    p = p.assign(_o=p["kind"].map(order).fillna(4)).sort_values(["_o", "file"], kind="stable")
    head_rows = p.head(max_shown)
    rows = "".join(f"<tr><td>{esc(r.file)}</td><td>{esc(words.get(r.kind, r.kind))}</td>"
                   f"<td>{esc(r.problem)}</td></tr>" for r in head_rows.itertuples(index=False))
    if len(p) > len(head_rows):
        rows += (f"<tr><td colspan='3'>… and {len(p) - len(head_rows):,} more "
                 "(see <code>results.problems</code>)</td></tr>")
    conflicts = int((p["kind"] == "conflict").sum())
    skipped = int((p["kind"] == "skipped").sum())
    heads = []
    if conflicts:
        heads.append(f"{plural(conflicts, 'file')} in a conflict: one learner with several "
                     "files, or a file named for another learner. Nothing was merged; "
                     "check them and keep one file per learner")
    if skipped:
        heads.append(f"{plural(skipped, 'file')} could not be used")
    head = ". ".join(heads) if heads else "Notes on the files"
    out.append(f'<div class="kit-note kit-dash-files" role="status"><b>{esc(head)}</b>'
               '<div style="overflow-x:auto"><table class="kit-table"><tr><th>File</th>'
               f"<th>Status</th><th>Why</th></tr>{rows}</table></div></div>")
    return "".join(out)


def _projector_problems(res, groups, name) -> str:
    p = res.problems
    counts = p["kind"].value_counts() if len(p) else {}
    bits = [plural(int(counts.get(k, 0)), "file") + " " + w
            for k, w in (("conflict", "in a conflict"), ("skipped", "could not be used"),
                         ("note", "used with a note"), ("ignored", "not read"))
            if int(counts.get(k, 0))]
    if groups:
        bits.append(plural(len(groups), "group") + " of names that look alike")
    if not bits:
        return ""
    c = res.conflicts
    listed = ""
    if c is not None and len(c):
        per = c.groupby("learner", sort=False).agg(files=("file", "size"), used=("used", "any"))
        lines = sorted(f"{esc(name(who))}: {plural(int(r.files), 'file')}, "
                       + ("one used" if r.used else "none used yet")
                       for who, r in per.iterrows())
        listed = "<ul>" + "".join(f"<li>{x}</li>" for x in lines[:30]) + "</ul>"
    return ('<div class="kit-note kit-dash-files kit-dash-files-hidden" role="status">'
            f"<b>{esc('; '.join(bits))}.</b> Projector mode hides file names (they name "
            f"learners): turn it off on your own screen to see them.{listed}</div>")


def kappa_html(res, reading) -> str:
    """Fleiss' kappa with its reading (``reading(kappa) -> words``)."""
    k = res.fleiss_kappa
    if k is None or math.isnan(k):
        return (f'<div class="kit-card"><b>Agreement in the class (Fleiss\' kappa)</b>: not '
                f"available: {esc(res.kappa_note)}.</div>")
    return (f'<div class="kit-card"><b>Agreement in the class (Fleiss\' kappa)</b>: '
            f"{k:.2f}, {esc(reading(k))}.<br><span class='kit-muted'>Based on "
            f"{esc(res.kappa_note)}. 1 means everyone chose the same action on every item, "
            "0 no more agreement than chance. Reading by Landis &amp; Koch (1977): below 0 "
            "poor, up to 0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 "
            "substantial, above 0.80 almost perfect. A rule of thumb, not a test.</span></div>")


def item_table_html(res, casebook) -> str:
    """One row per item: learners, most chosen, Twitter, agreement with Twitter, gap."""
    v = res.vs_twitter
    if not len(res.learners):
        return ""
    names = casebook.action_names
    head = ("<tr><th>Item</th><th>Leader</th><th>Title</th><th>Learners</th>"
            "<th>Most chosen</th><th>Twitter</th><th>Agree with Twitter</th>"
            "<th>Mean gap (steps)</th></tr>")
    body = []
    for r in v.itertuples(index=False):
        modal = names.get(r.modal_action, r.modal_action) if r.modal_action else ""
        if r.modal_tied:
            modal += " (tie)"
        body.append(f"<tr><td>{esc(r.item_id)}</td><td>{esc(r.leader)}</td>"
                    f"<td>{esc(r.title)}</td><td>{r.n}</td><td>{esc(modal)}</td>"
                    f"<td>{esc(names.get(r.twitter_action, r.twitter_action))}</td>"
                    f"<td>{_pct(r.share_agree_twitter)}</td>"
                    f"<td>{_num(r.mean_gap, '{:+.1f}')}</td></tr>")
    return ('<p class="kit-muted">Mean gap: the class\'s average ladder level minus '
            "Twitter's (positive: the class was stricter).</p>"
            f'<div style="overflow-x:auto"><table class="kit-table">{head}{"".join(body)}'
            "</table></div>")


DEBRIEF_STYLE = """<style>
.kit-debrief-pair {display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
  gap: 10px; margin: 6px 0;}
.kit-debrief-side {border: 1px solid var(--jp-border-color2); border-radius: 4px;
  padding: 6px 8px; background: var(--jp-layout-color1);}
.kit-debrief-side blockquote {white-space: pre-wrap; overflow-wrap: anywhere;}
</style>"""


def _voice(v, side: str, casebook) -> str:
    action = casebook.action_names.get(v.action, v.action)
    return (f'<div class="kit-debrief-side kit-debrief-{side}"><b>{esc(v.label)}</b> chose '
            f"<b>{esc(action)}</b> (level {v.level})"
            f'<blockquote class="kit-debrief-rationale">{esc(v.rationale)}</blockquote></div>')


def debrief_html(items, casebook) -> str:
    """The debrief panel: for each divided item (:func:`kit.debrief.debrief_items`), its
    title (and content note, before the text), how the class split, pairs of opposite
    rationales side by side, and what Twitter did folded away (the desk's reveal card)."""
    intro = ('<p class="kit-muted">The items the class was most divided on: the spread of the '
             "ladder levels chosen (standard deviation, in steps), then how evenly the actions "
             "were spread. Each pair puts a rationale from a learner who chose a milder action "
             "than the class's average next to one from a learner who chose a stricter one. "
             "Learners are shown by anonymous labels.</p>")
    if not items:
        return (DEBRIEF_STYLE + intro + '<p class="kit-debrief-none">No item divides the class '
                "yet: it needs two learners who chose different levels on one item.</p>")
    parts = [DEBRIEF_STYLE, intro]
    rows = casebook.items.set_index("item_id")
    for it in items:
        item = rows.loc[it.item_id]
        split = " · ".join(f"{esc(casebook.action_names.get(a, a))} {n}"
                           for a, n in it.counts.items() if n)
        parts.append(f'<div class="kit-card kit-debrief-item" data-item="{esc(it.item_id)}">')
        parts.append(header_html(item))
        note = note_html(item)
        if note:
            parts.append(note + f"<details><summary>Show the item</summary>{text_html(item)}"
                         "</details>")
        else:
            parts.append(text_html(item))
        parts.append(f'<p class="kit-debrief-split">{plural(it.n, "learner")}: {split}. '
                     f"Spread {it.spread:.1f} steps; {it.mild_n} milder and {it.severe_n} "
                     "stricter than the class's average.</p>")
        if it.pairs:
            for mild, severe in it.pairs:
                parts.append('<div class="kit-debrief-pair">' + _voice(mild, "mild", casebook)
                             + _voice(severe, "severe", casebook) + "</div>")
        else:
            parts.append('<p class="kit-muted kit-debrief-nopair">No written rationale on both '
                         "sides yet: ask a learner from each side to explain.</p>")
        parts.append("<details class='kit-debrief-twitter'><summary>What Twitter did</summary>"
                     f"{twitter_card_html(item, casebook)}</details></div>")
    return "".join(parts)
