"""The item cards the desk and the explorer share: the item itself, and what Twitter did.

One renderer per card, so an item and Twitter's decision on it read the same in
every app. Everything is HTML built from escaped text (:func:`esc`); sources are
links (:func:`source_links`). The item card says nothing about what Twitter did:
the desk shows :func:`twitter_card_html` only after the learner has decided.
"""
from __future__ import annotations

from ._common import esc, fmt_date, leader_name, source_links, text_of

#: How item kinds read in the cards.
KIND_LABELS = {"post": "a post", "account": "the whole account"}
#: The style of a heading inside a card.
H4 = "<h4 style='margin:8px 0 4px'>"


def item_card_html(item, casebook=None) -> str:
    """HTML for an item before any decision: header, content note, text, context.

    ``item`` is a row of ``casebook.items`` (a Series or a dict). Nothing here tells
    what Twitter did. All text is escaped; the content note comes before the text.

    >>> import pandas as pd
    >>> html = item_card_html({"item_id": "T9", "title": "<b>t</b>", "handle": "a",
    ...     "leader": "trump", "date": pd.Timestamp("2021-01-08"), "date_precision": "day",
    ...     "kind": "post", "content_type": "verbatim", "text": "hi", "context": "c",
    ...     "content_note": "Violent language."})
    >>> "&lt;b&gt;t&lt;/b&gt;" in html, html.index("Violent language") < html.index("hi")
    (True, True)
    """
    return header_html(item) + note_html(item) + text_html(item) + context_html(item)


def header_html(item) -> str:
    """The item's id and title, then its account, leader, date and kind on one line."""
    date = fmt_date(item.get("date"), text_of(item.get("date_precision")) or "day")
    bits = [f"@{esc(item.get('handle'))}", esc(leader_name(item.get("leader"))), esc(date),
            esc(KIND_LABELS.get(text_of(item.get("kind")), text_of(item.get("kind"))))]
    return (f'<div class="kit-desk-head"><h4 style="margin:4px 0">{esc(item.get("item_id"))} · '
            f'{esc(item.get("title"))}</h4><div class="kit-muted">'
            f'{" · ".join(b for b in bits if b)}</div></div>')


def note_html(item) -> str:
    """The content note box (empty string when the item has none)."""
    note = text_of(item.get("content_note"))
    if not note:
        return ""
    return (f'<div class="kit-note kit-content-note" role="note"><b>Content note:</b> '
            f'{esc(note)}</div>')


def text_html(item) -> str:
    """The item's text (verbatim, as a quote) or its neutral description."""
    text = text_of(item.get("text"))
    lang = text_of(item.get("language"))
    if text_of(item.get("content_type")) == "verbatim":
        lang_attr = f' lang="{esc(lang)}"' if lang else ""
        return (f'<blockquote class="kit-item-text"{lang_attr}>{esc(text)}</blockquote>'
                '<div class="kit-muted">Exact text, as posted.</div>')
    return (f'<p class="kit-item-text"><i>Description (not the original words):</i> '
            f'{esc(text)}</p>')


def context_html(item) -> str:
    """The item's context paragraph (empty string when it has none)."""
    context = text_of(item.get("context"))
    return f'<p class="kit-item-context"><b>Context:</b> {esc(context)}</p>' if context else ""


def sources_html(casebook, ids) -> str:
    """Source links in brackets after a fact, ``[S1 · S2]`` (empty string for no ids)."""
    ids = tuple(ids or ())
    return (f' <span class="kit-muted kit-sources">[{source_links(casebook, ids)}]</span>'
            if ids else "")


def rule_list(casebook, rule_ids, none: str = "none reported") -> str:
    """Rule names, escaped and comma-separated, or ``none`` for no rules."""
    names = casebook.rule_names
    return ", ".join(esc(names.get(r, r)) for r in rule_ids) or none


def action_label(casebook, action_id) -> str:
    """An action's name with its step on the ladder, escaped: ``Account lock (level 4)``."""
    name = casebook.action_names.get(action_id, action_id)
    level = casebook.action_levels.get(action_id)
    return f"{esc(name)}" + (f" (level {level})" if level is not None else "")


def twitter_card_html(item, casebook) -> str:
    """What Twitter did about an item: its action and date, the rules it cited, its stated
    reason and the case file's note on the action.

    ``item`` is a row of ``casebook.items`` (a Series or a dict).

    >>> import kit, pandas as pd
    >>> cb = kit.load_casebook()
    >>> print(twitter_card_html({"twitter_action": "lock", "twitter_rule_ids": ("civic_integrity",),
    ...     "twitter_action_date": pd.Timestamp("2021-01-06"), "twitter_stated_reason": "<why>"}, cb))
    <h4 style='margin:8px 0 4px'>What Twitter did</h4><p><b>Account lock (level 4)</b> · 6 January 2021</p><p>Rules Twitter cited: Civic integrity (elections)</p><p>Twitter's stated reason:</p><blockquote>&lt;why&gt;</blockquote>
    """
    date = fmt_date(item.get("twitter_action_date"))
    parts = [f"{H4}What Twitter did</h4>",
             f"<p><b>{action_label(casebook, item.get('twitter_action'))}</b>"
             + (f" · {esc(date)}" if date else "") + "</p>",
             f"<p>Rules Twitter cited: {rule_list(casebook, item.get('twitter_rule_ids') or ())}</p>"]
    reason = text_of(item.get("twitter_stated_reason"))
    if reason:
        parts.append(f"<p>Twitter's stated reason:</p><blockquote>{esc(reason)}</blockquote>")
    note = text_of(item.get("action_note"))
    if note:
        parts.append(f'<p class="kit-muted">{esc(note)}</p>')
    return "".join(parts)


def allegations_html(allegations, casebook) -> str:
    """Who said which rule an item broke, with their words and sources (empty for none).

    ``allegations`` are rows of ``casebook.allegations`` (usually those of one item).
    """
    if not len(allegations):
        return ""
    parts = [f"{H4}Who said which rule was broken</h4><ul>"]
    for _, a in allegations.iterrows():
        when = fmt_date(a["date"])
        quote = text_of(a["quote"])
        parts.append(f"<li>{esc(a['alleged_by'])} ({esc(a['alleger_kind'])})"
                     + (f", {esc(when)}" if when else "")
                     + f": {rule_list(casebook, [a['rule_id']])}"
                     + (f"<blockquote>{esc(quote)}</blockquote>" if quote else "")
                     + f"{sources_html(casebook, a['source_ids'])}</li>")
    parts.append("</ul>")
    return "".join(parts)
