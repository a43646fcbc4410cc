"""The class dashboard, driven headlessly: sources (folder, uploads, a class service), refresh,
projector mode, the debrief panel and the downloads.

Widgets are driven as a browser would: set ``.value``, call ``.click()``; uploads are set on
the FileUpload as the front end sends them (name, type, size, content, last_modified).
"""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import csv
import io
import re
import threading

import ipywidgets as W
import pytest

import kit
from kit.classexport import read_class_table_csv
from kit.decisions import DecisionLog
from kit.decisions.readers import read_decision_file
from kit.widgets.autorefresh import AutoRefresh
from kit.widgets.dashboard import ClassDashboard

from widgetprobe import IMG, IMG_ESC, SCRIPT, all_html, walk

#: Learner names that appear nowhere else in the kit's HTML (so a leak is found).
NAMES = ("Zephyrine", "Quillon", "Marguerite", IMG)


@pytest.fixture
def items(casebook):
    """Three items of the shipped case file: the first two have content notes."""
    return casebook.items.item_id.tolist()[:3]


@pytest.fixture
def class_folder(tmp_path, casebook, items):
    folder = tmp_path / "class"
    t1, t2, t3 = items
    plan = {"Zephyrine": [(t1, "none", "Words are not deeds " + SCRIPT), (t2, "label", "")],
            "Quillon": [(t1, "suspend", "A threat to a country is a threat"), (t2, "label", "")],
            "Marguerite": [(t1, "suspend", "Leaders get no pass"), (t3, "lock", "x")],
            IMG: [(t1, "none", "Newsworthy: the public should see it")]}
    for who, decisions in plan.items():
        log = DecisionLog.for_learner(who, folder=folder, casebook=casebook)
        for item_id, action, why in decisions:
            log.record(item_id, [], action, why)
    return folder


def dashboard(folder, casebook, **kw):
    kw.setdefault("service", None)
    return ClassDashboard(folder, casebook, **kw)


def upload_value(*files):
    """What FileUpload.value holds after the teacher picked ``files`` ((name, bytes) pairs)."""
    return tuple({"name": name, "type": "application/json", "size": len(data),
                  "content": memoryview(data),
                  "last_modified": dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)}
                 for name, data in files)


def download_bytes(link_html: str) -> bytes:
    href = re.search(r'href="data:[^;"]+;base64,([^"]+)"', link_html)
    if href:
        return base64.b64decode(href.group(1))
    return base64.b64decode(re.search(r'data-kit-b64="([^"]+)"', link_html).group(1))


def assert_no_raw_markup(app):
    html = all_html(app)
    assert IMG not in html and SCRIPT not in html and "<script" not in html.lower()


# --------------------------------------------------------------------------- sources

def test_a_folder_loads_at_once_and_learners_are_escaped(class_folder, casebook):
    dash = dashboard(class_folder, casebook)
    assert dash.results.learners == sorted(NAMES)
    assert IMG_ESC in dash.overview.value and "Zephyrine" in dash.overview.value
    assert_no_raw_markup(dash)
    assert dash.status_line().startswith("dash: 4 learners, 0 files skipped")
    assert dash.auto.value is False and not dash.auto_refresh.running  # off outside a lesson
    assert dash.use_service.layout.display == "none"  # no class service: no checkbox
    for w in walk(dash):
        if isinstance(w, (W.Button, W.ToggleButton, W.Checkbox, W.Text, W.BoundedIntText)):
            assert w.description.strip() and (w.tooltip or "").strip(), type(w).__name__


def test_upload_files_many_at_once_read_as_untrusted(tmp_path, class_folder, casebook):
    empty = tmp_path / "nobody"
    empty.mkdir()
    dash = dashboard(empty, casebook)
    files = [(p.name, p.read_bytes()) for p in sorted(class_folder.iterdir())]
    files.append(("<b>broken</b>.json", b'{"format": "casebook-kit-decisions", "vers'))
    files.append(("notes\x1b.txt", b"hello"))
    dash.upload.value = upload_value(*files)
    assert dash.results.learners == sorted(NAMES)
    assert dash.upload.value == ()  # cleared: the same files can be uploaded again
    html = dash.problems.value
    assert "&lt;b&gt;broken&lt;/b&gt;.json (uploaded)" in html and "<b>broken" not in html
    assert "not valid JSON" in html and "notes\\x1b.txt (uploaded)" in html
    assert "\x1b" not in html
    assert "Read 6 uploaded files" in dash.message.value
    assert dash.clear_uploads.disabled is False
    assert_no_raw_markup(dash)
    dash.clear_uploads.click()
    assert dash.results.learners == [] and dash.clear_uploads.disabled is True


