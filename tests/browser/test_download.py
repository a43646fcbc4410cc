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


@pytest.mark.parametrize("size", [1_000, 1_500_000])   # a data: URL, then the Blob path
def test_download_link_saves_exactly_the_bytes(browser, tmp_path, size):
    from kit.widgets.download import DATA_URL_LIMIT, download_link
    data = bytes((i * 7 + 3) % 256 for i in range(size))
    html = download_link(data, "class <7b>.csv", "text/csv;charset=utf-8", "Download <b>")
    assert ("onclick=" in html) == (size > DATA_URL_LIMIT)
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.set_content(f"<!doctype html><body>{html}</body>")
        assert page.inner_text("a.kit-download-link") == "Download <b>"   # text, not HTML
        with page.expect_download() as got:
            page.click("a.kit-download-link")
        target = tmp_path / got.value.suggested_filename
        got.value.save_as(target)
        assert target.name == "class -7b-.csv"
        assert target.read_bytes() == data
    finally:
        context.close()


def test_a_big_download_works_from_a_widget_in_jupyterlab(lab, tmp_path):
    """Over DATA_URL_LIMIT the link builds a Blob when clicked: in a widget's HTML too."""
    import json
    name = "_download_probe.ipynb"
    code = ("import ipywidgets as W\nfrom kit.widgets.download import download_link\n"
            "data = bytes((i * 7 + 3) % 256 for i in range(1_500_000))\n"
            "W.HTML(download_link(data, 'class.csv', 'text/csv', 'Download the class'))")
    (lab.root / name).write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": "probe", "metadata": {},
                   "outputs": [], "source": code}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    view = lab.run(name)
    touch(view)
    link = view.page.locator("a.kit-download-link")
    link.wait_for(timeout=30_000)
    assert link.get_attribute("onclick")              # the Blob path, kept in the widget
    with view.page.expect_download() as got:
        link.click()
    target = tmp_path / got.value.suggested_filename
    got.value.save_as(target)
    assert target.read_bytes() == bytes((i * 7 + 3) % 256 for i in range(1_500_000))
