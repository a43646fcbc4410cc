"""kit.sync: saved work reaches the class service in the background; learners never wait
and never lose work.

Without a hub (always run): off a hub nothing is imported or sent; an unreachable service
leaves every record saved and pending, with nothing raised; a service that does not answer
never holds up a save; "Download my work" downloads exactly the learner's export.

With a real JupyterHub (``hubharness``: the hub, the proxy, the kit's class service
hub-managed from the shipped config; skipped without ``KIT_TEST_CHP``, failing with
``KIT_REQUIRE_BROWSER=1``): three learners' real kernels save through the real
DecisionDesk; the teacher's ``fetch_class`` sees each with their own decisions; sending
twice stores once; a service that stops and is restarted loses nothing, and what was saved
meanwhile arrives after it comes back (on a later save, and when a new kernel opens the desk).
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import kit
from kit import sync
from kit.decisions import DecisionLog
from kit.decisions.formats import parse_log, record_id, record_line
from kit.decisions.log import add_save_listener, remove_save_listener

try:  # the real hub (tests/hubharness.py) and learners' kernels in it
    import hubharness
    from hubkernels import HubKernel
except ImportError:
    hubharness = HubKernel = None

REPO = Path(__file__).resolve().parent.parent
WAIT = 120   # seconds: a limit against hanging, never an assertion


@pytest.fixture(scope="module")
def casebook():
    return kit.load_casebook()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]      # nothing listens there once the socket is closed


def local_ids(path, learner) -> list:
    """The record ids of every record in the log at ``path``, as the service names them."""
    parsed = parse_log(Path(path).read_bytes())
    return [record_id(learner, json.loads(record_line(r))) for _, r in parsed.records]


@pytest.fixture()
def sender_for(request):
    """Make a Sender for a client that hears every save; closed and unhooked afterwards."""
    made = []

    def make(service):
        s = sync.Sender(service, retry_seconds=(3600,))   # no timed retry during a test
        add_save_listener(s.saw)
        made.append(s)
        return s
    yield make
    for s in made:
        remove_save_listener(s.saw)
        s.close()


# --------------------------------------------------------------------------- no hub

def test_off_a_hub_nothing_is_imported_or_sent(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTERHUB_")}
    env.update(PYTHONPATH=str(REPO), KIT_DECISIONS_DIR=str(tmp_path),
               KIT_CLASS_SERVICE_URL=f"http://127.0.0.1:{closed_port()}/services/casebook/")
    code = """
import json, sys, kit
from kit.decisions import DecisionLog, log as logmod
log = DecisionLog.for_learner("ana")
cb = log.casebook
log.record(cb.item_order[0], [], "none", "plain")
print(json.dumps({"sync": "kit.sync" in sys.modules, "listeners": len(logmod._listeners),
                  "status": __import__("kit.sync").sync.status(log).state}))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=WAIT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"sync": False, "listeners": 0, "status": "off"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        DecisionLog.for_learner("ana", folder=tmp_path).path.name]   # no side file either


def test_class_service_comes_from_the_hub_environment():
    hub = {"JUPYTERHUB_API_TOKEN": "abc", "JUPYTERHUB_USER": "ana",
           "KIT_CLASS_SERVICE_URL": "http://127.0.0.1:10101/services/casebook"}
    svc = sync.class_service(hub)
    assert (svc.url, svc.user) == ("http://127.0.0.1:10101/services/casebook/", "ana")
    assert sync.class_service({**hub, "JUPYTERHUB_API_TOKEN": ""}) is None
    assert sync.class_service({**hub, "KIT_CLASS_SERVICE": "off"}) is None
    assert sync.class_service({**hub, "BINDER_LAUNCH_HOST": "https://mybinder.org/"}) is None
    with pytest.raises(kit.KitDataError, match="http"):
        sync.class_service({**hub, "KIT_CLASS_SERVICE_URL": "file:///etc/passwd"})


def test_unreachable_service_keeps_everything_pending(tmp_path, casebook, sender_for):
    svc = sync.ClassService(f"http://127.0.0.1:{closed_port()}/services/casebook/", "t", "ana")
    s = sender_for(svc)
    log = DecisionLog.for_learner("ana", folder=tmp_path, casebook=casebook)
    items = casebook.item_order
    saved = [log.record(items[0], [], "none", "first"),
             log.record_answer("survey", "q1", "agree")]
    assert saved[0]["rationale"] == "first"               # the save itself returned normally
    assert s.wait(WAIT)
    st = s.status(log)
    assert (st.state, st.sentence, st.unsent) == ("pending", sync.PENDING, 2)
    assert "cannot be reached" in st.problem
    assert log.table().rationale.tolist() == ["first"] and len(log.answers()) == 1
    assert not sync.state_path(log.path).exists()         # nothing was acknowledged
    # somebody else's log in the same folder is not this learner's to send
    other = DecisionLog.for_learner("ben", folder=tmp_path, casebook=casebook)
    other.record(items[1], [], "label")
    assert s.wait(WAIT) and s.status(other) == sync.OFF


