"""The DecisionDesk's controls, built in named steps and laid out: navigation, the places
the item is shown in, the learner's decision (with the hand-in line) and the layout. The
builders set the controls on the desk they are given, as :class:`DecisionDesk` names them.
"""
from __future__ import annotations

import ipywidgets as W

from .choices import Fold, RuleChoice
from .handin import SyncLine, work_download
from .markup import html_slot, labelled


def build_navigation(desk, options, first) -> None:
    """Previous, Next, Next undecided, the item menu (``options``, at ``first``) and the
    progress line."""
    desk.prev_button = labelled(W.Button(description="◀ Previous", icon=""), "◀ Previous",
                                "Go to the previous item (your unsaved edits are kept)")
    desk.next_button = labelled(W.Button(), "Next ▶",
                                "Go to the next item (your unsaved edits are kept)")
    desk.jump_button = labelled(W.Button(), "Next undecided",
                                "Jump to the next item you have not decided yet")
    desk.picker = labelled(W.Dropdown(options=options, value=first,
                                      layout=W.Layout(width="auto", max_width="520px")),
                           "Item", "Choose any item; ✓ marks the ones you have decided")
    desk.progress = W.HTML()
    for w, cls in ((desk.prev_button, "kit-desk-prev"), (desk.next_button, "kit-desk-next"),
                   (desk.jump_button, "kit-desk-jump"), (desk.picker, "kit-desk-pick"),
                   (desk.progress, "kit-desk-progress")):
        w.add_class(cls)
    for b in (desk.prev_button, desk.next_button, desk.jump_button):
        b.layout = W.Layout(width="auto")



def build_item_slots(desk) -> None:
    """The places the item is shown in: header, content note, the text (folded), context."""
    desk.header = html_slot("kit-desk-item", width="auto")
    desk.note = html_slot("kit-desk-note", width="auto")
    desk.text = html_slot("kit-desk-text", width="auto")
    desk.text_toggle = Fold(desk.text, "Show the text (read the content note first)",
                            "Hide the text", "kit-desk-text-toggle")
    desk.text_area = W.VBox(layout=W.Layout(width="auto"))
    desk.context = html_slot("kit-desk-context", width="auto")



def build_decision_controls(desk, casebook, rules, levels):
    """A checkbox per rule (of ``rules``), the ladder (with its ``levels``), the rationale,
    Save and its lines, the hand-in. Returns the rules' help line (placed by :func:`arrange`)."""
    desk.rule_boxes, desk.rule_choices = {}, {}
    for _, r in rules.iterrows():
        choice = RuleChoice(r)   # the checkbox, and the rule's summary and excerpt beside it
        box = choice.checkbox
        box.add_class("kit-desk-rule")
        box.add_class(f"kit-rule-{r['rule_id']}")
        desk.rule_boxes[r["rule_id"]] = box
        desk.rule_choices[r["rule_id"]] = choice
    rules_help = W.HTML('<b>Which rules did it break?</b> <span class="kit-muted">Tick none, '
                        'one or several; rest the pointer on a rule, or move to it with '
                        'Tab, to read what it says.</span>')
    desk.action = W.RadioButtons(
        options=[(f"{casebook.action_names[a]} (level {levels[a]})", a)
                 for a in casebook.ladder], layout=W.Layout(width="auto"))
    desk.action.value = None
    labelled(desk.action, "Action", "Twitter's enforcement ladder, from no action to "
             "permanent suspension: pick the step you think fits")
    desk.action.add_class("kit-desk-action")
    # the text reaches the kernel when the box loses focus (Tab or a click on Save), in
    # one message sent before the button's: sent while typing, a buffered update could
    # arrive after a quick Save and the saved rationale would be cut short
    desk.rationale = W.Textarea(placeholder="Why? Which words, which context, which rule?",
                                continuous_update=False,
                                layout=W.Layout(width="auto", height="90px"))
    labelled(desk.rationale, "Rationale", "Your reasons, in a few sentences "
             "(saved with your decision)")
    desk.rationale.add_class("kit-desk-rationale")
    desk.save_button = labelled(W.Button(button_style="primary"), "Save decision",
                                "Save your rules, action and rationale for this item; "
                                "Twitter's decision is shown after saving")
    desk.save_button.add_class("kit-desk-save")
    desk.saved_line = html_slot("kit-desk-saved", width="auto")
    desk.saved_line.add_class("kit-live")
    desk.reveal = html_slot("kit-desk-reveal", width="auto")
    # -- hand-in (kit.widgets.handin): the class service's line, "Download my work"
    desk.sync_line = SyncLine(lambda: desk.decision_log)
    desk.download = work_download(lambda: desk.decision_log)
    return rules_help



def arrange(desk, rules_help) -> None:
    """Lay the controls out: navigation, the item, the decision, the reveal."""
    wrap = W.Layout(display="flex", flex_flow="row wrap", width="auto", align_items="center")
    nav = W.HBox([desk.prev_button, desk.next_button, desk.jump_button], layout=wrap)
    rules_box = W.VBox([rules_help, *desk.rule_choices.values()],
                       layout=W.Layout(width="auto"))
    rules_box.add_class("kit-desk-rules")
    save_row = W.HBox([desk.save_button, desk.saved_line, desk.sync_line], layout=wrap)
    save_row.add_class("kit-desk-save-row")
    decision = W.VBox([rules_box, desk.action, desk.rationale, save_row],
                      layout=W.Layout(width="auto"))
    decision.add_class("kit-desk-decision")
    desk.set_body(desk.progress, nav, desk.picker, desk.header, desk.note, desk.text_area,
                  desk.context, decision, desk.reveal, desk.download)
