"""Layout styles of the apps: cause and effect side by side, nothing cut, charts at full width.

:data:`LAYOUT_STYLE` is part of every app's style (``_common.STYLE`` includes it). Only
JupyterLab CSS variables are used, so light and dark themes both work; the layout
follows the app's own width (CSS container queries), not the window's, so it also fits
a narrow side panel:

* PolicyLab (``.kit-lab``): a headline (what the last change did) sticks to the top of
  the app while it is on screen and flashes briefly after each change; from 880 px
  wide, the controls on the left and the result (summary, chart, table) on the right,
  kept in view under the headline while the controls scroll (``position: sticky``);
  narrower, the result under the controls.
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
.kit-lab .kit-lab-main { display: flex !important; flex-flow: column nowrap; gap: 8px;
  width: 100%; align-items: stretch; }
.kit-lab .kit-lab-controls { min-width: 0; }
.kit-lab .kit-lab-controls .widget-inline-hbox { margin: 1px 0; }
.kit-lab .kit-lab-result > * { flex-shrink: 0; }
.kit-lab .kit-lab-summary ul { margin: 2px 0; padding-left: 1.2em; }
.kit-lab .kit-lab-summary li { margin: 1px 0; line-height: 1.35; }
.kit-lab .kit-lab-headline { position: sticky; top: 0; z-index: 3; box-sizing: border-box;
  background: var(--jp-layout-color1); border: 1px solid var(--jp-border-color2);
  border-left: 4px solid var(--jp-brand-color1); border-radius: 3px; padding: 4px 8px;
  box-shadow: 0 2px 4px rgba(0, 0, 0, 0.12); }
.kit-lab .kit-lab-headline p { margin: 0; line-height: 1.35; }
.kit-lab .kit-lab-headline p.kit-lab-problem { border-left: 4px solid var(--jp-error-color1);
  margin: -4px -8px -4px -12px; padding: 4px 8px; }
.kit-lab .kit-lab-flash-0, .kit-lab .kit-lab-flash-1 { animation: kit-lab-flash 1.6s ease-out; }
.kit-lab .kit-lab-flash-1 { animation-name: kit-lab-flash-again; }
@keyframes kit-lab-flash { from { background: var(--jp-layout-color3); } to { background: var(--jp-layout-color1); } }
@keyframes kit-lab-flash-again { from { background: var(--jp-layout-color3); } to { background: var(--jp-layout-color1); } }
@media (prefers-reduced-motion: reduce) {
  .kit-lab .kit-lab-flash-0, .kit-lab .kit-lab-flash-1 { animation: none; } }
.kit-lab .kit-lab-grid { display: grid !important; gap: 0 12px; width: 100%;
  grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); }
.kit-lab .kit-lab-grid > .widget-checkbox, .kit-lab .kit-lab-pair > .widget-checkbox {
  width: auto !important; min-width: 0; max-width: 100%; }
.kit-lab .kit-lab-controls .widget-checkbox label { max-width: 100%; }
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
/* position: sticky needs every box between the lab and the page's scroller not to clip:
   the widget boxes (ipywidgets gives them overflow: auto) and the output area holding the lab */
.kit-app.kit-lab, .kit-lab .kit-lab-main, .kit-lab .kit-lab-result { overflow: visible !important; }
.jp-Cell-outputArea:has(.kit-lab), .jp-OutputArea-child:has(.kit-lab),
.jp-OutputArea-output:has(.kit-lab), .jupyter-widgets:has(> .kit-lab),
.jupyter-widgets:has(> .kit-lab-main) { overflow: visible !important; }
@container kit-lab (min-width: 880px) {
  .kit-lab .kit-lab-main { flex-flow: row wrap; align-items: flex-start; column-gap: 0; }
  .kit-lab .kit-lab-headline { flex: 0 0 100%; }
  .kit-lab .kit-lab-controls { flex: 1 1 44%; padding-right: 12px; box-sizing: border-box; }
  .kit-lab .kit-lab-result { flex: 1 1 54%; min-width: 0; position: sticky; top: 5.5em;
    box-sizing: border-box;
    max-height: calc(96vh - 5.5em); overflow-y: auto !important; padding-left: 12px;
    border-left: 1px solid var(--jp-border-color2); }
}
.kit-app .kit-chart { width: 100%; }
/* kit charts are drawn as wide as their container (width "container"): vega-embed's own
   inline-block box would give them none, in an app or straight in a notebook's output */
.kit-app .kit-chart .vega-embed, .jp-OutputArea-output .vega-embed { display: block; width: 100%; }
.jp-OutputArea-output .vega-embed summary { background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1); border-color: var(--jp-border-color1); }
</style>
"""

#: The part of :data:`LAYOUT_STYLE` a chart needs on its own: a chart shown straight in a
#: notebook cell (``kit.widgets.show_chart``) carries it, so it takes the cell's width even
#: on a page with no kit app.
CHART_STYLE = """
<style>
.jp-OutputArea-output .vega-embed { display: block; width: 100%; }
.jp-OutputArea-output .vega-embed summary { background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1); border-color: var(--jp-border-color1); }
</style>
"""