class _Held(BaseHTTPRequestHandler):
    """A service that takes a request and answers only when the test lets it."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv.bodies.append(body)
        srv.received.set()
        srv.release.wait(WAIT)
        ids = [record_id(body["learner"], r) for r in body["records"]]
        data = json.dumps({"stored": len(ids), "known": 0, "ids": ids}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        srv.replied.set()


def test_a_service_that_does_not_answer_never_holds_up_a_save(tmp_path, casebook, sender_for):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Held)
    srv.bodies, srv.received, srv.release, srv.replied = [], *(threading.Event()
                                                               for _ in range(3))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        s = sender_for(sync.ClassService(f"http://127.0.0.1:{srv.server_port}/services/"
                                         "casebook/", "t", "ana"))
        log = DecisionLog.for_learner("ana", folder=tmp_path, casebook=casebook)
        log.record(casebook.item_order[0], [], "none", "while the service thinks")
        # record() has returned; the service has the request and has not answered yet
        assert srv.received.wait(WAIT)
        assert not srv.replied.is_set()
        assert s.status(log).state == "pending"
        log.record(casebook.item_order[1], [], "label")       # a second save: no waiting
        assert not srv.replied.is_set()
        srv.release.set()
        assert s.wait(WAIT)
        assert s.status(log) == sync.Status("sent", sync.SENT)
        sent = [r for b in srv.bodies for r in b["records"]]
        assert [r["item_id"] for r in sent] == list(casebook.item_order[:2])
        assert all(b["learner"] == "ana" and b["format"] == "casebook-kit-sync" for b in srv.bodies)
        state = json.loads(sync.state_path(log.path).read_text())
        assert sorted(state["ids"]) == sorted(local_ids(log.path, "ana"))
    finally:
        srv.release.set()
        srv.shutdown()


def test_the_desk_shows_pending_and_downloads_my_work(tmp_path, casebook, monkeypatch):
    from kit.widgets import DecisionDesk
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    monkeypatch.setenv("KIT_CLASS_SERVICE_URL",
                       f"http://127.0.0.1:{closed_port()}/services/casebook/")
    monkeypatch.setattr(sync, "_sender", None)
    sync.install()
    try:
        log = DecisionLog.for_learner("ana", folder=tmp_path, casebook=casebook)
        desk = DecisionDesk(log, casebook)
        assert desk.download.link.value == ""
        assert sync.sender().wait(WAIT)
        desk.sync_line.refresh()
        assert desk.sync_line.value == ""          # nothing saved yet: nothing to tell
        desk.action.value = "label"
        desk.rationale.value = 'Quote: "<b>bold</b>" & more'
        desk.save_button.click()
        assert "Saved your decision" in desk.message.value
        assert sync.sender().wait(WAIT)
        # the sender told the line itself (from its thread); a refresh says the same
        assert sync.PENDING in html.unescape(desk.sync_line.value)
        desk.sync_line.refresh()
        assert sync.PENDING in html.unescape(desk.sync_line.value)
        assert desk.sync_line.layout.display is None
        desk.download.button.click()
        link = desk.download.link.value
        name = re.search(r'download="([^"]+)"', link).group(1)
        assert name == log.path.name.replace(".jsonl", ".json")
        href = html.unescape(re.search(r'href="([^"]+)"', link).group(1))
        assert href.startswith("data:application/json;base64,")
        data = base64.b64decode(href.split(",", 1)[1])
        handed_in = tmp_path / "handed-in" / name
        handed_in.parent.mkdir()
        handed_in.write_bytes(data)
        got = DecisionLog.read(handed_in, casebook)
        assert got[["item_id", "action", "rationale"]].values.tolist() == \
            log.table()[["item_id", "action", "rationale"]].values.tolist()
        assert "<b>bold</b>" not in link                       # the text is not HTML
    finally:
        remove_save_listener(sync._listener)
        if sync._sender is not None:
            sync._sender.close()


def test_the_desk_shows_nothing_off_a_hub(tmp_path, casebook, monkeypatch):
    from kit.widgets import DecisionDesk
    for var in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_USER"):
        monkeypatch.delenv(var, raising=False)
    desk = DecisionDesk(DecisionLog.for_learner("ana", folder=tmp_path, casebook=casebook),
                        casebook)
    desk.action.value = "none"
    desk.save_button.click()
    assert desk.sync_line.value == "" and desk.sync_line.layout.display == "none"


# --------------------------------------------------------------------------- a real hub

@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if hubharness is None:
        if os.environ.get("KIT_REQUIRE_BROWSER") == "1":
            pytest.fail("tests/hubharness.py is missing (KIT_REQUIRE_BROWSER=1)")
        pytest.skip("tests/hubharness.py is not in this checkout")
    h = hubharness.start_hub(tmp_path_factory.mktemp("sync-hub"))
    yield h
    h.stop()


def folder_of(hub, user) -> Path:
    return hub.home(user) / "my-decisions"


OPEN_DESK = """
import json, os
os.environ["KIT_DECISIONS_DIR"] = {folder!r}
import kit, kit.widgets
from kit import sync
desk = kit.widgets.DecisionDesk()
print(json.dumps({{"learner": desk.decision_log.learner, "path": str(desk.decision_log.path)}}))
"""

DECIDE = """
desk.go_to({item!r})
for rid, box in desk.rule_boxes.items():
    box.value = rid in {rules!r}
