"""The class service against a real JupyterHub 6.1.1 (tests/hubharness.py), storing in
SQLite and in PostgreSQL: who may write and read what, idempotency, untrusted records,
and that killing the service loses no stored decision."""
from __future__ import annotations

import json
import os
import re
import signal
import uuid

import psutil
import pytest
import requests

from hubharness import (LEARNERS, PASSWORD, REPO, SERVICE, TEACHER, answer, body, decision,
                        drop_database, postgres_database, start_hub)
from kit.decisions.formats import record_id

ANA, BEN, CLEO = LEARNERS


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request, tmp_path_factory):
    url = postgres_database() if request.param == "postgresql" else None
    h = start_hub(tmp_path_factory.mktemp(f"hub-{request.param}"), db_url=url)
    h.backend = request.param
    yield h
    h.stop()
    if url:
        drop_database(url)


def tag():
    """A rationale no other test uses (the hub and its database live for the module)."""
    return "t-" + uuid.uuid4().hex[:12]


def post(hub, learner, records, as_user=None):
    return hub.service("POST", "api/records", hub.token(as_user or learner),
                       data=json.dumps(body(learner, records)).encode())


def mine(hub, learner, as_user=None):
    return hub.service("GET", f"api/records/{learner}", hub.token(as_user or learner))


def rationales(reply_records):
    return [r.get("rationale") for r in reply_records]


def test_status_says_who_and_whether_teacher(hub):
    me = hub.service("GET", "api/status", hub.token(ANA)).json()
    assert me == {"service": "casebook", "version": 1, "user": ANA, "teacher": False}
    assert hub.service("GET", "api/status", hub.token(TEACHER)).json()["teacher"] is True


def test_learner_posts_records_and_reads_them_back(hub, casebook):
    t = tag()
    recs = [decision(casebook, 0, t), decision(casebook, 1, t), answer(1, t)]
    r = post(hub, ANA, recs)
    assert r.status_code == 200, r.text
    reply = r.json()
    assert (reply["stored"], reply["known"]) == (3, 0)
    assert reply["ids"] == [record_id(ANA, x) for x in recs]
    got = mine(hub, ANA)
    assert got.status_code == 200
    doc = got.json()
    assert doc["learner"] == ANA and doc["format"] == "casebook-kit-sync"
    ours = [x for x in doc["records"] if x.get("rationale") == t or x.get("answer") == t]
    assert ours == recs
    assert set(reply["ids"]) <= set(doc["ids"])


def test_same_post_twice_stores_once(hub, casebook):
    t = tag()
    recs = [decision(casebook, 2, t), decision(casebook, 3, t)]
    first, second = post(hub, BEN, recs).json(), post(hub, BEN, recs).json()
    assert (first["stored"], first["known"]) == (2, 0)
    assert (second["stored"], second["known"]) == (0, 2) and second["ids"] == first["ids"]
    assert rationales(mine(hub, BEN).json()["records"]).count(t) == 2


def test_posting_as_another_learner_is_403_and_stores_nothing(hub, casebook):
    t = tag()
    r = post(hub, BEN, [decision(casebook, 0, t)], as_user=ANA)
    assert r.status_code == 403
    assert "only your own records" in r.json()["message"]
    assert t not in rationales(mine(hub, BEN).json()["records"])
    assert t not in rationales(mine(hub, ANA).json()["records"])


def test_learner_may_not_read_the_class(hub):
    for who in LEARNERS:
        r = hub.service("GET", "api/class", hub.token(who))
        assert r.status_code == 403 and "learners" not in r.json()
        assert hub.service("GET", "api/class.csv", hub.token(who)).status_code == 403


@pytest.mark.parametrize("target", [BEN, TEACHER, "nobody-like-this", "ANA"])
def test_learner_may_not_read_another_or_unknown_learner(hub, casebook, target):
    post(hub, BEN, [decision(casebook, 4, tag())])
    r = mine(hub, target, as_user=ANA)
    assert r.status_code == 403 and "records" not in r.json()
    assert r.json()["message"] == "you can read only your own records"


