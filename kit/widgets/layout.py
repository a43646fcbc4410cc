"""Layout styles of the apps: cause and effect side by side, nothing cut, charts at full width.

:data:`LAYOUT_STYLE` is part of every app's style (``_common.STYLE`` includes it). Only
JupyterLab CSS variables are used, so light and dark themes both work; the layout
follows the app's own width (CSS container queries), not the window's, so it also fits
a narrow side panel:

* PolicyLab (``.kit-lab``): from 880 px wide, the controls on the left and the result
  (headline, summary, chart, table) on the right, kept in view while the controls
  scroll (``position: sticky``); narrower, one column with the headline (what the last
  change did) sticky at the top. The headline flashes briefly after each change.
* Charts take the width they are given: kit charts are drawn with ``width="container"``
  (see kit.charts.style), which needs their box (vega-embed's) to be a full-width block,
  in an app or straight in a notebook output (a page showing any kit app carries this
  style); their text and Twitter's marks follow the theme (``currentColor``).
* Labels wrap instead of being cut; menus may not grow past their box.
"""
from __future__ import annotations

#: Minimum width (px) of a PolicyLab showing controls and result side by side.
SIDE_BY_SIDE = 880

LAYOUT_STYLE = """
<style>
.kit-app.kit-lab { max-width: 1400px; container-type: inline-size; container-name: kit-lab; }
.kit-lab h3 { margin: 4px 0 6px; }
.kit-lab h4 { margin: 10px 0 2px; font-size: 1em; }
.kit-lab .kit-muted p, .kit-lab p.kit-muted { margin: 2px 0; line-height: 1.35; }
.kit-lab .kit-lab-main { display: flex !important; flex-direction: column; gap: 8px;
  width: 100%; align-items: stretch; }
.kit-lab .kit-lab-controls { min-width: 0; }
.kit-lab .kit-lab-controls .widget-inline-hbox { margin: 1px 0; }
.kit-lab .kit-lab-result { display: contents !important; }
.kit-lab .kit-lab-result > * { flex-shrink: 0; }
.kit-lab .kit-lab-summary ul { margin: 2px 0; padding-left: 1.2em; }
.kit-lab .kit-lab-summary li { margin: 1px 0; line-height: 1.35; }
.kit-lab .kit-lab-headline { order: -1; position: sticky; top: 0; z-index: 3;
  background: var(--jp-layout-color1); border: 1px solid var(--jp-border-color2);
  border-left: 4px solid var(--jp-brand-color1); border-radius: 3px; padding: 4px 8px;
  box-shadow: 0 2px 4px rgba(0, 0, 0, 0.12); }
.kit-lab .kit-lab-headline p { margin: 0; line-height: 1.35; }
.kit-lab .kit-lab-headline p.kit-lab-problem { border-left: 4px solid var(--jp-error-color1);
  margin: -4px -8px -4px -12px; padding: 4px 8px; }
.kit-lab .kit-lab-flash-0, .kit-lab .kit-lab-flash-1 { animation: kit-lab-flash 1.6s ease-out; }
.kit-lab .kit-lab-flash-1 { animation-name: kit-lab-flash-again; }
@keyframes kit-lab-flash { from { background: var(--jp-brand-color3); } to { background: var(--jp-layout-color1); } }
@keyframes kit-lab-flash-again { from { background: var(--jp-brand-color3); } to { background: var(--jp-layout-color1); } }
@media (prefers-reduced-motion: reduce) {
  .kit-lab .kit-lab-flash-0, .kit-lab .kit-lab-flash-1 { animation: none; } }
.kit-lab .kit-lab-grid { display: grid !important; gap: 0 12px; width: 100%;
  grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); }
.kit-lab .kit-lab-pair { display: flex !important; flex-flow: row wrap; gap: 0 16px; }
.kit-lab .widget-dropdown select { text-overflow: ellipsis; }
.kit-lab .widget-dropdown.kit-lab-lock-after, .kit-lab .widget-dropdown.kit-lab-suspend-after {
  width: auto; }
.kit-lab .widget-dropdown.kit-lab-lock-after select,
.kit-lab .widget-dropdown.kit-lab-suspend-after select { min-width: 5.5em; }
.kit-lab .kit-lab-preset select, .kit-lab .kit-lab-leader-treatment select,
.kit-lab .kit-lab-labels select { min-width: 0; }
.kit-lab .widget-button.kit-lab-refresh, .kit-lab button.kit-lab-refresh { width: auto;
  max-width: 100%; white-space: normal; height: auto; min-height: var(--jp-widgets-inline-height); }
@container kit-lab (min-width: 880px) {
  .kit-lab .kit-lab-main { flex-direction: row; align-items: flex-start; }
  .kit-lab .kit-lab-controls { flex: 1 1 46%; }
  .kit-lab .kit-lab-result { display: flex !important; flex-direction: column; flex: 1 1 54%;
    min-width: 0; position: sticky; top: 0; max-height: 96vh; overflow-y: auto;
    padding-left: 12px; border-left: 1px solid var(--jp-border-color2); }
  .kit-lab .kit-lab-headline { order: 0; position: static; box-shadow: none; }
}
.kit-app .kit-chart { width: 100%; }
/* kit charts are drawn as wide as their container (width "container"): vega-embed's own
   inline-block box would give them none, in an app or straight in a notebook's output */
.kit-app .kit-chart .vega-embed, .jp-OutputArea-output .vega-embed { display: block; width: 100%; }
.jp-OutputArea-output .vega-embed summary { background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1); border-color: var(--jp-border-color1); }
</style>
"""
