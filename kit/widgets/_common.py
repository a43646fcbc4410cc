"""What every kit app shares: escaping, error display, styles, stable CSS classes.

Every app is an ``ipywidgets.VBox`` subclass built on :class:`KitApp`, so a notebook
shows it by leaving it as the last expression of a cell. Rules every app follows:

- all text from the case file or from a learner goes through :func:`esc` before it
  becomes HTML (sources are links built by :func:`source_links`, http(s) only);
- callbacks are wrapped with :meth:`KitApp.safely`, so an error shows as a readable
  message inside the app instead of being lost;
- controls and results carry stable ``kit-…`` CSS classes for browser tests;
- colours come from JupyterLab's CSS variables (light and dark themes), never hex codes;
- the layout fits a narrow side panel (width 100%, wrapping rows).
"""
from __future__ import annotations

import functools
import html
import traceback

import ipywidgets as W
import traitlets

from .. import decisions
from ..answers import latest_answers
from ..casebook import LEADER_NAMES
from ..environment import detect
from ..errors import KitDataError
from ..words import blank
from .access import Access
from .layout import LAYOUT_STYLE

#: Styles shared by the apps. Only JupyterLab CSS variables, so dark themes work.
STYLE = """
<style>
.kit-app { max-width: 860px; font-family: var(--jp-ui-font-family); color: var(--jp-ui-font-color1); }
.kit-app a { text-decoration: underline; }  /* links tell themselves apart by more than colour */
.kit-app .kit-card { border: 1px solid var(--jp-border-color2); border-radius: 4px;
  padding: 8px 12px; background: var(--jp-layout-color1); margin: 4px 0; }
.kit-app .kit-muted { color: var(--jp-ui-font-color2); font-size: 0.92em; }
.kit-app .kit-note { border-left: 4px solid var(--jp-warn-color1); padding: 4px 8px;
  background: var(--jp-layout-color2); margin: 4px 0; }
.kit-app .kit-error-box { border-left: 4px solid var(--jp-error-color1); padding: 4px 8px;
  background: var(--jp-layout-color2); color: var(--jp-ui-font-color1); }
.kit-app .kit-ok { border-left: 4px solid var(--jp-success-color1); padding: 4px 8px;
  background: var(--jp-layout-color2); }
.kit-app blockquote { border-left: 3px solid var(--jp-border-color1); margin: 4px 0;
  padding: 2px 10px; color: var(--jp-content-font-color1); white-space: pre-wrap; }
.kit-app table.kit-table { border-collapse: collapse; font-size: 0.92em; }
.kit-app table.kit-table td, .kit-app table.kit-table th { border-bottom: 1px solid var(--jp-border-color2);
  padding: 2px 6px; text-align: left; vertical-align: top; }
.kit-app a { color: var(--jp-content-link-color); }
.kit-app .widget-select select, .kit-app .widget-select-multiple select,
.kit-app .widget-dropdown select { min-width: 0; }
.kit-app .widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height); }
.kit-app .widget-checkbox .widget-label-basic { white-space: normal; line-height: 1.3;
  height: auto; overflow: visible; }
.kit-app .jupyter-button { max-width: 100%; white-space: normal; height: auto;
  min-height: var(--jp-widgets-inline-height); line-height: 1.3; text-overflow: clip;
  overflow: visible; padding-top: 3px; padding-bottom: 3px; }
.kit-app :is(button, input, select, textarea, summary, a[href], [tabindex]):focus-visible {
  outline: 3px solid var(--jp-brand-color1) !important; outline-offset: 2px !important; }
.kit-app .kit-explained .kit-explain { max-height: 0; visibility: hidden; overflow: hidden;
  margin: 0; transition: visibility 0s 0.5s, max-height 0s 0.5s; }
.kit-app .kit-explained:hover .kit-explain { max-height: 60em; visibility: visible;
  transition-delay: 0.35s; }
.kit-app .kit-explained:has(input:focus-visible) .kit-explain { max-height: 60em;
  visibility: visible; transition-delay: 0s; }
.kit-app .kit-explain-text { border-left: 3px solid var(--jp-brand-color1); margin: 0 0 6px 22px;
  padding: 2px 8px; background: var(--jp-layout-color2); font-size: 0.92em;
  color: var(--jp-ui-font-color1); white-space: normal; line-height: 1.35; }
.kit-app .kit-explain-text blockquote { margin: 4px 0; }
.kit-app details.kit-explorer-text-fold > summary { cursor: pointer; padding: 2px 0; font-weight: 600;
  color: var(--jp-content-link-color); }
.kit-app .kit-saved-line { color: var(--jp-ui-font-color1); font-weight: 600; }
.kit-app .kit-saved-line.kit-unsaved { color: var(--jp-warn-color1); }
@media (prefers-reduced-motion: reduce) { .kit-app .kit-explained:hover .kit-explain {
  transition-delay: 0s; } }
</style>
""" + LAYOUT_STYLE


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


