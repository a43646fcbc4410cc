"""Serve the kit's apps to a class with Voila, offline and lean.

    python -m kit.serve notebooks/03_you_decide.ipynb [other Voila options]

This is Voila with the kit's configuration, ``kit/share/voila.json``:

- the page template ``casebook`` (``kit/share/voila/templates/casebook``): Voila's "lab"
  template without the two icon stylesheets it links on a CDN, so a page makes no request
  beyond the Voila server;
- Notebook 7's JupyterLab extension is not loaded into Voila pages (``extension_denylist``):
  Voila 0.5 cannot share its modules and the page would log a console error;
- idle kernels of closed pages are culled: a kernel with no page connected is shut down after
  ``cull_idle_timeout`` seconds idle (checked every ``cull_interval`` seconds). Voila starts
  one kernel per page load, and the shutdown a page sends when it closes does not always
  arrive, so without culling a lesson's worth of page loads leaves a kernel each.

Options given on the command line win over the file (for example
``--MappingKernelManager.cull_idle_timeout=120``). Your own ``voila.json`` in the working
folder or Jupyter's config folders is still read, after the kit's.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

SHARE = Path(__file__).resolve().parent / "share"


def voila_environment(environ=None) -> dict:
    """The environment Voila runs in: ``JUPYTER_PATH`` starts with the kit's share folder, so
    Voila finds the ``casebook`` template whether the kit is a checkout or installed.

    >>> env = voila_environment({"JUPYTER_PATH": "/opt/jupyter"})
    >>> env["JUPYTER_PATH"].split(os.pathsep) == [str(SHARE), "/opt/jupyter"]
    True
    """
    env = dict(os.environ if environ is None else environ)
    paths = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join([str(SHARE), *[p for p in paths if p != str(SHARE)]])
    return env


def voila_arguments(args) -> list:
    """Voila's command line: the kit's config folder first, then the usual ones (the working
    folder and Jupyter's config path), then the caller's own arguments.

    >>> voila_arguments(["nb.ipynb"])[-1]
    'nb.ipynb'
    >>> any(a.startswith("--Voila.config_file_paths=") for a in voila_arguments([]))
    True
    """
    from jupyter_core.paths import jupyter_config_path

    folders = [str(SHARE), os.getcwd(), *jupyter_config_path()]
    return [f"--Voila.config_file_paths={f}" for f in folders] + list(args)


def main(argv=None) -> None:  # pragma: no cover - runs a server; tested in tests/browser
    os.environ.update(voila_environment())
    from voila.app import main as voila_main

    sys.argv = ["voila", *voila_arguments(sys.argv[1:] if argv is None else argv)]
    voila_main()


if __name__ == "__main__":  # pragma: no cover
    main()
