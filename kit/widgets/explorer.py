"""CaseExplorer: browse the case file's items, accounts and events with their sources.

A notebook shows it in one line::

    kit.widgets.CaseExplorer()

Filters (leader, kind, rule, date range, words) narrow a result list; choosing a
result shows everything the case file says about it, each fact with its sources as
links. An item's content note is always shown before its text, and then the text stays
folded away (a native disclosure, "Show the text") until the learner opens it; the
explorer opens on the first item without a content note. ``show_outcomes=False``
hides what Twitter did to items, for classes that explore before deciding.
"""
from __future__ import annotations

import ipywidgets as W
import pandas as pd

from ..casebook import default_casebook
from ..errors import KitDataError
from ..words import blank
from ._common import KitApp, esc, fmt_date, labelled, leader_name, text_of
from .cards import (allegations_html, context_html, header_html, note_html, sources_html,
                    text_html, twitter_card_html)

VIEWS = {"items": "Items to decide on", "accounts": "Accounts",
         "events": "Events (timeline)"}
_KEY = {"items": "item_id", "accounts": "handle", "events": "event_id"}
_ALL = "(all)"


class CaseExplorer(KitApp):
    """Browse items, accounts and events by leader, kind, rule, date range and words.

    ``casebook`` defaults to ``kit.load_casebook()``. :meth:`filtered` returns the
    rows that match the current filters (a DataFrame of the chosen table) and
    :meth:`select` shows one record by its id. CSS classes: ``kit-explorer-view``,
    ``kit-explorer-leader``, ``kit-explorer-kind``, ``kit-explorer-rules``,
    ``kit-explorer-from``, ``kit-explorer-to``, ``kit-explorer-search``,
    ``kit-explorer-reset``, ``kit-explorer-count``, ``kit-explorer-results``,
    ``kit-explorer-detail``.

    >>> import kit
    >>> ex = CaseExplorer(kit.load_casebook())
    >>> ex.leader.value = "khamenei"
    >>> set(ex.filtered().leader)
    {'khamenei'}
    >>> ex.view.value = "accounts"; ex.select("realDonaldTrump")   # not a Khamenei account
    Traceback (most recent call last):
    kit.errors.KitDataError: ...'realDonaldTrump' is not among the 'accounts' shown...
    """

    def __init__(self, casebook=None, show_outcomes: bool = True):
        super().__init__("explorer", title="Case explorer")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.show_outcomes = bool(show_outcomes)
        self._tables = {"items": casebook.items, "accounts": casebook.accounts,
                        "events": casebook.events}
        self._allegations = casebook.allegations
        self._action_names = casebook.action_names
        self._item_rules = self._rules_per_item()
        self._syncing = False

        self._build_filters(casebook)
        self._set_kind_options()
        for w in (self.leader, self.kind, self.rules, self.date_from, self.date_to, self.search):
            w.observe(self.safely(self._on_filter), names="value")
        self.view.observe(self.safely(self._on_view), names="value")
        self.results.observe(self.safely(self._on_select), names="value")
        self.reset_button.on_click(self.safely(lambda _b: self.reset()))

        wrap = W.Layout(display="flex", flex_flow="row wrap", width="auto")
        filters = W.Box([self.view, self.leader, self.kind, self.rules, self.date_from,
                         self.date_to, self.search, self.reset_button], layout=wrap)
        self.set_body(filters, self.count, self.results, self.detail)
        self._update()
        first = self._first_without_note()
        if first is not None and first != self.results.value:
            self.results.value = first   # open on an item whose text needs no content note

    def _build_filters(self, casebook) -> None:
        """The filter controls, the result list and the detail area, each with its CSS class."""
        def narrow():  # each filter grows to fill its line; in a narrow panel, one per line
            return W.Layout(flex="1 1 260px", width="auto", max_width="420px", min_width="0")
        self.view = labelled(W.Dropdown(options=[(v, k) for k, v in VIEWS.items()],
                                        value="items", layout=narrow()),
                             "Show", "Which part of the case file to browse")
        self.leader = labelled(W.Dropdown(options=[("Both leaders", _ALL)]
                                          + [(casebook.leader_names[leader], leader)
                                             for leader in casebook.leader_order],
                                          value=_ALL, layout=narrow()),
                               "Leader", "Only records about this leader (events about both "
                               "leaders are always included)")
        self.kind = labelled(W.Dropdown(layout=narrow()), "Kind",
                             "Items: post or whole account; accounts: their role; "
                             "events: the type of event")
        conduct = casebook.conduct_rules
        self.rules = labelled(W.SelectMultiple(options=list(zip(conduct.name, conduct.rule_id)),
                                               value=(), rows=5, layout=narrow()),
                              "Rules", "Only records where Twitter cited, or someone alleged, "
                              "one of these rules (Ctrl/Cmd-click to choose several)")
        self.date_from = labelled(W.DatePicker(value=None, layout=narrow()), "From",
                                  "Earliest date to include (empty: no limit)")
        self.date_to = labelled(W.DatePicker(value=None, layout=narrow()), "To",
                                "Latest date to include (empty: no limit)")
        self.search = labelled(W.Text(value="", continuous_update=False, layout=narrow(),
                                      placeholder="words, @handle or id"),
                               "Words", "Only records containing these words (press Enter)")
        self.reset_button = labelled(W.Button(layout=W.Layout(width="auto")), "Clear filters",
                                     "Show everything again")
        self.count = W.HTML()
        self.results = labelled(W.Select(options=[], rows=8, layout=W.Layout(width="auto")),
                                "Results", "The matching records; choose one (arrow keys work) "
                                "to see it in full below")
        self.results.style.description_width = "initial"
        self.detail = W.HTML(layout=W.Layout(width="auto"))
        for w, cls in ((self.view, "view"), (self.leader, "leader"), (self.kind, "kind"),
                       (self.rules, "rules"), (self.date_from, "from"), (self.date_to, "to"),
                       (self.search, "search"), (self.reset_button, "reset"),
                       (self.count, "count"), (self.results, "results"),
                       (self.detail, "detail")):
            w.add_class(f"kit-explorer-{cls}")

    # -- data --------------------------------------------------------------------------------
    def _rules_per_item(self) -> dict:
        """item_id -> set of rule ids Twitter cited or someone alleged."""
        out = {}
        for _, it in self._tables["items"].iterrows():
            out[it.item_id] = set(it.twitter_rule_ids or ())
        for _, a in self._allegations.iterrows():
            out.setdefault(a.item_id, set()).add(a.rule_id)
        return out

    def _kind_column(self) -> str:
        return {"items": "kind", "accounts": "role", "events": "event_type"}[self.view.value]

    def _set_kind_options(self) -> None:
        values = sorted(set(self._tables[self.view.value][self._kind_column()]))
        self._syncing = True
        try:
            self.kind.options = [("All kinds", _ALL)] + [(v.replace("_", " "), v) for v in values]
            self.kind.value = _ALL
            no_dates = self.view.value == "accounts"
            self.date_from.disabled = self.date_to.disabled = no_dates
        finally:
            self._syncing = False

    def filtered(self) -> pd.DataFrame:
        """Rows of the shown table that match every filter, in date (or handle) order."""
        view = self.view.value
        df = self._tables[view]
        if self.leader.value != _ALL:
            keep = [self.leader.value] + (["both"] if view == "events" else [])
            df = df[df.leader.isin(keep)]
        if self.kind.value not in (_ALL, None):
            df = df[df[self._kind_column()] == self.kind.value]
        chosen = set(self.rules.value)
        if chosen:
            hit = {i for i, r in self._item_rules.items() if r & chosen}
            if view in ("items", "events"):
                df = df[df.item_id.isin(hit)]
            else:
                items = self._tables["items"]
                df = df[df.handle.isin(set(items.handle[items.item_id.isin(hit)]))]
        if view != "accounts":
            lo, hi = self.date_from.value, self.date_to.value
            if lo is not None:
                df = df[df.date >= pd.Timestamp(lo)]
            if hi is not None:
                df = df[df.date <= pd.Timestamp(hi)]
        words = self.search.value.strip().lower()
        if words:
            text = pd.Series([" ".join(str(v) for v in row if not blank(v)).lower()
                              for row in df.itertuples(index=False)], index=df.index, dtype=object)
            for w in words.split():
                text_ok = text.str.contains(w.lstrip("@"), regex=False)
                df, text = df[text_ok], text[text_ok]
        df = df.sort_values(["date", _KEY[view]] if view != "accounts" else ["leader", "handle"],
                            kind="stable")
        return df.reset_index(drop=True)

    def _first_without_note(self):
        """The first item listed that has no content note (None if every one has one)."""
        if self.view.value != "items":
            return None
        notes = self._tables["items"].set_index("item_id").content_note
        for _, key in self.results.options:
            if key in notes.index and not text_of(notes[key]):
                return key
        return None

    # -- labels ------------------------------------------------------------------------------
    def _label(self, row) -> str:
        view = self.view.value
        if view == "items":
            date = fmt_date(row.date, row.date_precision)
            return f"{row.item_id} · {date} · @{row.handle} · {row.title}"
        if view == "accounts":
            return f"@{row.handle} · {leader_name(row.leader)} · {row.role.replace('_', ' ')} · {row.platform}"
        date = fmt_date(row.date, row.date_precision)
        desc = row.description if len(row.description) <= 90 else row.description[:87] + "…"
        return f"{date} · {row.actor} · {desc}"

    # -- callbacks ---------------------------------------------------------------------------
    def _on_view(self, _change) -> None:
        self._set_kind_options()
        self._update()

    def _on_filter(self, _change) -> None:
        if not self._syncing:
            self._update()

    def _on_select(self, change) -> None:
        if not self._syncing:
            self._render(change["new"])

    def reset(self) -> None:
        """Clear every filter (the view stays)."""
        self._syncing = True
        try:
            self.leader.value = _ALL
            self.kind.value = _ALL
            self.rules.value = ()
            self.date_from.value = None
            self.date_to.value = None
            self.search.value = ""
        finally:
            self._syncing = False
        self._update()

    def _update(self) -> None:
        self.clear_message()
        lo, hi = self.date_from.value, self.date_to.value
        if self.view.value != "accounts" and lo and hi and lo > hi:
            self.show_info("The 'From' date is after the 'To' date, so nothing can match.")
        df = self.filtered()
        key = _KEY[self.view.value]
        options = [(self._label(r), getattr(r, key)) for r in df.itertuples()]
        keep = self.results.value if self.results.value in set(df[key]) else None
        self._syncing = True
        try:
            self.results.options = options
            self.results.value = keep if keep is not None else (options[0][1] if options else None)
        finally:
            self._syncing = False
        noun = self.view.value if len(df) != 1 else self.view.value[:-1]
        total = len(self._tables[self.view.value])
        self.count.value = (f'<div class="kit-muted" role="status">{len(df)} {esc(noun)} match '
                            f'(of {total}).</div>')
        self._render(self.results.value)

    def select(self, key: str) -> None:
        """Show the record with this id (an item id, a handle or an event id)."""
        if key not in {v for _, v in self.results.options}:
            raise KitDataError(f"{key!r} is not among the {self.view.value!r} shown; change the "
                               "view or clear the filters", column=_KEY[self.view.value])
        self.results.value = key

    # -- detail ------------------------------------------------------------------------------
    def _row(self, view, key):
        df = self._tables[view]
        return df[df[_KEY[view]] == key].iloc[0]

    def _render(self, key) -> None:
        if key is None:
            self.detail.value = ('<div class="kit-muted">Nothing matches these filters. '
                                 'Try clearing some of them.</div>')
            return
        view = self.view.value
        html = {"items": self._item_html, "accounts": self._account_html,
                "events": self._event_html}[view](self._row(view, key))
        self.detail.value = f'<div class="kit-card kit-explorer-record">{html}</div>'

    def _src(self, ids) -> str:
        return sources_html(self.casebook, ids)

    def _item_html(self, it) -> str:
        item = it.to_dict()
        note = note_html(item)
        text = text_html(item)
        if note:   # the text waits, folded, until the learner has read the note and asks
            text = ('<details class="kit-explorer-text-fold"><summary>Show the text (read the '
                    f'content note first)</summary>{text}</details>')
        parts = [header_html(item), note, text, context_html(item),
                 f'<p class="kit-muted">Sources:{self._src(it.source_ids)}</p>']
        if self.show_outcomes:
            parts.append(twitter_card_html(item, self.casebook))
            parts.append(allegations_html(
                self._allegations[self._allegations.item_id == it.item_id], self.casebook))
        events = self._tables["events"]
        events = events[events.item_id == it.item_id]
        if self.show_outcomes and len(events):
            parts.append(self._event_list(events))
        return "".join(parts)

    def _event_list(self, events) -> str:
        rows = []
        for _, e in events.sort_values("date", kind="stable").iterrows():
            rows.append(f"<li>{esc(fmt_date(e.date, e.date_precision))} · {esc(e.actor)}: "
                        f"{esc(e.description)}{self._src(e.source_ids)}</li>")
        return "<h4 style='margin:8px 0 4px'>Events</h4><ul>" + "".join(rows) + "</ul>"

    def _account_html(self, a) -> str:
        def line(label, value, src=()):
            value = text_of(value)
            return f"<li><b>{esc(label)}:</b> {esc(value)}{self._src(src)}</li>" if value else ""

        followers = ""
        if not blank(a.followers):
            asof = fmt_date(a.followers_as_of)
            followers = f"{int(a.followers):,}" + (f" (as of {asof})" if asof else "")
        parts = [f"<h4 style='margin:4px 0'>@{esc(a.handle)}</h4><ul>",
                 line("Leader", leader_name(a.leader)), line("Platform", a.platform),
                 line("Display name", a.display_name), line("Role", a.role.replace("_", " ")),
                 line("Language", a.language),
                 line("Attribution", a.attribution + (f" — {a.attribution_note}"
                                                      if text_of(a.attribution_note) else "")),
                 line("Verified", a.verified + (f" — {a.verified_note}"
                                                if text_of(a.verified_note) else "")),
                 line("Created", fmt_date(a.created)),
                 line("Followers", followers, a.followers_source_ids),
                 line("What happened", a.status_note), "</ul>",
                 f'<p class="kit-muted">Sources:{self._src(a.source_ids)}</p>']
        items = self._tables["items"]
        items = items[items.handle == a.handle]
        if len(items):
            parts.append("<h4 style='margin:8px 0 4px'>Items</h4><ul>" + "".join(
                f"<li>{esc(i.item_id)} · {esc(fmt_date(i.date, i.date_precision))} · "
                f"{esc(i.title)}</li>" for i in items.itertuples()) + "</ul>")
        events = self._tables["events"]
        events = events[events.handle == a.handle]
        if len(events):
            parts.append(self._event_list(events))
        return "".join(parts)

    def _event_html(self, e) -> str:
        parts = [f"<h4 style='margin:4px 0'>{esc(fmt_date(e.date, e.date_precision))} · "
                 f"{esc(e.actor)}</h4>",
                 '<div class="kit-muted">' + " · ".join(esc(x) for x in (
                     e.event_type.replace("_", " "), e.platform,
                     f"@{e.handle}" if text_of(e.handle) else "", leader_name(e.leader)) if x)
                 + "</div>"]
        if text_of(e.item_id):
            items = self._tables["items"]
            item = items[items.item_id == e.item_id]
            if len(item):
                parts.append(note_html(item.iloc[0].to_dict()))
        parts.append(f"<p>{esc(e.description)}{self._src(e.source_ids)}</p>")
        if text_of(e.stated_reason):
            parts.append(f"<p>Stated reason:</p><blockquote>{esc(e.stated_reason)}</blockquote>")
        extra = []
        if text_of(e.action_id):
            extra.append(f"Action: {esc(self._action_names.get(e.action_id, e.action_id))}")
        if text_of(e.item_id):
            extra.append(f"Item: {esc(e.item_id)}")
        if extra:
            parts.append(f'<p class="kit-muted">{" · ".join(extra)}</p>')
        return "".join(parts)

    def status_line(self) -> str:
        n = len(self.results.options)
        sel = self.results.value
        return f"{self.view.value}: {n} shown" + (f", showing {sel}" if sel is not None else "")


__all__ = ["CaseExplorer", "VIEWS"]
