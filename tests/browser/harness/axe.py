"""axe-core in the test pages: which violations fall inside the kit's own outputs.

axe-core is not a Python package: CI installs a pinned version from the npm registry
(``.ci/run``: ``npm install --prefix <temp dir> axe-core@<version>``) and points
``KIT_AXE_JS`` at its ``axe.min.js``. Without it the accessibility tests are skipped, or
fail when KIT_REQUIRE_BROWSER=1 (as in CI).

:func:`audit` runs axe on the whole page once and splits the violations: those on an
element inside one of the kit's output areas (``scope``, by default every output area
of the notebook or Voila page) fail the test; the rest (JupyterLab's or Voila's own
page) are only reported, as information, by :func:`report`.

In JupyterLab, axe checks colour contrast only where the notebook is on the screen, and
not at all as JupyterLab lays its page out (its ``body`` is 0 px tall with ``overflow:
hidden``, so axe takes every element as clipped away); in Voila, only the part of the
page's scrolling panel on the screen. With ``whole=True``,
:func:`audit` makes the window as tall as the notebook, scrolls it to its top and gives
the ``body`` the window's height while axe runs (nothing is drawn differently), then puts
all back (about 2-3 s a notebook). ``checked`` in its result counts the elements of the
kit's outputs whose colour contrast axe measured and passed, so a test can tell that the
rule looked at them at all.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from .chromium import missing

#: The kit's outputs in a page: every cell's output area (JupyterLab, Notebook 7 and Voila's
#: lab template use the same classes).
OUTPUTS = ".jp-OutputArea-output"


@functools.cache
def source() -> str:
    """The text of axe.min.js named by $KIT_AXE_JS (skip, or fail with KIT_REQUIRE_BROWSER=1)."""
    path = os.environ.get("KIT_AXE_JS", "").strip()
    if not path:
        missing("KIT_AXE_JS is not set (npm install --prefix DIR axe-core@4.14.1, then "
                "KIT_AXE_JS=DIR/node_modules/axe-core/axe.min.js)")
    if not Path(path).is_file():
        missing(f"KIT_AXE_JS={path} is not a file")
    return Path(path).read_text(encoding="utf-8")


_RUN = """
async ([scope, rules]) => {
  const options = { resultTypes: ["violations", "passes"] };
  // only some rules: only in the kit's outputs (the page around them is not looked at)
  if (rules) options.runOnly = { type: "rule", values: rules };
  const context = rules ? { include: [[scope]] } : document;
  const results = await axe.run(context, options);
  const inside = (sel) => {
    let el = null;
    try { el = document.querySelector(sel); } catch (e) { return false; }
    return !!(el && el.closest(scope));
  };
  const out = [];
  for (const v of results.violations) {
    for (const node of v.nodes) {
      const target = node.target.map(String).join(" ");
      const last = node.target.length ? String(node.target[node.target.length - 1]) : "";
      out.push({ id: v.id, impact: node.impact || v.impact, help: v.help,
                 target, html: node.html.slice(0, 300),
                 summary: (node.failureSummary || "").slice(0, 400),
                 kit: node.target.length === 1 ? inside(last) : false });
    }
  }
  const checked = results.passes.filter(v => v.id === "color-contrast")
    .flatMap(v => v.nodes).filter(n => n.target.length === 1 && inside(String(n.target[0])))
    .length;
  return { version: axe.version, found: out, checked };
}
"""

#: The element that scrolls a notebook: JupyterLab's notebook panel, Voila's rendered cells.
_SCROLLERS = ".jp-NotebookPanel .jp-WindowedPanel-outer, #rendered_cells"
#: JavaScript: the notebook's scroller, its height and scroll position; null on a page
#: without one.
_SCROLLER = """() => { const s = document.querySelector(SCROLLERS);
  if (!s) return null; const r = s.getBoundingClientRect();
  return { needed: Math.ceil(innerHeight - r.height + s.scrollHeight), top: s.scrollTop }; }""".replace("SCROLLERS", repr(_SCROLLERS))
_SHOW_ALL = """() => { document.body.style.height = '100vh';
  const s = document.querySelector(SCROLLERS);
  if (s) s.scrollTop = 0; }""".replace("SCROLLERS", repr(_SCROLLERS))
_PUT_BACK = """top => { document.body.style.height = '';
  const s = document.querySelector(SCROLLERS);
  if (s) s.scrollTop = top; }""".replace("SCROLLERS", repr(_SCROLLERS))
#: The tallest window :func:`audit` asks for (a taller notebook is checked down to there).
TALLEST = 16_000


#: The rules whose outcome depends on the page's colours (what a theme changes).
COLOUR_RULES = ("color-contrast", "link-in-text-block")


def audit(page, scope: str = OUTPUTS, rules=None, whole: bool = False) -> dict:
    """Run axe-core on ``page``: ``{"version", "checked", "kit": [...], "outside": [...]}``,
    each entry a dict with the rule ``id``, ``impact``, ``help``, ``target``, ``html`` and
    ``summary``; ``checked``: the elements in ``scope`` whose colour contrast passed.
    ``rules`` (e.g. :data:`COLOUR_RULES`): only those rules, and only in ``scope``, else
    all rules on the whole page. ``whole``: the notebook (JupyterLab, or a Voila page) all
    on the screen (see the module), so colour contrast is measured everywhere in it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source())
    scroller = page.evaluate(_SCROLLER) if whole else None
    if scroller is None:   # as the page is
        result = page.evaluate(_RUN, [scope, list(rules) if rules else None])
    else:
        result = _run_all_on_screen(page, scope, scroller, list(rules) if rules else None)
    found = result["found"]
    return {"version": result["version"], "checked": result["checked"],
            "kit": [v for v in found if v["kit"]],
            "outside": [v for v in found if not v["kit"]]}


