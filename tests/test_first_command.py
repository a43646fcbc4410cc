"""The README's first command opens Jupyter where learners can see their decisions folder.

The command is taken from the README as it is written, run from the README's folder (with
only what a test needs added: no browser, a free port, no token), and the server it starts
must (1) open notebook 0 and (2) have a file browser whose root holds the default decisions
folder, so a learner can find, open and download their file from JupyterLab.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kit.decisions.learner import ROOT

README = ROOT / "README.md"
LIMIT = 90   # seconds for the server to write its runtime file (a limit, not an assertion)


def first_command() -> list:
    """The Jupyter part of the README's "Install and start the kit" command, as argv."""
    text = README.read_text(encoding="utf-8")
    start = text.index("**Install and start the kit**")
    line = next(ln for ln in text[start:].splitlines() if ln.startswith("    "))
    jupyter = line.strip().split("&&")[-1].strip()
    argv = shlex.split(jupyter)
    assert argv[:3] == ["python", "-m", "jupyter"], f"not a Jupyter command: {jupyter!r}"
    return [sys.executable, *argv[1:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_first_command_shows_the_decisions_folder(tmp_path):
    argv = first_command() + ["--no-browser", f"--ServerApp.port={free_port()}",
                              "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
                              "--IdentityProvider.token="]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    runtime = tmp_path / "runtime"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "IPYTHONDIR": str(tmp_path / "ip")}
    env.pop("KIT_DECISIONS_DIR", None)         # the default folder, as a learner has it
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end = time.monotonic() + LIMIT
        info = opened = None
        while (info is None or opened is None) and time.monotonic() < end \
                and proc.poll() is None:
            for f in runtime.glob(f"jpserver-{proc.pid}.json"):
                info = json.loads(f.read_text())
            for f in runtime.glob(f"jpserver-file-to-run-{proc.pid}-open.html"):
                opened = f.read_text()
            time.sleep(0.2)
        assert info is not None, f"the README's command did not start a server: {argv}"
        root = Path(info["root_dir"]).resolve()
        decisions = (ROOT / "my-decisions").resolve()
        assert decisions.is_relative_to(root), (
            f"the file browser's root is {root}: the decisions folder {decisions} is not "
            "under it, so learners cannot see their file")
        assert opened and re.search(r"/lab/tree/(.*/)?00_start_here\.ipynb", opened), \
            "the README's command does not open notebook 0"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.parametrize("command", [
    "python -m pip install -r requirements.txt && python -m jupyter lab notebooks/x.ipynb"])
def test_the_command_is_read_from_the_readme(command, tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"**Install and start the kit** (opens):\n\n    {command}\n")
    monkeypatch.setattr(sys.modules[__name__], "README", readme)
    assert first_command() == [sys.executable, "-m", "jupyter", "lab", "notebooks/x.ipynb"]