def friendly_error(exc: BaseException) -> str:
    """The message a learner sees for an exception: KitDataError as is, others summarised."""
    if isinstance(exc, KitDataError):
        return str(exc)
    return (f"Something went wrong ({type(exc).__name__}: {exc}). Your saved work is safe; "
            "if it happens again, restart the kernel and tell your teacher.")


class KitApp(W.VBox):
    """Base of every kit app: a styled VBox with a message area and safe callbacks.

    >>> app = KitApp("demo", title="Demo")
    >>> app.show_error(ValueError("<b>boom</b>"))
    >>> "&lt;b&gt;boom&lt;/b&gt;" in app.message.value
    True
    >>> repr(app)
    'KitApp(demo)'
    """

    kit_name = "app"

    def __init__(self, name: str, title: str = "", **kwargs):
        self.kit_name = name
        self.app_title = title or name
        self.message = W.HTML(value="", layout=W.Layout(width="auto"))  # auto: no overflow
        self.message.add_class("kit-message")
        self._style = W.HTML(STYLE)
        header = W.HTML(f"<h3>{esc(title)}</h3>") if title else None
        self._head = tuple(c for c in (self._style, header) if c is not None)
        #: the app's front-end helper (keys, radio groups, folds, scrolling: kit.widgets.access)
        self.access = Access(label=title or name.replace("_", " ").capitalize())
        super().__init__(children=self._head + (self.access,),
                         layout=W.Layout(width="100%"), **kwargs)
        self.add_class("kit-app")
        self.add_class(f"kit-{name}")

    def set_body(self, *children):
        """Replace everything below the title with ``children`` and the message area (the
        invisible :attr:`access` helper stays last)."""
        self.children = self._head + tuple(children) + (self.message, self.access)

    def body(self) -> tuple:
        """The widgets below the title, without the message area and the helper."""
        return tuple(c for c in self.children[len(self._head):]
                     if c is not self.message and c is not self.access)

    # -- messages -------------------------------------------------------------------------
    def show_error(self, exc: BaseException) -> None:
        self.message.value = f'<div class="kit-error-box" role="alert">{esc(friendly_error(exc))}</div>'
        self.last_error = exc
        self.last_traceback = traceback.format_exc()

    def show_info(self, text: str) -> None:
        self.message.value = f'<div class="kit-ok" role="status">{esc(text)}</div>'

    def clear_message(self) -> None:
        self.message.value = ""

    def safely(self, fn):
        """Wrap a callback so any error shows as a message in the app, never silently lost."""
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shown to the learner
                self.show_error(exc)
        return wrapper

    def ask_name_if_needed(self, reload, what="your answers", when_no_log=True,
                           environment=None) -> bool:
        """In Voila, make sure :attr:`decision_log` is this page's learner's before anything
        is saved: when it is None (if ``when_no_log``) or the shared ``guest`` log nobody
        chose here, the page's name is used, or, with none yet, a :class:`NameGate` is shown
        in place of the app until a name is given (or guest chosen). ``reload()`` then reads
        the learner's saved answers. Elsewhere nothing changes. Returns whether it took over
        the loading (so the app does not read the guest's answers meanwhile).
        """
        env = where(environment)
        log = getattr(self, "decision_log", None)
        if not asks_in_page(env) or (log is None and not when_no_log) or (
                log is not None and getattr(log, "learner", None) != decisions.GUEST):
            return False
        folder = log.path.parent if getattr(log, "path", None) is not None else None
        casebook = getattr(self, "casebook", None)

        def use(name):
            self.decision_log = learner_log(name, folder, casebook)
            reload()

        name = learner_name(folder, env)
        if name is not None:
            use(name)
            return True
        body = self.body()
        self.gate = NameGate(None, folder, env, what=what)

        def ready(name):
            self.gate = None
            self.set_body(*body)
            use(name)

        self.gate._on_ready = self.safely(ready)
        self.set_body(self.gate)
        return True

    def __repr__(self):  # stable text/plain for notebook regression tests
        return f"{type(self).__name__}({self.status_line()})"

    def status_line(self) -> str:
        """One line describing the app's state (used as its text representation)."""
        return self.kit_name

    def placeholder_text(self) -> str:
        """What a notebook shows where the app itself cannot be drawn (a notebook as shipped,
        before its cells run; a file viewer): a sentence for the learner, not a repr.

        >>> KitApp("demo", title="Demo").placeholder_text()
        'The app “Demo” opens here when you run this cell.'
        """
        return f"The app “{self.app_title}” opens here when you run this cell."

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle = {**bundle, "text/plain": self.placeholder_text()}
        return bundle


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


