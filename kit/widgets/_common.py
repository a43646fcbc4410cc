"""What every kit app shares: the base :class:`KitApp` (error display, styles, stable CSS
classes), :class:`ChartSlot`, and the names of :mod:`.markup` (escaping, links, labels),
:mod:`.choices` (:class:`Fold`, :class:`RuleChoice`) and :mod:`.gate` (who is deciding).

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
import traceback

import ipywidgets as W

from .. import decisions
from ..answers import latest_answers
from ..errors import KitDataError
from .access import Access
# The helpers, controls and name prompt live in their own modules; their names stay
# importable from here, as every app and test has always imported them.
from .choices import Fold, RuleChoice, rule_explanation_html  # noqa: F401
from .gate import (NameGate, asks_in_page, hub_learner, keep_learner,  # noqa: F401
                   learner_log, learner_name, page_log, where)
from .layout import LAYOUT_STYLE
from .markup import (esc, fmt_date, html_slot, html_table, labelled,  # noqa: F401
                     leader_name, safe_url, source_links, text_of)

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
.kit-app .kit-saved-line.kit-unsaved { color: var(--jp-ui-font-color1); padding-left: 6px;
  border-left: 4px solid var(--jp-warn-color1); }  /* orange text is too faint on white */
@media (prefers-reduced-motion: reduce) { .kit-app .kit-explained:hover .kit-explain {
  transition-delay: 0s; } }
</style>
""" + LAYOUT_STYLE


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


def saved_answers(log, section: str) -> dict:
    """``{question_id: (answer, rationale)}`` saved in ``log`` for one section of answers
    (:func:`kit.answers.latest_answers`); ``{}`` without a log."""
    return latest_answers(None if log is None else log.answers(), section)


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
