"""The shipped hub configuration (kit/share/jupyterhub_config.py) fits into a hub's own."""
from __future__ import annotations

import runpy
import sys

from traitlets.config import Config

from kit.decisions.learner import ROOT

CONFIG = ROOT / "kit" / "share" / "jupyterhub_config.py"


def load(monkeypatch, env=None, before=None):
    for key in ("KIT_SERVICE_PYTHON", "KIT_CLASS_SERVICE_URL", "KIT_SERVICE_API_TOKEN",
                "KIT_SERVICE_URL", "KIT_SERVICE_PORT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    c = Config()
    if before:
        before(c)
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: c})
    return c


def test_learners_servers_keep_the_environment_the_hub_already_gives(monkeypatch):
    def own(c):
        c.Spawner.environment = {"KIT_DECISIONS_DIR": "/srv/shared/class-7b"}
    env = load(monkeypatch, before=own).Spawner.environment
    assert env == {"KIT_DECISIONS_DIR": "/srv/shared/class-7b",
                   "KIT_CLASS_SERVICE_URL": "http://127.0.0.1:10101/services/casebook/"}


def test_the_service_python_and_the_learners_address_can_be_chosen(monkeypatch):
    c = load(monkeypatch, {"KIT_SERVICE_PYTHON": "/opt/tljh/user/bin/python",
                           "KIT_CLASS_SERVICE_URL": "https://hub.example.org/services/casebook/"})
    (service,) = c.JupyterHub.services
    assert service["command"] == ["/opt/tljh/user/bin/python", "-m", "kit.service"]
    assert c.Spawner.environment["KIT_CLASS_SERVICE_URL"] == \
        "https://hub.example.org/services/casebook/"
    default = load(monkeypatch).JupyterHub.services[0]["command"]
    assert default == [sys.executable, "-m", "kit.service"]


def test_access_log_keeps_refusals_errors_and_slow_requests_not_every_save(caplog):
    import logging
    from kit.service.app import log_request

    class Handler:
        def __init__(self, status, seconds):
            self.status, self.request = status, type("R", (), {"request_time": lambda s: seconds})()

        def get_status(self):
            return self.status

        def _request_summary(self):
            return "POST /services/casebook/api/records (127.0.0.1)"

    with caplog.at_level(logging.INFO, logger="tornado.access"):
        for status, seconds in ((200, 0.004), (403, 0.002), (500, 0.01), (200, 2.5)):
            log_request(Handler(status, seconds))
    assert [(r.levelname, r.getMessage()[:3]) for r in caplog.records] == [
        ("WARNING", "403"), ("ERROR", "500"), ("INFO", "200")]
