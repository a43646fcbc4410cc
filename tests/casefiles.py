"""Builders for case files in tests: read and write CSV tables, write small synthetic case files.

Import them in a test module (``tests/`` is on the path while pytest runs)::

    from casefiles import make_case, read_table, write_table

The fixtures built on them (``casebook``, ``data_copy``, ``case_factory``) are in
``tests/conftest.py``.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from kit.casebook import DATA_DIR, SCHEMA

#: The kit's checkout (the folder holding data/, kit/, notebooks/, tests/).
ROOT = Path(__file__).resolve().parent.parent


def read_table(path: Path) -> list[dict]:
    """The rows of a CSV file, as dicts of strings (header row as keys)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_table(path: Path, rows: list[dict], columns=None) -> None:
    """Write ``rows`` (dicts) as a CSV file with ``columns`` (default: the first row's keys)."""
    columns = columns or list(rows[0].keys())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns)
        w.writeheader()
        w.writerows(rows)


_DEFAULTS = {
    "accounts": dict(platform="twitter", display_name="", role="personal", language="en",
                     attribution="official", attribution_note="", verified="yes", verified_note="",
                     created="", followers="1000000", followers_as_of="2021-01-01",
                     followers_source_ids="S1", status_note="", source_ids="S1"),
    "items": dict(kind="post", date_precision="day", language="en", content_type="verbatim",
                  text="synthetic text", context="synthetic context", content_note="",
                  twitter_action="none", twitter_action_date="", twitter_rule_ids="",
                  twitter_stated_reason="", action_note="", compare_group="", source_ids="S1"),
    "allegations": dict(alleged_by="Tester", alleger_kind="researcher", date="", quote="",
                        source_ids="S1"),
    "events": dict(date_precision="day", leader="none", platform="twitter", handle="",
                   actor="Twitter", event_type="other", action_id="", item_id="",
                   description="synthetic event", stated_reason="", source_ids="S1"),
    "figures": dict(subject="x", measure="m", value="1", value_text="1", as_of="",
                    date_precision="", reported_by="Tester", contested_group="", note="",
                    source_ids="S1"),
}


def make_case(folder: Path, accounts, items, allegations=(), events=(), figures=()) -> Path:
    """Write a small synthetic case file into ``folder`` and return it.

    Sources, rules and actions are the shipped ones; accounts, items, allegations,
    events and figures are the rows given (dicts), with every column not given
    filled with a harmless default. Example::

        make_case(tmp_path, accounts=[{"handle": "a", "leader": "trump"}],
                  items=[{"item_id": "T1", "leader": "trump", "handle": "a",
                          "title": "t", "date": "2020-01-01"}])
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sources", "rules", "actions"):
        shutil.copy(DATA_DIR / SCHEMA[name].file, folder / SCHEMA[name].file)
    given = {"accounts": accounts, "items": items, "allegations": allegations,
             "events": events, "figures": figures}
    for name, rows in given.items():
        rows = list(rows)
        if not rows:  # every table needs a row: add a harmless one
            if name == "allegations":
                rows = [{"allegation_id": "A0", "item_id": items[0]["item_id"],
                         "rule_id": "hateful_conduct"}]
            elif name == "events":
                rows = [{"event_id": "E0", "date": "2020-01-01"}]
            elif name == "figures":
                rows = [{"figure_id": "F0"}]
        cols = SCHEMA[name].column_names
        full = [{**_DEFAULTS.get(name, {}), **r} for r in rows]
        write_table(folder / SCHEMA[name].file, [{c: r.get(c, "") for c in cols} for r in full], cols)
    return folder
