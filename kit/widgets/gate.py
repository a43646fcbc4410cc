"""Who is deciding: the few functions the apps ask who the learner is (the one place that
knows how :mod:`kit.decisions` stores it), and :class:`NameGate`, the name prompt shown
before an app opens in Voila."""
from __future__ import annotations

import ipywidgets as W

from .. import decisions
from ..environment import detect
from ..errors import KitDataError
from .markup import esc, labelled


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