def test_refresh_reads_only_what_changed(class_folder, casebook, monkeypatch):
    calls = []

    def counting(path, cb=None):
        calls.append(path)
        return read_decision_file(path, cb)

    monkeypatch.setattr(kit.classroom, "read_decision_file", counting)
    dash = dashboard(class_folder, casebook)
    assert len(calls) == 4
    assert "Last refreshed" in dash.refreshed.value and "4 files read again" in dash.refreshed.value
    dash.refresh()
    assert len(calls) == 4 and "0 files read again" in dash.refreshed.value
    log = DecisionLog.for_learner("Newcomer", folder=class_folder, casebook=casebook)
    log.record(casebook.items.item_id[0], [], "lock")
    dash.refresh()
    assert len(calls) == 5 and "Newcomer" in dash.results.learners
    assert "Newcomer" in dash.overview.value


class FakeService:
    def __init__(self, learners):
        self.learners, self.calls = learners, []

    def fetch_class(self, since=None):
        self.calls.append(since)
        return {"cursor": 7, "learners": {} if since == 7 else self.learners}


def test_the_class_service_is_a_source_and_refreshes_by_default(tmp_path, casebook,
                                                               class_folder):
    log = DecisionLog(next(class_folder.glob("Quillon*")), casebook=casebook)
    records = [{"type": "decision", **{k: (list(v) if isinstance(v, tuple) else v)
                                       for k, v in r.items() if k in
                                       ("item_id", "rules", "action", "rationale", "decided_at")}}
               for r in log.history().assign(decided_at=lambda t: t.decided_at.dt.strftime(
                   "%Y-%m-%dT%H:%M:%S.%fZ")).to_dict("records")]
    svc = FakeService({"hub-quillon": records})
    empty = tmp_path / "none"
    empty.mkdir()
    dash = ClassDashboard(empty, casebook, service=svc)
    try:
        assert dash.results.learners == ["hub-quillon"] and svc.calls[0] is None
        assert dash.use_service.value is True and dash.use_service.layout.display is None
        assert dash.auto.value is True and dash.auto_refresh.running  # a live lesson
        dash.use_service.value = False
        assert dash.results.learners == []
        dash.use_service.value = True
        assert dash.results.learners == ["hub-quillon"] and svc.calls[-1] == 7
    finally:
        dash.close()
    assert not dash.auto_refresh.running


# --------------------------------------------------------------------------- live refresh

def test_auto_refresh_toggle_starts_and_close_stops_it(class_folder, casebook):
    dash = dashboard(class_folder, casebook)
    dash.every.value = 30
    dash.auto.value = True
    assert dash.auto_refresh.running and dash.auto_refresh.mode == "thread"
    assert dash.auto_refresh.interval == 30 and dash.auto.description == "Refresh every 30 s"
    assert "refreshing every 30 s" in dash.refreshed.value
    thread = dash.auto_refresh._thread
    dash.close()
    assert not dash.auto_refresh.running and not thread.is_alive()


def test_auto_refresh_in_a_thread_calls_back_until_stopped():
    ticked = threading.Event()
    seen = []

    def tick():
        seen.append(threading.current_thread().name)
        ticked.set()

    r = AutoRefresh(tick, interval=0.01)
    r.start()
    assert ticked.wait(30)  # a liveness wait, not a speed check
    r.stop()
    n = len(seen)
    assert not r.running and seen[0] == "kit-class-refresh"
    assert len(seen) == n  # nothing after stop returned


