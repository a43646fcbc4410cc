"""The "who argued what" view: every position under its side, escaped, content notes folded."""
from __future__ import annotations

import re

import kit
from casefiles import make_case, write_table
from kit.casebook import SCHEMA, SIDES
from kit.widgets._common import esc
from kit.widgets.arguments import SIDE_HEADINGS, WhoArguedWhat, arguments_html


def _columns(html: str) -> dict:
    """{side: html of its column} from arguments_html's output (one leader)."""
    parts = re.split(r'<div class="kit-args-side" data-side="([a-z_]+)">', html)
    return dict(zip(parts[1::2], parts[2::2]))


def _ids(html: str) -> list:
    return re.findall(r'data-position="([^"]+)"', html)


def test_every_position_appears_under_its_side(casebook):
    pos = casebook.positions
    for leader in casebook.leader_order:
        cols = _columns(arguments_html(casebook, leader=leader))
        assert list(cols) == list(SIDES)
        for side in SIDES:
            assert esc(SIDE_HEADINGS[side]) in cols[side]
            want = pos[(pos.leader == leader) & (pos.side == side)].position_id.tolist()
            assert _ids(cols[side]) == want, (leader, side)


def test_both_leaders_by_default(casebook):
    html = arguments_html(casebook)
    assert sorted(_ids(html)) == sorted(casebook.positions.position_id)


def test_quotes_and_source_links_shown(casebook):
    row = casebook.positions[casebook.positions.position_id == "PT01"].iloc[0]
    html = arguments_html(casebook, leader="trump")
    assert f"“{esc(row.quote)}”" in html
    assert 'href="' in html and ">S1</a>" in html


def test_content_note_folds_the_quote(casebook):
    pos = casebook.positions
    noted = pos[(pos.content_note != "") & (pos.quote != "")]
    assert len(noted) > 0
    html = arguments_html(casebook)
    for _, row in noted.iterrows():
        entry = html.split(f'data-position="{row.position_id}">', 1)[1].split('<div class="kit-args-entry', 1)[0]
        note_at = entry.index(f"Content note: {esc(row.content_note)}")
        details = entry.index("<details><summary>Show the quote (content note: ")
        quote_at = entry.index(esc(row.quote))
        assert note_at < details < quote_at
        assert entry.index("</details>") > quote_at


def test_item_positions_first_then_the_others(casebook):
    pos = casebook.positions
    html = arguments_html(casebook, item_id="T13")
    cols = _columns(html)
    against = _ids(cols["against_action"])
    own = pos[(pos.item_id == "T13") & (pos.side == "against_action")].position_id.tolist()
    rest = pos[(pos.leader == "trump") & (pos.item_id != "T13")
               & (pos.side == "against_action")].position_id.tolist()
    assert own and against == own + rest
    assert 'kit-args-entry kit-args-item" data-position="' + own[0] in html
    assert not set(_ids(html)) & set(pos[pos.leader == "khamenei"].position_id)


def test_compact_keeps_the_item_and_the_platform_reasoning(casebook):
    pos = casebook.positions
    html = arguments_html(casebook, item_id="T13", compact=True)
    want = set(pos[(pos.leader == "trump")
                   & ((pos.item_id == "T13") | (pos.side == "platform_reasoning"))].position_id)
    assert set(_ids(html)) == want
    assert len(html) < len(arguments_html(casebook, item_id="T13"))


def test_payload_in_a_case_file_is_escaped(tmp_path):
    payload = '<img src=x onerror=alert(1)>'
    folder = make_case(tmp_path / "case",
                       accounts=[{"handle": "a", "leader": "trump"}],
                       items=[{"item_id": "T1", "leader": "trump", "handle": "a",
                               "title": "t", "date": "2020-01-01"}])
    row = {"position_id": "P1", "leader": "trump", "side": "against_action", "who": payload,
           "who_kind": "individual", "date": "2021-01-09", "date_precision": "day",
           "summary": f"{payload} says so", "quote": payload, "quote_checked_in": "S1",
           "content_note": payload, "item_id": "T1", "source_ids": "S1"}
    write_table(folder / SCHEMA["positions"].file, [row], SCHEMA["positions"].column_names)
    cb = kit.load_casebook(folder)
    html = arguments_html(cb, item_id="T1")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert _ids(_columns(html)["against_action"]) == ["P1"]
    assert "Nothing recorded" in _columns(html)["platform_reasoning"]


def test_app_rerenders_on_leader_change(casebook):
    app = WhoArguedWhat(casebook)
    pos = casebook.positions
    assert set(_ids(app.result.value)) == set(pos[pos.leader == "trump"].position_id)
    app.leader.value = "khamenei"
    assert set(_ids(app.result.value)) == set(pos[pos.leader == "khamenei"].position_id)
    assert "kit-arguments" in app._dom_classes
