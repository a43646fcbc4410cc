"""The class service: a JupyterHub service that keeps a copy of every learner's records.

Run it with ``python -m kit.service`` (hub-managed from kit/share/jupyterhub_config.py, or
external); docs/class-service.md has the API, the set-ups and the security model.

=============  ===================================================================
``app``        settings, the tornado application, ``main``
``handlers``   the HTTP API and page, authenticated by JupyterHub
``checks``     what a POST may hold (checked like any untrusted decision file)
``store``      the SQL storage (SQLite by default, PostgreSQL by URL)
``page``       the browser page and the class CSV
=============  ===================================================================
"""
from __future__ import annotations

from .checks import MAX_BODY, MAX_RECORDS, SYNC_FORMAT, SYNC_VERSION, Refused, check_body
from .store import Added, Store

__all__ = ["Store", "Added", "check_body", "Refused", "SYNC_FORMAT", "SYNC_VERSION",
           "MAX_BODY", "MAX_RECORDS", "make_app", "main", "settings_from"]


def __getattr__(name):   # the web parts import jupyterhub and tornado: only when asked
    if name in ("make_app", "main", "settings_from", "Settings", "State"):
        from . import app
        return getattr(app, name)
    raise AttributeError(name)