def test_auto_refresh_on_the_kernels_event_loop():
    async def lesson():
        ticked = asyncio.Event()
        seen = []

        def tick():
            seen.append(threading.current_thread() is threading.main_thread())
            ticked.set()

        r = AutoRefresh(tick, interval=0.01)
        r.start()
        assert r.mode == "asyncio"
        await asyncio.wait_for(ticked.wait(), 30)
        r.stop()
        return seen, r.running

    seen, running = asyncio.run(lesson())
    assert seen[0] is True and running is False  # on the loop's own thread


def test_auto_refresh_stops_when_the_app_is_gone():
    alive = [True]
    ticked = threading.Event()
    r = AutoRefresh(ticked.set, interval=0.01, alive=lambda: alive[0])
    r.start()
    assert ticked.wait(30)
    thread = r._thread
    alive[0] = False
    thread.join(30)
    assert not thread.is_alive() and not r.running


# --------------------------------------------------------------------------- projector mode

def test_projector_mode_hides_every_name(tmp_path, class_folder, casebook):
    (class_folder / "Zephyrine-copy.json").write_bytes(
        DecisionLog(next(class_folder.glob("Zephyrine*")), casebook=casebook).export(
            tmp_path / "z.json").read_bytes())  # a conflict: two files of one learner
    dash = dashboard(class_folder, casebook)
    assert "Zephyrine-copy.json" in dash.problems.value
    dash.projector.value = True
    html = all_html(dash)
    for name in ("Zephyrine", "Quillon", "Marguerite", IMG_ESC, "img src"):
        assert name not in html, name
    labels = [dash.labels(n) for n in NAMES]
    assert all(label in dash.overview.value for label in labels)
    assert "Projector mode hides file names" in dash.problems.value
    assert f"{dash.labels('Zephyrine')}: 2 files, one used" in dash.problems.value
    data = dash.export("csv")[0][1]
    assert not any(n.encode() in data for n in NAMES[:3])
    assert set(read_class_table_csv(data).learner) == set(labels)
    assert "anonymous" in dash.downloads.children[0].value
    dash.projector.value = False
    assert dash.downloads.children == ()  # a download made with labels does not linger
    assert "Zephyrine" in dash.overview.value
    again = dashboard(class_folder, casebook, projector=True)  # re-created: same labels
    assert all(label in again.overview.value for label in labels)


# --------------------------------------------------------------------------- debrief

def test_the_debrief_puts_opposite_rationales_side_by_side(class_folder, casebook, items):
    dash = dashboard(class_folder, casebook)
    html = dash.debrief.value
    t1 = items[0]
    assert f'data-item="{t1}"' in html
    block = html.split(f'data-item="{t1}"', 1)[1].split('class="kit-card kit-debrief-item"')[0]
    assert block.index("Content note") < block.index("kit-item-text")  # the note first
    pairs = re.findall(r'kit-debrief-mild">(.*?)</div><div class="kit-debrief-side '
                       r'kit-debrief-severe">(.*?)</div>', block)
    assert len(pairs) == 2
    for mild, severe in pairs:
        assert "No action" in mild or "none" in mild.lower()
        assert "suspension" in severe.lower()
    assert "Words are not deeds &lt;script&gt;" in block and SCRIPT not in html
    assert "Zephyrine" not in html and "Quillon" not in html  # always anonymous
    assert dash.labels("Zephyrine") in block
    # what Twitter did stays folded, as the reveal card
    twitter = block.index("What Twitter did")
    assert block.rfind("<details", 0, twitter) > block.rfind("</details>", 0, twitter)
    assert "4 learners" in block and "Spread 2.5 steps" in block


def test_the_debrief_waits_for_a_divided_class(tmp_path, casebook):
    folder = tmp_path / "c"
    for who in ("a", "b"):
        DecisionLog.for_learner(who, folder=folder, casebook=casebook).record(
            casebook.items.item_id[0], [], "lock", "same")
    dash = dashboard(folder, casebook)
    assert "No item divides the class yet" in dash.debrief.value


# --------------------------------------------------------------------------- downloads

