"""Who argued what: the positions of data/positions.csv side by side, one column per side.

For each leader the case file records the platform's stated reasoning, those who wanted
(more) action, those who opposed the action (or the inaction) and the leader's own
response, each attributed and sourced. :func:`arguments_html` shows them side by side;
:class:`WhoArguedWhat` adds a leader dropdown. The wording is the case file's
("X says…"); a quote with a content note stays folded behind a ``<details>`` element.
"""
from __future__ import annotations

import ipywidgets as W

from ..casebook import SIDES, default_casebook
from ..words import blank, day
from ._common import KitApp, esc, html_slot, labelled, source_links

#: Column headings, in words, for each side of data/positions.csv.
SIDE_HEADINGS = {
    "platform_reasoning": "The platform's reasoning",
    "for_action": "Wanted (more) action",
    "against_action": "Opposed the action",
    "leader_response": "The leader's response",
}

ARGS_STYLE = """
<style>
.kit-args { display: flex; flex-wrap: wrap; gap: 8px; font-family: var(--jp-ui-font-family);
  color: var(--jp-ui-font-color1); }
.kit-args .kit-args-side { flex: 1 1 200px; min-width: 180px; border: 1px solid var(--jp-border-color2);
  border-radius: 4px; padding: 4px 8px; background: var(--jp-layout-color1); }
.kit-args .kit-args-side h4 { margin: 2px 0 4px 0; }
.kit-args .kit-args-entry { border-top: 1px solid var(--jp-border-color2); padding: 4px 0; }
.kit-args .kit-args-item { border-left: 3px solid var(--jp-brand-color1); padding-left: 6px; }
.kit-args .kit-args-quote { margin: 2px 0; padding: 0 8px; border-left: 3px solid var(--jp-border-color1);
  color: var(--jp-content-font-color1); }
.kit-args .kit-args-note { color: var(--jp-ui-font-color2); font-size: 0.92em; }
.kit-args .kit-muted { color: var(--jp-ui-font-color2); font-size: 0.92em; }
.kit-args a { color: var(--jp-content-link-color); }
</style>
"""


def _entry(casebook, row, own: bool) -> str:
    when = day(row["date"])
    head = f"<b>{esc(row['who'])}</b>" + (f" ({esc(when)})" if when else "")
    parts = [f"{head}: {esc(row['summary'])}"]
    quote = "" if blank(row["quote"]) else f"“{esc(row['quote'])}”"
    note = "" if blank(row["content_note"]) else str(row["content_note"])
    if quote and note:
        parts.append(f'<div class="kit-args-note">Content note: {esc(note)}</div>'
                     f'<details><summary>Show the quote (content note: {esc(note)})</summary>'
                     f'<blockquote class="kit-args-quote">{quote}</blockquote></details>')
    elif note:
        parts.append(f'<div class="kit-args-note">Content note: {esc(note)}</div>')
    elif quote:
        parts.append(f'<blockquote class="kit-args-quote">{quote}</blockquote>')
    ids = tuple(row["source_ids"] or ())
    if ids:
        parts.append(f'<div class="kit-muted">Sources: {source_links(casebook, ids)}</div>')
    cls = "kit-args-entry kit-args-item" if own else "kit-args-entry"
    return (f'<div class="{cls}" data-position="{esc(row["position_id"])}">'
            + "".join(parts) + "</div>")


def arguments_html(casebook, leader=None, item_id=None, compact: bool = False) -> str:
    """Escaped HTML: the positions on ``leader``'s case, one column per side.

    ``leader`` defaults to the item's leader (with ``item_id``) or to both leaders in turn.
    With ``item_id`` the item's own positions come first in each column, then the
    leader's others; ``compact=True`` keeps only the item's own positions and the
    platform's reasoning for that leader (for the desk's reveal). A side with nothing
    recorded says so.

    >>> from kit.casebook import load_casebook
    >>> html = arguments_html(load_casebook(), leader="trump")
    >>> html.count('class="kit-args-side"'), "Opposed the action" in html
    (4, True)
    >>> "<script" in arguments_html(load_casebook(), item_id="T16", compact=True)
    False
    """
    table = casebook.positions
    if item_id is not None and leader is None:
        items = casebook.items
        match = items[items["item_id"] == item_id]
        if len(match):
            leader = match.iloc[0]["leader"]
        elif len(table[table["item_id"] == item_id]):
            leader = table[table["item_id"] == item_id].iloc[0]["leader"]
    if leader is None:
        return "".join(arguments_html(casebook, name, compact=compact)
                       for name in casebook.leader_order)
    rows = table[table["leader"] == leader]
    own = rows["item_id"] == item_id if item_id is not None else rows["item_id"] != rows["item_id"]
    if compact:
        rows = rows[own | (rows["side"] == "platform_reasoning")]
        own = own[rows.index]
    name = casebook.leader_names.get(leader, leader)
    columns = []
    for side in SIDES:
        mine = rows[(rows["side"] == side) & own]
        others = rows[(rows["side"] == side) & ~own]
        entries = ([_entry(casebook, r, True) for _, r in mine.iterrows()]
                   + [_entry(casebook, r, False) for _, r in others.iterrows()])
        if not entries:
            if compact:
                continue
            entries = ['<div class="kit-muted">Nothing recorded in the case file.</div>']
        columns.append(f'<div class="kit-args-side" data-side="{esc(side)}">'
                       f"<h4>{esc(SIDE_HEADINGS[side])}</h4>{''.join(entries)}</div>")
    title = f"Who argued what: {name}"
    if item_id is not None:
        title += " (this post's own positions first)" if not compact else " (this post and the platform's reasoning)"
    return (f'{ARGS_STYLE}<div class="kit-args-case"><h4>{esc(title)}</h4>'
            f'<div class="kit-args">{"".join(columns)}</div></div>')


class WhoArguedWhat(KitApp):
    """The positions on one leader's case side by side, with a leader dropdown.

    >>> app = WhoArguedWhat()
    >>> app.leader.value, "Opposed the action" in app.result.value
    ('trump', True)
    >>> app.leader.value = "khamenei"
    >>> "Khamenei" in app.result.value
    True
    """

    def __init__(self, casebook=None):
        super().__init__("arguments", title="Who argued what")
        self.casebook = casebook or default_casebook()
        cb = self.casebook
        self.leader = W.Dropdown(options=[(cb.leader_names.get(k, k), k) for k in cb.leader_order],
                                 value=cb.leader_order[0], layout=W.Layout(width="auto"))
        self.leader.add_class("kit-args-leader")
        self.result = html_slot("kit-args-result")
        self.leader.observe(self.safely(lambda change: self.render()), names="value")
        self.set_body(labelled(self.leader, "Leader", "Whose case to show"), self.result)
        self.render()

    def render(self):
        self.result.value = arguments_html(self.casebook, leader=self.leader.value)
