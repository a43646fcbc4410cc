"""`python -m kit.serve`: Voila with the kit's template and kernel culling (a real Voila server).

The template must be Voila's "lab" template minus its two CDN stylesheets, so that an upgrade
of Voila that changes its template fails here rather than silently losing the kit's page; the
page served must link nothing outside the server; a page that was loaded and left (no browser
connected) must not leave its kernel running.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from jupyter_core.paths import jupyter_path

import kit.serve

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = kit.serve.SHARE / "voila" / "templates" / "casebook" / "index.html.j2"
CDN_LINE = re.compile(r'<link rel="stylesheet" href="https://cdn\.jsdelivr\.net/npm/@fortawesome/')


def _voila_lab_template() -> Path:
    for root in jupyter_path():
        path = Path(root) / "voila" / "templates" / "lab" / "index.html.j2"
        if path.is_file():
            return path
    pytest.fail("Voila's lab template is not installed (is voila in requirements.txt?)")


def test_template_is_voilas_lab_template_without_the_cdn_stylesheets():
    theirs = _voila_lab_template().read_text(encoding="utf-8").splitlines()
    ours = TEMPLATE.read_text(encoding="utf-8").splitlines()
    assert sum(bool(CDN_LINE.search(line)) for line in theirs) == 2, "Voila's template changed"
    header_end = next(n for n, line in enumerate(ours) if line.rstrip().endswith("-#}")) + 1
    assert ours[header_end:] == [line for line in theirs if not CDN_LINE.search(line)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernels(proc: psutil.Process) -> list:
    """The server's live kernel processes (an exited kernel not yet reaped is not live)."""
    live = []
    for child in proc.children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and any(
                    "ipykernel" in part for part in child.cmdline()):
                live.append(child)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return live


@pytest.fixture
def served(tmp_path):
    """A Voila server started by `python -m kit.serve` on a copy of notebook 3, culling after
    3 idle seconds; yields (base url, psutil process)."""
    shutil.copy(ROOT / "notebooks" / "03_you_decide.ipynb", tmp_path)
    port = _free_port()
    env = {**os.environ, "KIT_DECISIONS_DIR": str(tmp_path / "decisions"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = open(tmp_path / "voila.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kit.serve", "03_you_decide.ipynb", "--no-browser",
         f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
         "--MappingKernelManager.cull_idle_timeout=3", "--MappingKernelManager.cull_interval=1"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url + "voila/static/voila.js", timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("Voila did not start:\n" + (tmp_path / "voila.log").read_text()[-3000:])
            time.sleep(0.3)
    try:
        yield url, psutil.Process(proc.pid), tmp_path / "voila.log"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def test_served_page_links_nothing_outside_the_server_and_its_kernel_is_culled(served):
    url, proc, log = served
    page = requests.get(url, timeout=120)
    assert page.status_code == 200 and "application/vnd.jupyter.widget-view+json" in page.text
    linked = re.findall(r'<(?:link|script)[^>]+(?:href|src)="(https?://[^"]+)"', page.text)
    assert linked == [], f"the page links outside the server: {linked}"
    assert "fontawesome" not in page.text

    # The page was loaded and closed (nothing connected): its kernel is culled.
    started = re.findall(r"Kernel started: ([0-9a-f-]+)", log.read_text(errors="replace"))
    assert len(started) == 1, "the page should have started exactly one kernel"
    assert _wait_for(lambda: _kernels(proc) == [], 60), "the closed page's kernel kept running"
    culled = re.findall(r"Culling '\w+' kernel '\w+' \(([0-9a-f-]+)\)", log.read_text(errors="replace"))
    assert culled == started, "the kernel was not shut down by culling"
