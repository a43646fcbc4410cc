"""The teacher's class dashboard in a real browser (Voila): files uploaded through the page's
*Upload files* control are read as untrusted (a broken one is listed with its name escaped),
projector mode hides the names, and the class table downloads as a file.

The page runs the teacher notebook as shipped (the sample class), in its own Voila kernel.
"""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

from kit import collect_class
from kit.decisions import DecisionLog

pytestmark = pytest.mark.browser


def _wait_text(view, selector, text, timeout=60_000):
    view.page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }",
        arg=[selector, text], timeout=timeout)


def test_upload_projector_and_download_in_the_page(voila, dashboard_notebook, casebook,
                                                   tmp_path):
    tag = uuid.uuid4().hex[:6]
    learner = f"Upload tester {tag}"
    log = DecisionLog.for_learner(learner, folder=tmp_path / "home", casebook=casebook)
    log.record(casebook.items.item_id[0], [], "lock", f"uploaded reason {tag}")
    good = log.export(tmp_path / f"upload-{tag}.json")
    broken = tmp_path / "<img src=x onerror=window.__xss=1>.json"
    broken.write_text(json.dumps({"format": "casebook-kit-decisions", "version": 1}))

    view = voila.another_page(dashboard_notebook)
    problems = view.problems() + view.offline_problems()
    assert not problems, "\n- ".join(problems)
    before = view.text(".kit-dash-overview")
    assert "Sample student" in before
    mark = view.mark()

    with view.page.expect_file_chooser(timeout=60_000) as chooser:  # as a teacher picks
        view.page.locator(".kit-dash-upload").first.click()
    assert chooser.value.is_multiple()
    chooser.value.set_files([str(good), str(broken)])
    _wait_text(view, ".kit-dash-overview", learner)
    # the problems panel comes in its own update, after the overview's
    _wait_text(view, ".kit-dash-problems", "(uploaded)")
    files = view.text(".kit-dash-problems")
    assert "<img src=x onerror=window.__xss=1>.json (uploaded)" in files   # shown as text
    same = tmp_path / "same"
    same.mkdir()
    (same / "broken.json").write_bytes(broken.read_bytes())
    why = collect_class(same, casebook).problems.problem.iloc[0]
    assert why in files   # the same message as for a file in a class folder
    assert view.injection_problems(mark) == []

    view.page.locator(".kit-dash-projector").first.click()
    view.page.wait_for_function(
        "() => !document.querySelector('.kit-dash-overview').innerText.includes('Sample student')",
        timeout=60_000)
    assert learner not in view.text(".kit-dash-overview")
    assert "Learner " in view.text(".kit-dash-overview")

    view.page.locator(".kit-dash-export-csv").first.click()
    link = view.page.locator(".kit-dash-downloads a.kit-download-link").first
    link.wait_for(state="attached", timeout=60_000)
    with view.page.expect_download(timeout=60_000) as got:
        link.click()
    download = got.value
    assert download.suggested_filename.startswith("class-decisions-anonymous-")
    data = open(download.path(), "rb").read()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["learner", "item_id", "title"]
    assert len(rows) > 13 and all(r[0].startswith("Learner ") for r in rows[1:])
    assert learner not in data.decode("utf-8-sig") and f"uploaded reason {tag}" in \
        data.decode("utf-8-sig")
    assert view.offline_problems() == [] and view.injection_problems(mark) == []
