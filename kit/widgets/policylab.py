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
from ._common import ChartSlot, Fold, KitApp, RuleChoice, esc, html_slot, labelled, page_log
from .layout import SIDE_BY_SIDE  # noqa: F401  (the width the CSS switches at; documented there)

CUSTOM = "custom"
MAX_STRIKES = 10
#: Control attribute -> Policy parameter, for the scalar parameters.
_SCALARS = ("name", "leader_treatment", "notice_min_followers", "notice_requires_verified",
            "linked_accounts_count", "lock_after", "suspend_after", "labels")

TREATMENT_CHOICES = (
    ("Same rules as everyone else", "same"),
    ("Public-interest notice for qualifying leaders", "public_interest"),
    ("Exempt: never act on a leader's account", "exempt"),
)
LABEL_SOURCE_CHOICES = (
    ("Every allegation in the case file", "allegations"),
    ("Only the rules Twitter itself cited", "twitter"),
    ("My own decisions", "decisions"),
)
TIPS = {
    "preset": "Start from a ready-made policy. Changing any control afterwards makes it 'custom'.",
    "name": "A name for your policy (shown in the summary).",
    "leader_treatment": "How world leaders' accounts are treated: exactly like everyone else; "
                        "a click-through public-interest notice (no removal, no strike) for a "
                        "qualifying leader's post that breaks only rules eligible for the "
                        "exception; or fully exempt, never actioned.",
    "notice_min_followers": "A leader's account qualifies for the public-interest notice only "
                            "with MORE than this many followers (Twitter's 2019 rule: 100,000). "
                            "Unknown follower counts do not qualify.",
    "notice_requires_verified": "If ticked, a leader's account must also be verified to qualify "
                                "for the public-interest notice (Twitter's 2019 rule).",
    "linked_accounts_count": "If ticked, accounts linked to a leader but not acknowledged, or "
                             "disputed ones, count as the leader's own: they get the leader's "
                             "treatment and share one strike count with his other accounts.",
    "lock_after": "Every removed post is a strike. From this many strikes on, each strike also "
                  "locks the account for a while. 'never': no locks.",
    "suspend_after": "At this many strikes the account is permanently suspended. "
                     "'never': strikes alone never suspend.",
    "labels": "Which rules each item broke: every allegation anyone made in the case file, only "
              "the rules Twitter cited, or your own decisions from the decision desk.",
    "enforced": "Tick the rules your policy enforces. An unticked rule is ignored.",
    "immediate": "Breaking a ticked rule suspends the account at once, whatever its strikes "
                 "(and even if the post would otherwise get a public-interest notice).",
}


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
        self._build_scalar_controls(log)
        self._build_rule_boxes(casebook.conduct_rules)
        self._changed = ""    # what the learner changed last (for the headline)
        self._flash = 0
        controls = self._controls_panel(log)
        result = W.VBox([W.HTML("<h4>What this policy would have done</h4>"),
                         *self._result_area()], layout=W.Layout(width="100%"))
        result.add_class("kit-lab-result")
        # the headline first, sticky at the top (layout.py): it stays in view on any screen
        main = W.Box([self.headline, controls, result], layout=W.Layout(width="100%"))
        main.add_class("kit-lab-main")
        self.set_body(main)
        self._wire(preset)

    def _build_scalar_controls(self, log) -> None:
        """The preset menu, the name and every one-value control (see ``_SCALARS``)."""
        # short labels (the whole note is shown under the menu): nothing cut in a narrow menu
        opts = [(_preset_label(key, p), key) for key, p in PRESETS.items()]
        self.preset = labelled(W.Dropdown(options=opts + [("custom (your own settings)", CUSTOM)],
                                          value=CUSTOM, layout=W.Layout(width="100%")),
                               "Start from", TIPS["preset"])
        self.preset.add_class("kit-lab-preset")
        self.name = labelled(W.Text(value="my policy", layout=W.Layout(width="100%")),
                             "Policy name", TIPS["name"])
        self.leader_treatment = labelled(
            W.Dropdown(options=list(TREATMENT_CHOICES), value="same", layout=W.Layout(width="100%")),
            "World leaders", TIPS["leader_treatment"])
        self.notice_min_followers = labelled(
            W.BoundedIntText(value=100_000, min=0, max=10**10, step=10_000,
                             layout=W.Layout(width="auto")),
            "Notice needs more than (followers)", TIPS["notice_min_followers"])
        self.notice_requires_verified = labelled(W.Checkbox(value=True, indent=False),
                                                 "Notice needs a verified account",
                                                 TIPS["notice_requires_verified"])
        self.linked_accounts_count = labelled(W.Checkbox(value=False, indent=False),
                                              "Linked accounts count as the leader's",
                                              TIPS["linked_accounts_count"])
        strikes = [("never", 0)] + [(str(i), i) for i in range(1, MAX_STRIKES + 1)]
        self.lock_after = labelled(W.Dropdown(options=strikes, value=2,
                                              layout=W.Layout(width="auto")),
                                   "Lock from (strikes)", TIPS["lock_after"])
        self.suspend_after = labelled(W.Dropdown(options=strikes, value=5,
                                                 layout=W.Layout(width="auto")),
                                      "Suspend at (strikes)", TIPS["suspend_after"])
        sources = [o for o in LABEL_SOURCE_CHOICES if o[1] != "decisions" or log is not None]
        self.labels = labelled(W.Dropdown(options=sources, value="allegations",
                                          layout=W.Layout(width="100%")),
                               "Rules broken come from", TIPS["labels"])

    def _build_rule_boxes(self, rules) -> None:
        """Two checkboxes per conduct rule: enforced, and straight to suspension."""
        self.enforced, self.immediate = {}, {}
        for _, r in rules.iterrows():   # each: the checkbox, its summary and excerpt beside it
            self.enforced[r.rule_id] = RuleChoice(r, value=True, tooltip="Enforce this rule.")
            self.enforced[r.rule_id].add_class("kit-lab-rule")
            self.immediate[r.rule_id] = RuleChoice(r, value=False,
                                                   tooltip="Straight to suspension.")
            self.immediate[r.rule_id].add_class("kit-lab-immediate")
        for attr in _SCALARS:
            getattr(self, attr).add_class(f"kit-lab-{attr.replace('_', '-')}")

    def _controls_panel(self, log) -> W.VBox:
        """Every control, grouped under headings, in one column."""
        self.refresh = labelled(W.Button(icon="refresh"), "Re-read my decisions",
                                "Use the decisions you recorded since this lab was shown "
                                "(for 'My own decisions')")
        self.refresh.add_class("kit-lab-refresh")
        self.refresh.on_click(self.safely(self._on_refresh))
        def grid(boxes):
            box = W.Box(list(boxes), layout=W.Layout(width="100%"))
            box.add_class("kit-lab-grid")   # columns as wide as the panel allows (layout.py)
            return box

        def pair(*widgets):
            box = W.Box(list(widgets), layout=W.Layout(width="100%"))
            box.add_class("kit-lab-pair")
            return box

        controls = W.VBox([
            self.preset,
            self._note(),
            self.name,
            W.HTML("<h4>World leaders</h4>"),
            self.leader_treatment, self.notice_min_followers,
            pair(self.notice_requires_verified, self.linked_accounts_count),
            W.HTML("<h4>Strikes</h4>"),
            pair(self.lock_after, self.suspend_after),
            W.HTML(f"<h4>Rules enforced</h4><p class='kit-muted'>{esc(TIPS['enforced'])}</p>"),
            grid(self.enforced.values()),
            W.HTML(f"<h4>Straight to suspension for</h4><p class='kit-muted'>"
                   f"{esc(TIPS['immediate'])}</p>"),
            grid(self.immediate.values()),
            W.HTML("<h4>Where the rules broken come from</h4>"),
            self.labels,
        ] + ([self.refresh] if log is not None else []), layout=W.Layout(width="100%"))
        controls.add_class("kit-lab-controls")
        return controls

    def _result_area(self) -> tuple:
        """The widgets that show what the policy would have done."""
        self.headline = html_slot("kit-lab-headline")
        self.describe = html_slot("kit-lab-describe")
        self.summary_html = html_slot("kit-lab-summary")
        self.table = html_slot("kit-lab-table")
        self.chart_slot = ChartSlot("kit-lab-chart")
        self.items_html = html_slot("kit-lab-items")
        details = Fold(self.items_html, "Item by item: what the policy did and why",
                       "Hide the item-by-item list", "kit-lab-items-toggle")
        return self.summary_html, self.chart_slot, self.table, self.describe, details

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

    def _note(self):
        self.preset_note = html_slot("kit-lab-preset-note")
        return self.preset_note

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

def _preset_label(key: str, preset) -> str:
    """A preset's menu label: its note up to the first colon ("Twitter's rules as written
    2019-2021"), or its key."""
    note = (preset.note or "").strip()
    head = note.split(":", 1)[0].strip().rstrip(".")
    return head or key


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
