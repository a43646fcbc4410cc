"""Fixtures for the real-browser tests; the work is done in :mod:`browser.harness` (see its docstring).

* ``browser``: Chromium driven by Playwright; without Playwright or Chromium every
  browser test is skipped with the reason, or fails when KIT_REQUIRE_BROWSER=1 (as in CI).
* ``lab`` and ``voila``: the session's JupyterLab and Voila servers and their pages.
* ``desk_notebook``, ``policylab_notebook``, …: the notebook showing each app.
* ``notebook_name``: every notebook in notebooks/, one test each.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .harness import chromium, notebooks, order, pages, servers


def pytest_generate_tests(metafunc):
    """Parametrise ``notebook_name`` over notebooks/*.ipynb."""
    if "notebook_name" in metafunc.fixturenames:
        metafunc.parametrize("notebook_name", notebooks.notebook_params())


def pytest_collection_modifyitems(session, config, items):
    """Run this folder's test files in harness.order.FILE_ORDER."""
    order.in_file_order(items, Path(__file__).resolve().parent)


# --------------------------------------------------------------------------- browser and servers

@pytest.fixture(scope="session")
def browser_available():
    """Check Playwright, Chromium, JupyterLab and Voila are installed (skip or fail)."""
    return chromium.check_installed()


@pytest.fixture(scope="session")
def browser(browser_available):
    """Chromium launched by Playwright (session-wide)."""
    with chromium.launched() as b:
        yield b


@pytest.fixture(scope="session")
def lab(browser, tmp_path_factory):
    """The session's JupyterLab (server, temporary notebooks, decisions folder, pages)."""
    instance = servers.Lab(tmp_path_factory.mktemp("kit-lab"), browser)
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def notebook7(browser, tmp_path_factory):
    """A server of its own for Notebook 7 pages: on one server with JupyterLab pages, the
    server's static-file cache answers 403 for a font both front ends ship under one name."""
    instance = servers.Lab(tmp_path_factory.mktemp("kit-notebook7"), browser)
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def voila(browser, tmp_path_factory):
    """The session's Voila server (temporary notebooks and decisions folder)."""
    instance = servers.Voila(tmp_path_factory.mktemp("kit-voila"), browser)
    yield instance
    instance.close()


# --------------------------------------------------------------------------- which notebook shows what

@pytest.fixture(scope="session")
def desk_notebook():
    """The notebook showing the DecisionDesk."""
    return notebooks.notebook_or_missing("DecisionDesk")


@pytest.fixture(scope="session")
def policylab_notebook():
    """The notebook showing the PolicyLab."""
    return notebooks.notebook_or_missing("PolicyLab")


@pytest.fixture(scope="session")
def quiz_notebook():
    """The notebook showing a Quiz."""
    return notebooks.notebook_or_missing("Quiz")


@pytest.fixture(scope="session")
def welcome_notebook():
    """The notebook where the learner types their name (the Welcome app)."""
    return notebooks.notebook_or_missing("Welcome")


@pytest.fixture(scope="session")
def dashboard_notebook():
    """The notebook showing the ClassDashboard."""
    return notebooks.notebook_or_missing("ClassDashboard")


@pytest.fixture(scope="session")
def compare_notebook(desk_notebook):
    """The notebook, after the desk's, comparing the learner's decisions with Twitter's."""
    return notebooks.notebook_after(desk_notebook, ("compare_decisions", "learner_vs_twitter_chart"))


# --------------------------------------------------------------------------- artifacts on failure

@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    pages.remember_report(item, report)
    return report


@pytest.fixture(autouse=True)
def _browser_artifacts(request):
    """On failure, save screenshots, console logs and server logs of the pages used."""
    pages.forget_pages()
    yield
    pages.save_artifacts(request.node)
