// True once JupyterLab's "run all" is over: kernel idle, no cell queued or running,
// and every code cell numbered (or an error stopped the run).
() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-Notebook');
  if (!nb) return false;
  if (!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']")) return false;
  const cells = [...nb.querySelectorAll('.jp-CodeCell')];
  const prompts = cells.map(c => ((c.querySelector('.jp-InputArea-prompt') || {}).textContent || '').trim());
  if (prompts.some(p => p.includes('*'))) return false;
  const blank = c => !((c.querySelector('.jp-InputArea-editor') || {}).innerText || '').trim();
  const numbered = cells.every((c, i) => blank(c) || /^\[\d+\]:$/.test(prompts[i]));
  const failed = !!nb.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
  return numbered || failed;
}
