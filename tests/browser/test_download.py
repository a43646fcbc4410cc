""""Download my work" in Notebook 7 and in Voila: a click saves the learner's export, with
exactly their decisions (JupyterLab: tests/browser/test_class_hub.py, on a hub).

The download is an ``<a download>`` link carrying the file (kit.widgets.download): no
request to the server, so it works wherever the widget is drawn.
"""
from __future__ import annotations

import uuid

import pytest

from kit.decisions import DecisionLog

from .harness.notebooks import VoilaView
from .harness.pages import touch

pytestmark = pytest.mark.browser


def download_work(view, desk, folder):
    """Click "Download my work", then the link; the downloaded file, saved in ``folder``."""
    desk.root.locator("button.kit-download-work-button").click()
    link = desk.root.locator("a.kit-download-link")
    link.wait_for(timeout=30_000)
    href = link.get_attribute("href")
    assert href.startswith("data:application/json;base64,"), href[:60]   # the file itself
    with view.page.expect_download() as got:
        link.click()
    download = got.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def decide_and_download(view, casebook, tmp_path, decisions_folder):
    desk = view.desk()
    item = desk.goto_undecided()
    rationale = f"download test {uuid.uuid4().hex[:8]}"
    desk.decide([], casebook.action_names["none"], rationale)
    saved = download_work(view, desk, tmp_path)
    got = DecisionLog.read(saved, casebook)
    learner = got.learner.iloc[0]
    log = DecisionLog.for_learner(learner, folder=decisions_folder, casebook=casebook)
    assert saved.name == log.path.name.replace(".jsonl", ".json")
    cols = ["learner", "item_id", "action", "rationale"]
    assert got[cols].values.tolist() == log.table()[cols].values.tolist()
    assert [item, "none", rationale] in got[cols[1:]].values.tolist()
    assert len(DecisionLog.read_answers(saved, casebook)) == len(log.answers())


def test_download_my_work_in_notebook7(notebook7, desk_notebook, casebook, tmp_path):
    view = notebook7.run_in_notebook7(desk_notebook)
    touch(view)
    decide_and_download(view, casebook, tmp_path, notebook7.decisions)


def test_download_my_work_in_voila(voila, desk_notebook, casebook, tmp_path):
    view = VoilaView(voila, desk_notebook)      # a page of its own: its own learner
    touch(view)
    view.open()
    desk = view.desk()
    assert desk.gated()
    desk.sign_in(f"Download {uuid.uuid4().hex[:6]}")
    decide_and_download(view, casebook, tmp_path, voila.decisions)
