"""Who is deciding, in the apps: the hub user shown (not typed), Voila's name gate kept for
the page only, and no app pre-filled with someone else's name."""
from __future__ import annotations

import pytest

from kit import KitDataError, decisions
from kit.environment import Environment
from kit.widgets import DecisionDesk, Welcome
from kit.widgets import _common

from widgetprobe import IMG, IMG_ESC, all_html, walk

JUPYTER = Environment(front_end="jupyter")
VOILA = Environment(front_end="voila")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A class folder, with the process's environment cleared of every platform's marks."""
    for var in ("JUPYTERHUB_USER", "VOILA_REQUEST_URL", "VOILA_APP_PORT", "BINDER_LAUNCH_HOST",
                "BINDER_REPO_URL", "COLAB_RELEASE_TAG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KIT_LEARNER_CONFIG", str(tmp_path / "own-config" / "learner.json"))
    f = tmp_path / "class"
    f.mkdir()
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(f))
    new_page(monkeypatch)
    return f


def new_page(monkeypatch):
    """What a new Voila page starts with: a new kernel, so no name kept yet."""
    monkeypatch.setattr(decisions.learner, "session_learner", None)


def widgets(app):
    return list(walk(app))


def first_item(casebook):
    return casebook.items.item_id[0]


def decide(desk, action="none", rationale=""):
    desk.action.value = action
    desk.rationale.value = rationale
    desk.save_button.click()


# --------------------------------------------------------------------------- JupyterHub

def test_hub_user_is_shown_not_typed(folder, monkeypatch):
    assert _common.keep_learner("Ben", folder, JUPYTER) == "Ben"   # someone else's, remembered
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    app = Welcome(folder=folder)
    assert app.learner == "ana" and app.hub_user == "ana"
    assert app.name not in widgets(app) and app.save_button not in widgets(app)
    assert "You are signed in as" in app.status.value and "<b class=\"kit-welcome-learner\">ana</b>" \
        in app.status.value
    assert "Ben" not in all_html(app)
    assert repr(app) == "Welcome(signed in as ana)"


def test_hub_refuses_another_name_and_the_desk_saves_as_the_hub_user(folder, monkeypatch,
                                                                   casebook):
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    with pytest.raises(KitDataError, match="signed in as 'ana'"):
        _common.keep_learner("Ben", folder)
    assert _common.keep_learner(" ana ", folder) == "ana"
    desk = DecisionDesk(casebook=casebook, items=[first_item(casebook)], folder=folder)
    assert desk.gate is None and desk.decision_log.learner == "ana"
    decide(desk, rationale="hub")
    again = decisions.DecisionLog.for_learner("ana", folder=folder, casebook=casebook)
    assert again.table().rationale.tolist() == ["hub"]


def test_hub_user_wins_in_voila_too(folder, monkeypatch, casebook):
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    desk = DecisionDesk(casebook=casebook, items=[first_item(casebook)], folder=folder)
    assert desk.gate is None and desk.decision_log.learner == "ana"


def test_binder_hub_user_is_not_a_learner(folder, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "jupyter-binder-x1y2z3")
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    app = Welcome(folder=folder)
    assert app.hub_user is None and app.learner is None
    assert app.name in widgets(app) and app.name.value == ""
    assert "jupyter-binder" not in all_html(app)


# --------------------------------------------------------------------------- Voila: the name gate

def test_voila_desk_waits_behind_the_name_gate(folder, monkeypatch, casebook):
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    item = first_item(casebook)
    desk = DecisionDesk(casebook=casebook, items=[item], folder=folder)
    gate = desk.gate
    assert gate is not None and desk.decision_log is None
    shown = widgets(desk)
    assert gate in shown and gate.name in shown and gate.start_button in shown
    assert gate.guest_button in shown and "guest" in gate.guest_button.description.lower()
    assert not any("kit-desk-save" in getattr(w, "_dom_classes", ()) for w in shown)
    assert "What Twitter did" not in all_html(desk)
    assert repr(desk).startswith("DecisionDesk(waiting for the learner's name")
    assert list(folder.iterdir()) == []          # nothing written before a name is given

    gate.start_button.click()                     # no name: told so, still gated
    assert "kit-error-box" in gate.message.value and desk.gate is gate
    gate.name.value = IMG
    gate.start_button.click()
    assert desk.gate is None and desk.decision_log.learner == IMG
    assert IMG not in all_html(desk) and desk.message.value == ""
    assert "What Twitter did" not in desk.reveal.value
    decide(desk, "remove", "mine")
    assert "What Twitter did" in desk.reveal.value
    assert desk.decision_log.path.parent == folder
    assert decisions.DecisionLog.for_learner(IMG, folder=folder).table().rationale.tolist() \
        == ["mine"]
    # the name was kept for this page only: no remembered-name file in the class folder,
    # nothing remembered for the person outside Voila
    assert not (folder / decisions.LEARNER_FILE).exists()
    assert not decisions.config_path().exists()
    # a Welcome in the same page knows the name; the error text was escaped
    assert Welcome(folder=folder).learner == IMG
    assert IMG_ESC in all_html(Welcome(folder=folder))
    new_page(monkeypatch)                         # another kernel, outside Voila
    assert _common.learner_name(folder, JUPYTER) is None


def test_voila_two_pages_keep_two_learners_apart(folder, monkeypatch, casebook):
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    item = first_item(casebook)
    ana = DecisionDesk(casebook=casebook, items=[item], folder=folder)
    ana.gate.name.value = "Ana"
    ana.gate.start_button.click()
    decide(ana, "remove", "Ana's reason")

    new_page(monkeypatch)                        # a second page: its own kernel
    ben = DecisionDesk(casebook=casebook, items=[item], folder=folder)
    assert ben.gate is not None and ben.gate.name.value == ""   # not pre-filled with Ana
    ben.gate.name.value = "Ben"
    ben.gate.start_button.click()
    assert ben.decided_ids() == [] and "What Twitter did" not in ben.reveal.value
    assert "Ana's reason" not in all_html(ben)
    decide(ben, "none", "Ben's reason")
    assert ben.decision_log.path != ana.decision_log.path

    new_page(monkeypatch)                        # a third page: the guest, chosen knowingly
    guest = DecisionDesk(casebook=casebook, items=[item], folder=folder)
    assert "Ana" not in all_html(guest) and "Ben" not in all_html(guest)
    guest.gate.guest_button.click()
    assert guest.gate is None and guest.decision_log.learner == decisions.GUEST
    assert guest.decided_ids() == [] and "What Twitter did" not in guest.reveal.value


def test_voila_gates_a_guest_log_the_notebook_passed(folder, monkeypatch, casebook, tmp_path):
    """Notebook 3 as it is today passes the guest log: in Voila the page still asks."""
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    other = tmp_path / "elsewhere"
    other.mkdir()
    log = decisions.DecisionLog.for_learner(decisions.GUEST, folder=other, casebook=casebook)
    desk = DecisionDesk(log, items=[first_item(casebook)])
    assert desk.gate is not None and desk.decision_log is None
    desk.gate.name.value = "Zoë"
    desk.gate.start_button.click()
    assert desk.decision_log.learner == "Zoë" and desk.decision_log.path.parent == other
    # a named log passed by the notebook opens straight away
    named = decisions.DecisionLog.for_learner("Li", folder=other, casebook=casebook)
    new_page(monkeypatch)
    assert DecisionDesk(named, items=[first_item(casebook)]).gate is None


def test_voila_welcome_asks_and_never_shows_a_remembered_name(folder, monkeypatch):
    _common.keep_learner("Ben", folder, JUPYTER)
    app = Welcome(folder=folder, environment=VOILA)
    assert app.learner is None and app.name.value == "" and "Ben" not in all_html(app)
    app.name.value = "Ana"
    app.save_button.click()
    assert app.learner == "Ana" and "only while it is open" in app.status.value
    new_page(monkeypatch)                         # another kernel, outside Voila
    assert _common.learner_name(folder, JUPYTER) == "Ben"   # Ben's own name is untouched


# --------------------------------------------------------------------------- elsewhere

def test_plain_jupyter_without_a_name_opens_as_guest_and_says_so(folder, casebook):
    desk = DecisionDesk(casebook=casebook, items=[first_item(casebook)], folder=folder,
                        environment=JUPYTER)
    assert desk.gate is None and desk.decision_log.learner == decisions.GUEST
    assert "No name saved yet" in desk.message.value
    app = Welcome(folder=folder, environment=JUPYTER)
    assert app.learner is None and app.name.value == ""


def test_plain_jupyter_shows_the_learners_own_saved_name(folder, casebook):
    Welcome(folder=folder, environment=JUPYTER)
    _common.keep_learner("Ana", folder, JUPYTER)
    app = Welcome(folder=folder, environment=JUPYTER)
    assert app.learner == "Ana" and app.name.value == "Ana"
    desk = DecisionDesk(casebook=casebook, items=[first_item(casebook)], folder=folder,
                        environment=JUPYTER)
    assert desk.decision_log.learner == "Ana" and desk.message.value == ""


def test_learner_log_is_none_until_someone_is_known(folder):
    assert _common.learner_log(folder=folder, environment=VOILA) is None
    assert _common.learner_log(folder=folder, environment=JUPYTER) is None
    assert _common.learner_log(decisions.GUEST, folder).learner == decisions.GUEST


# --------------------------------------------------------------------------- the other saving apps

@pytest.mark.parametrize("make", ["survey", "attribution", "quiz"])
def test_voila_apps_that_save_ask_for_the_name_first(folder, monkeypatch, casebook, make):
    from kit.widgets import AttributionBoard, Quiz, Survey

    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    guest = decisions.DecisionLog.for_learner(decisions.GUEST, folder=folder, casebook=casebook)
    build = {"survey": lambda log: Survey(log, casebook),
             "attribution": lambda log: AttributionBoard(log, casebook),
             "quiz": lambda log: Quiz(casebook, log=log)}[make]
    probe = build(None if make != "quiz" else guest)
    if make == "survey":        # someone else's answer, saved as guest earlier
        qid = next(iter(probe.choice))
        guest.record_answer("survey", qid, probe.choice[qid].options[0][1],
                            rationale="someone else's answer")
    elif make == "attribution":
        guest.record_answer("attribution", probe.handle, probe.judgement.options[0][1],
                            rationale="someone else's answer")
    new_page(monkeypatch)
    app = build(guest)          # the notebook passed the shared guest log
    assert app.gate is not None and app.decision_log is guest
    assert set(walk(app)) & {app.gate, app.gate.name} == {app.gate, app.gate.name}
    assert "someone else" not in all_html(app)
    app.gate.name.value = "Ana"
    app.gate.start_button.click()
    assert app.gate is None and app.decision_log.learner == "Ana"
    assert app.decision_log.path.parent == folder
    assert "someone else" not in all_html(app)
    assert app.message.value == "" and "kit-gate" not in " ".join(
        c for w in walk(app) for c in getattr(w, "_dom_classes", ()))
    # a second app in the same page uses the name given: no second question
    again = build(guest)
    assert getattr(again, "gate", None) is None and again.decision_log.learner == "Ana"


def test_apps_outside_voila_keep_the_log_they_are_given(folder, casebook):
    from kit.widgets import Quiz, Survey

    guest = decisions.DecisionLog.for_learner(decisions.GUEST, folder=folder, casebook=casebook)
    assert Survey(guest, casebook).decision_log is guest
    assert Quiz(casebook).decision_log is None        # a quiz without a log saves nothing
    assert getattr(Survey(guest, casebook), "gate", None) is None


def test_voila_policy_lab_reads_only_the_pages_own_decisions(folder, monkeypatch, casebook):
    from kit.widgets import PolicyLab

    guest = decisions.DecisionLog.for_learner(decisions.GUEST, folder=folder, casebook=casebook)
    guest.record(first_item(casebook), [], "none", "a guest's decision")
    assert PolicyLab(casebook, log=guest).decision_log is guest       # outside Voila: as given
    monkeypatch.setenv("VOILA_REQUEST_URL", "http://127.0.0.1:8866/")
    lab = PolicyLab(casebook, log=guest)
    assert lab.decision_log is None
    assert "decisions" not in [v for _, v in lab.labels.options]
    _common.keep_learner("Ana", folder)
    lab = PolicyLab(casebook, log=guest)
    assert lab.decision_log.learner == "Ana" and lab.decision_log.path.parent == folder
    assert "decisions" in [v for _, v in lab.labels.options]


def test_adapter_keeps_names_through_kit_decisions(folder, monkeypatch):
    """With set_learner(name, session_only=True) and current_learner() (the person's own
    config), the apps keep Voila's name through kit.decisions, not in the folder."""
    kept = {}

    def set_learner(name, session_only=False):
        kept["session" if session_only else "config"] = name.strip()
        if session_only:
            decisions.learner.session_learner = name.strip()
        return name.strip()

    monkeypatch.setattr(decisions, "set_learner", set_learner)
    monkeypatch.setattr(decisions, "current_learner", lambda: kept.get("config"))
    monkeypatch.setattr(decisions.learner, "session_learner", None, raising=False)
    assert _common.learner_name(folder, VOILA) is None
    assert _common.keep_learner(" Ana ", folder, VOILA) == "Ana" and kept == {"session": "Ana"}
    assert _common.learner_name(folder, VOILA) == "Ana"
    assert _common.learner_name(folder, JUPYTER) is None
    assert _common.keep_learner("Ben", folder, JUPYTER) == "Ben" and kept["config"] == "Ben"
    assert (_common.learner_name(folder, JUPYTER), _common.learner_name(folder, VOILA)) == (
        "Ben", "Ana")
    assert not (folder / decisions.LEARNER_FILE).exists()
