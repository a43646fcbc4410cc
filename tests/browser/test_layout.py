"""Layout in a real browser at 1024×700 (issue 15, item 5): nothing cut, cause next to effect,
charts at full width, no white box in the dark theme.

* No PolicyLab label, button or menu is cut (``scrollWidth <= clientWidth``, a menu's
  chosen option fits its menu) and no chart text ends in Vega's ellipsis, in the PolicyLab,
  the comparison charts and the class dashboard.
* After a control of the PolicyLab changes, far down its controls, its headline (what
  the change did) is on the screen, in JupyterLab and in Voila.
* Every kit chart on those pages and in notebook 6 (the attribution board and chart) is at
  least 80% as wide as the box it is shown in; so is the ladder chart, which no notebook
  shows (it would give Twitter's actions away before lesson 3): it is drawn in a cell
  added to notebook 6's page for the test, and removed again.
* In JupyterLab's dark theme no chart has a white background and chart text is light.

Measurements come from :mod:`.layout_probe` (the same as the screenshots' JSON files).
"""
from __future__ import annotations

import pytest

from .harness.notebooks import notebook_or_missing
from .layout_probe import (DARK, DEFAULT_VIEWPORT, LIGHT, NARROW, measure, scroll_to, set_theme,
                           settle_after_resize)

pytestmark = pytest.mark.browser

#: A chart is "full width" when it takes at least this share (%) of its box.
MIN_SHARE = 80


@pytest.fixture
def narrow(request):
    """Pages used by a test are set to 1024×700, and back afterwards."""
    pages = []

    def use(view):
        view.page.set_viewport_size({"width": NARROW[0], "height": NARROW[1]})
        settle_after_resize(view.page)
        pages.append(view.page)
        return view

    yield use
    for page in pages:
        page.set_viewport_size(DEFAULT_VIEWPORT)


def _charts_page(lab, request, which):
    name = (request.getfixturevalue("compare_notebook") if which == "compare"
            else notebook_or_missing(which))
    return lab.run(name)


def _scroll_through(page, selector):
    """Every element matching ``selector`` scrolled into view in turn (charts and apps draw
    what is on screen); the measurements of each screen."""
    count = page.evaluate("s => document.querySelectorAll(s).length", selector)
    found = []
    for i in range(count):
        scroll_to(page, selector, i)
        found.append(measure(page))
    return found


def _cut_in(measures, only_lab: bool):
    cut = []
    for m in measures:
        for c in m["cut"]:
            if only_lab and c["what"] != "chart text" and "kit-lab" not in c.get("where", ""):
                continue   # other apps' labels are checked by their own tests
            if c not in cut:
                cut.append(c)
    return cut


@pytest.mark.parametrize("which", ["PolicyLab", "compare", "ClassDashboard", "AttributionBoard"])
def test_nothing_is_cut_at_1024(lab, narrow, request, which):
    view = narrow(_charts_page(lab, request, which))
    measures = _scroll_through(view.page, ".kit-lab, .kit-chart, .jp-OutputArea-output .vega-embed")
    cut = _cut_in(measures, only_lab=True)
    assert not cut, f"{view.name} at 1024×700: cut labels or chart texts:\n" + "\n".join(
        map(str, cut))


def _thin_charts(view, selector=".kit-chart, .jp-OutputArea-output .vega-embed") -> dict:
    """The charts on the page (by title) narrower than MIN_SHARE of their box, and all."""
    charts = {}
    for m in _scroll_through(view.page, selector):
        for c in m["charts"]:
            charts[c["title"]] = c
    assert charts, f"{view.name}: no chart drawn"
    return {t: f"{c['chart']['width']} of {c['box']['width']} px ({c['share']}%)"
            for t, c in charts.items() if c["share"] < MIN_SHARE}, charts


@pytest.mark.parametrize("which", ["PolicyLab", "compare", "ClassDashboard", "AttributionBoard"])
def test_charts_fill_their_box_at_1024(lab, narrow, request, which):
    view = narrow(_charts_page(lab, request, which))
    thin, _ = _thin_charts(view)
    assert not thin, f"{view.name} at 1024×700: charts narrower than {MIN_SHARE}% of their box: {thin}"


#: The cell added to notebook 6's page: the ladder with a learner's decisions beside Twitter's.
LADDER_CELL = ("kit.widgets.show_chart(kit.charts.ladder_chart(cb, "
               "cb.items[['item_id']].head(8).assign(action='lock')))")

_ADD_CELL = """async ([code]) => {
  const app = window.jupyterapp, panel = app.shell.currentWidget, nb = panel.content;
  app.shell.activateById(panel.id);
  nb.activeCellIndex = nb.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  nb.activeCell.model.sharedModel.setSource(code);
  nb.activeCell.node.id = 'kit-test-added-cell';
  await app.commands.execute('notebook:run-cell');
}"""

_REMOVE_CELL = """() => {
  const app = window.jupyterapp, nb = app.shell.currentWidget.content;
  const i = nb.widgets.findIndex(c => c.node.id === 'kit-test-added-cell');
  if (i >= 0) { nb.activeCellIndex = i; return app.commands.execute('notebook:delete-cell'); }
}"""


