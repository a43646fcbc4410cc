"""casebook kit: how Twitter moderated two world leaders, as an interactive Jupyter lesson.

The public names are imported lazily, so ``import kit`` stays cheap and a notebook
pays only for what it uses.

>>> import kit
>>> cb = kit.load_casebook()
>>> sorted(cb.items.leader.unique())
['khamenei', 'trump']
"""
from __future__ import annotations

import importlib

from .errors import KitDataError

__version__ = "0.1.0"

_LAZY = {
    "Casebook": "casebook",
    "load_casebook": "casebook",
    "DecisionLog": "decisions",
    "safe_learner_name": "decisions",
    "set_learner": "decisions",
    "current_learner": "decisions",
    "my_log": "decisions",
    "Policy": "policy",
    "PRESETS": "policy",
    "apply_policy": "policy",
    "compare_decisions": "compare",
    "collect_class": "classroom",
    "setup": "charts",
    "check_setup": "checks",
}

__all__ = ["KitDataError", "__version__", *_LAZY]


_SUBMODULES = ("casebook", "decisions", "policy", "compare", "classroom", "charts", "widgets",
               "checks", "errors")


def __getattr__(name: str):
    if name in _SUBMODULES:  # kit.policy, kit.widgets ... work after a bare `import kit`
        value = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))


# On a JupyterHub, saved decisions and answers also go to the class service (kit.sync), in
# the background; elsewhere nothing more is imported and nothing is sent.
import os as _os  # noqa: E402

if _os.environ.get("JUPYTERHUB_API_TOKEN") and _os.environ.get("JUPYTERHUB_USER"):
    from . import sync as _sync  # noqa: E402

    _sync.install()
