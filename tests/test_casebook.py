"""The case file: the shipped data validates, every corruption gives a clear KitDataError,
and key facts match their sources."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import kit
from kit.casebook import DATA_DIR, SCHEMA, VERBATIM_CHECKS, quiz_choices
from casefiles import ROOT, read_table, write_table

FACTS = ROOT.parent / "shared" / "research" / "facts.md"


# --------------------------------------------------------------------------- shipped data

def test_shipped_case_file_loads(casebook):
    assert repr(casebook).startswith("Casebook(")
    for name, table in SCHEMA.items():
        assert table.optional or len(casebook.table(name)) > 0, name


def test_every_row_of_every_table_has_a_source(casebook):
    for name, table in SCHEMA.items():
        if name == "sources":
            continue
        frame = casebook.table(name)
        assert frame.source_ids.map(len).gt(0).all(), name


def test_every_source_is_cited_or_is_a_seed(casebook):
    cited = set()
    for name in SCHEMA:
        frame = casebook.table(name)
        for col in [c.name for c in SCHEMA[name].columns if c.kind == "refs" and c.ref == "sources"]:
            for ids in frame[col]:
                cited.update(ids)
    uncited = set(casebook.sources.source_id) - cited
    assert uncited <= {s for s in uncited if s.startswith("SEED")}, uncited


def test_items_are_between_25_and_40_and_balanced(casebook):
    items = casebook.items
    assert 25 <= len(items) <= 40
    counts = items.leader.value_counts()
    assert counts.min() / counts.max() >= 0.6, counts.to_dict()
    assert set(items.kind) == {"post", "account"}
    assert (items.twitter_action == "none").sum() >= 3, "items where Twitter did nothing"


def test_items_with_no_action_say_as_of_when(casebook):
    items = casebook.items
    quiet = items[items.twitter_action == "none"]
    assert quiet.action_note.str.contains(r"\d{4}").all(), quiet.item_id.tolist()


def test_accounts_named_by_the_seeds_are_present(casebook):
    handles = {h.lower() for h in casebook.accounts.handle}
    for h in ["realDonaldTrump", "khamenei_ir", "khamenei_fa", "khamenei_site", "KhameneiSite",
              "khamenei_tv", "es_khamenei", "khameneiru", "ar_khamenei", "khamenei_fra",
              "de_khamenei", "it_khamenei", "tr_khamenei_ir", "in_khamenei", "ur_khamenei",
              "site_khamenei"]:
        assert h.lower() in handles, h
    assert (casebook.accounts.language == "he").any(), "the 2024 Hebrew account"


def test_two_khamenei_site_accounts_stay_distinct(casebook):
    acc = casebook.accounts.set_index("handle")
    assert "khamenei_site" in acc.index and "KhameneiSite" in acc.index
    items = casebook.items
    site21 = items[items.handle == "khamenei_site"]
    site22 = items[items.handle == "KhameneiSite"]
    assert (site21.date.dt.year == 2021).all() and (site22.date.dt.year == 2022).all()
    rules21 = {r for ids in site21.twitter_rule_ids for r in ids}
    rules22 = {r for ids in site22.twitter_rule_ids for r in ids}
    assert {"abusive_behavior", "platform_manipulation"} <= rules21
    assert "ban_evasion" in rules22


def test_trump_8_january_tweets_are_verbatim_and_led_to_suspension(casebook):
    facts = FACTS.read_text(encoding="utf-8") if FACTS.exists() else ""
    tweet1 = ("The 75,000,000 great American Patriots who voted for me, AMERICA FIRST, and MAKE "
              "AMERICA GREAT AGAIN, will have a GIANT VOICE long into the future. They will not be "
              "disrespected or treated unfairly in any way, shape or form!!!")
    tweet2 = "To all of those who have asked, I will not be going to the Inauguration on January 20th."
    items = casebook.items
    for text in (tweet1, tweet2):
        if facts:
            assert text in facts
        row = items[items.text == text]
        assert len(row) == 1, text
        row = row.iloc[0]
        assert row.date == pd.Timestamp("2021-01-08")
        assert row.content_type == "verbatim"
        assert "glorification_of_violence" in row.twitter_rule_ids
        assert row.twitter_action == "suspend"


def test_trump_suspension_is_not_attributed_to_the_6_january_video(casebook):
    items = casebook.items
    video = items[(items.leader == "trump") & items.text.str.contains("video", case=False)
                  & (items.date == pd.Timestamp("2021-01-06"))]
    assert len(video) >= 1
    assert (video.twitter_action != "suspend").all()
    assert set().union(*video.twitter_rule_ids) <= {"civic_integrity"}


def test_seed_errors_are_not_repeated():
    text = "\n".join(p.read_text(encoding="utf-8") for p in DATA_DIR.glob("*.csv"))
    body = re.sub(r"^SEED\d,.*$", "", text, flags=re.M)  # the seed rows name their errors
    assert "stealth bomber" not in body.lower()
    assert "2Khamenei" not in body
    assert "@Khamenei-fa" not in body


def test_contested_protest_deaths_keep_both_figures(casebook):
    fig = casebook.figures
    group = fig[fig.contested_group.str.contains("protest", case=False)]
    values = set(group.value.dropna().astype(int))
    assert {1500, 304} <= values
    assert group.reported_by.str.contains("Reuters").any()
    assert group.reported_by.str.contains("Amnesty").any()


def test_vaccine_tweet_english_removed_persian_left_up(casebook):
    items = casebook.items
    vax = items[(items.handle.isin(["khamenei_ir", "khamenei_fa"]))
                & (items.compare_group == "misinformation")
                & (items.date.dt.year == 2021)]
    assert set(vax.twitter_action) >= {"remove", "none"}


def test_rules_cover_the_policies_of_the_time(casebook):
    ids = set(casebook.rules.rule_id)
    assert {"glorification_of_violence", "abusive_behavior", "hateful_conduct", "holocaust_denial",
            "platform_manipulation", "ban_evasion", "civic_integrity", "covid_misinformation",
            "violent_organizations", "public_interest_notice", "world_leaders_exempt",
            "world_leaders_never_exempt", "consultation_2021"} <= ids
    facts = FACTS.read_text(encoding="utf-8") if FACTS.exists() else None
    if facts:  # every rule excerpt is verbatim from the research notes
        flat = facts.replace("\n", " ")
        for _, r in casebook.rules.iterrows():
            for part in r.excerpt.split(" / "):
                assert part.rstrip("…").strip() in flat, (r.rule_id, part)


def _verbatim_rows(casebook):
    """(table, row, verbatim column, checked-in column, note column) for every row whose
    verbatim column holds text: verbatim item texts (descriptions only when a check was
    recorded), evidence claims that quote words, and every stated reason, excerpt and quote."""
    for tname, checks in VERBATIM_CHECKS.items():
        for _, row in casebook.table(tname).iterrows():
            for col, checked, note in checks:
                if not row[col]:
                    continue
                if tname == "items" and col == "text" and row.content_type != "verbatim" \
                        and not (row[checked] or row[note]):
                    continue
                if tname == "evidence" and '"' not in row[col]:
                    continue
                yield tname, row, col, checked, note


def test_every_verbatim_row_names_the_copy_it_was_checked_in(casebook):
    kinds = casebook.sources.set_index("source_id").kind
    seen = 0
    for tname, row, col, checked, note in _verbatim_rows(casebook):
        seen += 1
        key = row[SCHEMA[tname].key]
        where = f"{tname} {key} {col}"
        assert row[note], f"{where}: no check note"
        if not row[checked]:
            assert row[note].startswith("not found"), f"{where}: names no checked source"
            continue
        own = set(row.source_ids) | set(row.get("excerpt_source_ids", ()))
        assert set(row[checked]) <= own, f"{where}: checked in {row[checked]}, not a row source"
        if all(kinds[s] == "advocacy" for s in row[checked]):
            assert "advocacy" in row[note], f"{where}: checked only in advocacy sources"
    assert seen >= 100


def test_quotes_known_only_from_an_advocate_say_so(casebook):
    kinds = casebook.sources.set_index("source_id").kind
    for tname, row, col, checked, note in _verbatim_rows(casebook):
        if all(kinds[s] == "advocacy" for s in row.source_ids) and not row[checked]:
            assert "advocacy" in row[note], (tname, row[SCHEMA[tname].key])
    items = casebook.items.set_index("item_id")
    for iid in ("K01", "K02", "K04", "K05"):  # quoted by ADL only
        assert "ADL" in items.context[iid] and "advocacy" in items.text_check_note[iid], iid


def test_reviewed_corrections_hold(casebook):
    items = casebook.items.set_index("item_id")
    assert "If he echoes thoughts of Little Rocket Man" in items.text["T01"]
    assert items.content_type["T01"] == "verbatim"
    assert "sacred landslide election victory" in items.text["T12"]
    assert "once the account could Tweet again" not in items.context["T14"]
    assert "S24" not in items.source_ids["K11"]
    rules = casebook.rules.set_index("rule_id")
    assert rules.public_interest_exception["abusive_behavior"] == "eligible"
    assert pd.isna(rules.in_force_from["holocaust_denial"])
    assert "inference" in rules.summary["ban_evasion"]
    assert casebook.accounts.set_index("handle").verified["khamenei_ir"] == "no"


def test_enforcement_ladder_levels(casebook):
    assert casebook.action_levels == {"none": 0, "label": 1, "notice": 2, "remove": 3,
                                      "lock": 4, "suspend": 5}


def test_casebook_is_read_only(casebook):
    items = casebook.items
    items.loc[:, "text"] = "changed"
    del items["title"]
    assert (casebook.items.text != "changed").all()
    assert "title" in casebook.items.columns


def test_dates_are_timestamps_and_ids_are_tuples(casebook):
    items = casebook.items
    assert pd.api.types.is_datetime64_any_dtype(items.date)
    assert all(isinstance(x, tuple) for x in items.source_ids)


def test_data_dictionary_documents_every_column():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name, table in SCHEMA.items():
        assert f"{name}.csv" in readme, name
        for col in table.column_names:
            assert f"`{col}`" in readme, f"{name}.{col} is not in data/README.md"


# --------------------------------------------------------------------------- corruption

def _edit(folder, table, fn):
    path = folder / f"{table}.csv"
    rows = read_table(path)
    cols = list(rows[0].keys())
    rows = fn(rows) or rows
    write_table(path, rows, cols)


def _raises(folder, *parts):
    with pytest.raises(kit.KitDataError) as info:
        kit.load_casebook(folder)
    msg = str(info.value)
    for p in parts:
        assert p in msg, msg
    return info.value


def test_dangling_source_id(data_copy):
    _edit(data_copy, "items", lambda rows: rows[2].update(source_ids="S1;S999"))
    err = _raises(data_copy, "data/items.csv", "row 4", "source_ids", "'S999'")
    assert err.file == "data/items.csv" and err.row == 4 and err.column == "source_ids"


def test_bad_date(data_copy):
    _edit(data_copy, "events", lambda rows: rows[0].update(date="2021-13-01"))
    _raises(data_copy, "data/events.csv", "row 2", "'date'", "YYYY-MM-DD")


def test_date_in_another_format(data_copy):
    _edit(data_copy, "items", lambda rows: rows[0].update(date="08/01/2021"))
    _raises(data_copy, "data/items.csv", "row 2", "'08/01/2021'")


def test_duplicate_id(data_copy):
    def dup(rows):
        rows[3]["item_id"] = rows[1]["item_id"]
    _edit(data_copy, "items", dup)
    _raises(data_copy, "data/items.csv", "row 5", "duplicate item_id", "first used in row 3")


def test_unknown_action(data_copy):
    _edit(data_copy, "items", lambda rows: rows[0].update(twitter_action="shadowban"))
    _raises(data_copy, "data/items.csv", "row 2", "twitter_action", "'shadowban'", "actions.csv")


def test_unknown_enumeration_value(data_copy):
    _edit(data_copy, "accounts", lambda rows: rows[0].update(attribution="probably"))
    _raises(data_copy, "data/accounts.csv", "row 2", "attribution", "official")


def test_missing_column(data_copy):
    path = data_copy / "rules.csv"
    rows = read_table(path)
    cols = [c for c in rows[0] if c != "excerpt"]
    write_table(path, [{c: r[c] for c in cols} for r in rows], cols)
    _raises(data_copy, "data/rules.csv", "missing column(s) excerpt")


def test_missing_required_value(data_copy):
    _edit(data_copy, "items", lambda rows: rows[1].update(context=""))
    _raises(data_copy, "data/items.csv", "row 3", "context", "required")


def test_not_a_number(data_copy):
    _edit(data_copy, "accounts", lambda rows: rows[0].update(followers="880k"))
    _raises(data_copy, "data/accounts.csv", "followers", "whole number")


def test_file_that_is_not_csv(data_copy):
    (data_copy / "events.csv").write_text('{"events": [1, 2, 3]}\n', encoding="utf-8")
    _raises(data_copy, "data/events.csv", "comma-separated")


def test_binary_file(data_copy):
    (data_copy / "figures.csv").write_bytes(b"PK\x03\x04\x00\x00binary zip")
    _raises(data_copy, "data/figures.csv", "not a CSV")


def test_empty_file(data_copy):
    (data_copy / "allegations.csv").write_text("", encoding="utf-8")
    _raises(data_copy, "data/allegations.csv", "empty")


def test_header_only(data_copy):
    header = (data_copy / "figures.csv").read_text(encoding="utf-8").splitlines()[0]
    (data_copy / "figures.csv").write_text(header + "\n", encoding="utf-8")
    _raises(data_copy, "data/figures.csv", "no rows")


def test_not_utf8(data_copy):
    raw = (data_copy / "sources.csv").read_bytes().replace("'".encode(), "\u2019".encode("cp1252"), 1)
    (data_copy / "sources.csv").write_bytes(raw + "caf\u00e9".encode("latin-1"))
    _raises(data_copy, "data/sources.csv", "UTF-8")


def test_ragged_row(data_copy):
    path = data_copy / "actions.csv"
    path.write_text(path.read_text(encoding="utf-8") + "extra,Extra,9,tweet,a,b,S1,surplus\n",
                    encoding="utf-8")
    _raises(data_copy, "data/actions.csv", "row 8", "fields")


def test_missing_file(data_copy):
    (data_copy / "rules.csv").unlink()
    _raises(data_copy, "data/rules.csv", "missing")


def test_missing_folder(tmp_path):
    _raises(tmp_path / "nowhere", "does not exist")


def test_item_leader_must_match_its_account(data_copy):
    def flip(rows):
        row = next(r for r in rows if r["leader"] == "trump")
        row["leader"] = "khamenei"
    _edit(data_copy, "items", flip)
    _raises(data_copy, "data/items.csv", "leader", "does not match")


def test_a_framework_entry_is_not_a_rule_to_break(data_copy):
    _edit(data_copy, "allegations", lambda rows: rows[0].update(rule_id="public_interest_notice"))
    _raises(data_copy, "data/allegations.csv", "row 2", "not a rule a post can break")


def test_quiz_choices():
    assert quiz_choices(" a | b|c ") == ["a", "b", "c"]
    assert quiz_choices("a | | b") == ["a", "b"]


def test_quiz_answer_must_be_one_of_its_choices(data_copy):
    _edit(data_copy, "quiz", lambda rows: rows[1].update(choices="A | B", answer="C"))
    err = _raises(data_copy, "data/quiz.csv", "row 3", "'answer'", "not exactly one of its choices")
    assert err.file == "data/quiz.csv" and err.row == 3 and err.column == "answer"


def test_quiz_needs_two_different_choices(data_copy):
    _edit(data_copy, "quiz", lambda rows: rows[0].update(choices="Only | ", answer="Only"))
    _raises(data_copy, "data/quiz.csv", "row 2", "'choices'", "needs at least two choices")
    _edit(data_copy, "quiz", lambda rows: rows[0].update(choices="A | B | A", answer="A"))
    _raises(data_copy, "data/quiz.csv", "row 2", "'choices'", "lists a choice twice")


def test_errors_are_value_errors_with_no_chained_traceback(data_copy):
    _edit(data_copy, "items", lambda rows: rows[0].update(date="tomorrow"))
    with pytest.raises(ValueError) as info:
        kit.load_casebook(data_copy)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_synthetic_case_factory(case_factory):
    cb = case_factory(accounts=[{"handle": "a", "leader": "trump"}],
                      items=[{"item_id": "T1", "leader": "trump", "handle": "a", "title": "t",
                              "date": "2020-01-01"}])
    assert list(cb.items.item_id) == ["T1"]


# --------------------------------------------------------------------------- positions, current_to

def test_positions_load_and_every_row_is_sourced(casebook):
    pos = casebook.positions
    assert len(pos) > 0
    assert pos.source_ids.map(len).gt(0).all()
    assert set(pos.side) <= set(kit.casebook.SIDES)
    # every quote names the source whose copy has it, and that source is cited by the row
    quoted = pos[pos.quote != ""]
    assert len(quoted) > 0
    for r in quoted.itertuples(index=False):
        assert r.quote_checked_in and set(r.quote_checked_in) <= set(r.source_ids), r.position_id


def test_each_leader_has_a_position_on_each_side(casebook):
    pos = casebook.positions
    for leader in casebook.leader_order:
        sides = set(pos.side[pos.leader == leader])
        assert {"platform_reasoning", "for_action", "against_action"} <= sides, (leader, sides)
        assert "leader_response" in sides, leader


def test_positions_about_an_item_match_its_leader(casebook):
    pos, items = casebook.positions, casebook.items.set_index("item_id")
    linked = pos[pos.item_id != ""]
    assert len(linked) > 0
    assert (items.leader[linked.item_id].to_numpy() == linked.leader.to_numpy()).all()


def test_bad_side_value(data_copy):
    _edit(data_copy, "positions", lambda rows: rows[1].update(side="opposed"))
    err = _raises(data_copy, "data/positions.csv", "row 3", "side", "'opposed'", "for_action")
    assert err.file == "data/positions.csv" and err.row == 3 and err.column == "side"


def test_position_quote_needs_the_source_it_was_checked_in(data_copy):
    def unchecked(rows):
        row = next(r for r in rows if r["quote"])
        row["quote_checked_in"] = ""
    _edit(data_copy, "positions", unchecked)
    _raises(data_copy, "data/positions.csv", "quote_checked_in", "exact words")


def test_position_quote_source_must_be_among_its_sources(data_copy):
    def stray(rows):
        row = next(r for r in rows if r["quote"] and "S1" not in r["source_ids"].split(";"))
        row["quote_checked_in"] = "S1"
    _edit(data_copy, "positions", stray)
    _raises(data_copy, "data/positions.csv", "quote_checked_in", "S1", "source_ids")


def test_position_item_of_the_other_leader(data_copy):
    def flip(rows):
        row = next(r for r in rows if r["leader"] == "trump" and r["item_id"])
        row["item_id"] = "K07"
    _edit(data_copy, "positions", flip)
    _raises(data_copy, "data/positions.csv", "item_id", "K07", "'khamenei'")


def test_position_date_needs_a_precision(data_copy):
    def no_precision(rows):
        row = next(r for r in rows if r["date"])
        row["date_precision"] = ""
    _edit(data_copy, "positions", no_precision)
    _raises(data_copy, "data/positions.csv", "date_precision")


def test_case_file_without_positions_still_loads(data_copy):
    (data_copy / "positions.csv").unlink()
    cb = kit.load_casebook(data_copy)
    assert cb.positions.empty and list(cb.positions.columns) == SCHEMA["positions"].column_names


def test_current_to_is_read_from_the_readme(casebook, data_copy):
    import datetime as dt
    assert casebook.current_to == dt.date(2026, 12, 1)
    readme = DATA_DIR / "README.md"
    assert "Current to: 1 December 2026" in readme.read_text(encoding="utf-8")
    (data_copy / "README.md").write_text("# x\n\nCurrent to: 15 March 2027\n", encoding="utf-8")
    assert kit.load_casebook(data_copy).current_to == dt.date(2027, 3, 15)


def test_current_to_missing_or_malformed(data_copy):
    (data_copy / "README.md").write_text("# no date here\n", encoding="utf-8")
    assert kit.load_casebook(data_copy).current_to is None
    (data_copy / "README.md").write_text("Current to: December 2026\n", encoding="utf-8")
    with pytest.raises(kit.KitDataError) as info:
        kit.load_casebook(data_copy).current_to
    assert "data/README.md" in str(info.value) and "December 2026" in str(info.value)


def test_khamenei_death_keeps_both_dates_with_who_reports_them(casebook):
    ev = casebook.events
    k = ev[(ev.leader == "khamenei") & ev.description.str.contains("death")]
    dates = set(k.date.dt.strftime("%Y-%m-%d"))
    assert {"2026-02-28", "2026-03-01"} <= dates, dates
