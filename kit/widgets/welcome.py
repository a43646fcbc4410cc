"""Welcome: who is deciding, and where their decisions are saved.

A notebook shows it in one line::

    kit.widgets.Welcome()

On JupyterHub the learner is the hub user: the app says "You are signed in as …" and
has no name box. Elsewhere the learner types a name once: *Save my name* remembers it
(:func:`kit.decisions.set_learner`; in Voila for this page only) and shows where
decisions are saved and the file name it becomes. The box is only ever filled with the
learner's own saved name, never with anyone else's. Until a name is saved, decisions go
to the ``guest`` file.
"""
from __future__ import annotations

import ipywidgets as W

from .. import decisions
from ..words import plural
from ._common import (KitApp, asks_in_page, esc, hub_learner, html_slot, keep_learner,
                      labelled, learner_log, learner_name, where)


#: Said while file names are the readable part of the name only (two spellings, one file).
SHARED_FILE_NOTE = ('<br><span class="kit-muted">Letters and digits are kept in the file name; '
                    "other characters become “-”, so “Ali Reza” and “Ali-Reza” share one "
                    "file.</span>")


class Welcome(KitApp):
    """A name field and a *Save my name* button; the status line says where decisions go.

    ``folder`` is the decisions folder (default: ``$KIT_DECISIONS_DIR`` or
    ``my-decisions/``); ``environment`` where the kit runs (default
    :func:`kit.environment.detect`). :attr:`learner` is the saved name (None before one is
    saved; the hub user on JupyterHub).
    CSS classes: ``kit-welcome-name``, ``kit-welcome-save``, ``kit-welcome-status``.

    >>> import os, tempfile
    >>> saved = os.environ.get("KIT_LEARNER_CONFIG")   # the name is kept in the person's config
    >>> os.environ["KIT_LEARNER_CONFIG"] = os.path.join(tempfile.mkdtemp(), "learner.json")
    >>> app = Welcome(folder=tempfile.mkdtemp())
    >>> app
    Welcome(no name saved yet: decisions are saved as guest)
    >>> app.name.value = "Ali Reza"; app.save_button.click()
    >>> app.learner, "Ali-Reza-4444452e.decisions.jsonl" in app.status.value
    ('Ali Reza', True)
    >>> app
    Welcome(name saved: Ali Reza)
    >>> if saved is None: del os.environ["KIT_LEARNER_CONFIG"]
    ... else: os.environ["KIT_LEARNER_CONFIG"] = saved
    """

    def __init__(self, folder=None, environment=None):
        super().__init__("welcome", title="Welcome: who is deciding?")
        self.folder = folder
        self.environment = where(environment)
        self.hub_user = hub_learner(self.environment)
        self.learner = learner_name(folder, self.environment)
        self.name = labelled(
            W.Text(value=self.learner or "", placeholder="e.g. Zoë or Ali Reza",
                   layout=W.Layout(width="auto", max_width="420px")),
            "Your name", "Your name or a nickname; your decisions and answers are saved under it "
            "in every lesson (at most 100 characters)")
        self.name.add_class("kit-welcome-name")
        self.save_button = labelled(W.Button(button_style="primary", layout=W.Layout(width="auto")),
                                    "Save my name", "Remember this name for every notebook and "
                                    "show where your decisions are saved")
        self.save_button.add_class("kit-welcome-save")
        self.status = html_slot("kit-welcome-status", width="auto")
        self.save_button.on_click(self.safely(lambda _b: self.save()))
        row = W.HBox([self.name, self.save_button],
                     layout=W.Layout(display="flex", flex_flow="row wrap", width="auto",
                                     align_items="center"))
        if self.hub_user is not None:  # shown, not typed
            self.set_body(self.status)
        else:
            self.set_body(row, self.status)
        self._show_status(saved_now=False)

    def save(self) -> None:
        """Save the typed name (errors, e.g. an empty name, show in the app)."""
        self.clear_message()
        self.learner = keep_learner(self.name.value, self.folder, self.environment)
        self.name.value = self.learner
        self._show_status(saved_now=True)

    def _show_status(self, saved_now: bool) -> None:
        log = learner_log(self.learner or decisions.GUEST, self.folder)
        where = (f'<br>Folder: <code>{esc(log.path.parent)}</code><br>'
                 f'File: <code>{esc(log.path.name)}</code>')
        if self.hub_user is not None:
            n = len(log.table())
            self.status.value = (
                f'<div class="kit-ok" role="status">You are signed in as '
                f'<b class="kit-welcome-learner">{esc(self.hub_user)}</b>. Every notebook saves '
                "your decisions and answers under this name"
                + (f": {esc(plural(n, 'decision'))} saved so far." if n else ".")
                + f"{where}</div>")
            return
        if self.learner is None:
            self.status.value = (
                '<div class="kit-note" role="status">No name saved yet: your decisions are saved '
                f'as <b>{esc(decisions.GUEST)}</b> until you save one.{where}</div>')
            return
        n = len(log.table())
        earlier = (f" {plural(n, 'decision')} already saved under this name: you "
                   "can carry on where you left off." if n else "")
        head = "Saved." if saved_now else "Your name is saved."
        page = (" This page keeps your name only while it is open: give the same name next "
                "time to carry on." if asks_in_page(self.environment) else "")
        notes = " ".join(map(str, log.messages))
        self.status.value = (
            f'<div class="kit-ok" role="status"><b>{head}</b> Hello, {esc(self.learner)}! Every '
            f"notebook now saves your decisions and answers under this name.{esc(earlier)}"
            f"{esc(page)}{where}"
            + (f'<br><span class="kit-muted">{esc(notes)}</span>' if notes else "")
            + (SHARED_FILE_NOTE if log.path.name == f"{decisions.safe_learner_name(self.learner)}"
               ".decisions.jsonl" else "") + "</div>")

    def status_line(self) -> str:
        if self.hub_user is not None:
            return f"signed in as {self.hub_user}"
        if self.learner is None:
            return f"no name saved yet: decisions are saved as {decisions.GUEST}"
        return f"name saved: {self.learner}"


__all__ = ["Welcome"]
