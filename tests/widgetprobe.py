"""Probing ipywidgets apps in tests without a browser: hostile strings and the HTML an app shows.

Shared by the widget tests (``from widgetprobe import IMG, all_html, walk``).
"""
from __future__ import annotations

import ipywidgets as W

#: Markup a learner or a data file could carry, and the same text escaped as the apps must show it.
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
IMG_ESC = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT_ESC = "&lt;script&gt;alert(1)&lt;/script&gt;"


def walk(widget):
    """The widget and every widget below it, folded-away content (kit Fold) included."""
    yield widget
    children = list(getattr(widget, "children", ()))
    folded = getattr(widget, "content", None)
    if isinstance(folded, W.Widget) and folded not in children:
        children.append(folded)
    for child in children:
        yield from walk(child)


def all_html(app) -> str:
    """Every piece of HTML the app shows right now (HTML widgets, whether folded or not)."""
    parts = []
    for w in walk(app):
        if isinstance(w, W.HTML):
            parts.append(w.value)
    return "\n".join(parts)
