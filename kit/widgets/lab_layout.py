"""The PolicyLab's panels: its controls (one per :class:`kit.Policy` parameter, each with a
plain-words tooltip from :data:`TIPS`), grouped under headings, and the result area. The
builders set the controls on the lab they are given, as :class:`PolicyLab` names them.
"""
from __future__ import annotations

import ipywidgets as W

from ..policy import PRESETS
from ._common import ChartSlot, Fold, RuleChoice, esc, html_slot, labelled

CUSTOM = "custom"
MAX_STRIKES = 10
#: Control attribute -> Policy parameter, for the scalar parameters.
SCALARS = ("name", "leader_treatment", "notice_min_followers", "notice_requires_verified",
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


def build_scalar_controls(lab, log) -> None:
    """The preset menu, the name and every one-value control (see ``SCALARS``)."""
    # short labels (the whole note is shown under the menu): nothing cut in a narrow menu
    opts = [(preset_label(key, p), key) for key, p in PRESETS.items()]
    lab.preset = labelled(W.Dropdown(options=opts + [("custom (your own settings)", CUSTOM)],
                                     value=CUSTOM, layout=W.Layout(width="100%")),
                          "Start from", TIPS["preset"])
    lab.preset.add_class("kit-lab-preset")
    lab.name = labelled(W.Text(value="my policy", layout=W.Layout(width="100%")),
                        "Policy name", TIPS["name"])
    lab.leader_treatment = labelled(
        W.Dropdown(options=list(TREATMENT_CHOICES), value="same", layout=W.Layout(width="100%")),
        "World leaders", TIPS["leader_treatment"])
    lab.notice_min_followers = labelled(
        W.BoundedIntText(value=100_000, min=0, max=10**10, step=10_000,
                         layout=W.Layout(width="auto")),
        "Notice needs more than (followers)", TIPS["notice_min_followers"])
    lab.notice_requires_verified = labelled(W.Checkbox(value=True, indent=False),
                                            "Notice needs a verified account",
                                            TIPS["notice_requires_verified"])
    lab.linked_accounts_count = labelled(W.Checkbox(value=False, indent=False),
                                         "Linked accounts count as the leader's",
                                         TIPS["linked_accounts_count"])
    strikes = [("never", 0)] + [(str(i), i) for i in range(1, MAX_STRIKES + 1)]
    lab.lock_after = labelled(W.Dropdown(options=strikes, value=2,
                                         layout=W.Layout(width="auto")),
                              "Lock from (strikes)", TIPS["lock_after"])
    lab.suspend_after = labelled(W.Dropdown(options=strikes, value=5,
                                            layout=W.Layout(width="auto")),
                                 "Suspend at (strikes)", TIPS["suspend_after"])
    sources = [o for o in LABEL_SOURCE_CHOICES if o[1] != "decisions" or log is not None]
    lab.labels = labelled(W.Dropdown(options=sources, value="allegations",
                                     layout=W.Layout(width="100%")),
                          "Rules broken come from", TIPS["labels"])


def build_rule_boxes(lab, rules) -> None:
    """Two checkboxes per conduct rule: enforced, and straight to suspension."""
    lab.enforced, lab.immediate = {}, {}
    for _, r in rules.iterrows():   # each: the checkbox, its summary and excerpt beside it
        lab.enforced[r.rule_id] = RuleChoice(r, value=True, tooltip="Enforce this rule.")
        lab.enforced[r.rule_id].add_class("kit-lab-rule")
        lab.immediate[r.rule_id] = RuleChoice(r, value=False,
                                              tooltip="Straight to suspension.")
        lab.immediate[r.rule_id].add_class("kit-lab-immediate")
    for attr in SCALARS:
        getattr(lab, attr).add_class(f"kit-lab-{attr.replace('_', '-')}")


def controls_panel(lab, log, on_refresh) -> W.VBox:
    """Every control, grouped under headings, in one column (``on_refresh`` answers the
    *Re-read my decisions* button)."""
    lab.preset_note = html_slot("kit-lab-preset-note")
    lab.refresh = labelled(W.Button(icon="refresh"), "Re-read my decisions",
                           "Use the decisions you recorded since this lab was shown "
                           "(for 'My own decisions')")
    lab.refresh.add_class("kit-lab-refresh")
    lab.refresh.on_click(on_refresh)

    def grid(boxes):
        box = W.Box(list(boxes), layout=W.Layout(width="100%"))
        box.add_class("kit-lab-grid")   # columns as wide as the panel allows (layout.py)
        return box

    def pair(*widgets):
        box = W.Box(list(widgets), layout=W.Layout(width="100%"))
        box.add_class("kit-lab-pair")
        return box

    controls = W.VBox([
        lab.preset,
        lab.preset_note,
        lab.name,
        W.HTML("<h4>World leaders</h4>"),
        lab.leader_treatment, lab.notice_min_followers,
        pair(lab.notice_requires_verified, lab.linked_accounts_count),
        W.HTML("<h4>Strikes</h4>"),
        pair(lab.lock_after, lab.suspend_after),
        W.HTML(f"<h4>Rules enforced</h4><p class='kit-muted'>{esc(TIPS['enforced'])}</p>"),
        grid(lab.enforced.values()),
        W.HTML(f"<h4>Straight to suspension for</h4><p class='kit-muted'>"
               f"{esc(TIPS['immediate'])}</p>"),
        grid(lab.immediate.values()),
        W.HTML("<h4>Where the rules broken come from</h4>"),
        lab.labels,
    ] + ([lab.refresh] if log is not None else []), layout=W.Layout(width="100%"))
    controls.add_class("kit-lab-controls")
    return controls


def result_area(lab) -> tuple:
    """The widgets that show what the policy would have done."""
    lab.headline = html_slot("kit-lab-headline")
    lab.describe = html_slot("kit-lab-describe")
    lab.summary_html = html_slot("kit-lab-summary")
    lab.table = html_slot("kit-lab-table")
    lab.chart_slot = ChartSlot("kit-lab-chart")
    lab.items_html = html_slot("kit-lab-items")
    details = Fold(lab.items_html, "Item by item: what the policy did and why",
                   "Hide the item-by-item list", "kit-lab-items-toggle")
    return lab.summary_html, lab.chart_slot, lab.table, lab.describe, details


def preset_label(key: str, preset) -> str:
    """A preset's menu label: its note up to the first colon ("Twitter's rules as written
    2019-2021"), or its key."""
    note = (preset.note or "").strip()
    head = note.split(":", 1)[0].strip().rstrip(".")
    return head or key
