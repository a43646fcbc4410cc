"""axe-core in the test pages: which violations fall inside the kit's own outputs.

axe-core is not a Python package: CI installs a pinned version from the npm registry
(``.ci/run``: ``npm install --prefix <temp dir> axe-core@<version>``) and points
``KIT_AXE_JS`` at its ``axe.min.js``. Without it the accessibility tests are skipped, or
fail when KIT_REQUIRE_BROWSER=1 (as in CI).

:func:`audit` runs axe on the whole page once and splits the violations: those on an
element inside one of the kit's output areas (``scope``, by default every output area
of the notebook or Voila page) fail the test; the rest (JupyterLab's or Voila's own
page) are only reported, as information, by :func:`report`.
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
async ([scope]) => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
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
  return { version: axe.version, found: out };
}
"""


def audit(page, scope: str = OUTPUTS) -> dict:
    """Run axe-core on ``page``: ``{"version", "kit": [...], "outside": [...]}``, each entry a
    dict with the rule ``id``, ``impact``, ``help``, ``target``, ``html`` and ``summary``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source())
    result = page.evaluate(_RUN, [scope])
    found = result["found"]
    return {"version": result["version"],
            "kit": [v for v in found if v["kit"]],
            "outside": [v for v in found if not v["kit"]]}


def report(result: dict) -> str:
    """The violations of :func:`audit`, as lines a person reads."""
    def lines(entries):
        return [f"  - {v['id']} ({v['impact']}): {v['help']}\n      at {v['target']}\n"
                f"      {v['html']}\n      {v['summary']}".rstrip() for v in entries]

    out = [f"axe-core {result['version']}: {len(result['kit'])} violation(s) in the kit's "
           f"outputs, {len(result['outside'])} outside them"]
    if result["kit"]:
        out += ["in the kit's outputs:"] + lines(result["kit"])
    if result["outside"]:
        out += ["outside (information only):"] + lines(result["outside"])
    return "\n".join(out)
