"""The Welcome app: saving the learner's name, where decisions go, errors, escaping."""
from __future__ import annotations

import json

import pytest

import kit
from kit import decisions
from kit.widgets import APPS, Welcome

from widgetprobe import IMG, IMG_ESC, all_html, walk


@pytest.fixture
def folder(tmp_path):
    f = tmp_path / "decisions"
    f.mkdir()
    return f


def save(app, name):
    app.name.value = name
    app.save_button.click()


def test_registered_and_lazy():
    assert APPS["Welcome"] == "welcome"
    assert kit.widgets.Welcome is Welcome


def test_fresh_folder_shows_guest(folder):
    app = Welcome(folder=folder)
    assert app.learner is None and app.name.value == ""
    assert repr(app) == "Welcome(no name saved yet: decisions are saved as guest)"
    assert "No name saved yet" in app.status.value
    assert f"{decisions.learner_file_stem('guest')}.decisions.jsonl" in app.status.value
    assert str(folder) in app.status.value
    assert app.message.value == ""


def test_save_sets_learner_for_every_notebook(folder):
    app = Welcome(folder=folder)
    save(app, "  Zoë   Ng ")
    assert app.learner == "Zoë Ng" and app.name.value == "Zoë Ng"
    assert decisions.current_learner(folder) == "Zoë Ng"
    file_name = f"{decisions.learner_file_stem('Zoë Ng')}.decisions.jsonl"
    assert file_name.startswith("Zoë-Ng-")      # readable part, then the name's short hash
    assert decisions.my_log(folder).path == folder / file_name
    status = app.status.value
    assert "Saved." in status and "Hello, Zoë Ng!" in status
    assert file_name in status and str(folder) in status
    assert repr(app) == "Welcome(name saved: Zoë Ng)"
    assert app.message.value == ""


def test_reopening_shows_saved_name_and_decision_count(folder, casebook):
    decisions.set_learner("Ana", folder)
    log = decisions.my_log(folder, casebook=casebook)
    first, second = casebook.items.item_id[:2]
    log.record(first, [], "none")
    log.record(second, [], "label")
    log.record(first, [], "remove")  # a revision: still 2 decisions
    app = Welcome(folder=folder)
    assert app.learner == "Ana" and app.name.value == "Ana"
    assert "Your name is saved." in app.status.value
    assert "2 decisions already saved under this name" in app.status.value


def test_html_payload_name_is_escaped_and_saved_safely(folder):
    app = Welcome(folder=folder)
    save(app, IMG)
    assert app.learner == IMG  # the name itself is kept as typed (it is only text)
    html = all_html(app)
    assert IMG not in html
    assert f"Hello, {IMG_ESC}!" in html
    assert f"{decisions.learner_file_stem(IMG)}.decisions.jsonl" in html
    assert decisions.learner_file_stem(IMG).startswith("img-src-x-onerror-alert-1-")
    # the saved file name has no markup and stays inside the folder
    assert decisions.my_log(folder).path.parent == folder
    # the name is remembered in the person's own config, not in the class folder
    assert not (folder / decisions.LEARNER_FILE).exists()
    saved = json.loads(decisions.config_path().read_text(encoding="utf-8"))
    assert saved["learner"] == IMG


@pytest.mark.parametrize("name, words", [
    ("", "empty"),
    ("   ", "empty"),
    ("?!", "no letters or digits"),
    ("x" * 101, "at most 100"),
])
def test_bad_names_show_an_error_in_the_app(folder, name, words):
    app = Welcome(folder=folder)
    before = app.status.value
    save(app, name)
    assert "kit-error-box" in app.message.value and words in app.message.value
    assert app.learner is None and decisions.current_learner(folder) is None
    assert app.status.value == before
    save(app, "Ali")  # a good name afterwards clears the error
    assert app.message.value == "" and app.learner == "Ali"


def test_error_message_escapes_the_name(folder):
    app = Welcome(folder=folder)
    save(app, "<b>!</b>")  # letters only inside the tags: 'b-b' is a valid file name
    assert app.learner == "<b>!</b>" and "<b>!</b>" not in all_html(app)
    save(app, "<>")  # no letters or digits: error, shown escaped
    assert "&lt;&gt;" in app.message.value and "'<>'" not in app.message.value


def test_controls_have_descriptions_tooltips_and_classes(folder):
    app = Welcome(folder=folder)
    for w in (app.name, app.save_button):
        assert w.description.strip() and (w.tooltip or "").strip()
    assert "kit-welcome-name" in app.name._dom_classes
    assert "kit-welcome-save" in app.save_button._dom_classes
    assert "kit-welcome-status" in app.status._dom_classes
    assert "kit-app" in app._dom_classes and "kit-welcome" in app._dom_classes


def test_default_folder_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(tmp_path / "class"))
    app = Welcome()
    save(app, "Li")
    assert not (tmp_path / "class" / decisions.LEARNER_FILE).exists()   # never in a class folder
    assert decisions.current_learner() == "Li"
    assert str(tmp_path / "class") in app.status.value
