"""Shared fixtures: the shipped case file, and small synthetic case files for exact tests.

The builders behind them (``make_case``, ``read_table``, ``write_table``, ``ROOT``) are
in ``tests/casefiles.py``; test modules import them from there.
"""
from __future__ import annotations

import shutil

import pytest

import kit
from casefiles import make_case
from kit.casebook import DATA_DIR, SCHEMA


@pytest.fixture(scope="session")
def casebook():
    """The shipped case file (loaded once per test session)."""
    return kit.load_casebook()


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of data/ (CSV files only) for corruption tests."""
    dest = tmp_path / "data"
    dest.mkdir()
    for t in SCHEMA.values():
        if (DATA_DIR / t.file).exists():
            shutil.copy(DATA_DIR / t.file, dest / t.file)
    return dest


@pytest.fixture
def case_factory(tmp_path):
    """``case_factory(accounts=[...], items=[...], ...)`` -> a loaded synthetic Casebook."""
    counter = iter(range(1000))

    def build(**tables):
        folder = make_case(tmp_path / f"case{next(counter)}", **tables)
        return kit.load_casebook(folder)

    return build


@pytest.fixture(autouse=True)
def own_learner_config(tmp_path_factory, monkeypatch):
    """Every test remembers names in its own config file, never the real user's; no hub,
    no Voila and no page-session name leak in from the machine or another test."""
    from kit.decisions import learner
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(tmp_path_factory.mktemp("me") / "learner.json"))
    for var in ("JUPYTERHUB_USER", "VOILA_REQUEST_URL", "VOILA_APP_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(learner, "session_learner", None)