def test_teacher_reads_whole_class_and_only_new_records_after_cursor(hub, casebook):
    t = tag()
    for n, who in enumerate(LEARNERS):
        assert post(hub, who, [decision(casebook, n, t)]).status_code == 200
    r = hub.service("GET", "api/class", hub.token(TEACHER))
    assert r.status_code == 200
    doc = r.json()
    assert set(LEARNERS) <= set(doc["learners"])
    for who in LEARNERS:
        assert t in rationales(doc["learners"][who])
    cursor = doc["cursor"]
    again = hub.service("GET", f"api/class?since={cursor}", hub.token(TEACHER)).json()
    assert again == {"cursor": cursor, "learners": {}}
    t2 = tag()
    post(hub, CLEO, [decision(casebook, 5, t2), answer(2, t2)])
    new = hub.service("GET", f"api/class?since={cursor}", hub.token(TEACHER)).json()
    assert new["cursor"] > cursor and list(new["learners"]) == [CLEO]
    assert [x.get("rationale") for x in new["learners"][CLEO]] == [t2, ""]
    # a teacher may read any learner's records too
    assert t2 in rationales(mine(hub, CLEO, as_user=TEACHER).json()["records"])
    bad = hub.service("GET", "api/class?since=soon", hub.token(TEACHER))
    assert bad.status_code == 400 and "since" in bad.json()["message"]


@pytest.mark.parametrize("change, message", [
    ({"item_id": "no_such_item"}, "records[1]: item_id: 'no_such_item' is not an item"),
    ({"rules": ["hateful_conduct_typo"]}, "records[1]: rules: 'hateful_conduct_typo' is not"),
    ({"action": "banish"}, "records[1]: action: 'banish' is not an action on the ladder"),
    ({"decided_at": "2026-13-01T00:00:00Z"}, "records[1]: decided_at:"),
    ({"type": "vote"}, "records[1]: 'type' should be 'decision' or 'answer'"),
])
def test_bad_records_are_400_and_nothing_is_stored(hub, casebook, change, message):
    t = tag()
    recs = [decision(casebook, 0, t), {**decision(casebook, 1, t), **change}]
    r = post(hub, CLEO, recs)
    assert r.status_code == 400
    assert r.json()["message"].startswith(message), r.json()
    assert t not in rationales(mine(hub, CLEO).json()["records"])


def test_bad_bodies(hub, casebook):
    token = hub.token(ANA)
    r = hub.service("POST", "api/records", token, data=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["message"]
    big = json.dumps(body(ANA, [answer(1, "x" * 4000)] * 600)).encode()
    r = hub.service("POST", "api/records", token, data=big)
    assert r.status_code == 413 and "at most 2,097,152" in r.json()["message"]
    many = json.dumps(body(ANA, [answer(1)] * 5001)).encode()
    r = hub.service("POST", "api/records", token, data=many)
    assert r.status_code == 413 and "5,001" in r.json()["message"]


@pytest.mark.parametrize("path", ["api/status", "api/class", f"api/records/{ANA}",
                                  "api/class.csv"])
def test_no_token_or_bad_token_gets_no_data(hub, casebook, path):
    post(hub, ANA, [decision(casebook, 6, tag())])
    for headers in ({}, {"Authorization": "token not-a-real-token"},
                    {"Authorization": f"token {hub.admin_token}"}):   # a service, not a user
        r = hub.service("GET", path, headers=headers, allow_redirects=False)
        assert r.status_code in (401, 403) or (
            path == "api/class.csv" and not headers and r.status_code == 302), r.status_code
        assert b"decided_at" not in r.content
    r = hub.service("POST", "api/records", headers={"Authorization": "token nope"},
                    data=json.dumps(body(ANA, [decision(casebook, 0)])).encode())
    assert r.status_code in (401, 403)


def test_pages_show_class_to_teacher_and_own_count_to_learner(hub, casebook):
    post(hub, ANA, [decision(casebook, 7, tag())])
    teacher = hub.service("GET", "", hub.token(TEACHER))
    assert teacher.status_code == 200 and "text/html" in teacher.headers["Content-Type"]
    for who in LEARNERS[:1]:
        assert f"<td>{who}</td>" in teacher.text
    assert 'href="api/class.csv"' in teacher.text
    learner = hub.service("GET", "", hub.token(ANA))
    assert learner.status_code == 200 and "from you" in learner.text
    assert BEN not in learner.text and CLEO not in learner.text
    csv = hub.service("GET", "api/class.csv", hub.token(TEACHER))
    assert csv.status_code == 200
    assert csv.content.decode("utf-8-sig").startswith("learner,item_id,rules,action")
    # in a browser, the page sends an unknown visitor to the hub's login (OAuth)
    r = hub.service("GET", "", allow_redirects=False)
    assert r.status_code == 302 and "/hub/api/oauth2/authorize" in r.headers["Location"]


def test_a_learners_server_token_may_use_the_service(hub):
    """The token a learner's server (and so its kernels) gets: it reaches the service, as
    that learner, with the address the shipped config gives the kernels."""
    hub.spawn(ANA)
    env = _server_env(hub)
    assert env["JUPYTERHUB_USER"] == ANA
    # the harness's promise to the tests that run kernels: this checkout's kit, own folders
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO)
    assert env["KIT_DECISIONS_DIR"] == str(hub.decisions(ANA))
    assert env["HOME"] == str(hub.home(ANA))
    url = env["KIT_CLASS_SERVICE_URL"]
    assert url.endswith(f"/services/{SERVICE}/")
    r = requests.get(url + "api/status", timeout=30,
                     headers={"Authorization": f"token {env['JUPYTERHUB_API_TOKEN']}"})
    assert r.status_code == 200 and r.json()["user"] == ANA
    r = requests.get(url + "api/class", timeout=30,
                     headers={"Authorization": f"token {env['JUPYTERHUB_API_TOKEN']}"})
    assert r.status_code == 403
    hub.stop_server(ANA)


