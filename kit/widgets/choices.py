"""Controls the apps share: :class:`Fold` (a part shown on request, a real button) and
:class:`RuleChoice` (a rule's checkbox with its explanation next to it)."""
from __future__ import annotations

import ipywidgets as W
import traitlets

from ..words import blank
from .markup import esc, labelled, text_of


class Fold(W.VBox):
    """A part of an app shown on request: a real ``<button>``, then the content under it.

    Used instead of ``ipywidgets.Accordion``, which Colab's widget manager cannot show; the
    button is reachable with Tab and opened with Enter or Space everywhere, and tells screen
    readers whether it is open (``aria-expanded``, set in the page by :mod:`kit.widgets.access`
    from the ``kit-fold-open`` class). CSS classes: ``kit-fold`` (the whole),
    ``kit-fold-button`` and ``css_class`` (the button; ``kit-fold-open`` while open),
    ``kit-fold-content`` (the content).

    >>> fold = Fold(W.HTML("the text"), "Show the text", "Hide the text", "kit-demo-fold")
    >>> fold.is_open, len(fold.children), "kit-fold-open" in fold.button._dom_classes
    (False, 1, False)
    >>> fold.button.value = True
    >>> fold.is_open, fold.button.description, len(fold.children)
    (True, 'Hide the text', 2)
    >>> "kit-fold-open" in fold.button._dom_classes, "kit-fold-content" in fold.content._dom_classes
    (True, True)
    """

    def __init__(self, content, show: str, hide: str, css_class: str, **kw):
        self.content, self._show, self._hide = content, show, hide
        self.button = W.ToggleButton(value=False, description=show, tooltip=show,
                                     layout=W.Layout(width="auto"))
        self.button.add_class(css_class)
        self.button.add_class("kit-fold-button")
        if hasattr(content, "add_class"):
            content.add_class("kit-fold-content")
        super().__init__([self.button], layout=W.Layout(width="100%"), **kw)
        self.add_class("kit-fold")
        self.button.observe(lambda change: self._draw(), names="value")

    @property
    def is_open(self) -> bool:
        return bool(self.button.value)

    def unfold(self) -> None:
        """Show the content (as the learner's press on the button does)."""
        self.button.value = True
        self._draw()

    def fold_away(self) -> None:
        """Fold the content away again (e.g. when the app shows another item)."""
        self.button.value = False
        self._draw()

    def _draw(self) -> None:
        label = self._hide if self.is_open else self._show
        self.button.description = self.button.tooltip = label
        if self.is_open:
            self.button.add_class("kit-fold-open")
        else:
            self.button.remove_class("kit-fold-open")
        self.children = [self.button, self.content] if self.is_open else [self.button]


def rule_explanation_html(rule) -> str:
    """A rule's own-words summary and its short verbatim excerpt (with the excerpt's source
    ids), escaped, as shown next to the rule's checkbox (which carries the rule's name).

    ``rule`` is a row of ``casebook.rules`` (a Series or a dict).

    >>> print(rule_explanation_html({"name": "<b>R</b>", "summary": "Say <no>.",
    ...     "excerpt": "you may not", "excerpt_source_ids": ("S7",)}))
    <div class="kit-explain-text">Say &lt;no&gt;.<blockquote>“you may not”</blockquote><span class="kit-muted">Twitter’s words, quoted from S7.</span></div>
    """
    get = rule.get if hasattr(rule, "get") else (lambda k, d=None: getattr(rule, k, d))
    parts = [f'<div class="kit-explain-text">{esc(text_of(get("summary")))}']
    excerpt = text_of(get("excerpt"))
    if excerpt:
        ids = get("excerpt_source_ids")
        ids = list(ids) if isinstance(ids, (tuple, list)) else ([] if blank(ids) else [ids])
        parts.append(f"<blockquote>“{esc(excerpt)}”</blockquote>")
        parts.append('<span class="kit-muted">Twitter’s words'
                     + (f", quoted from {esc(', '.join(map(str, ids)))}" if ids else "")
                     + ".</span>")
    parts.append("</div>")
    return "".join(parts)


class RuleChoice(W.VBox):
    """A rule's checkbox with its explanation (summary and short verbatim excerpt) next to
    it, shown on request: when the pointer rests on it or the checkbox has keyboard focus
    (and announced as the checkbox's description by screen readers, :mod:`kit.widgets.access`).

    Behaves like the checkbox for the apps: ``value`` (read, set, observe) is the checkbox's;
    :attr:`checkbox` is the ``ipywidgets.Checkbox`` itself (its description is the rule's
    name, its tooltip ``tooltip`` + the summary), :attr:`explain` the explanation.
    CSS classes: ``kit-explained`` (the whole), ``kit-explain`` (the explanation).

    >>> choice = RuleChoice({"rule_id": "r", "name": "R", "summary": "S", "excerpt": "E",
    ...                      "excerpt_source_ids": ()}, value=True)
    >>> choice.value, choice.checkbox.description, choice.checkbox.tooltip
    (True, 'R', 'S')
    >>> choice.checkbox.value = False; choice.value
    False
    >>> "“E”" in choice.explain.value
    True
    """

    value = traitlets.Bool(False)

    def __init__(self, rule, value: bool = False, tooltip: str = "", **kw):
        get = rule.get if hasattr(rule, "get") else (lambda k, d=None: getattr(rule, k, d))
        self.rule_id = get("rule_id")
        self.checkbox = labelled(W.Checkbox(value=bool(value), indent=False,
                                            layout=W.Layout(width="auto")),
                                 text_of(get("name")),
                                 (tooltip + " " if tooltip else "") + text_of(get("summary")))
        self.explain = W.HTML(rule_explanation_html(rule), layout=W.Layout(width="auto"))
        self.explain.add_class("kit-explain")
        super().__init__([self.checkbox, self.explain], layout=W.Layout(width="auto"), **kw)
        self.add_class("kit-explained")
        self.value = bool(value)
        traitlets.link((self.checkbox, "value"), (self, "value"))

    @property
    def description(self) -> str:
        """The checkbox's label (the rule's name), as for a plain checkbox."""
        return self.checkbox.description
