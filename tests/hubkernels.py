"""Code run in a learner's real kernel on the test JupyterHub (:mod:`hubharness`).

:class:`HubKernel` starts a kernel in the user's single-user server through the hub's
proxy (the server's REST API, with the user's own hub token) and runs code in it over the
kernel's websocket, as JupyterLab would: the kernel has the environment the hub gives a
learner's server (``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_USER``, ``KIT_CLASS_SERVICE_URL``
from the shipped config), so the kit in it finds the class service by itself.

    with HubKernel(hub, "ana") as k:
        out = k.run("print(1 + 1)")      # the cell's stdout; an error raises AssertionError
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import requests
import websocket

RUN_LIMIT = 240   # seconds a cell may take (a limit against hanging, never an assertion)


class HubKernel:
    """A python3 kernel in ``user``'s server on ``hub`` (started if needed)."""

    def __init__(self, hub, user: str):
        self.hub, self.user = hub, user
        self.server = hub.spawn(user)
        if not self.server.endswith("/"):
            self.server += "/"
        self.token = hub.token(user)
        self.headers = {"Authorization": f"token {self.token}"}
        r = requests.post(self.server + "api/kernels", json={"name": "python3"},
                          headers=self.headers, timeout=120)
        r.raise_for_status()
        self.id = r.json()["id"]
        url = "ws" + self.server[len("http"):] + f"api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {self.token}"],
                                              timeout=RUN_LIMIT)
        self.session = uuid.uuid4().hex

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def run(self, code: str) -> str:
        """Run ``code`` as one cell; its stdout. A Python error raises AssertionError with
        the kernel's traceback and the stdout so far."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.user,
                       "session": self.session, "version": "5.3",
                       "date": datetime.now(timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        out, error, replied, idle = [], None, False, False
        while not (replied and idle):
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            content = msg.get("content", {})
            if kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "error":
                error = "\n".join(content.get("traceback", [])) or content.get("evalue", "")
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        if error is not None:
            raise AssertionError(f"the cell failed in {self.user}'s kernel:\n{error}\n"
                                 f"stdout:\n{''.join(out)}")
        return "".join(out)

    def run_json(self, code: str):
        """Run ``code``, whose last printed line is JSON; that value."""
        lines = [ln for ln in self.run(code).splitlines() if ln.strip()]
        assert lines, f"{self.user}'s cell printed nothing"
        return json.loads(lines[-1])

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            requests.delete(self.server + f"api/kernels/{self.id}", headers=self.headers,
                            timeout=60)
