"""The kit's own front-end code for keyboard and screen-reader use (one small anywidget).

ipywidgets draws plain HTML controls but leaves a few things a keyboard or screen-reader
user needs; every :class:`~kit.widgets._common.KitApp` carries one invisible
:class:`Access` widget whose JavaScript, running in the page, adds them to its app:

- **keys stay in the app**: a key pressed inside the app without Ctrl, Alt or Meta reaches
  its control and stops there, so JupyterLab (and Notebook 7), which listen on the
  document, run no notebook shortcut for it (ArrowDown on an action no longer moves the
  notebook to the next cell, ``d d`` on a button deletes no cell, Shift+Enter on a button
  re-runs no cell); Ctrl/Cmd shortcuts such as saving the notebook still work;
- **one radio group per RadioButtons**: its radios share a ``name`` (one Tab stop; the
  arrow keys move the choice, and the widget hears it), the group is a ``radiogroup``
  labelled by the control's description (or, without one, by its tooltip);
- **folds say whether they are open**: a kit fold's button (CSS class ``kit-fold-button``)
  carries ``aria-expanded`` (``kit-fold-open`` on the button means open) and
  ``aria-controls``;
- **explanations are announced**: a checkbox inside ``.kit-explained`` is described
  (``aria-describedby``) by the ``.kit-explain`` text next to it;
- **status lines are announced**: an element with the class ``kit-live`` (such as the
  desk's "Saved" beside its button) is a ``status`` live region;
- **the chart menu has a name**: vega-embed's "⋯" ``summary`` gets an ``aria-label``
  (also patched into the chart bundle itself, :func:`kit.charts.offline.label_actions_menu`);
- **scrolling on request**: :meth:`Access.scroll_to` brings an element of the app into view
  (the desk shows Twitter's decision this way after a save).

- **each app is a landmark**: with a ``label`` (the app's title), the app is a ``region``
  named by it, so a page (Voila's has no landmark of its own) is navigable by app;

Outside a browser (tests, nbval) the widget is inert: :attr:`Access.scroll_target` and
:attr:`Access.scroll_count` record the requests.
"""
from __future__ import annotations

import traitlets

import anywidget   # a requirement of the kit (its offline charts are anywidgets too)
import ipywidgets as W

#: aria-label given to vega-embed's "⋯" actions menu where the chart bundle was not labelled
#: already (the same words as ``kit.charts.offline.CHART_MENU_LABEL``; kit.widgets does not
#: import the charts layer, and altair, until an app draws a chart).
CHART_MENU_LABEL = "Chart menu: save the chart as an image"

