"""Keyboard and screen-reader use, checked in a real browser.

* axe-core (``KIT_AXE_JS``, see :mod:`browser.harness.axe`) finds no violation inside the
  kit's outputs in any notebook run in JupyterLab (with the whole notebook on the screen,
  so colour contrast is measured on every output), nor in the Voila apps (the desk before
  and after the name is given, the PolicyLab); violations in JupyterLab's or Voila's own
  page are printed as information only.
* In JupyterLab's dark theme, on the notebooks with the most kit output (the desk in
  notebook 3, the comparison charts in 4, the PolicyLab in 5, the attribution board and
  chart in 6: the pages the light run left open, switched to dark and back), axe runs the
  rules a theme can change (:data:`~browser.harness.axe.COLOUR_RULES`: colour contrast,
  links told apart from text; the others ran in the light theme on the same outputs),
  with the whole notebook on the screen so that every text of the kit's outputs is
  measured (axe measures no contrast at all in JupyterLab as it stands, see
  :mod:`browser.harness.axe`); a probe, dark grey text added to the last output, must be
  found. The PolicyLab's headline is held at the first frame of the flash it shows after
  each change, so its text is measured on that background too.
* A whole decision on a content-noted item in notebook 3's desk, with the keyboard alone:
  open the fold (a button saying whether it is open), read a rule's explanation on focus,
  tick it, choose an action in the ladder's one radio group with the arrow keys (which
  must not move the notebook to another cell), type a rationale, save; the decision is in
  the learner's file, "Saved" shows beside the button, Twitter's decision is scrolled into
  view, and the focused button shows a clearly visible focus ring.
"""
from __future__ import annotations

import os
import uuid

import pytest

from .harness import axe, notebooks
from .layout_probe import DARK, LIGHT, set_theme

pytestmark = pytest.mark.browser


def _fail_on_kit_violations(where: str, result: dict) -> None:
    text = axe.report(result)
    print(f"{where}: {text}")   # outside violations: information only
    assert not result["kit"], f"{where}: {text}"


# --------------------------------------------------------------------------- axe-core

def test_axe_finds_nothing_in_the_kit_outputs_in_jupyterlab(lab, notebook_name):
    axe.source()
    view = lab.run(notebook_name)
    problems = view.problems()
    assert not problems, f"{notebook_name} did not run cleanly:\n- " + "\n- ".join(problems)
    # the whole notebook on the screen, so colour contrast is measured on every kit output
    result = axe.audit(view.page, whole=True)
    assert result["checked"] >= 20, f"{notebook_name}: {axe.report(result)}"
    _fail_on_kit_violations(f"{notebook_name} in JupyterLab", result)


#: The apps (or, for the comparison charts, the fixture) of the notebooks checked again in
#: the dark theme.
DARK_CHECKED = ("DecisionDesk", "compare", "PolicyLab", "AttributionBoard")


@pytest.mark.parametrize("which", DARK_CHECKED)
def test_axe_finds_nothing_in_the_kit_outputs_in_the_dark_theme(lab, request, which):
    axe.source()
    name = (request.getfixturevalue("compare_notebook") if which == "compare"
            else notebooks.notebook_or_missing(which))
    view = lab.run(name)   # the page the light run used: already run and drawn
    page = view.page
    # axe reads computed styles: no need to wait for charts to repaint
    set_theme(view, DARK, repaint_ms=0)
    try:
        assert page.evaluate("() => document.body.dataset.jpThemeLight") == "false"
        # a probe: text in a fixed dark grey, readable on white, not on the dark theme
        page.evaluate(_DARK_PROBE)
        # the PolicyLab's headline held at the first frame of its flash (it flashes after
        # every change): its text must be readable then too
        page.evaluate(_HOLD_FLASH, True)
        result = axe.audit(page, rules=axe.COLOUR_RULES, whole=True)
    finally:
        page.evaluate(_HOLD_FLASH, False)
        page.evaluate("() => document.getElementById('kit-axe-probe-dark')?.remove()")
        set_theme(view, LIGHT, repaint_ms=0)
    probe = [v for v in result["kit"] if "kit-axe-probe-dark" in v["target"]]
    assert [v["id"] for v in probe] == ["color-contrast"], axe.report(result)
    result["kit"] = [v for v in result["kit"] if v not in probe]
    # the colour-contrast rule really measured the kit's texts (not only JupyterLab's)
    assert result["checked"] >= 20, f"{name}: {axe.report(result)}"
    _fail_on_kit_violations(f"{name} in JupyterLab's dark theme", result)


