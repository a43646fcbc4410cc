"""Who argued what: for each leader, the platform's reasoning, those who wanted (more) action,
those who opposed the action (or the inaction) and the leader's own response, side by side.

The rows are ``data/positions.csv``; every entry says who, when, what they said in the case
file's neutral words ("X says ..."), the verbatim quote where there is one, and its sources.
A quote with a content note stays folded in a native ``<details>`` element (reachable with
Tab, opened with Enter) under its note.
"""
from __future__ import annotations

import ipywidgets as W

from ..casebook import LEADER_NAMES, SIDES, default_casebook
from ..errors import KitDataError
from ._common import KitApp, esc, fmt_date, html_slot, labelled, source_links

#: Column headings, in the order of :data:`kit.casebook.SIDES`.
SIDE_HEADINGS = {
    "platform_reasoning": "The platform's reasoning",
    "for_action": "Wanted (more) action",
    "against_action": "Opposed the action",
    "leader_response": "The leader's response",
}

_STYLE = """<style>
.kit-args-grid {display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr));
  gap: 10px; margin: 6px 0;}
.kit-args-side {border: 1px solid var(--jp-border-color2); border-radius: 4px; padding: 6px 8px;
  background: var(--jp-layout-color1);}
.kit-args-side h5 {margin: 0 0 4px 0; font-size: var(--jp-content-font-size1);}
.kit-args-side ul {margin: 0; padding-left: 1.1em;}
.kit-args-entry {margin-bottom: 6px;}
.kit-args-entry blockquote {margin: 3px 0 3px 6px; padding-left: 6px;
  border-left: 3px solid var(--jp-border-color1);}
.kit-args-note {color: var(--jp-ui-font-color1); margin: 2px 0; padding-left: 6px;
  border-left: 3px solid var(--jp-warn-color1);}
.kit-args-this {font-weight: bold;}
</style>"""


def _entry(row, casebook, this_item: str | None) -> str:
    when = fmt_date(row.date, row.date_precision or "day")
    who = f"<b>{esc(row.who)}</b>" + (f" ({esc(when)})" if when else " (date not found)")
    mark = (' <span class="kit-args-this">· about this item</span>'
            if this_item and row.item_id == this_item else "")
    parts = [f'<li class="kit-args-entry">{who}{mark}: {esc(row.summary)}']
    if row.quote:
        quote = f"<blockquote>“{esc(row.quote)}”</blockquote>"
        if row.content_note:
            parts.append(f'<p class="kit-args-note">Content note: {esc(row.content_note)}</p>'
                         f"<details><summary>Show the quote</summary>{quote}</details>")
        else:
            parts.append(quote)
    parts.append(f' <span class="kit-muted">({source_links(casebook, row.source_ids)})</span></li>')
    return "".join(parts)


def arguments_html(casebook=None, leader=None, item_id=None, compact=False) -> str:
    """Who argued what, as escaped HTML: one column per side, side by side (stacked on a
    narrow screen).

    ``leader`` picks one leader (default: the item's leader, or both in leader order);
    with ``item_id`` the item's own positions come first in each column; ``compact`` keeps
    only the item's own positions and the platform's reasoning (for the desk's reveal).

    >>> import kit
    >>> page = arguments_html(kit.load_casebook(), leader="khamenei")
    >>> page.count('class="kit-args-side"'), "The platform&#x27;s reasoning" in page
    (4, True)
    >>> "saber-rattling" in page
    True
    """
    cb = casebook if casebook is not None else default_casebook()
    pos = cb.positions
    if item_id is not None:
        items = cb.items.set_index("item_id")
        if item_id not in items.index:
            raise KitDataError(f"{item_id!r} is not an item in the case file", column="item_id")
        leader = leader or items.at[item_id, "leader"]
    leaders = [leader] if leader else list(cb.leader_order)
    unknown = [name for name in leaders if name not in LEADER_NAMES]
    if unknown:
        raise KitDataError(f"{unknown[0]!r} is not a leader of the case file", column="leader")
    out = [_STYLE]
    for name in leaders:
        rows = pos[pos.leader == name]
        if item_id is not None:
            own = rows.item_id == item_id
            rows = rows[own | (rows.side == "platform_reasoning")] if compact else rows
            rows = rows.assign(_own=~(rows.item_id == item_id)).sort_values("_own", kind="stable")
        out.append(f'<div class="kit-args" data-leader="{esc(name)}">'
                   f"<h4>Who argued what: {esc(LEADER_NAMES[name])}</h4><div class=\"kit-args-grid\">")
        for side in SIDES:
            entries = [_entry(r, cb, item_id) for r in rows[rows.side == side].itertuples()]
            body = (f"<ul>{''.join(entries)}</ul>" if entries
                    else '<p class="kit-muted">Nothing in the case file.</p>')
            out.append(f'<div class="kit-args-side" data-side="{side}">'
                       f"<h5>{esc(SIDE_HEADINGS[side])}</h5>{body}</div>")
        out.append("</div></div>")
    return "".join(out)


class WhoArguedWhat(KitApp):
    """Who argued what about each leader, side by side; pick the leader in the menu.

    >>> app = WhoArguedWhat()
    >>> app.leader.value, app.view.value.count('class="kit-args-side"')
    ('trump', 4)
    >>> app.leader.value = "khamenei"
    >>> 'data-leader="khamenei"' in app.view.value
    True
    """

    def __init__(self, casebook=None):
        super().__init__("args", title="Who argued what")
        self.casebook = casebook if casebook is not None else default_casebook()
        self.leader = labelled(W.Dropdown(options=[(LEADER_NAMES[name], name)
                                                   for name in self.casebook.leader_order]),
                               "Leader", "Whose case to show")
        self.leader.add_class("kit-args-leader")
        self.view = html_slot("kit-args-view")
        intro = W.HTML('<p class="kit-muted">Each column is one side of the argument, in the '
                       "case file's words; quotes are verbatim, with their sources.</p>")
        self.set_body(intro, self.leader, self.view)
        self.leader.observe(self.safely(lambda change: self._draw()), names="value")
        self._draw()

    def _draw(self) -> None:
        self.view.value = arguments_html(self.casebook, leader=self.leader.value)

    def status_line(self) -> str:
        return f"who argued what about {LEADER_NAMES[self.leader.value]}"
