"""PolicyLab: design a world-leader policy and see at once what it would have done.

Every parameter of :class:`kit.Policy` has a control (each with a plain-words
tooltip); a preset selector fills them all in (``kit.PRESETS``), and changing any
control afterwards switches the selector to "custom". On every change the policy is
played through the case file (:func:`kit.apply_policy`) and three things update in
place: a per-account table (when the policy would notice, remove, lock, suspend,
next to what Twitter did), a chart of actions over time and a short summary
("Under this policy @realDonaldTrump would be suspended on …; Twitter suspended it
on 2021-01-08"). Widgets are never rebuilt on a change, only their values.

Cause and effect stay together (:mod:`kit.widgets.layout`): on a wide app the result
sits beside the controls and stays in view while they scroll; on any screen a
headline sticks to the top of the app while it is on screen. The headline says what the last change did ("Suspend at
(strikes): 3 → @khamenei_ir now suspended on 2020-05-21, before: not suspended") and
flashes briefly, so every change visibly changes something next to the control.

With a decision log, "Where the rules broken come from" offers the learner's own
decisions (``labels="decisions"``), read from the log at every update.
"""
from __future__ import annotations

from collections import namedtuple

import ipywidgets as W
import pandas as pd

from ..casebook import default_casebook
from ..errors import KitDataError
from ..policy import (PRESETS, Policy, account_outcomes, apply_policy, outcome_rows,
                      outcome_sentences, outcome_timeline)
from ..words import day
from ._common import KitApp, esc, page_log
# The controls and panels are built in lab_layout; these names stay importable from here.
from .lab_layout import (CUSTOM, LABEL_SOURCE_CHOICES, MAX_STRIKES, TIPS,  # noqa: F401
                         TREATMENT_CHOICES, build_rule_boxes, build_scalar_controls,
                         controls_panel, result_area)
from .lab_layout import SCALARS as _SCALARS
from .layout import SIDE_BY_SIDE  # noqa: F401  (the width the CSS switches at; documented there)


def _rows(frame: pd.DataFrame, columns):
    """Rows of some columns as named tuples (like ``itertuples``, without its overhead)."""
    row = namedtuple("Row", columns)
    return map(row._make, zip(*(frame[c].tolist() for c in columns)))


