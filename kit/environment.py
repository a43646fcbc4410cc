"""Where the kit is running: JupyterHub, Voila, Colab, Binder or a plain Jupyter.

The answer decides who the learner is (a hub user is known, not typed), whether the apps
carry their own instructions (Voila shows no notebook text around them) and which chart
renderer can draw (Colab's front end cannot run the offline anywidget renderer).

Every check reads only the environment variables and the already-imported modules it is
given, so it can be tested without the platform.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    """What the kit found about where it runs.

    ``front_end`` is ``"colab"``, ``"voila"`` or ``"jupyter"`` (JupyterLab, Notebook 7 or
    anything else that shows notebooks); ``hub_user`` the JupyterHub user name or ``""``;
    ``binder`` whether this is a temporary Binder session.
    """

    front_end: str
    hub_user: str = ""
    binder: bool = False

    @property
    def on_hub(self) -> bool:
        return bool(self.hub_user)

    @property
    def temporary(self) -> bool:
        """Sessions whose files vanish when they end (Binder, Colab): learners must hand in."""
        return self.binder or self.front_end == "colab"

    @property
    def chart_renderer(self) -> str:
        """The Altair renderer that can draw here: ``colab`` in Colab (its front end loads
        Vega itself), else the offline ``jupyter`` renderer (see :func:`kit.setup`)."""
        return "colab" if self.front_end == "colab" else "jupyter"


def detect(environ=None, modules=None) -> Environment:
    """Where the kit runs, from environment variables and loaded modules.

    >>> detect({}, {}).front_end
    'jupyter'
    >>> detect({"COLAB_RELEASE_TAG": "release-colab_20261120"}, {}).chart_renderer
    'colab'
    >>> detect({"VOILA_REQUEST_URL": "http://127.0.0.1:8866/"}, {}).front_end
    'voila'
    >>> env = detect({"JUPYTERHUB_USER": "ana", "BINDER_LAUNCH_HOST": "https://mybinder.org/"}, {})
    >>> env.hub_user, env.binder, env.temporary
    ('ana', True, True)
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules or environ.get("COLAB_RELEASE_TAG"):
        front_end = "colab"
    elif environ.get("VOILA_REQUEST_URL") or environ.get("VOILA_APP_PORT"):
        front_end = "voila"
    else:
        front_end = "jupyter"
    return Environment(front_end=front_end,
                       hub_user=environ.get("JUPYTERHUB_USER", "").strip(),
                       binder=bool(environ.get("BINDER_LAUNCH_HOST") or environ.get("BINDER_REPO_URL")))