def _run_all_on_screen(page, scope: str, scroller: dict, rules) -> dict:
    """:data:`_RUN` on a notebook made as tall as the window (see the module)."""
    size = page.viewport_size
    try:
        for _ in range(3):   # outputs may grow once laid out again; follow them
            height = min(TALLEST, max(size["height"], scroller["needed"]))
            if height == page.viewport_size["height"]:
                break
            page.set_viewport_size({"width": size["width"], "height": height})
            _wait_for_layout(page, height)
            scroller = {**page.evaluate(_SCROLLER), "top": scroller["top"]}
        page.evaluate(_SHOW_ALL)
        return page.evaluate(_RUN, [scope, rules])
    finally:
        if page.viewport_size != size:
            page.set_viewport_size(size)
            _wait_for_layout(page, size["height"])
        page.evaluate(_PUT_BACK, scroller["top"])


_LAID_OUT = """h => { const s = document.querySelector(SCROLLERS);
  return !!s && innerHeight === h && s.getBoundingClientRect().bottom <= h
         && s.getBoundingClientRect().bottom > h - 200; }""".replace("SCROLLERS", repr(_SCROLLERS))


def _wait_for_layout(page, height: int) -> None:
    """Wait until JupyterLab (or Voila) has laid the notebook out in a window ``height`` px tall (its
    scroller ends near the window's foot; the page's text reflows with it, and axe does
    not measure the charts' SVG text, so they need not be redrawn)."""
    page.wait_for_function(_LAID_OUT, arg=height, timeout=10_000, polling=50)


def report(result: dict) -> str:
    """The violations of :func:`audit`, as lines a person reads."""
    def lines(entries):
        return [f"  - {v['id']} ({v['impact']}): {v['help']}\n      at {v['target']}\n"
                f"      {v['html']}\n      {v['summary']}".rstrip() for v in entries]

    out = [f"axe-core {result['version']}: {len(result['kit'])} violation(s) in the kit's "
           f"outputs, {len(result['outside'])} outside them; colour contrast passed on "
           f"{result.get('checked', 0)} element(s) of the kit's outputs"]
    if result["kit"]:
        out += ["in the kit's outputs:"] + lines(result["kit"])
    if result["outside"]:
        out += ["outside (information only):"] + lines(result["outside"])
    return "\n".join(out)
