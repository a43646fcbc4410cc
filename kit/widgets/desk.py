"""DecisionDesk: the learner decides on one item at a time, then sees what Twitter did.

A notebook shows it in one line::

    kit.widgets.DecisionDesk()          # the learner's own log, found by the desk
    kit.widgets.DecisionDesk(log)       # or a given kit.DecisionLog

Without a log the desk finds the learner (the hub user on JupyterHub, the saved name
elsewhere). In Voila, where a page has no name yet, the desk first asks for it (a name
box, *Start*, *Continue as guest*) and opens only then; the name is kept for that page.

For each item the desk shows its title, account and date, the content note first
(the text then sits in a collapsed section the learner opens), the text or a
description, and the context. The learner ticks the rules it broke, picks an action
on the enforcement ladder, writes a rationale and saves. Only after saving does the
desk reveal Twitter's actual action, its date, the rules Twitter cited, its stated
reason, who alleged which rule and the sources (source titles would give the answer
away, so they wait too). Every save goes straight into the :class:`kit.DecisionLog`,
so decisions survive a kernel restart: a new desk on the same log shows them again.

Hand-in (:mod:`kit.widgets.handin`): on a hub with the class service, a line beside the
"Saved" message says whether the work has reached the class ("Sent to your class." or
"Saved on this computer; it will be sent when the class service is reachable."); off a
hub it shows nothing. *Download my work* saves the learner's versioned export in the
browser (JupyterLab, Notebook 7, Voila).
"""
from __future__ import annotations

import pandas as pd

from ..casebook import default_casebook
from ..compare import gap_verdict
from ..errors import KitDataError
from .arguments import arguments_html
from .. import decisions
from ._common import (KitApp, NameGate, asks_in_page, esc, learner_log, learner_name,
                      source_links, where)
from .cards import (action_label, allegations_html, context_html, header_html, note_html,
                    rule_list, text_html, twitter_card_html)
from .desk_layout import arrange, build_decision_controls, build_item_slots, build_navigation


