"""The ipywidgets apps the notebooks show; each is one object, shown by one line.

>>> from kit import widgets
>>> sorted(widgets.APPS)[:3]
['AttributionBoard', 'CaseExplorer', 'ClassDashboard']
"""
from __future__ import annotations

import importlib

APPS = {
    "CaseExplorer": "explorer",
    "DecisionDesk": "desk",
    "Quiz": "quiz",
    "PolicyLab": "policylab",
    "AttributionBoard": "attribution",
    "Survey": "survey",
    "ClassDashboard": "dashboard",
    "Welcome": "welcome",
    "WhoArguedWhat": "arguments",
}

#: Helpers the notebooks call that are not apps.
HELPERS = {
    "show_chart": "figures",
}

__all__ = list(APPS) + list(HELPERS)


def __getattr__(name):
    module = APPS.get(name) or HELPERS.get(name)
    if module is None:
        raise AttributeError(f"module 'kit.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