desk.action.value = {action!r}
desk.rationale.value = {rationale!r}
desk.save_button.click()
st = sync.status(desk.decision_log)
print(json.dumps({{"message": desk.message.value, "state": st.state}}))
"""

SETTLE = """
idle = sync.sender().wait(120)
desk.sync_line.refresh()
st = sync.status(desk.decision_log)
print(json.dumps({"idle": idle, "state": st.state, "sentence": st.sentence, "problem": st.problem,
                  "line": desk.sync_line.value, "requests": sync.sender().requests}))
"""


def decide(k, item, action, rationale, rules=()):
    got = k.run_json(DECIDE.format(item=item, action=action, rationale=rationale,
                                   rules=list(rules)))
    assert "Saved your decision" in got["message"], got
    return got


def plan(casebook, n):
    """Learner n's two decisions: different items, actions and words for each learner."""
    items, ladder = casebook.item_order, casebook.ladder
    return [(items[2 * n + j], ladder[(n + j) % len(ladder)], f"{hubharness.LEARNERS[n]}'s "
             f"reason {j}") for j in range(2)]


def test_three_learners_desks_reach_the_teacher(hub, casebook):
    for n, user in enumerate(hubharness.LEARNERS):
        with HubKernel(hub, user) as k:
            opened = k.run_json(OPEN_DESK.format(folder=str(folder_of(hub, user))))
            assert opened["learner"] == user                  # the hub user, not typed
            for item, action, why in plan(casebook, n):
                decide(k, item, action, why)
            st = k.run_json(SETTLE)
            assert st["idle"] and st["state"] == "sent", st
            assert st["sentence"] == sync.SENT and sync.SENT in html.unescape(st["line"])
            assert local_ids(opened["path"], user) == \
                hub_records(hub, user)["ids"]               # everything, in order, once
    teacher = sync.ClassService(hub.service_url, hub.token(hubharness.TEACHER),
                                hubharness.TEACHER)
    got = teacher.fetch_class()
    assert set(got["learners"]) == set(hubharness.LEARNERS)
    for n, user in enumerate(hubharness.LEARNERS):
        mine = [(r["item_id"], r["action"], r["rationale"]) for r in got["learners"][user]
                if r["type"] == "decision"]
        assert mine == plan(casebook, n)
    # incremental: nothing new after the cursor
    assert teacher.fetch_class(since=got["cursor"])["learners"] in ({}, {u: [] for u in
                                                                        got["learners"]})
    # a learner may not read the class, nor another learner's records
    ana = sync.ClassService(hub.service_url, hub.token("ana"), "ana")
    with pytest.raises(sync.ServiceError) as e:
        ana.fetch_class()
    assert e.value.status == 403
    with pytest.raises(sync.ServiceError) as e:
        ana.records_of("ben")
    assert e.value.status == 403


def hub_records(hub, user) -> dict:
    return sync.ClassService(hub.service_url, hub.token(user), user).records_of()


def test_sent_twice_is_stored_once(hub, casebook):
    user = hubharness.LEARNERS[0]
    with HubKernel(hub, user) as k:
        opened = k.run_json(OPEN_DESK.format(folder=str(folder_of(hub, user))))
        decide(k, casebook.item_order[10], "none", "sent twice")
        assert k.run_json(SETTLE)["state"] == "sent"
    before = hub_records(hub, user)
    # the same records again, straight to the service: all known, nothing new
    svc = sync.ClassService(hub.service_url, hub.token(user), user)
    reply = svc.send(before["records"])
    assert (reply["stored"], reply["known"]) == (0, len(before["records"]))
    # the side file lost (or damaged): a new kernel sends everything again; still once
    side = sync.state_path(opened["path"])
    side.write_text("{not json")
    with HubKernel(hub, user) as k:
        k.run_json(OPEN_DESK.format(folder=str(folder_of(hub, user))))
        st = k.run_json(SETTLE)
        assert st["state"] == "sent" and st["requests"] >= 1, st
    after = hub_records(hub, user)
    assert after["ids"] == before["ids"] == local_ids(opened["path"], user)
    assert json.loads(side.read_text())["ids"] == sorted(before["ids"])