_HOLD_FLASH = """hold => { for (const h of document.querySelectorAll('.kit-lab-headline')) {
  if (hold) { h.classList.remove('kit-lab-flash-0', 'kit-lab-flash-1'); void h.offsetWidth;
              h.classList.add('kit-lab-flash-0'); h.style.animationPlayState = 'paused'; }
  else { h.style.animationPlayState = ''; } } }"""
_DARK_PROBE = """() => { const outputs = document.querySelectorAll('.jp-OutputArea-output');
  const p = document.createElement('p'); p.id = 'kit-axe-probe-dark';
  p.textContent = 'Dark grey text'; p.style.color = '#333';
  outputs[outputs.length - 1].appendChild(p); }"""


def test_axe_counts_a_violation_in_an_output_as_the_kits(lab, desk_notebook):
    """The split between the kit's outputs and the page works (else the tests above could
    never fail): an unnamed button put in an output area is the kit's, one put in the
    page outside every output area is not."""
    axe.source()
    page = lab.run(desk_notebook).page
    page.evaluate("""() => {
        const b = document.createElement('button'); b.id = 'kit-axe-probe-in';
        document.querySelector('.jp-OutputArea-output').appendChild(b);
        const c = document.createElement('button'); c.id = 'kit-axe-probe-out';
        document.body.appendChild(c); }""")
    try:
        result = axe.audit(page)
    finally:
        page.evaluate("() => ['kit-axe-probe-in', 'kit-axe-probe-out'].forEach("
                      "id => document.getElementById(id).remove())")
    assert [v["id"] for v in result["kit"] if "kit-axe-probe-in" in v["target"]] == ["button-name"]
    assert [v["id"] for v in result["outside"] if "kit-axe-probe-out" in v["target"]] == [
        "button-name"]


def test_axe_finds_nothing_in_the_voila_desk(voila, desk_notebook):
    axe.source()
    view = voila.render(desk_notebook)
    assert not view.problems(), view.problems()
    desk = view.desk()
    if desk.gated():
        _fail_on_kit_violations(f"{desk_notebook} in Voila (name prompt)",
                                axe.audit(view.page, whole=True))
        desk.sign_in(f"Axe tester {uuid.uuid4().hex[:6]}")
    result = axe.audit(view.page, whole=True)
    assert result["checked"] >= 20, f"{desk_notebook} in Voila: {axe.report(result)}"
    _fail_on_kit_violations(f"{desk_notebook} in Voila (desk)", result)


def test_axe_finds_nothing_in_the_voila_policylab(voila, policylab_notebook):
    axe.source()
    view = voila.render(policylab_notebook)
    assert not view.problems(), view.problems()
    view.page.locator(".kit-lab .kit-lab-chart .vega-embed svg.marks").first.wait_for(
        timeout=30_000)
    result = axe.audit(view.page, whole=True)
    assert result["checked"] >= 20, f"{policylab_notebook} in Voila: {axe.report(result)}"
    _fail_on_kit_violations(f"{policylab_notebook} in Voila", result)


# --------------------------------------------------------------------------- keyboard only

_ACTIVE = """sel => { const a = document.activeElement;
  return !!(a && a.matches(sel)); }"""
_ACTIVE_DESC = """() => { const a = document.activeElement; if (!a) return '';
  const cls = [...(a.closest('[class*="kit-"]') || a).classList].filter(c => c.startsWith('kit-'));
  return `${a.tagName.toLowerCase()}${a.type ? '[' + a.type + ']' : ''} ${cls.join(' ')}`; }"""
_ACTIVE_CELL = """() => { const w = window.jupyterapp.shell.currentWidget;
  return w && w.content ? w.content.activeCellIndex : null; }"""


_KERNEL = """async ([code]) => { const w = window.jupyterapp.shell.currentWidget;
  const kernel = w.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code, silent: false, store_history: false });
  let out = ""; future.onIOPub = m => { if (m.header.msg_type === "stream") out += m.content.text; };
  await future.done; return out.trim(); }"""