def saved_answers(log, section: str) -> dict:
    """``{question_id: (answer, rationale)}`` saved in ``log`` for one section of answers
    (:func:`kit.answers.latest_answers`); ``{}`` without a log."""
    return latest_answers(None if log is None else log.answers(), section)


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


class ChartSlot(W.VBox):
    """A place in an app for an Altair chart that is updated in place.

    The first chart goes through ``kit.charts.show``: when that returns a widget (an
    ``alt.JupyterChart``, offline-capable) the slot embeds it, and later charts only
    replace the widget's Vega-Lite ``spec`` (built with ``to_dict(validate=False)``:
    kit charts are tested, and schema validation would cost tens of milliseconds
    on every change), so nothing is rebuilt. Otherwise the chart's own MIME bundle
    is placed in an Output widget by assigning ``outputs`` (never ``with out:``,
    which notebook regression tests would record as cell output).
    ``chart`` is the last chart shown (inspect it with ``chart.to_dict()``) and
    ``spec`` its Vega-Lite dict.

    >>> slot = ChartSlot("kit-demo-chart")
    >>> slot.chart is None, "kit-demo-chart" in slot._dom_classes
    (True, True)
    """

    def __init__(self, css_class: str = "kit-chart", **kwargs):
        super().__init__(layout=W.Layout(width="100%", overflow="auto"), **kwargs)
        self.add_class("kit-chart")
        if css_class != "kit-chart":
            self.add_class(css_class)
        self.chart = None
        self.spec = None
        self.view = None

    def update(self, chart, spec: dict | None = None) -> None:
        """Show ``chart`` (``None`` hides the slot); ``spec`` is its ``to_dict()`` if known."""
        self.chart = chart
        if chart is None:
            self.spec = None
            self.layout.display = "none"
            return
        self.layout.display = None
        if self.view is None:
            from .. import charts  # charts is a lower layer; imported when first needed
            shown = charts.show(chart)
            if isinstance(shown, W.Widget):
                self.view = shown
                self.children = (shown,)
                self.spec = getattr(shown, "spec", None)
                return
            self.view = W.Output(layout=W.Layout(width="100%"))
            self.children = (self.view,)
        if hasattr(self.view, "spec"):
            self.spec = spec if spec is not None else chart.to_dict(validate=False)
            self.view.spec = self.spec
            return
        bundle = chart._repr_mimebundle_() if hasattr(chart, "_repr_mimebundle_") else {}
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        self.view.outputs = ({"output_type": "display_data", "data": dict(data or {}),
                              "metadata": {}},)


# --------------------------------------------------------------------------- who is deciding
# The apps ask these few functions who the learner is; they are the one place that knows how
# kit.decisions stores it. Where kit.decisions keeps a per-kernel name itself
# (``set_learner(name, session_only=True)``, ``current_learner()`` reading the person's own
# config), it is used; with the older API (a name remembered per folder) the page's name is
# kept here and the folder's name is never read in Voila or on a hub.

#: Whether kit.decisions keeps a name for this kernel only (``set_learner(..., session_only=)``).


def where(environment=None):
    """The :class:`kit.environment.Environment` the apps go by (default: detected now)."""
    return detect() if environment is None else environment


def hub_learner(environment=None):
    """The JupyterHub user (the learner, shown and never typed), or None; Binder's hub user
    is a random name, so not a learner.

    >>> from kit.environment import Environment
    >>> hub_learner(Environment("jupyter", hub_user="ana")), hub_learner(Environment("jupyter"))
    ('ana', None)
    >>> hub_learner(Environment("jupyter", hub_user="jupyter-x1y2", binder=True)) is None
    True
    """
    env = where(environment)
    return env.hub_user if env.hub_user and not env.binder else None


def asks_in_page(environment=None) -> bool:
    """Whether the name is asked inside the page and kept for that page only (Voila, where
    every page's kernel runs as the server's user, so no remembered name is anyone's)."""
    env = where(environment)
    return env.front_end == "voila" and hub_learner(env) is None


def learner_name(folder=None, environment=None):
    """Who is deciding, or None when nobody is known yet (then the app asks; it never
    pre-fills someone else's name): the hub user on JupyterHub; in Voila, the name given in
    this page; elsewhere the name the person saved (:func:`kit.decisions.current_learner`)."""
    env = where(environment)
    hub = hub_learner(env)
    if hub is not None:
        return hub
    if asks_in_page(env):
        return decisions.learner.session_learner
    return decisions.current_learner()