class PolicyLab(KitApp):
    """Design a world-leader policy with controls; see its outcome on both cases live.

    ``PolicyLab(casebook=None, log=None, preset="twitter_2019")``. State for code
    and tests: ``policy`` (the :class:`kit.Policy` the controls describe),
    ``predictions`` (:func:`kit.apply_policy`), ``outcomes``
    (:func:`kit.policy.account_outcomes`), ``chart`` (the last Altair chart).
    Controls: ``preset``, ``name``, ``leader_treatment``, ``notice_min_followers``,
    ``notice_requires_verified``, ``linked_accounts_count``, ``lock_after`` and
    ``suspend_after`` (0 means never), ``labels``, and ``enforced[rule_id]`` /
    ``immediate[rule_id]`` checkboxes.

    >>> import kit
    >>> lab = PolicyLab(kit.load_casebook())
    >>> lab.preset.value = "strict_leaders"
    >>> lab.lock_after.value, lab.suspend_after.value, lab.linked_accounts_count.value
    (1, 3, True)
    >>> lab.suspend_after.value = 4
    >>> lab.preset.value, lab.policy.suspend_after
    ('custom', 4)
    """

    def __init__(self, casebook=None, log=None, preset: str = "twitter_2019"):
        super().__init__("lab", title="Policy lab: write your own world-leader policy")
        if casebook is None:
            casebook = default_casebook()
        self.casebook = casebook
        self.decision_log = log = page_log(log, casebook)
        self.predictions = None
        self.outcomes = None
        self.previous_outcomes = None
        self.last_policy = None
        self._quiet = False
        self._names = casebook.action_names
        build_scalar_controls(self, log)
        build_rule_boxes(self, casebook.conduct_rules)
        self._changed = ""    # what the learner changed last (for the headline)
        self._flash = 0
        controls = controls_panel(self, log, self.safely(self._on_refresh))
        result = W.VBox([W.HTML("<h4>What this policy would have done</h4>"),
                         *result_area(self)], layout=W.Layout(width="100%"))
        result.add_class("kit-lab-result")
        # the headline first, sticky at the top (layout.py): it stays in view on any screen
        main = W.Box([self.headline, controls, result], layout=W.Layout(width="100%"))
        main.add_class("kit-lab-main")
        self.set_body(main)
        self._wire(preset)

    def _wire(self, preset: str) -> None:
        """Observe every control, check the preset and draw the first result."""
        for attr in _SCALARS:
            getattr(self, attr).observe(self.safely(self._on_control), names="value")
        for box in (*self.enforced.values(), *self.immediate.values()):
            box.observe(self.safely(self._on_control), names="value")
        self.preset.observe(self.safely(self._on_preset), names="value")
        if preset not in PRESETS and preset != CUSTOM:
            raise KitDataError(f"unknown preset {preset!r}; choose one of "
                               + ", ".join([*PRESETS, CUSTOM]), file="PolicyLab", column="preset")
        if preset == CUSTOM:
            self.safely(self.update)()
        else:
            self.preset.value = preset

    # -- controls <-> Policy ----------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        """The policy the controls describe (raises kit.KitDataError if they contradict)."""
        enforced = frozenset(r for r, box in self.enforced.items() if box.value)
        return Policy(
            name=self.name.value.strip() or "my policy",
            enforced_rules=None if len(enforced) == len(self.enforced) else enforced,
            leader_treatment=self.leader_treatment.value,
            notice_min_followers=int(self.notice_min_followers.value),
            notice_requires_verified=bool(self.notice_requires_verified.value),
            linked_accounts_count=bool(self.linked_accounts_count.value),
            lock_after=self.lock_after.value or None,
            suspend_after=self.suspend_after.value or None,
            suspend_immediately_for=frozenset(r for r, b in self.immediate.items() if b.value),
            labels=self.labels.value,
            note=(PRESETS[self.preset.value].note if self.preset.value in PRESETS else ""),
        )

    def set_policy(self, policy: Policy) -> None:
        """Set every control from ``policy`` (one update at the end)."""
        self._quiet = True
        try:
            self.name.value = policy.name
            self.leader_treatment.value = policy.leader_treatment
            self.notice_min_followers.value = policy.notice_min_followers
            self.notice_requires_verified.value = policy.notice_requires_verified
            self.linked_accounts_count.value = policy.linked_accounts_count
            self.lock_after.value = min(policy.lock_after or 0, MAX_STRIKES)
            self.suspend_after.value = min(policy.suspend_after or 0, MAX_STRIKES)
            if policy.labels in [v for _, v in self.labels.options]:
                self.labels.value = policy.labels
            for r, box in self.enforced.items():
                box.value = policy.enforced_rules is None or r in policy.enforced_rules
            for r, box in self.immediate.items():
                box.value = r in policy.suspend_immediately_for
        finally:
            self._quiet = False
        self.update()

    def _on_preset(self, change):
        key = change["new"]
        if self._quiet:
            return
        self._changed = f"{self.preset.description}: {_option_label(self.preset)}"
        if key in PRESETS:
            self.preset_note.value = f'<p class="kit-muted">{esc(PRESETS[key].note)}</p>'
            self.set_policy(PRESETS[key])
        else:
            self.preset_note.value = ('<p class="kit-muted">Your own settings: change any '
                                      "control below.</p>")

    def _on_refresh(self, _button=None):
        self._changed = "Re-read my decisions"
        self.update()

    def _on_control(self, change):
        if self._quiet:
            return
        self._changed = _change_text(change["owner"])
        if self.preset.value != CUSTOM and change["owner"] is not self.name:
            self._quiet = True
            try:
                self.preset.value = CUSTOM
                if self.name.value in PRESETS:
                    self.name.value = "my policy"
            finally:
                self._quiet = False
            self.preset_note.value = ('<p class="kit-muted">Custom: you changed the preset\'s '
                                      "settings.</p>")
        self.update()

    # -- running ----------------------------------------------------------------------------
    def _decisions(self):
        if self.decision_log is None:
            return None
        return self.decision_log.table()

    def update(self) -> None:
        """Apply the current policy and refresh the summary, table, chart and item list.

        Every change is computed afresh (well within the lab's 50 ms goal on the
        shipped case file: see benchmarks/run.py), so nothing is cached.
        """
        try:
            policy = self.policy
        except KitDataError as exc:   # said next to the control too, not only at the bottom
            self._show_problem(exc)
            raise
        decisions = self._decisions() if policy.labels == "decisions" else None
        pred = apply_policy(policy, self.casebook, decisions=decisions)
        outcomes = account_outcomes(pred, self.casebook)
        chart = self._chart(pred, policy)
        self.previous_outcomes = before = self.outcomes
        self.predictions, self.outcomes, self.last_policy = pred, outcomes, policy
        self._show_headline(before, outcomes)
        self.describe.value = f'<p class="kit-muted">{esc(policy.describe(self.casebook))}</p>'
        self.summary_html.value = self._summary_html(outcomes)
        self.table.value = self._table_html(outcomes)
        self.items_html.value = self._items_html(pred)
        self.chart_slot.update(chart)
        self.clear_message()

    @property
    def chart(self):
        """The chart last shown (an Altair chart; ``chart.to_dict()`` gives its spec)."""
        return self.chart_slot.chart

    def _chart(self, pred, policy):
        from .. import charts
        return charts.policy_outcome_chart(outcome_timeline(pred), self.casebook)

    # -- text -----------------------------------------------------------------------------
    def summary_lines(self, outcomes=None) -> list:
        """One plain sentence per account that the policy or Twitter suspended, and a count
        (:func:`kit.policy.outcome_sentences`)."""
        out = self.outcomes if outcomes is None else outcomes
        return [] if out is None else outcome_sentences(out, self._names)

    def headline_text(self, before=None, outcomes=None) -> str:
        """The headline: what the last change was, what it changed (account by account,
        against ``before``, default the outcomes before the last update) and the count of
        suspensions next to Twitter's."""
        out = self.outcomes if outcomes is None else outcomes
        if before is None and outcomes is None:
            before = self.previous_outcomes
        if out is None:
            return ""
        n = int(out.suspended_on.notna().sum())
        k = int(out.twitter_suspended_on.notna().sum())
        count = f"This policy suspends {n} of {len(out)} accounts (Twitter: {k})."
        if before is None or not self._changed:
            return count
        changes = _outcome_changes(before, out, self._names)
        effect = (" · ".join(changes[:3]) + (f" · and {len(changes) - 3} more" if len(changes) > 3
                                              else "")) if changes else "no account's outcome changed"
        return f"{self._changed} → {effect}. {count}"

    def _show_problem(self, exc) -> None:
        what = f"{self._changed} → " if self._changed else ""
        self.headline.value = (f'<p class="kit-lab-problem">{esc(what)}not applied: {esc(exc)}. '
                               "The result shown is the last one that worked.</p>")
        self._restart_flash()

    def _restart_flash(self) -> None:
        self.headline.remove_class(f"kit-lab-flash-{self._flash}")
        self._flash = 1 - self._flash
        self.headline.add_class(f"kit-lab-flash-{self._flash}")

    def _show_headline(self, before, outcomes) -> None:
        self.headline.value = f"<p>{esc(self.headline_text(before, outcomes))}</p>"
        if before is not None:   # restart the flash: alternate two classes with one animation
            self._restart_flash()

    def _summary_html(self, outcomes) -> str:
        lines = self.summary_lines(outcomes)
        return ("<div class='kit-card' role='status'><ul>"
                + "".join(f"<li>{esc(s)}</li>" for s in lines) + "</ul></div>")

    def _table_html(self, outcomes) -> str:
        head = ("<tr><th>Account</th><th>Leader</th><th>Under this policy</th>"
                "<th>What Twitter did</th></tr>")
        leaders = self.casebook.leader_names
        body = "".join(
            f"<tr><td>@{esc(h)}</td><td>{esc(leaders.get(ldr, ldr))}</td><td>{esc(mine)}</td>"
            f"<td>{esc(theirs)}</td></tr>"
            for h, ldr, mine, theirs in outcome_rows(outcomes, self._names))
        return (f'<div style="overflow-x:auto"><table class="kit-table">{head}{body}</table></div>')

    def _items_html(self, pred) -> str:
        head = ("<tr><th>Item</th><th>Date</th><th>Account</th><th>This policy</th>"
                "<th>Why</th><th>Twitter</th></tr>")
        names = self._names
        body = "".join(
            f"<tr><td>{esc(r.item_id)}</td><td>{esc(day(r.date))}</td><td>@{esc(r.handle)}</td>"
            f"<td>{esc(names.get(r.action, r.action))}</td><td>{esc(r.reason)}</td>"
            f"<td>{esc(names.get(r.twitter_action, r.twitter_action))}</td></tr>"
            for r in _rows(pred, ("item_id", "date", "handle", "action", "reason",
                                  "twitter_action")))
        return f'<div style="overflow-x:auto"><table class="kit-table">{head}{body}</table></div>'

    def status_line(self) -> str:
        out = self.outcomes
        if out is None:
            return f"lab: {self.preset.value}, no result"
        n = int(out.suspended_on.notna().sum())
        k = int(out.twitter_suspended_on.notna().sum())
        return (f"lab: {self.preset.value}; suspends {n} of {len(out)} accounts "
                f"(Twitter: {k})")