def _wait_for_kernel(page, code: str, want: str, what: str) -> None:
    """Ask the notebook's kernel ``code`` (printing one line) until it prints ``want``: the
    widget state a key changed has reached the kernel (ipywidgets sends a button's click at
    once, but holds a state change back while an earlier one is in flight; a learner's hand
    is never as fast as a test's)."""
    got = None
    for _ in range(100):
        got = page.evaluate(_KERNEL, [code])
        if got == want:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{what}: the kernel still has {got!r}, not {want!r}")


class Keyboard:
    """The keyboard alone on a page: Tab until a control has focus, then keys."""

    def __init__(self, page):
        self.page, self.keys = page, page.keyboard

    def on(self, selector: str) -> bool:
        return self.page.evaluate(_ACTIVE, selector)

    def active(self) -> str:
        return self.page.evaluate(_ACTIVE_DESC)

    def tab_to(self, selector: str, limit: int = 80, back: bool = False) -> int:
        """Press Tab (Shift+Tab with ``back``) until ``selector`` has focus; the presses."""
        seen = []
        for presses in range(1, limit + 1):
            self.keys.press("Shift+Tab" if back else "Tab")
            if self.on(selector):
                return presses
            seen.append(self.active())
        raise AssertionError(f"{selector} never got focus with {'Shift+' if back else ''}Tab "
                             f"({limit} presses); focus went through:\n  " + "\n  ".join(seen))


def _undecided_noted_item(casebook, decided) -> list:
    notes = casebook.items.set_index("item_id").content_note.fillna("").astype(str)
    return [i for i in casebook.items.item_id if notes[i].strip() and i not in decided]