ESM = r"""
const MENU = %(menu)s;
let serial = 0;
function nextId(prefix) { serial += 1; return `${prefix}-${Date.now().toString(36)}-${serial}`; }
function idOf(el, prefix) { if (!el.id) el.id = nextId(prefix); return el.id; }

// A key pressed in the app without Ctrl, Alt or Meta is the app's: it reaches the control,
// then stops, so JupyterLab's notebook shortcuts (listening on the document) never see it.
// With those modifiers it goes on (Ctrl+S still saves the notebook).
function keepKeys(event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  event.stopPropagation();
}

function fix(app, label) {
  if (label) {   // the app is a named landmark (Voila's page has none of its own)
    if (app.getAttribute("role") !== "region") app.setAttribute("role", "region");
    if (!app.dataset.kitLabel || app.dataset.kitLabel !== label) {
      // the same app shown twice on a page: number the second one, and so on
      app.dataset.kitLabel = label;
      const same = [...document.querySelectorAll(".kit-app[role=region]")].filter(
        (other) => other !== app && other.dataset.kitLabel === label).length;
      app.setAttribute("aria-label", same ? `${label} (${same + 1})` : label);
    }
  }
  if (!app.dataset.kitKeys) {
    app.dataset.kitKeys = "1";
    app.addEventListener("keydown", keepKeys);
    app.addEventListener("keyup", keepKeys);
    app.addEventListener("keypress", keepKeys);
  }
  for (const widget of app.querySelectorAll(".widget-radio")) {
    const box = widget.querySelector(".widget-radio-box");
    if (!box) continue;
    const group = box.dataset.kitGroup || (box.dataset.kitGroup = nextId("kit-radio"));
    if (box.getAttribute("role") !== "radiogroup") box.setAttribute("role", "radiogroup");
    const label = widget.querySelector(":scope > .widget-label");
    if (label && label.textContent.trim()) {
      const id = idOf(label, "kit-label");
      if (box.getAttribute("aria-labelledby") !== id) box.setAttribute("aria-labelledby", id);
    } else if (widget.title && box.getAttribute("aria-label") !== widget.title) {
      box.setAttribute("aria-label", widget.title);   // no visible label: the tooltip names it
    }
    for (const radio of box.querySelectorAll('input[type="radio"]')) {
      if (radio.name !== group) radio.name = group;
      if (!radio.dataset.kitHeard) {
        radio.dataset.kitHeard = "1";
        // arrow keys change a named group's choice with a change event but no click; the
        // widget listens for clicks, so pass such a change on as one (a click on a checked
        // radio changes nothing, so this never loops)
        radio.addEventListener("click", () => {
          radio.dataset.kitClicked = "1";
          setTimeout(() => { delete radio.dataset.kitClicked; }, 0);
        });
        radio.addEventListener("change", () => {
          if (radio.checked && !radio.dataset.kitClicked) radio.click();
        });
      }
    }
  }
  for (const button of app.querySelectorAll("button.kit-fold-button")) {
    const open = button.classList.contains("kit-fold-open") ? "true" : "false";
    if (button.getAttribute("aria-expanded") !== open) button.setAttribute("aria-expanded", open);
    const fold = button.closest(".kit-fold");
    const content = fold && fold.querySelector(":scope > .kit-fold-content");
    if (content) {
      const id = idOf(content, "kit-fold");
      if (button.getAttribute("aria-controls") !== id) button.setAttribute("aria-controls", id);
    } else if (button.hasAttribute("aria-controls")) {
      button.removeAttribute("aria-controls");
    }
  }
  for (const row of app.querySelectorAll(".kit-explained")) {
    const text = row.querySelector(".kit-explain");
    if (!text) continue;
    const id = idOf(text, "kit-explain");
    for (const input of row.querySelectorAll("input")) {
      if (input.getAttribute("aria-describedby") !== id) input.setAttribute("aria-describedby", id);
    }
  }
  for (const live of app.querySelectorAll(".kit-live")) {
    if (live.getAttribute("role") !== "status") live.setAttribute("role", "status");
  }
  for (const summary of app.querySelectorAll(".vega-embed summary")) {
    if (!summary.getAttribute("aria-label")) summary.setAttribute("aria-label", MENU);
  }
}

function scroll(app, target) {
  if (!target) return;
  const el = app.querySelector(target);
  if (!el) return;
  const tall = el.getBoundingClientRect().height > window.innerHeight * 0.9;
  const quiet = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  el.scrollIntoView({ block: tall ? "start" : "nearest", behavior: quiet ? "auto" : "smooth" });
}

function render({ model, el }) {
  el.classList.add("kit-access-probe");
  let app = null, observer = null, pending = false, tries = 0, timer = null, sizes = null;
  let lastWidth = -1, resizing = false;
  // Charts drawn as wide as their box (width "container") measure it again only on a
  // window resize: when the app's own width changes (a page still laying out on a slow
  // machine, a side panel), tell them, so none stays drawn at the width it had at first.
  const onSize = (entries) => {
    const width = Math.round(entries[entries.length - 1].contentRect.width);
    if (width === lastWidth || resizing) return;
    const first = lastWidth < 0;
    lastWidth = width;
    if (first && app.querySelector(".vega-embed svg.marks:not([width='0'])")) return;
    resizing = true;
    requestAnimationFrame(() => { resizing = false; window.dispatchEvent(new Event("resize")); });
  };
  const schedule = () => {
    if (pending || !app) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fix(app, model.get("label")); });
  };
  const attach = () => {
    app = el.closest(".kit-app");
    if (!app) {
      tries += 1;
      if (tries < 200) timer = setTimeout(attach, 50);
      return;
    }
    fix(app, model.get("label"));
    observer = new MutationObserver(schedule);
    observer.observe(app, { subtree: true, childList: true, attributes: true,
                            attributeFilter: ["class"] });
    if (window.ResizeObserver) { sizes = new ResizeObserver(onSize); sizes.observe(app); }
  };
  attach();
  const onScroll = () => { if (app) requestAnimationFrame(() => scroll(app, model.get("scroll_target"))); };
  model.on("change:scroll_count", onScroll);
  return () => {
    if (observer) observer.disconnect();
    if (sizes) sizes.disconnect();
    if (timer) clearTimeout(timer);
    model.off("change:scroll_count", onScroll);
  };
}
export default { render };
""" % {"menu": '"' + CHART_MENU_LABEL.replace('"', '\\"') + '"'}

class Access(anywidget.AnyWidget):
    """The invisible helper every kit app carries (see the module docstring).

    >>> helper = Access(label="Decision desk")
    >>> helper.scroll_to(".kit-desk-reveal")
    >>> helper.scroll_target, helper.scroll_count
    ('.kit-desk-reveal', 1)
    """

    _esm = traitlets.Unicode(ESM).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    scroll_target = traitlets.Unicode("").tag(sync=True)
    scroll_count = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(layout=W.Layout(width="0", height="0", margin="0", overflow="hidden"),
                         **kwargs)
        self.add_class("kit-access")

    def scroll_to(self, selector: str) -> None:
        """Ask the page to bring the first element of the app matching ``selector`` into view."""
        self.scroll_target = str(selector)
        self.scroll_count += 1


__all__ = ["Access", "CHART_MENU_LABEL", "ESM"]
