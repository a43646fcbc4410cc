// True when the current notebook's kernel is connected and idle and no dialog is open.
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle' &&
    !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']") &&
    !document.querySelector('.jp-Dialog');
}