def test_a_whole_decision_with_the_keyboard_alone(lab, desk_notebook, casebook):
    view = lab.run(desk_notebook)
    page = view.page
    desk = view.desk()
    kb = Keyboard(page)
    names = dict(zip(casebook.actions.action_id, casebook.actions.name))
    items = casebook.items.set_index("item_id")

    # start on the desk's first control (as a learner tabbing into the app), then keys only
    root = ".kit-desk"
    page.locator(f"{root} .kit-desk-pick select").first.focus()
    decided = {r["item_id"] for r in lab.saved_decisions()}
    wanted = _undecided_noted_item(casebook, decided)
    assert wanted, "every content-noted item is decided already: nothing left to test"
    for _ in range(len(casebook.items)):
        if desk.item_id() in wanted and not desk.revealed():
            break
        kb.tab_to(f"{root} button.kit-desk-jump")
        before = desk.item_id()
        kb.keys.press("Enter")
        page.wait_for_function(
            "old => { const h = document.querySelector('.kit-desk .kit-desk-item h4');"
            " return h && !h.innerText.startsWith(old + ' '); }", arg=before, timeout=30_000)
    item = desk.item_id()
    assert item in wanted, f"'Next undecided' never reached a content-noted item ({wanted})"

    # the fold: a button that says it is closed, opened with Space
    fold = f"{root} button.kit-desk-text-toggle"
    kb.tab_to(fold)
    assert page.locator(fold).get_attribute("aria-expanded") == "false"
    assert page.locator(f"{root} .kit-desk-text").count() == 0 or not page.locator(
        f"{root} .kit-desk-text").is_visible()
    kb.keys.press("Space")
    page.wait_for_function(f"() => document.querySelector('{fold}')"
                           ".getAttribute('aria-expanded') === 'true'", timeout=30_000)
    page.locator(f"{root} .kit-desk-text").wait_for(state="visible", timeout=30_000)
    assert page.locator(fold).get_attribute("aria-controls")

    # a rule: its explanation shows on focus and describes the checkbox; Space ticks it
    rule = items.at[item, "twitter_rule_ids"]
    rule = (list(rule) or list(casebook.conduct_rules.rule_id))[0]
    box = f"{root} .kit-rule-{rule} input[type=checkbox]"
    kb.tab_to(box)
    explain = page.locator(f"{root} .kit-explained:has(.kit-rule-{rule}) .kit-explain").first
    page.wait_for_function(
        "sel => { const e = document.querySelector(sel);"
        " return e && getComputedStyle(e).visibility === 'visible' && e.offsetHeight > 0; }",
        arg=f"{root} .kit-explained:has(.kit-rule-{rule}) .kit-explain", timeout=10_000)
    summary = casebook.rules.set_index("rule_id").at[rule, "summary"]
    assert " ".join(summary.split())[:50] in " ".join(explain.inner_text().split())
    described = page.locator(box).get_attribute("aria-describedby")
    assert described and page.locator(f"#{described}").count() == 1
    kb.keys.press("Space")
    assert page.locator(box).is_checked()

    # the ladder: one radio group, one Tab stop, arrows choose; no key reaches the notebook
    group = page.locator(f"{root} .kit-desk-action [role=radiogroup]")
    assert group.count() == 1 and group.get_attribute("aria-labelledby")
    radios = page.locator(f"{root} .kit-desk-action input[type=radio]")
    assert len(set(radios.evaluate_all("els => els.map(e => e.name)"))) == 1
    labels = radios.evaluate_all("els => els.map(e => decodeURIComponent(e.dataset.value || ''))")
    target = "lock" if items.at[item, "twitter_action"] != "lock" else "remove"
    index = [i for i, t in enumerate(labels) if t.startswith(names[target])][0]
    kb.tab_to(f"{root} .kit-desk-action input[type=radio]")
    cell = page.evaluate(_ACTIVE_CELL)
    kb.keys.press("Space")                         # the first step, then down the ladder
    for _ in range(index):
        kb.keys.press("ArrowDown")
    assert radios.nth(index).is_checked()
    _wait_for_kernel(page, "print(desk.action.value)", target, "the action chosen with the arrows")
    assert page.evaluate(_ACTIVE_CELL) == cell, "ArrowDown in the ladder moved the notebook"
    assert kb.on(f"{root} .kit-desk-action input[type=radio]")
    kb.keys.press("Tab")                           # one Tab leaves the whole group
    assert kb.on(f"{root} .kit-desk-rationale textarea"), kb.active()

    # the rationale, typed; then Save with Enter
    rationale = f"Keyboard test {uuid.uuid4().hex[:8]}: typed, not pasted."
    kb.keys.type(rationale)
    kb.tab_to(f"{root} button.kit-desk-save")
    _wait_for_kernel(page, "print(desk.rationale.value)", rationale, "the typed rationale")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert ring[0] not in ("none", "") and ring[1] >= 2, f"focus ring on Save: {ring}"
    kb.keys.press("Enter")
    page.locator(f"{root} .kit-desk-reveal-card").wait_for(timeout=30_000)

    saved = [r for r in lab.saved_decisions() if r.get("rationale") == rationale]
    assert [(r["item_id"], r["action"], r["rules"]) for r in saved] == [(item, target, [rule])]
    assert "Saved" in page.locator(f"{root} .kit-desk-saved").inner_text()
    assert page.locator(f"{root} .kit-desk-saved").get_attribute("role") == "status"
    page.wait_for_function(   # Twitter's decision scrolled into view
        """() => { const r = document.querySelector('.kit-desk .kit-desk-reveal-card')
                     .getBoundingClientRect();
                   return r.top < window.innerHeight && r.bottom > 0; }""", timeout=10_000)
    assert page.evaluate(_ACTIVE_CELL) == cell, "the keys moved the notebook to another cell"

    # and axe finds nothing in the desk as it is now (fold open, Twitter's decision shown);
    # without axe-core this test still checks the keyboard (the axe tests skip or fail)
    if os.environ.get("KIT_AXE_JS"):
        _fail_on_kit_violations(f"{desk_notebook} after a keyboard decision", axe.audit(page))



# --------------------------------------------------------------------------- cut labels at 1024 px

_CUT = """() => {
  const cut = [];
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  for (const el of document.querySelectorAll(
      '.kit-app button, .kit-app .widget-label, .kit-app .widget-label-basic,'
      + ' .kit-app .widget-radio-box label, .kit-app select')) {
    if (!visible(el) || el.closest('.vega-embed')) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      cut.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || '').trim().slice(0, 60)}"`
               + ` (${el.scrollWidth} px of text in ${el.clientWidth} px)`);
  }
  return cut;
}"""


@pytest.mark.parametrize("app", ["Welcome", "Quiz", "DecisionDesk", "AttributionBoard",
                                 "Survey"])
def test_no_label_is_cut_at_1024_px(lab, app):
    name = notebooks.notebook_or_missing(app)
    view = lab.run(name)
    page = view.page
    size = page.viewport_size
    page.set_viewport_size({"width": 1024, "height": 700})
    try:
        page.wait_for_timeout(300)   # let JupyterLab lay the panel out again (no assertion)
        cut = page.evaluate(_CUT)
    finally:
        page.set_viewport_size(size)
    assert not cut, f"{name} at 1024 px cuts labels:\n- " + "\n- ".join(cut)