def test_downloads_of_the_class_table_and_the_charts(class_folder, casebook):
    dash = dashboard(class_folder, casebook)
    made = dict(dash.export("csv"))
    (name, data), = made.items()
    link = dash.downloads.children[0].value
    assert name.startswith("class-decisions-") and f'download="{name}"' in link
    assert download_bytes(link) == data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r[0] for r in rows[1:]} == set(NAMES)  # names, as shown
    dash.exports[1].click()
    assert "class-items-" in dash.downloads.children[0].value
    dash.exports[2].click()
    pngs = [download_bytes(c.value) for c in dash.downloads.children]
    assert len(pngs) == 2 and all(p[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    dash.exports[3].click()
    svgs = [download_bytes(c.value) for c in dash.downloads.children]
    assert len(svgs) == 2 and all(s.lstrip().startswith(b"<svg") for s in svgs)
    assert "Click to download" in dash.message.value


def test_a_newer_dashboard_takes_over_the_refresh(class_folder, casebook):
    old = dashboard(class_folder, casebook, refresh=30)
    new = dashboard(class_folder, casebook, refresh=30)
    try:
        assert new.auto_refresh.running and not old.auto_refresh.running
        assert old.auto.value is False and "a newer class dashboard" in old.message.value
    finally:
        old.close()
        new.close()
    assert not new.auto_refresh.running


# --------------------------------------------------------------------------- a real class service

class HubClient:
    """The teacher's side of the class service as the contract gives it (``fetch_class``),
    over HTTP through the real hub's proxy with a hub token: the stand-in used when the
    kit's own client (``kit.sync.ClassService``) is not in this checkout."""

    def __init__(self, hub, token):
        self.hub, self.token = hub, token

    def fetch_class(self, since=None):
        r = self.hub.service("GET", "api/class", self.token,
                             params={} if since is None else {"since": since})
        r.raise_for_status()
        return r.json()


class Recording:
    """A class service client whose ``fetch_class`` calls are recorded (their ``since``)."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def fetch_class(self, since=None):
        self.calls.append(since)
        return self.client.fetch_class(since)


def service_client(hub, user):
    """``user``'s client of the hub's class service: the kit's own when there is one."""
    token = hub.token(user)
    try:
        from kit.sync import ClassService
    except ImportError:
        return Recording(HubClient(hub, token))
    return Recording(ClassService(hub.service_url, token, user))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hubharness = pytest.importorskip("hubharness")
    if hubharness.proxy_command() is None:
        hubharness.missing("configurable-http-proxy ($KIT_TEST_CHP)")
    h = hubharness.start_hub(tmp_path_factory.mktemp("hub"))
    yield h
    h.stop()


def test_the_dashboard_reads_a_real_class_service_by_cursor(hub, casebook, tmp_path):
    from hubharness import LEARNERS, TEACHER, body, decision
    ana, ben = LEARNERS[0], LEARNERS[1]
    sent = hub.service("POST", "api/records", hub.token(ana),
                       json=body(ana, [decision(casebook, 0, "ana's <b>reason</b>"),
                                       decision(casebook, 5, "second")]))
    assert sent.status_code == 200, sent.text
    teacher = service_client(hub, TEACHER)
    empty = tmp_path / "none"
    empty.mkdir()
    dash = ClassDashboard(empty, casebook, service=teacher, refresh=0)
    try:
        assert dash.results.learners == [ana] and teacher.calls == [None]
        assert dash.results.problems.empty and len(dash.results.decisions) == 2
        cursor = dash.collector.cursor
        assert isinstance(cursor, int) and cursor >= 2
        assert hub.service("POST", "api/records", hub.token(ben),
                           json=body(ben, [decision(casebook, 3)])).status_code == 200
        dash.refresh()
        assert dash.results.learners == [ana, ben] and teacher.calls[-1] == cursor
        assert dash.collector.last_read == 1  # only ben's records were read
        assert "ana's <b>reason</b>" in dash.results.rationales.rationale.tolist()
        assert "<b>reason" not in dash.overview.value + dash.problems.value
        # a learner is refused the class (403): a note, the class view goes on
        refused = ClassDashboard(empty, casebook, service=service_client(hub, LEARNERS[2]),
                                 refresh=0)
        note = refused.results.problems.set_index("file").loc["the class service"]
        assert note.kind == "note" and "403" in note.problem and refused.results.learners == []
        refused.close()
    finally:
        dash.close()
