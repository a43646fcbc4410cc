"""The learner side of the class service: saved work goes to the class in the background.

On a JupyterHub that runs the kit's class service (``python -m kit.service``), every
decision and answer a learner saves (the desk, quiz, survey, attribution board, or a
direct :meth:`kit.DecisionLog.record`) is also sent to the service, with no learner action
and without making the learner wait:

- the local log stays the source of truth; a save returns as soon as it is on disk, and
  one background thread per process (:class:`Sender`) sends the new records;
- what could not be sent (service down, network gone) is retried on later saves, every
  little while (10 s, then longer, up to 5 min) and when a log is opened again (a new
  kernel, a new desk); failures never raise into the learner's cell;
- sending is idempotent: each record is named by :func:`kit.decisions.formats.record_id`
  and the service stores a record once however often it arrives;
- what the service has acknowledged is remembered in a small hidden side file beside
  the log (``.<log name>.sent``), only to avoid re-sending: if it is lost or damaged,
  everything is sent again and the service keeps one copy;
- :func:`status` tells the desk what to show ("Sent to your class." or "Saved on this
  computer; it will be sent when the class service is reachable.").

Off a hub (no ``JUPYTERHUB_API_TOKEN``/``JUPYTERHUB_USER``), :func:`class_service` is
None: the kit then behaves exactly as without this module and makes no request.
``KIT_CLASS_SERVICE_URL`` names the service (the shipped ``jupyterhub_config.py`` sets
it for every learner's server); without it the hub is asked whether a service named
``casebook`` exists. ``KIT_CLASS_SERVICE=off`` turns sending off.

The teacher's side is :meth:`ClassService.fetch_class`: the class's records for the
class view (``kit.classroom``, the ClassDashboard).

This is the only learner-side package that uses the network (``requests``). One concern
per module (every public name is importable from ``kit.sync``):

=============  ===============================================================
``client``     :class:`ClassService` (HTTP), :func:`class_service` (where it is)
``sender``     :class:`Sender` (the background thread), :class:`Status`
``local``      the log read-only, the side file of acknowledged ids
=============  ===============================================================

>>> class_service({}) is None                      # not on a hub: no client, no request
True
>>> status_of_nothing = status(None)
>>> status_of_nothing.state, status_of_nothing.sentence
('off', '')
"""
from __future__ import annotations

import os
import threading

from .client import (SERVICE_ENV, SERVICE_NAME, SWITCH_ENV, SYNC_FORMAT, SYNC_VERSION, TIMEOUT,
                     ClassService, ServiceError, class_service)
from .local import MAX_BATCH, MAX_BATCH_BYTES, STATE_FORMAT, state_path
from .sender import OFF, PENDING, RETRY_SECONDS, SENDING, SENT, Sender, Status

__all__ = ["class_service", "ClassService", "ServiceError", "Sender", "Status", "status",
           "watch", "install", "sender", "state_path", "SENT", "PENDING", "SENDING", "OFF",
           "SERVICE_ENV", "SWITCH_ENV", "SERVICE_NAME", "SYNC_FORMAT", "SYNC_VERSION",
           "STATE_FORMAT", "TIMEOUT", "MAX_BATCH", "MAX_BATCH_BYTES", "RETRY_SECONDS"]

# --------------------------------------------------------------------------- this process

_sender = None
_sender_lock = threading.Lock()


def sender():
    """This process's :class:`Sender`, or None off a hub (no request is ever made then)."""
    global _sender
    env = os.environ
    if not env.get("JUPYTERHUB_API_TOKEN", "").strip() or not env.get("JUPYTERHUB_USER", ""
                                                                       ).strip():
        return None
    if env.get(SWITCH_ENV, "").strip().lower() in ("off", "0", "no"):
        return None
    with _sender_lock:
        if _sender is None:
            _sender = Sender(class_service)
        return _sender


def _listener(event, log, line=None) -> None:
    s = sender()
    if s is not None:
        s.saw(event, log, line)


def status(log) -> Status:
    """What to tell the learner about ``log``: :class:`Status` with ``state`` ``"sent"``
    ("Sent to your class."), ``"pending"`` ("Saved on this computer; it will be sent when
    the class service is reachable.") or ``"off"`` (no class service; nothing to show)."""
    s = sender() if log is not None else None
    return OFF if s is None else s.status(log)


def watch(log, fn) -> None:
    """Call ``fn(status)`` whenever ``log``'s status changes (no-op without a service)."""
    s = sender()
    if s is not None and log is not None:
        s.watch(log, fn)


def install() -> None:
    """Hear every save of every :class:`kit.DecisionLog` in this process (done when
    ``kit`` is imported on a hub; calling it again does nothing)."""
    from ..decisions.log import add_save_listener
    add_save_listener(_listener)
