"""A browser download of bytes the kernel made: a link with a ``data:`` URL.

The link works in JupyterLab, Notebook 7 and Voila alike (an ``<a download>`` element;
no server route and no extension), and nothing leaves the machine: the bytes travel
inside the widget to the browser, which saves them as a file.
"""
from __future__ import annotations

import base64
import re
import unicodedata

import ipywidgets as W

from ._common import esc

#: Characters never kept in a download's file name (paths, controls, reserved on Windows).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_filename(name: str, default: str = "download") -> str:
    """A file name the browser can save as: no folders, controls or reserved characters.

    >>> safe_filename("../class 7b?.csv"), safe_filename("  "), safe_filename("Zoë.json")
    ('_class 7b_.csv', 'download', 'Zoë.json')
    """
    text = unicodedata.normalize("NFC", str(name))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))
    text = _UNSAFE.sub("_", text).strip(" .") or default
    return text[:150]


def download_link(data: bytes, filename: str, mime: str, label: str) -> W.HTML:
    """An HTML widget with one link that downloads ``data`` as ``filename``.

    ``mime`` is the file's type (e.g. ``text/csv``); ``label`` the link's text (escaped).
    The link carries the CSS class ``kit-download``.

    >>> link = download_link(b"a,b\\n", "class.csv", "text/csv", "Download the <table>")
    >>> 'download="class.csv"' in link.value, "data:text/csv;base64,YSxiCg==" in link.value
    (True, True)
    >>> "&lt;table&gt;" in link.value
    True
    """
    name = safe_filename(filename)
    mime = mime if re.fullmatch(r"[\w.+-]+/[\w.+-]+", mime or "") else "application/octet-stream"
    payload = base64.b64encode(bytes(data)).decode("ascii")
    size = len(data)
    shown_size = f"{size:,} bytes" if size < 10_000 else f"{size / 1000:,.0f} KB"
    html = (f'<a class="kit-download" download="{esc(name)}" href="data:{mime};base64,{payload}"'
            f' title="{esc(name)}, {shown_size}">{esc(label)}</a> '
            f'<span class="kit-muted">({esc(name)}, {shown_size})</span>')
    widget = W.HTML(html, layout=W.Layout(width="auto"))
    widget.add_class("kit-download-link")
    return widget
