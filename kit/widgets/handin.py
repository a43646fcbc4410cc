"""Handing work in from the apps: the class-service line and "Download my work".

- :class:`SyncLine` shows, beside an app's "Saved" message, whether the learner's saved
  work has reached the class service (:func:`kit.sync.status`): "Sent to your class." or
  "Saved on this computer; it will be sent when the class service is reachable.". Where
  there is no class service (off a hub) it shows nothing at all.
- :func:`work_download` is the "Download my work" control: a button that builds the
  learner's versioned JSON export (the file :meth:`kit.DecisionLog.export` writes, with
  every latest decision and answer) and a link that saves it in the browser
  (:mod:`kit.widgets.download`: JupyterLab, Notebook 7 and Voila, no server round trip).

>>> line = SyncLine(lambda: None)
>>> line.value, line.layout.display
('', 'none')
"""
from __future__ import annotations

import weakref

import ipywidgets as W

from .. import sync
from ..decisions.formats import export_json
from ..errors import KitDataError
from ._common import esc
from .download import DownloadControl

_ICON = {"sent": "✓", "pending": "…"}


class SyncLine(W.HTML):
    """The class-service status of the log ``get_log()`` returns (hidden when off).

    ``status_of`` and ``watch`` default to :func:`kit.sync.status` and
    :func:`kit.sync.watch` (tests pass a :class:`kit.sync.Sender`'s methods). The line
    follows the log's status by itself (the sender calls back when it changes);
    :meth:`refresh` reads it again now (apps call it after each save). CSS class
    ``kit-sync-status``, with ``data-state`` = sent / pending.
    """

    def __init__(self, get_log, status_of=None, watch=None):
        super().__init__(value="", layout=W.Layout(width="auto", display="none"))
        self.add_class("kit-sync-status")
        self._get_log = get_log
        self._status_of = status_of or sync.status
        self._watch = watch or sync.watch
        self._watched = set()
        self.state = "off"
        self.refresh()

    def refresh(self) -> None:
        """Show the current log's status now (and follow its changes)."""
        log = self._get_log()
        if log is None or getattr(log, "path", None) is None:
            self._draw(sync.OFF)
            return
        key = str(log.path)
        if key not in self._watched:
            self._watched.add(key)
            line = weakref.ref(self)    # a desk shown no more is not kept alive by the sender

            def changed(status, key=key):
                me = line()
                if me is not None:
                    me._changed(key, status)
            self._watch(log, changed)
        self._draw(self._status_of(log))

    def _changed(self, key, status) -> None:
        log = self._get_log()
        if log is not None and str(getattr(log, "path", "")) == key:
            self._draw(status)

    def _draw(self, status) -> None:
        self.state = status.state
        if status.state == "off" or not status.sentence:
            self.value, self.layout.display = "", "none"
            return
        self.value = (f'<div class="kit-muted kit-sync-{status.state}" role="status" '
                      f'data-state="{esc(status.state)}">{_ICON.get(status.state, "")} '
                      f"{esc(status.sentence)}</div>")
        self.layout.display = None


def export_bytes(log) -> tuple:
    """``(data, file name)`` of ``log``'s versioned JSON export, as
    :meth:`kit.DecisionLog.export` would write it (``<log file stem>.decisions.json``)."""
    name = log.path.name
    stem = name[: -len(".decisions.jsonl")] if name.endswith(".decisions.jsonl") else (
        name[: -len(".jsonl")] if name.endswith(".jsonl") else name)
    return export_json(log.learner, log.table(), log.answers()), f"{stem}.decisions.json"


def work_download(get_log) -> DownloadControl:
    """The "Download my work" control for the log ``get_log()`` returns (CSS classes
    ``kit-download-work``, ``kit-download-work-button``, ``kit-download-link``).

    >>> import tempfile, kit
    >>> from pathlib import Path
    >>> log = kit.DecisionLog(Path(tempfile.mkdtemp()) / "Zoë-c6a12698.decisions.jsonl")
    >>> _ = log.record_answer("survey", "same_rules", "agree")
    >>> ctl = work_download(lambda: log)
    >>> ctl.button.click()
    >>> ctl.filename, 'download="Zoë-c6a12698.decisions.json"' in ctl.link.value
    ('Zoë-c6a12698.decisions.json', True)
    """
    def make():
        log = get_log()
        if log is None:
            raise KitDataError("there is no work to download yet: give your name first")
        return export_bytes(log)

    return DownloadControl(make, "application/json", "Download my work", "kit-download-work",
                           tooltip="Save a file with all your decisions and answers on this "
                                   "computer, to hand in or keep",
                           link_text="Save {name}")
