// What is wrong in the rendered outputs: a list of sentences (empty when all is well).
// Argument: [rootSel, cellSel, expected, widgets, checkPrompts]
//   rootSel: the element holding the cells; cellSel: a code cell under it;
//   expected: code-cell indexes that must show a chart of their own;
//   widgets: code-cell indexes that must show a widget;
//   checkPrompts: whether every non-empty cell must show an execution count (JupyterLab).
([rootSel, cellSel, expected, widgets, checkPrompts]) => {
  const root = document.querySelector(rootSel) || document.body;
  const out = [];
  const marks = '.vega-embed svg.marks, .vega-embed canvas.marks';
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const cells = [...root.querySelectorAll(cellSel)];
  cells.forEach((cell, i) => {
    const where = `code cell ${i + 1}`;
    if (checkPrompts) {
      const editor = cell.querySelector('.jp-InputArea-editor');
      const src = editor ? editor.innerText.trim() : 'x';
      const prompt = (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '';
      if (src && !/^\[\d+\]:$/.test(prompt.trim()))
        out.push(`${where} did not run (its prompt reads ${JSON.stringify(prompt.trim())})`);
    }
    cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(o =>
      out.push(`${where} printed to stderr or raised an error:\n${o.innerText.slice(0, 1500)}`));
    cell.querySelectorAll('.jp-OutputArea-output, .widget-output, .jupyter-widgets').forEach(o => {
      const t = (o.textContent || '').trim();
      if (/^Error displaying widget/.test(t) || /^Loading widget\.\.\./.test(t))
        out.push(`${where}: a widget was not rendered ("${t.slice(0, 80)}")`);
    });
    const txt = cell.innerText || '';
    for (const bad of ['Error loading script', 'Javascript Error', 'JavaScript Error'])
      if (txt.includes(bad)) out.push(`${where} shows "${bad}" (a chart needing the internet?)`);
    const drawn = [...cell.querySelectorAll('.jp-OutputArea-output > .lm-Widget')]
      .filter(w => !/^(Loading widget|Error displaying widget)/.test((w.textContent || '').trim()));
    if (widgets.includes(i) && !drawn.length)
      out.push(`${where} should display a widget (its committed output is one), but none is drawn`);
    if (expected.includes(i) && !cell.querySelector(marks))
      out.push(`${where} should display a chart, but no drawn Vega chart (svg or canvas under ` +
               `.vega-embed) is in its output`);
    cell.querySelectorAll('.vega-embed').forEach(v => {
      if (!v.querySelector('svg.marks, canvas.marks'))
        out.push(`${where}: a chart container (.vega-embed) holds no drawn chart`);
    });
    cell.querySelectorAll('.kit-chart').forEach(k => {
      if (k.children.length && visible(k) && !k.querySelector(marks))
        out.push(`${where}: a kit app's chart slot (${k.className}) shows no drawn chart`);
    });
    cell.querySelectorAll('.kit-app [role="alert"]').forEach(a => {
      if ((a.innerText || '').trim())
        out.push(`${where}: a kit app shows an error: ${a.innerText.trim().slice(0, 300)}`);
    });
  });
  return out;
}