class DecisionDesk(KitApp):
    """Decide item by item which rules were broken and which action fits; then compare.

    ``log`` is a :class:`kit.DecisionLog` (every save is recorded there at once), or None:
    then the learner's own log in ``folder`` (default ``$KIT_DECISIONS_DIR``), asking for
    the name first in Voila (:class:`NameGate`, also shown when the given log is the shared
    ``guest`` log and nobody chose it in this page); ``environment`` is where the kit runs
    (default :func:`kit.environment.detect`). Until a name is given, :attr:`gate` is the
    name prompt and :attr:`decision_log` None;
    ``casebook`` defaults to the log's casebook (else ``kit.load_casebook()``); ``items`` optionally lists the
    item ids to show, in that order (default: every item of the case file). The desk
    opens at the first item not yet decided.

    Controls carry stable CSS classes: ``kit-desk-prev``, ``kit-desk-next``,
    ``kit-desk-jump``, ``kit-desk-pick``, ``kit-desk-rule``, ``kit-desk-action``,
    ``kit-desk-rationale``, ``kit-desk-save``, ``kit-desk-saved`` (the line beside the
    button: "✓ Saved" or "Not saved yet", :meth:`saved_state`), ``kit-desk-progress``,
    ``kit-desk-reveal``. Each rule's checkbox sits in a :class:`RuleChoice`
    (:attr:`rule_choices`) that shows the rule's summary and excerpt on hover and focus.
    After a save the page scrolls Twitter's decision into view (:attr:`access`).

    >>> import kit
    >>> class Log:   # like DecisionLog: record() returns the saved record, table() the latest
    ...     def __init__(self):
    ...         self.rows = []
    ...     def record(self, item_id, rules, action, rationale=""):
    ...         self.rows.append(dict(item_id=item_id, rules=tuple(rules), action=action,
    ...                               rationale=rationale, revision=len(self.rows) + 1))
    ...         return self.rows[-1]
    ...     def table(self):
    ...         return pd.DataFrame(self.rows, columns=["item_id", "rules", "action",
    ...                                                 "rationale", "revision"])
    >>> cb = kit.load_casebook()
    >>> first = cb.items.item_id[0]
    >>> desk = DecisionDesk(Log(), cb, items=[first])
    >>> desk.reveal.value.count("What Twitter did")
    0
    >>> desk.action.value = "none"; desk.save_button.click()
    >>> "What Twitter did" in desk.reveal.value, desk.progress.value.count("1 of 1 decided")
    (True, 1)
    """

    def __init__(self, log=None, casebook=None, items=None, folder=None, environment=None):
        super().__init__("desk", title="Decision desk")
        if casebook is None:  # the log's own case file, so ids always agree
            casebook = getattr(log, "casebook", None)
        if casebook is None:
            casebook = default_casebook()
        self.decision_log = log
        self.casebook = casebook
        table = casebook.items
        known = list(table.item_id)
        if items is None:
            ids = known
        else:
            if isinstance(items, pd.DataFrame):
                items = items["item_id"]
            ids = [items] if isinstance(items, str) else [str(i) for i in items]
            unknown = [i for i in ids if i not in set(known)]
            if unknown:
                raise KitDataError(f"unknown item id(s) {', '.join(map(repr, unknown))}; "
                                   "the ids are in data/items.csv", file="DecisionDesk", column="items")
            ids = list(dict.fromkeys(ids))
        if not ids:
            raise KitDataError("there are no items to decide on", file="DecisionDesk",
                               column="items")
        self.item_ids = ids
        self._items = table.set_index("item_id")
        self._rules = casebook.conduct_rules
        self._levels = casebook.action_levels
        self._allegations = casebook.allegations
        self._drafts: dict = {}
        self._syncing = False
        self._decided: dict = {}
        self.index = 0
        self.gate = None
        self.environment = where(environment)
        self.folder = folder
        if log is not None and getattr(log, "learner", None) == decisions.GUEST \
                and folder is None and getattr(log, "path", None) is not None:
            self.folder = log.path.parent  # a name given in the page saves beside it
        unnamed = getattr(log, "learner", None) == decisions.GUEST and asks_in_page(
            self.environment)   # the page's shared guest file: nobody chose it here
        guest_note = None
        if log is None or unnamed:
            name = learner_name(self.folder, self.environment)
            if name is None and asks_in_page(self.environment):
                self.decision_log = None
                self.gate = NameGate(self.safely(self._open_as), self.folder, self.environment,
                                     what="the decision desk")
                self.set_body(self.gate)
                return
            log = learner_log(name or decisions.GUEST, self.folder, casebook)
            if name is None:
                guest_note = (f"No name saved yet: your decisions are saved as "
                              f"{decisions.GUEST}, with every other guest's. Save your name "
                              "with kit.widgets.Welcome() to keep them under it.")
        self._open(log)
        if guest_note and not self.message.value:
            self.show_info(guest_note)

    def _open_as(self, name) -> None:
        """Open the desk for ``name`` (given in the name prompt, or ``guest`` chosen there)."""
        self._open(learner_log(name, self.folder, self.casebook))
        self.gate = None

    def _open(self, log) -> None:
        """Build the desk on ``log``: every control, at the first undecided item."""
        self.decision_log = log
        ids = self.item_ids
        self._decided = self._load_decisions()
        build_navigation(self, self._picker_options(), ids[0])
        build_item_slots(self)
        rules_help = build_decision_controls(self, self.casebook, self._rules, self._levels)
        self._wire()
        arrange(self, rules_help)
        self.index = 0
        undecided = self.undecided_ids()
        self._show(ids.index(undecided[0]) if undecided else 0)
        notes = list(getattr(log, "messages", None) or [])
        if notes and not self.message.value:  # e.g. an unreadable file was set aside
            self.show_info(" ".join(map(str, notes)))

    def _wire(self) -> None:
        """Answer the buttons, the item menu and every change of the decision."""
        self.prev_button.on_click(self.safely(lambda _b: self.go(self.index - 1)))
        self.next_button.on_click(self.safely(lambda _b: self.go(self.index + 1)))
        self.jump_button.on_click(self.safely(lambda _b: self.jump_to_undecided()))
        self.save_button.on_click(self.safely(lambda _b: self.save()))
        self.picker.observe(self.safely(self._on_pick), names="value")
        for w in (*self.rule_boxes.values(), self.action, self.rationale):
            w.observe(self.safely(lambda _c: self._show_saved_state()), names="value")

    # -- state ---------------------------------------------------------------------------
    def _load_decisions(self) -> dict:
        """item_id -> the learner's latest decision, read from the log.

        ``DecisionLog.table()`` already holds one checked row per decided item (rules as a
        tuple of known rule ids, a ladder action), so nothing is checked again here.
        """
        try:
            table = self.decision_log.table()
        except Exception as exc:  # noqa: BLE001 - shown in the app, the desk still opens
            self.show_error(exc)
            return {}
        return {row.item_id: {"rules": tuple(row.rules), "action": row.action,
                              "rationale": row.rationale}
                for row in table.itertuples(index=False)}

    @property
    def current_item_id(self) -> str:
        """The id of the item on screen."""
        return self.item_ids[self.index]

    def decided_ids(self) -> list:
        """Ids of this desk's items the learner has decided, in desk order."""
        return [i for i in self.item_ids if i in self._decided]

    def undecided_ids(self) -> list:
        """Ids of this desk's items not decided yet, in desk order."""
        return [i for i in self.item_ids if i not in self._decided]

    def decision(self, item_id=None):
        """The learner's latest saved decision on an item as a dict, or None."""
        d = self._decided.get(item_id or self.current_item_id)
        return dict(d) if d else None

    def _form_state(self) -> dict:
        return {"rules": tuple(r for r, b in self.rule_boxes.items() if b.value),
                "action": self.action.value, "rationale": self.rationale.value}

    def _set_form(self, state) -> None:
        rules = set(state["rules"]) if state else set()
        for rid, box in self.rule_boxes.items():
            box.value = rid in rules
        action = state["action"] if state else None
        valid = {v for _, v in self.action.options}
        self.action.value = action if action in valid else None
        self.rationale.value = state["rationale"] if state else ""

    # -- navigation ----------------------------------------------------------------------
    def _picker_options(self):
        out = []
        for i in self.item_ids:
            mark = "✓" if i in self._decided else "·"
            out.append((f"{mark} {i} · {self._items.at[i, 'title']}", i))
        return out

    def _on_pick(self, change):
        if self._syncing or change["new"] is None:
            return
        self.go(self.item_ids.index(change["new"]))

    def go(self, index: int) -> None:
        """Show the item at position ``index`` (unsaved edits of the current one are kept)."""
        if not 0 <= index < len(self.item_ids):
            return
        self._keep_draft()
        self.clear_message()
        self._show(index)

    def go_to(self, item_id: str) -> None:
        """Show the item with this id."""
        if item_id not in self.item_ids:
            raise KitDataError(f"{item_id!r} is not one of this desk's items", column="item_id")
        self.go(self.item_ids.index(item_id))

    def jump_to_undecided(self) -> None:
        """Go to the next item not decided yet (after the current one, wrapping round)."""
        n = len(self.item_ids)
        for step in range(1, n + 1):
            j = (self.index + step) % n
            if self.item_ids[j] not in self._decided:
                if j != self.index:
                    self.go(j)
                else:
                    self.show_info("This is the only item you have not decided yet.")
                return
        self.show_info(f"You have decided all {n} items. You can still revisit and change any "
                       "of them.")

    def _keep_draft(self) -> None:
        item_id = self.current_item_id
        state = self._form_state()
        saved = self._decided.get(item_id)
        base = saved or {"rules": (), "action": None, "rationale": ""}
        if (set(state["rules"]) != set(base["rules"]) or state["action"] != base["action"]
                or state["rationale"] != base["rationale"]):
            self._drafts[item_id] = state
        else:
            self._drafts.pop(item_id, None)

    def _show(self, index: int) -> None:
        self.index = index
        item_id = self.current_item_id
        item = self._items.loc[item_id].to_dict()
        item["item_id"] = item_id
        self._syncing = True
        try:
            self.picker.value = item_id
        finally:
            self._syncing = False
        self.header.value = header_html(item)
        self.note.value = note_html(item)
        self.text.value = text_html(item)
        self.text_toggle.fold_away()
        self.text_area.children = [self.text_toggle] if self.note.value else [self.text]
        self.context.value = context_html(item) + (
            '<p class="kit-muted">The sources for this item are listed with Twitter\'s decision, '
            'after you save yours (their titles would give it away).</p>')
        draft = self._drafts.get(item_id)
        self._set_form(draft or self._decided.get(item_id))
        if draft:
            self.show_info("You changed this item earlier without saving: your edits are back "
                           "in the form. Save to keep them.")
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.item_ids) - 1
        self._refresh()
        self._show_saved_state()

    def saved_state(self) -> str:
        """Whether the form holds what is saved for the item on screen: ``"saved"`` (it
        does), ``"changed"`` (it was saved, and the form has changed since), ``"unsaved"``
        (not saved yet, the form is filled in) or ``""`` (not saved, the form is empty)."""
        state = self._form_state()
        saved = self._decided.get(self.current_item_id)
        if saved is not None:
            same = (set(state["rules"]) == set(saved["rules"])
                    and state["action"] == saved["action"]
                    and state["rationale"] == saved["rationale"])
            return "saved" if same else "changed"
        touched = state["rules"] or state["action"] is not None or state["rationale"].strip()
        return "unsaved" if touched else ""

    def _show_saved_state(self) -> None:
        """The line beside *Save decision*: "Saved", or that the form is not saved yet."""
        text = {"saved": ("kit-saved-line", "✓ Saved"),
                "changed": ("kit-saved-line kit-unsaved",
                            "Changed since you saved: press Save decision to keep it"),
                "unsaved": ("kit-saved-line kit-unsaved", "Not saved yet"),
                "": None}[self.saved_state()]
        html = f'<span class="{text[0]}">{esc(text[1])}</span>' if text else ""
        if self.saved_line.value != html:
            self.saved_line.value = html

    def _refresh(self) -> None:
        n, d = len(self.item_ids), len(self.decided_ids())
        self.progress.value = (f'<div class="kit-muted" role="status"><b>{d} of {n} decided</b>'
                               f' · item {self.index + 1} of {n}</div>')
        self.reveal.value = self._reveal_html(self.current_item_id)

    # -- saving and the reveal ---------------------------------------------------------------
    def save(self) -> None:
        """Record the form for the current item in the log, then reveal Twitter's decision.

        Without an action nothing is saved and a message says so; on any error the form
        (including the rationale) stays exactly as typed.
        """
        item_id = self.current_item_id
        state = self._form_state()
        if state["action"] is None:
            self.show_error(KitDataError(
                "Choose an action on the ladder before saving (\"No action\" is a choice too). "
                "Nothing was saved; your rationale is still in the box."))
            return
        saved = self.decision_log.record(item_id, list(state["rules"]), state["action"],
                                         state["rationale"])
        self._decided[item_id] = {"rules": tuple(saved["rules"]), "action": saved["action"],
                                  "rationale": saved["rationale"]}
        self._drafts.pop(item_id, None)
        options = self._picker_options()
        self._syncing = True
        try:
            self.picker.options = options
            self.picker.value = item_id
        finally:
            self._syncing = False
        self._refresh()
        self._show_saved_state()
        self.access.scroll_to(".kit-desk-reveal")   # Twitter's decision, brought into view
        left = len(self.undecided_ids())
        self.show_info(f"Saved your decision on {item_id}. Twitter's decision is shown below. "
                       + (f"{left} item(s) left to decide." if left else "All items decided."))
        self.sync_line.refresh()      # hand-in: "Sent to your class." (on a hub)
        self.download.refresh()       # a link already shown holds the latest work

    def _reveal_html(self, item_id) -> str:
        mine = self._decided.get(item_id)
        if mine is None:
            return ('<div class="kit-muted kit-desk-reveal-wait">Twitter\'s actual decision '
                    'appears here once you save yours.</div>')
        it = self._items.loc[item_id]
        cb = self.casebook
        parts = ['<div class="kit-card kit-desk-reveal-card">', twitter_card_html(it, cb),
                 '<h4 style="margin:8px 0 4px">Your decision</h4>',
                 f"<p><b>{action_label(cb, mine['action'])}</b> · rules: "
                 + rule_list(cb, mine["rules"], none="none") + "</p>"]
        if mine["rationale"].strip():
            parts.append(f'<blockquote class="kit-desk-your-rationale">{esc(mine["rationale"])}'
                         "</blockquote>")
        mine_level, t_level = self._levels.get(mine["action"]), self._levels.get(it["twitter_action"])
        if mine_level is not None and t_level is not None:
            verdict = gap_verdict(mine_level, t_level, mine["rules"], it["twitter_rule_ids"] or ())
            parts.append(f'<p class="kit-desk-verdict">{esc(verdict)}</p>')
        parts.append(allegations_html(self._allegations[self._allegations.item_id == item_id], cb))
        parts.append(f'<p class="kit-muted">Sources: {source_links(cb, it["source_ids"])}</p>')
        parts.append(arguments_html(cb, item_id=item_id, compact=True))
        parts.append("</div>")
        return "".join(parts)

    def status_line(self) -> str:
        n = len(self.item_ids)
        if self.decision_log is None:
            return f"waiting for the learner's name, {n} items"
        return (f"{self.current_item_id}, item {self.index + 1} of {n}, "
                f"{len(self.decided_ids())} of {n} decided")
