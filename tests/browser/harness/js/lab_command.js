// Run a JupyterLab command on the current notebook, not waiting for it to finish.
// Argument: [cmd, args] (a command id such as "notebook:run-all-cells", and its arguments).
([cmd, args]) => { const app = window.jupyterapp;
     const w = app.shell.currentWidget; if (w) app.shell.activateById(w.id);
     app.commands.execute(cmd, args); }