def keep_learner(name, folder=None, environment=None) -> str:
    """Keep ``name`` as the learner and return it as shown: in Voila for this page only; on a
    hub only the hub user's own name is accepted; elsewhere it is remembered
    (:func:`kit.decisions.set_learner`). Bad names raise :class:`kit.KitDataError`."""
    env = where(environment)
    hub = hub_learner(env)
    if hub is not None:
        typed = decisions.checks.clean_learner(name)
        if typed != hub:
            raise KitDataError(f"you are signed in as {hub!r}: your work is saved under that "
                               f"name, not {typed!r}")
        return hub
    if asks_in_page(env):
        return decisions.set_learner(name, session_only=True)
    return decisions.set_learner(name)


def learner_log(name=None, folder=None, casebook=None, environment=None):
    """The :class:`kit.DecisionLog` of ``name`` (default: :func:`learner_name`), or None when
    no learner is known. ``guest`` is a name like any other (chosen knowingly)."""
    if name is None:
        name = learner_name(folder, environment)
    if name is None:
        return None
    return decisions.DecisionLog.for_learner(name, folder=folder, casebook=casebook)


def page_log(log, casebook=None, environment=None):
    """The log an app that only READS decisions (the policy lab) should use: ``log`` itself,
    except in Voila when it is None or the shared ``guest`` log nobody chose in this page;
    then the log of the name given in this page, or None (the guests' shared file is not
    shown as "your decisions")."""
    env = where(environment)
    if not asks_in_page(env) or (log is not None
                                 and getattr(log, "learner", None) != decisions.GUEST):
        return log
    folder = log.path.parent if getattr(log, "path", None) is not None else None
    name = learner_name(folder, env)
    return None if name is None else learner_log(name, folder, casebook)


class NameGate(W.VBox):
    """Asks who is deciding before an app opens: a name box, *Start*, and *Continue as guest*.

    ``on_ready(name)`` is called with the kept name (:func:`keep_learner`, for this page only
    in Voila) or with ``guest`` when the learner chose it. Errors (an empty name...) show in
    the gate. CSS classes: ``kit-gate``, ``kit-gate-name``, ``kit-gate-start``,
    ``kit-gate-guest``, ``kit-gate-message``.

    >>> got = []
    >>> gate = NameGate(got.append, folder=None, environment=None)
    >>> gate.guest_button.click(); got
    ['guest']
    """

    def __init__(self, on_ready, folder=None, environment=None, what="the desk"):
        self._on_ready, self._folder, self._environment = on_ready, folder, environment
        intro = W.HTML(
            f'<div class="kit-note" role="status"><b>Who is deciding?</b> Type your name to open '
            f'{esc(what)}. Your decisions are saved under it; this page keeps it only while it is '
            "open (give the same name next time to carry on).</div>", layout=W.Layout(width="auto"))
        self.name = labelled(W.Text(value="", placeholder="e.g. Zoë or Ali Reza",
                                    layout=W.Layout(width="auto", max_width="420px")),
                             "Your name", "Your name or a nickname (at most 100 characters)")
        self.name.add_class("kit-gate-name")
        self.start_button = labelled(W.Button(button_style="primary",
                                              layout=W.Layout(width="auto")),
                                     "Start", f"Open {what} and save under this name")
        self.start_button.add_class("kit-gate-start")
        self.guest_button = labelled(W.Button(layout=W.Layout(width="auto")),
                                     f"Continue as guest (saved as “{decisions.GUEST}”, "
                                     "shared with every guest)",
                                     "Decide without a name: your work goes to the guest file, "
                                     "which every other guest shares")
        self.guest_button.add_class("kit-gate-guest")
        self.message = W.HTML(layout=W.Layout(width="auto"))
        self.message.add_class("kit-gate-message")
        self.start_button.on_click(lambda _b: self.start())
        self.guest_button.on_click(lambda _b: self._on_ready(decisions.GUEST))
        wrap = W.Layout(display="flex", flex_flow="row wrap", width="auto", align_items="center")
        super().__init__([intro, W.HBox([self.name, self.start_button], layout=wrap),
                          self.guest_button, self.message], layout=W.Layout(width="auto"))
        self.add_class("kit-gate")

    def start(self) -> None:
        """Keep the typed name and open the app (a bad name shows a message instead)."""
        try:
            name = keep_learner(self.name.value, self._folder, self._environment)
        except KitDataError as exc:
            self.message.value = (f'<div class="kit-error-box" role="alert">{esc(exc)}</div>')
            return
        self.message.value = ""
        self._on_ready(name)