# --------------------------------------------------------------------------- headline words

def _option_label(widget) -> str:
    """The label of a selection widget's chosen option."""
    for label, value in widget.options:
        if value == widget.value:
            return str(label)
    return str(widget.value)


def _change_text(owner) -> str:
    """What the learner changed, in words: "Suspend at (strikes): 3", "Enforce: Hateful
    conduct (off)"."""
    classes = getattr(owner, "_dom_classes", ())
    value = owner.value
    if isinstance(value, bool):
        if "kit-lab-rule" in classes:
            return f"Enforce {owner.description}: {'on' if value else 'off'}"
        if "kit-lab-immediate" in classes:
            return f"Straight to suspension for {owner.description}: {'on' if value else 'off'}"
        return f"{owner.description}: {'yes' if value else 'no'}"
    if hasattr(owner, "options"):
        return f"{owner.description}: {_option_label(owner)}"
    return f"{owner.description}: {value}"


def _status(row, names) -> str:
    when = day(row.suspended_on)
    if when:
        return f"suspended on {when}"
    if row.outcome == "none":
        return "no action"
    return f"not suspended, strongest action {str(names.get(row.outcome, row.outcome)).lower()}"


def _outcome_changes(before: pd.DataFrame, after: pd.DataFrame, names) -> list:
    """"@h now suspended on D, was no action" for each account whose outcome changed."""
    old = {r.handle: r for r in _rows(before, ("handle", "suspended_on", "outcome"))}
    out = []
    for r in _rows(after, ("handle", "suspended_on", "outcome")):
        was = old.get(r.handle)
        if was is None:
            continue
        now, then = _status(r, names), _status(was, names)
        if now != then:
            out.append(f"@{r.handle} now {now}, was {then}")
    return out