def test_the_ladder_chart_fills_its_box_at_1024(lab, narrow):
    view = narrow(lab.run(notebook_or_missing("AttributionBoard")))
    page = view.page
    added = "#kit-test-added-cell .jp-OutputArea-output .vega-embed"
    try:
        page.evaluate(_ADD_CELL, [LADDER_CELL])
        page.locator(f"{added} svg.marks, {added} canvas.marks").first.wait_for(timeout=60_000)
        thin, charts = _thin_charts(view, added)
        ladder = [t for t in charts if t.startswith("Where the items landed")]
        assert ladder, f"the ladder chart was not drawn: {list(charts)}"
        assert not [t for t in thin if t in ladder], (
            f"the ladder chart at 1024×700 is narrower than {MIN_SHARE}% of its box: {thin}")
    finally:
        page.evaluate(_REMOVE_CELL)
        page.wait_for_function("() => !document.getElementById('kit-test-added-cell')",
                               timeout=10_000)


def _change_far_down(view):
    """Scroll to the PolicyLab's last rule checkbox ("Straight to suspension") and tick it;
    wait for the headline to say so. Returns the headline's box and the screen's."""
    page = view.page
    box = page.locator(".kit-lab .kit-lab-immediate input[type=checkbox]").last
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    before = page.locator(".kit-lab .kit-lab-headline").first.inner_text()
    box.click()
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel);"
        " return !!e && e.innerText !== old && e.innerText.includes('Straight to suspension'); }",
        arg=[".kit-lab .kit-lab-headline", before], timeout=30_000)
    page.wait_for_timeout(300)
    where = page.evaluate("""() => {
      const h = document.querySelector('.kit-lab .kit-lab-headline').getBoundingClientRect();
      const c = document.querySelector('.kit-lab .kit-lab-immediate input[type=checkbox]:checked')
                .getBoundingClientRect();
      // the notebook's own scroller in JupyterLab (its top is under the toolbar), else the page
      const s = document.querySelector('.jp-WindowedPanel-outer, .jp-NotebookPanel-notebook');
      const top = s ? s.getBoundingClientRect().top : 0;
      const bottom = s ? s.getBoundingClientRect().bottom : innerHeight;
      // what could stop position: sticky (an ancestor that clips or scrolls)
      const clips = [];
      for (let e = document.querySelector('.kit-lab .kit-lab-headline').parentElement; e;
           e = e.parentElement) {
        const st = getComputedStyle(e);
        if (st.overflowX !== 'visible' || st.overflowY !== 'visible')
          clips.push(`${e.tagName}.${[...e.classList].slice(0, 3).join('.')}:` +
                     `${st.overflowX}/${st.overflowY}`);
      }
      return {headline: [h.top, h.bottom], control: [c.top, c.bottom], screen: [top, bottom],
              clips};
    }""")
    box.click()   # untick again: leave the page as it was
    return where


def _on_screen(where):
    top, bottom = where["screen"]
    return where["headline"][0] >= top - 1 and where["headline"][1] <= bottom + 1


def test_policylab_result_is_on_screen_after_a_change_in_jupyterlab(lab, narrow,
                                                                     policylab_notebook):
    view = narrow(lab.run(policylab_notebook))
    where = _change_far_down(view)
    assert _on_screen(where), f"after the change the PolicyLab's headline is off screen: {where}"


def test_policylab_result_is_on_screen_after_a_change_in_voila(voila, narrow, policylab_notebook):
    view = narrow(voila.render(policylab_notebook))
    where = _change_far_down(view)
    assert _on_screen(where), f"after the change the PolicyLab's headline is off screen: {where}"
    assert view.offline_problems() == []


def test_charts_have_no_white_box_in_the_dark_theme(lab, request):
    view = _charts_page(lab, request, "compare")
    try:
        set_theme(view, DARK)
        charts = {}
        for m in _scroll_through(view.page, ".kit-chart, .jp-OutputArea-output .vega-embed"):
            for c in m["charts"]:
                charts[c["title"]] = c
        assert charts, f"{view.name}: no chart drawn"
        white = {t: c["background"] for t, c in charts.items()
                 if c["background"].replace(" ", "") in ("rgb(255,255,255)", "white", "#fff",
                                                         "#ffffff")}
        assert not white, f"charts on a white box in the dark theme: {white}"
        dark_text = {t: c["textColour"] for t, c in charts.items()
                     if c["textColour"].startswith("rgb(0, 0, 0") or
                     c["textColour"].startswith("rgba(0, 0, 0")}
        assert not dark_text, f"chart text stays black in the dark theme: {dark_text}"
    finally:
        set_theme(view, LIGHT)


def test_nothing_is_cut_in_the_voila_policylab_at_1024(voila, narrow, policylab_notebook):
    # 1024 px in Voila is wide enough for the result beside the controls: nothing may stick
    # out of the narrower controls column
    view = narrow(voila.render(policylab_notebook))
    measures = _scroll_through(view.page, ".kit-lab, .kit-chart")
    cut = _cut_in(measures, only_lab=True)
    assert not cut, f"{view.name} in Voila at 1024×700: cut labels or chart texts:\n" + "\n".join(
        map(str, cut))
