// True when no output and no execution count is left in the notebook.
() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-Notebook');
  return !!nb && !nb.querySelector('.jp-OutputArea-output') &&
    [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].every(p => !/\d/.test(p.textContent));
}