def _server_env(hub):
    for p in psutil.Process(hub.proc.pid).children(recursive=True):
        try:
            if any("jupyterhub-singleuser" in part for part in p.cmdline()):
                return p.environ()
        except psutil.NoSuchProcess:
            continue
    raise AssertionError("no single-user server process found")


def test_killing_the_service_loses_no_stored_decision(hub, casebook):
    t = tag()
    acked = []
    for n, who in enumerate(LEARNERS):
        r = post(hub, who, [decision(casebook, n + 10, t), answer(n + 10, t)])
        assert r.status_code == 200
        acked.append((who, r.json()["ids"]))
    pid = hub.service_pid()
    os.kill(pid, signal.SIGKILL)
    # JupyterHub restarts a managed service that exits (it polls, so this may take a while)
    new_pid = hub.wait_service(other_than=pid)
    assert new_pid != pid
    for who, ids in acked:
        doc = mine(hub, who).json()
        assert set(ids) <= set(doc["ids"])
        assert rationales(doc["records"]).count(t) == 1
    # and it takes new records again, idempotently
    assert post(hub, ANA, [decision(casebook, 10, t)]).json()["known"] == 1


def _browser_login(hub, name):
    """A requests session signed in to the hub through its login page, as a browser is."""
    s = requests.Session()
    form = s.get(hub.url + "hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
    data = {"username": name, "password": PASSWORD}
    if xsrf:
        data["_xsrf"] = xsrf.group(1)
    r = s.post(hub.url + "hub/login", data=data, timeout=30)
    assert r.status_code == 200 and "/hub/login" not in r.url, r.url
    return s


def test_browser_signs_in_through_the_hub_to_the_class_page(hub, casebook):
    """The page uses the hub's OAuth: after the hub's login page, the service page opens
    (no question asked) and shows a teacher the class, a learner only their own count."""
    post(hub, BEN, [decision(casebook, 8, tag())])
    teacher = _browser_login(hub, TEACHER)
    page = teacher.get(hub.service_url, timeout=30)
    assert page.status_code == 200 and page.url.rstrip("/") == hub.service_url.rstrip("/")
    assert f"<td>{BEN}</td>" in page.text
    csv = teacher.get(hub.service_url + "api/class.csv", timeout=30)
    assert csv.status_code == 200 and f"\r\n{BEN}," in csv.content.decode("utf-8-sig")
    learner = _browser_login(hub, ANA)
    page = learner.get(hub.service_url, timeout=30)
    assert page.status_code == 200 and "from you" in page.text and BEN not in page.text
    assert learner.get(hub.service_url + "api/class.csv", timeout=30).status_code == 403
    # the API takes tokens only: the login cookie alone reads nothing
    assert learner.get(hub.service_url + f"api/records/{ANA}", timeout=30).status_code == 401


def test_external_service_works_and_an_admin_restart_loses_nothing(tmp_path, casebook):
    """Run by an admin instead of the hub (only the hub's API URL and its token given):
    the same rules hold, and after a SIGKILL and a restart every stored record is there."""
    hub = start_hub(tmp_path, external=True)
    try:
        t = tag()
        assert post(hub, ANA, [decision(casebook, 0, t)]).json()["stored"] == 1
        assert mine(hub, BEN, as_user=ANA).status_code == 403
        assert hub.service("GET", "api/class", hub.token(ANA)).status_code == 403
        status = hub.service("GET", "api/status", hub.token(TEACHER)).json()
        assert status["teacher"] is True
        os.kill(hub.service_pid(), signal.SIGKILL)
        hub.service_proc.wait()
        assert hub.service("GET", "api/status", hub.token(ANA)).status_code != 200
        hub.start_service()
        doc = hub.service("GET", "api/class", hub.token(TEACHER)).json()
        assert rationales(doc["learners"][ANA]) == [t]
        page = _browser_login(hub, TEACHER).get(hub.service_url, timeout=30)
        assert page.status_code == 200 and f"<td>{ANA}</td>" in page.text
    finally:
        hub.stop()
