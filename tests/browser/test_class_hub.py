"""A learner on a real JupyterHub: hub login page, JupyterLab, notebook 3, one decision that
reaches the class service; and "Download my work" saving exactly that learner's work.

The hub is :mod:`hubharness`'s (the proxy, the dummy login, local servers, the kit's class
service from the shipped config); the learner's server is JupyterLab with this checkout's
kit, a copy of the notebooks in the learner's home and the test's JupyterLab settings.
"""
from __future__ import annotations

import json
import time
import uuid

import pytest

from kit import sync
from kit.decisions import DecisionLog

from .harness.notebooks import NotebookView
from .harness.pages import new_context, touch
from .harness.servers import _write_lab_settings, copy_notebooks

pytestmark = pytest.mark.browser

try:
    import hubharness
except ImportError:  # pragma: no cover - the harness ships with the tests
    hubharness = None

LEARNER = "ana"
ARRIVE_LIMIT = 120     # seconds to wait for the record at the service (a limit, not a test)


@pytest.fixture(scope="module")
def lab_hub(tmp_path_factory, browser):
    if hubharness is None:
        pytest.fail("tests/hubharness.py is missing")
    root = tmp_path_factory.mktemp("class-hub")
    config = root / "jupyter-config"
    config.mkdir()
    # what the browser harness gives its own servers: window.jupyterapp, no terminals
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "LabApp": {"expose_app_in_browser": True}, "ServerApp": {"terminals_enabled": False}}))
    env = {"KIT_DECISIONS_DIR": str(root / "decisions"),
           "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTERLAB_SETTINGS_DIR": str(_write_lab_settings(root / "lab-settings")),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "lab-workspaces"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    (root / "lab-workspaces").mkdir()
    (root / "decisions").mkdir()
    hub = hubharness.start_hub(root, extra_env=env)
    hub.decisions = root / "decisions"
    copy_notebooks(hub.home(LEARNER))
    yield hub
    hub.stop()


class _HubLab:
    """What :class:`NotebookView` needs of a server: the learner's server behind the hub."""

    def __init__(self, hub, context):
        self.base = hub.url + f"user/{LEARNER}"
        self.root = hub.home(LEARNER)
        self.context = context


def log_in(page, hub, name):
    """Sign in through the hub's own login page, as a learner would."""
    page.goto(hub.url + "hub/login", wait_until="load")
    page.fill("#username_input", name)
    page.fill("#password_input", hubharness.PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/**", timeout=120_000)


def test_learner_logs_in_decides_in_notebook_3_and_it_reaches_the_class(lab_hub, browser,
                                                                        desk_notebook, casebook):
    context = new_context(browser)
    try:
        login = context.new_page()
        log_in(login, lab_hub, LEARNER)
        login.close()
        view = NotebookView(_HubLab(lab_hub, context), desk_notebook)
        touch(view)
        view.open()
        view.run_all()
        problems = view.problems() + view.offline_problems()
        assert not problems, "notebook 3 on the hub:\n- " + "\n- ".join(problems)
        desk = view.desk()
        assert not desk.gated()                       # the hub user: shown, not typed
        item = desk.goto_undecided()
        rationale = f"Decided in the browser on the hub {uuid.uuid4().hex[:8]}"
        desk.decide([], casebook.action_names["label"], rationale)
        # the desk says it reached the class ...
        status = desk.root.locator(".kit-sync-status")
        status.locator(f"text={sync.SENT}").wait_for(timeout=ARRIVE_LIMIT * 1000)
        # ... and the class service has it, as this learner
        svc = sync.ClassService(lab_hub.service_url, lab_hub.token(LEARNER), LEARNER)
        end = time.monotonic() + ARRIVE_LIMIT
        mine = []
        while not mine and time.monotonic() < end:
            mine = [r for r in svc.records_of()["records"] if r.get("rationale") == rationale]
            time.sleep(0.5)
        assert [(r["type"], r["item_id"], r["action"]) for r in mine] == [
            ("decision", item, "label")]
        teacher = sync.ClassService(lab_hub.service_url, lab_hub.token(hubharness.TEACHER),
                                    hubharness.TEACHER)
        assert [r["rationale"] for r in teacher.fetch_class()["learners"][LEARNER]
                if r["type"] == "decision"] == [rationale]

        # "Download my work": the browser saves the learner's export, with that decision
        desk.root.locator("button.kit-download-work-button").click()
        link = desk.root.locator("a.kit-download-link")
        link.wait_for(timeout=30_000)
        with view.page.expect_download() as got:
            link.click()
        download = got.value
        logs = [p for p in lab_hub.decisions.iterdir() if p.name.endswith(".decisions.jsonl")]
        assert len(logs) == 1
        assert download.suggested_filename == logs[0].name.replace(".jsonl", ".json")
        saved = lab_hub.decisions / "handed-in" / download.suggested_filename
        saved.parent.mkdir(exist_ok=True)
        download.save_as(saved)
        table = DecisionLog.read(saved, casebook)
        assert table[["learner", "item_id", "action", "rationale"]].values.tolist() == [
            [LEARNER, item, "label", rationale]]
    finally:
        context.close()