def test_a_stopped_and_restarted_service_loses_nothing(hub, casebook):
    ana, ben = hubharness.LEARNERS[:2]
    stored_before = {u: hub_records(hub, u)["ids"] for u in (ana, ben)}
    items = casebook.item_order
    pid = hub.service_pid()
    with HubKernel(hub, ana) as ka:
        ka.run_json(OPEN_DESK.format(folder=str(folder_of(hub, ana))))
        os.kill(pid, signal.SIGSTOP)                 # the service takes requests, answers none
        try:
            got = decide(ka, items[20], "label", "saved while the service was stopped")
            assert got["state"] == "pending"          # the save returned; the send waits
            with HubKernel(hub, ben) as kb:           # ben saves too, then his kernel ends
                bpath = kb.run_json(OPEN_DESK.format(folder=str(folder_of(hub, ben))))["path"]
                decide(kb, items[21], "none", "ben, while the service was stopped")
        finally:
            os.kill(pid, signal.SIGKILL)             # the hub starts a new service process
        hub.wait_service(other_than=pid)
        # nothing stored before the crash is lost
        for u in (ana, ben):
            assert hub_records(hub, u)["ids"][:len(stored_before[u])] == stored_before[u]
        # ana's next save sends it with the one that waited
        decide(ka, items[22], "none", "after the service came back")
        st = ka.run_json(SETTLE)
        assert st["state"] == "sent", st
        apath = ka.run_json("print(json.dumps(str(desk.decision_log.path)))")
    assert hub_records(hub, ana)["ids"] == local_ids(apath, ana)
    assert len(hub_records(hub, ana)["ids"]) == len(stored_before[ana]) + 2
    # ben's waited in his log; a new kernel opening the desk sends it
    assert len(hub_records(hub, ben)["ids"]) == len(stored_before[ben])
    with HubKernel(hub, ben) as kb:
        kb.run_json(OPEN_DESK.format(folder=str(folder_of(hub, ben))))
        st = kb.run_json(SETTLE)
        assert st["state"] == "sent", st
    assert hub_records(hub, ben)["ids"] == local_ids(bpath, ben)
    assert len(hub_records(hub, ben)["ids"]) == len(stored_before[ben]) + 1



def test_without_the_address_the_hub_is_asked(hub):
    """No KIT_CLASS_SERVICE_URL: the hub's API says where the service is (the shipped config
    lets every user read the service's model); a token the hub refuses gets None, with
    nothing raised."""
    env = {"JUPYTERHUB_API_URL": hub.api_url.rstrip("/"), "JUPYTERHUB_USER": "ana"}
    found = sync.class_service({**env, "JUPYTERHUB_API_TOKEN": hub.admin_token})
    assert found is not None
    assert found.url == f"http://127.0.0.1:{hub.service_port}/services/casebook/"
    assert sync.ClassService(found.url, hub.token("ana"), "ana").service_status()["user"] == "ana"
    mine = sync.class_service({**env, "JUPYTERHUB_API_TOKEN": hub.token("ana")})
    assert mine is not None and mine.url == found.url
    assert sync.class_service({**env, "JUPYTERHUB_API_TOKEN": "not-a-hub-token"}) is None


def test_direct_saves_and_the_survey_are_sent_too(hub, casebook):
    """Not only the desk: a direct DecisionLog.record_answer and the Survey app's save."""
    user = hubharness.LEARNERS[2]
    with HubKernel(hub, user) as k:
        got = k.run_json(f"""
import json, os
os.environ["KIT_DECISIONS_DIR"] = {str(folder_of(hub, user))!r}
import kit, kit.widgets
from kit import sync
log = kit.DecisionLog.for_learner(os.environ["JUPYTERHUB_USER"])
log.record_answer("quiz", "q1", "label")
survey = kit.widgets.Survey(log)
qid = next(iter(survey.choice))
survey.choice[qid].value = survey.choice[qid].options[0][1]
survey.save.click()
sync.sender().wait(120)
survey.sync_line.refresh()
print(json.dumps({{"state": sync.status(log).state, "line": survey.sync_line.value,
                  "path": str(log.path), "qid": qid}}))
""")
    assert got["state"] == "sent" and sync.SENT in html.unescape(got["line"]), got
    stored = hub_records(hub, user)
    assert stored["ids"] == local_ids(got["path"], user)
    answers = {(r["section"], r["question_id"]) for r in stored["records"] if r["type"] == "answer"}
    assert {("quiz", "q1"), ("survey", got["qid"])} <= answers
