// True once nothing is still loading or drawing: no "Loading widget...", every expected
// widget and chart drawn, every .vega-embed and visible kit chart slot holding a chart.
// Argument: [rootSel, cellSel, expected, widgets] (as in problems.js).
([rootSel, cellSel, expected, widgets]) => {
  const root = document.querySelector(rootSel) || document.body;
  const cells = [...root.querySelectorAll(cellSel)];
  const marks = '.vega-embed svg.marks, .vega-embed canvas.marks';
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  for (const [i, cell] of cells.entries()) {
    const text = cell.innerText || '';
    if (text.includes('Loading widget...')) return false;
    if (widgets.includes(i) && !cell.querySelector('.jp-OutputArea-output > .lm-Widget') &&
        !text.includes('Error displaying widget')) return false;
    if (expected.includes(i) && !cell.querySelector(marks)) return false;
    for (const v of cell.querySelectorAll('.vega-embed'))
      if (!v.querySelector('svg.marks, canvas.marks')) return false;
    for (const k of cell.querySelectorAll('.kit-chart'))
      if (k.children.length && visible(k) && !k.querySelector(marks)) return false;
  }
  return true;
}
