"""The small HTML helpers every kit app uses: escaping, links, tables, empty slots, labels
on controls, and cells and dates as people read them.

All text from the case file or from a learner goes through :func:`esc` before it becomes
HTML; sources are links built by :func:`source_links` (http(s) only).
"""
from __future__ import annotations

import html

import ipywidgets as W

from ..casebook import LEADER_NAMES
from ..words import blank


def esc(value) -> str:
    """Escape any text for HTML (``None`` becomes an empty string).

    >>> esc('<img src=x onerror=alert(1)> & "q"')
    '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;'
    """
    return "" if value is None else html.escape(str(value), quote=True)


def safe_url(url) -> str:
    """Return ``url`` escaped if it is http(s), else an empty string.

    >>> safe_url("javascript:alert(1)")
    ''
    >>> safe_url("https://example.org/a?b=1&c=2")
    'https://example.org/a?b=1&amp;c=2'
    """
    url = "" if url is None else str(url).strip()
    return esc(url) if url.lower().startswith(("http://", "https://")) else ""


def source_links(casebook, ids) -> str:
    """HTML links for source ids, e.g. ``S1 · S21``, each titled with the source's title."""
    parts = []
    for sid, title, publisher, url in casebook.source_links(ids):
        label = f"{esc(sid)}"
        tip = esc(f"{title} ({publisher})")
        href = safe_url(url)
        if href:
            parts.append(f'<a href="{href}" target="_blank" rel="noopener noreferrer" '
                         f'title="{tip}">{label}</a>')
        else:
            parts.append(f'<span title="{tip}">{label}</span>')
    return " · ".join(parts)


def html_table(frame, columns=None, max_rows=60) -> str:
    """A small escaped HTML table of a DataFrame (for results inside apps)."""
    columns = list(columns or frame.columns)
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for c in columns:
            v = row[c]
            if isinstance(v, tuple):
                v = ", ".join(map(str, v))
            cells.append(f"<td>{esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="kit-muted">… {len(frame) - max_rows} more rows</p>'
            if len(frame) > max_rows else "")
    return f'<table class="kit-table"><tr>{head}</tr>{"".join(body)}</table>{more}'


def html_slot(css_class: str, width: str = "100%") -> W.HTML:
    """An empty HTML widget an app fills later, with its stable ``kit-…`` CSS class.

    >>> slot = html_slot("kit-demo-result")
    >>> slot.value, slot._dom_classes, slot.layout.width
    ('', ('kit-demo-result',), '100%')
    """
    slot = W.HTML(layout=W.Layout(width=width))
    slot.add_class(css_class)
    return slot


def labelled(widget, description: str, tooltip: str):
    """Set a description and tooltip (screen readers and hover) on a control; a button
    without a width of its own is as wide as its label (``width: auto``), so no label is cut.

    >>> labelled(W.Button(), "Save my answers", "Save").layout.width
    'auto'
    """
    widget.description = description
    widget.tooltip = tooltip
    if isinstance(widget, (W.Button, W.ToggleButton)) and not widget.layout.width:
        widget.layout.width = "auto"   # the whole label, never "Save my answ…"
    if "description_width" in getattr(widget.style, "keys", []):
        widget.style.description_width = "initial"
    return widget


def text_of(value) -> str:
    """A cell as text: "" for a blank one (:func:`kit.words.blank`), else ``str(value)``.

    >>> text_of(None), text_of(float("nan")), text_of("  "), text_of(12)
    ('', '', '', '12')
    """
    return "" if blank(value) else str(value)


def leader_name(leader) -> str:
    """A leader id as people read it (``casebook.leader_names``); other values, such as an
    event's "both", capitalised.

    >>> leader_name("khamenei"), leader_name("both"), leader_name(None)
    ('Khamenei', 'Both', '')
    """
    text = text_of(leader)
    return LEADER_NAMES.get(text, text.title())


def fmt_date(value, precision: str = "day") -> str:
    """A date as people read it, honouring the case file's ``date_precision``.

    Unknown dates (None, NaT, empty) become an empty string.

    >>> import pandas as pd
    >>> fmt_date(pd.Timestamp("2021-01-08")), fmt_date(pd.Timestamp("2021-01-01"), "month")
    ('8 January 2021', 'January 2021')
    >>> fmt_date(None), fmt_date(pd.NaT), fmt_date(pd.Timestamp("2020-01-01"), "year")
    ('', '', '2020')
    """
    import pandas as pd

    if blank(value):
        return ""
    ts = pd.Timestamp(value)
    if ts is pd.NaT:  # e.g. a NumPy NaT
        return ""
    if precision == "year":
        return f"{ts.year}"
    if precision == "month":
        return f"{ts:%B} {ts.year}"
    return f"{ts.day} {ts:%B} {ts.year}"
