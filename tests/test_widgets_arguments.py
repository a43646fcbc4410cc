"""Who argued what (kit.widgets.arguments): every position under its side, escaped, quotes with a
content note folded, the item's own positions first, the compact form in the desk's reveal."""
from __future__ import annotations

import re

import pytest

import kit
from casefiles import make_case, write_table
from kit.casebook import SCHEMA, SIDES
from kit.widgets import DecisionDesk, WhoArguedWhat
from kit.widgets.arguments import SIDE_HEADINGS, arguments_html
from widgetprobe import IMG, IMG_ESC, SCRIPT, SCRIPT_ESC


def _sides(page: str) -> dict:
    """side -> the HTML of its column."""
    return dict(re.findall(r'data-side="(\w+)">(.*?)</div>', page, re.S))


def test_every_shipped_position_sits_under_its_side(casebook):
    pos = casebook.positions
    for leader in casebook.leader_order:
        columns = _sides(arguments_html(casebook, leader=leader))
        assert list(columns) == list(SIDES)
        for row in pos[pos.leader == leader].itertuples():
            inside = [side for side, body in columns.items() if kit.widgets._common.esc(row.summary) in body]
            assert inside == [row.side], (row.position_id, inside)


@pytest.fixture
def case(tmp_path):
    folder = make_case(
        tmp_path / "case", accounts=[{"handle": "tr", "leader": "trump"}],
        items=[{"item_id": "T1", "leader": "trump", "handle": "tr", "title": "one",
                "date": "2021-01-06"},
               {"item_id": "T2", "leader": "trump", "handle": "tr", "title": "two",
                "date": "2021-01-07"}])
    cols = SCHEMA["positions"].column_names
    base = dict(leader="trump", who_kind="government", date="2021-01-09", date_precision="day",
                quote="", quote_checked_in="", content_note="", item_id="", source_ids="S1")
    rows = [
        dict(base, position_id="P1", side="against_action", who=f"Critic {IMG}",
             summary=f"Critic says {SCRIPT}", item_id="T2"),
        dict(base, position_id="P2", side="against_action", who="Other", summary="Other says no",
             item_id="T1"),
        dict(base, position_id="P3", side="platform_reasoning", who="Twitter",
             summary="Twitter says risk", quote=f"risk {IMG}", quote_checked_in="S1",
             content_note="Threat of violence"),
        dict(base, position_id="P4", side="for_action", who="Staff", summary="Staff say act",
             item_id="T2", date="", date_precision=""),
    ]
    write_table(folder / "positions.csv", [{c: r.get(c, "") for c in cols} for r in rows], cols)
    return kit.load_casebook(folder)


def test_text_from_the_case_file_is_escaped(case):
    page = arguments_html(case, leader="trump")
    assert IMG not in page and SCRIPT not in page
    assert IMG_ESC in page and SCRIPT_ESC in page


def test_a_quote_with_a_content_note_is_folded_under_the_note(case):
    column = _sides(arguments_html(case, leader="trump"))["platform_reasoning"]
    note = column.index("Content note: Threat of violence")
    assert note < column.index("<details><summary>Show the quote</summary>") < column.index("risk ")


def test_an_items_own_positions_come_first_and_compact_keeps_only_them(case):
    column = _sides(arguments_html(case, item_id="T1"))["against_action"]
    assert column.index("Other says no") < column.index("Critic says")
    assert "about this item" in column
    compact = _sides(arguments_html(case, item_id="T1", compact=True))
    assert "Other says no" in compact["against_action"] and "Critic" not in compact["against_action"]
    assert "Twitter says risk" in compact["platform_reasoning"]        # the platform's reasoning stays
    assert "Nothing in the case file." in compact["for_action"]
    assert "(date not found)" in arguments_html(case, leader="trump")  # P4 has no date


def test_unknown_leader_or_item_is_a_clear_error(case):
    with pytest.raises(kit.KitDataError, match="'putin' is not a leader"):
        arguments_html(case, leader="putin")
    with pytest.raises(kit.KitDataError, match="'Z9' is not an item"):
        arguments_html(case, item_id="Z9")


def test_the_app_redraws_for_the_chosen_leader(casebook):
    app = WhoArguedWhat(casebook)
    assert 'data-leader="trump"' in app.view.value and 'data-leader="khamenei"' not in app.view.value
    app.leader.value = "khamenei"
    assert 'data-leader="khamenei"' in app.view.value
    assert all(SIDE_HEADINGS[s].replace("'", "&#x27;") in app.view.value for s in SIDES)


def test_the_desk_reveal_shows_who_argued_what_only_after_saving(case, tmp_path):
    log = kit.DecisionLog(tmp_path / "ana.decisions.jsonl", casebook=case)
    desk = DecisionDesk(log, case)
    desk.go_to("T1")
    assert "Who argued what" not in desk.reveal.value
    desk.action.value = "none"
    desk.save_button.click()
    assert "Who argued what" in desk.reveal.value and "Other says no" in desk.reveal.value
    assert "Critic says" not in desk.reveal.value     # compact: another item's position
