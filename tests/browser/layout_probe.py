"""What the layout tests measure in a page: app sizes, cut labels, chart widths and backgrounds.

Used by ``test_screenshots.py`` (pictures and measurements saved under
``test-artifacts/screenshots/<label>/``) and ``test_layout.py`` (the same measurements,
asserted). Everything runs in the page as JavaScript; nothing here needs the network.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .harness import ARTIFACTS

#: JupyterLab's two themes, as named by the ``apputils:change-theme`` command.
LIGHT, DARK = "JupyterLab Light", "JupyterLab Dark"
#: The two screen sizes the issue names.
WIDE, NARROW = (1366, 900), (1024, 700)
#: The viewport the session's pages use otherwise (restored after each measurement).
DEFAULT_VIEWPORT = {"width": 1280, "height": 1000}


def screenshot_folder() -> Path:
    """``test-artifacts/screenshots/<label>/``, label from $KIT_SCREENSHOT_LABEL (default "current")."""
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", os.environ.get("KIT_SCREENSHOT_LABEL", "").strip())
    folder = ARTIFACTS / "screenshots" / (label or "current")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: JavaScript: measurements of every kit app and chart on the page.
#: Returns {apps: [...], charts: [...], cut: [...], viewport: {...}}.
MEASURE = r"""
() => {
  const rect = e => { const r = e.getBoundingClientRect();
    return {top: Math.round(r.top), left: Math.round(r.left), width: Math.round(r.width),
            height: Math.round(r.height)}; };
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const canvas = document.createElement('canvas').getContext('2d');
  const textWidth = (text, el) => { const s = getComputedStyle(el);
    canvas.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    return canvas.measureText(text).width; };
  const cut = [];
  const name = e => (e.className && typeof e.className === 'string' ? e.className : e.tagName)
    .split(' ').filter(c => c.startsWith('kit-') || c.startsWith('widget-')).join('.');
  // labels, buttons and headings of the kit's apps: text wider than its box
  for (const app of document.querySelectorAll('.kit-app')) {
    if (!visible(app)) continue;
    const labels = app.querySelectorAll(
      'label, .widget-label, .widget-label-basic, button, h3, h4, .widget-inline-hbox > span');
    for (const e of labels) {
      if (!visible(e) || e.closest('.vega-embed')) continue;
      if (e.scrollWidth > e.clientWidth + 1)
        cut.push({what: 'label', where: name(e.closest('[class*=kit-]') || e),
                  text: (e.innerText || '').trim().slice(0, 80),
                  scrollWidth: e.scrollWidth, clientWidth: e.clientWidth});
    }
    // a menu's chosen option wider than the menu
    for (const s of app.querySelectorAll('select')) {
      if (!visible(s) || s.multiple || s.selectedIndex < 0) continue;
      const st = getComputedStyle(s);
      // the arrow sits in the right padding where it is wide enough; else allow for it
      const arrow = parseFloat(st.paddingRight) >= 16 ? 0 : 16;
      const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - arrow;
      const text = s.options[s.selectedIndex].text;
      const need = textWidth(text, s);
      if (need > room + 1)
        cut.push({what: 'menu', where: name(s.closest('[class*=kit-]') || s),
                  text: text.slice(0, 80), need: Math.round(need), room: Math.round(room)});
    }
  }
  // a PolicyLab control sticking out of its column (hidden under the result or cut off)
  for (const col of document.querySelectorAll('.kit-lab .kit-lab-controls')) {
    if (!visible(col)) continue;
    const edge = col.getBoundingClientRect().right;
    for (const e of col.querySelectorAll('.widget-inline-hbox, label, .widget-label-basic')) {
      if (!visible(e)) continue;
      const right = e.getBoundingClientRect().right;
      if (right > edge + 1)
        cut.push({what: 'out of its column', where: name(e.closest('[class*=kit-]') || e),
                  text: (e.innerText || '').trim().slice(0, 80), right: Math.round(right),
                  edge: Math.round(edge)});
    }
  }
  // chart texts Vega cut with an ellipsis (labelLimit / limit)
  const charts = [];
  for (const v of document.querySelectorAll('.vega-embed')) {
    if (!visible(v)) continue;
    const svg = v.querySelector('svg.marks');
    const canvasMarks = v.querySelector('canvas.marks');
    const drawn = svg || canvasMarks;
    if (!drawn) continue;
    const box = v.closest('.kit-chart') || v.closest('.jp-OutputArea-output') ||
                v.closest('.jp-Cell-outputArea') || v.parentElement;
    const title = svg ? [...svg.querySelectorAll('.role-title-text text')].map(t => t.textContent)
                        .join(' ') : '';
    const texts = svg ? [...svg.querySelectorAll('text')] : [];
    for (const t of texts)
      if ((t.textContent || '').endsWith('…'))
        cut.push({what: 'chart text', where: title.slice(0, 60), text: t.textContent.slice(0, 80)});
    // what is behind the chart: the first non-transparent background from the svg up
    let bg = '', e = drawn;
    const rectBg = svg && svg.querySelector('.background, rect.background, path.background');
    if (rectBg && rectBg.getAttribute('fill') && rectBg.getAttribute('fill') !== 'none' &&
        rectBg.getAttribute('fill') !== 'transparent')
      bg = rectBg.getAttribute('fill');
    while (!bg && e && e !== document.documentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) bg = c;
      e = e.parentElement;
    }
    const label = svg && svg.querySelector('.role-axis-label text, .role-title-text text');
    charts.push({title: title.slice(0, 80), chart: rect(drawn), box: rect(box),
                 share: Math.round(100 * drawn.getBoundingClientRect().width /
                                   Math.max(1, box.getBoundingClientRect().width)),
                 background: bg,
                 textColour: label ? getComputedStyle(label).fill : '',
                 inApp: !!v.closest('.kit-app')});
  }
  const apps = [...document.querySelectorAll('.kit-app')].filter(visible).map(a => ({
    app: [...a.classList].filter(c => c.startsWith('kit-') && c !== 'kit-app').join(' '),
    ...rect(a), scrollHeight: a.scrollHeight}));
  return {apps, charts, cut, viewport: {width: innerWidth, height: innerHeight},
          theme: document.body.dataset.jpThemeName || '',
          themeLight: document.body.dataset.jpThemeLight || ''};
}
"""

#: JavaScript: scroll element ``sel`` (number ``i``) to the top of its scroller; true if found.
SCROLL_TO = r"""
([sel, i, block]) => {
  const e = document.querySelectorAll(sel)[i];
  if (!e) return false;
  e.scrollIntoView({block: block || 'start', inline: 'nearest'});
  return true;
}
"""


def measure(page) -> dict:
    return page.evaluate(MEASURE)


#: JavaScript: whether the notebook's background (the first one set, from the notebook up)
#: is light, as ``light`` (true or false) asks.
_THEME_APPLIED = """light => {
  let el = document.querySelector('.jp-NotebookPanel-notebook') || document.body;
  for (; el; el = el.parentElement) {
    const m = getComputedStyle(el).backgroundColor.match(/[0-9.]+/g);
    if (!m || (m.length > 3 && Number(m[3]) === 0)) continue;
    return ((Number(m[0]) + Number(m[1]) + Number(m[2])) / 3 > 128) === light;
  }
  return false; }"""


def set_theme(view, theme: str, repaint_ms: int = 500) -> None:
    """Switch a JupyterLab page to ``theme`` (LIGHT or DARK) and wait until it shows (its
    style sheet loaded), then ``repaint_ms`` for charts and widgets to repaint."""
    view.page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', "
                       "{theme: t})", theme)
    view.page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme,
                                timeout=30_000)
    # and until its colours apply: the notebook's background is dark in a dark theme
    view.page.wait_for_function(_THEME_APPLIED, arg=theme == LIGHT, timeout=30_000)
    if repaint_ms:
        view.page.wait_for_timeout(repaint_ms)


def settle_after_resize(page) -> None:
    """Give widgets and charts time to follow a new viewport (ResizeObserver callbacks)."""
    page.wait_for_timeout(700)


def scroll_to(page, selector: str, index: int = 0, block: str = "start") -> bool:
    found = page.evaluate(SCROLL_TO, [selector, index, block])
    page.wait_for_timeout(250)
    return bool(found)


def save_json(folder: Path, name: str, data) -> None:
    (folder / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))


#: JavaScript: how tall the page would be with nothing scrolled (its tallest scroller's content).
CONTENT_HEIGHT = r"""
() => {
  let best = document.documentElement.scrollHeight;
  for (const e of document.querySelectorAll('*')) {
    const s = getComputedStyle(e);
    if (!/(auto|scroll)/.test(s.overflowY) || e.scrollHeight <= e.clientHeight + 1) continue;
    best = Math.max(best, innerHeight - e.clientHeight + e.scrollHeight);
  }
  return Math.ceil(best);
}
"""


def tall_screenshot(page, path, width: int, limit: int = 8000) -> int:
    """A screenshot of the whole page at ``width``, the viewport made as tall as its content
    (inner scrollers included, which ``full_page`` misses); returns that height."""
    height = min(limit, int(page.evaluate(CONTENT_HEIGHT)))
    page.set_viewport_size({"width": width, "height": height})
    settle_after_resize(page)
    page.screenshot(path=str(path))
    return height
