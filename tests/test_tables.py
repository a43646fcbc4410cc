"""kit.tables: DataFrames as tables people read (names, words, escaped, captioned)."""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import kit
from kit.tables import Table, heading, table


@pytest.fixture(scope="module")
def cb():
    return kit.load_casebook()


def cells(t: Table) -> list:
    """The text of every body cell of the table's HTML, row by row."""
    body = t.html.split("<tbody>", 1)[1]
    return [[html.unescape(v) for v in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in body.split("</tr>") if "<td" in row]


def test_table_has_a_caption_headings_and_no_index():
    t = table(pd.DataFrame({"a_b": [1, 2]}, index=[7, 8]), "Two rows")
    assert "<caption>Two rows</caption>" in t.html
    assert '<th scope="col">A b</th>' in t.html
    assert cells(t) == [["1"], ["2"]]          # the index (7, 8) is not shown
    assert t.html.count("<th ") == 1


def test_missing_values_read_in_words_never_na_nan_or_tuples(cb):
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2021-01-08", None]),
        "count": pd.array([88_700_000, None], dtype="Int64"),
        "share": [0.5, np.nan],
        "source_ids": [("S16",), ()],
        "note": ["x", None],
    })
    t = table(frame, "Mixed", missing={"note": "no note"})
    assert cells(t) == [["2021-01-08", "88,700,000", "0.50", "S16", "x"],
                        ["not known", "not known", "not known", "none", "no note"]]
    for bad in ("&lt;NA&gt;", "<NA>", "NaN", "NaT", "nan", "(S16,)", "None"):
        assert bad not in t.html and bad not in t.text()


def test_ids_become_names(cb):
    frame = pd.DataFrame({"item_id": ["T01"], "leader": ["khamenei"], "handle": ["khamenei_ir"],
                          "action": ["lock"], "twitter_action": ["suspend"],
                          "rules": [("hateful_conduct", "ban_evasion")]})
    t = table(frame, "Named", casebook=cb)
    title = cb.items.set_index("item_id").at["T01", "title"]
    assert cells(t) == [[title, "Khamenei", "@khamenei_ir", "Account lock",
                         "Permanent suspension", "Hateful conduct, Ban evasion"]]
    assert t.headings == ["Item", "Leader", "Account", "Action", "What Twitter did", "Rules"]


def test_item_ids_stay_when_the_table_shows_titles(cb):
    frame = cb.items[["item_id", "title"]].head(1)
    assert table(frame, "Both", casebook=cb).rows[0][0] == "T01"


def test_text_is_escaped():
    t = table(pd.DataFrame({"x": ["<b>bold</b> & co"]}), "A <caption>", {"x": "<th>"})
    assert "<b>" not in t.html.replace("<b>bold", "")   # no raw tag from the data
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in t.html
    assert "A &lt;caption&gt;" in t.html and "&lt;th&gt;" in t.html


def test_an_empty_table_says_so_in_words():
    t = table(pd.DataFrame({"x": []}), "Files that could not be used",
              empty="Every file was read.")
    assert "Every file was read." in t.html and "<table" not in t.html
    assert "Empty DataFrame" not in t.html and "Index" not in t.html
    assert str(t) == "Files that could not be used: Every file was read."
    assert "There are no rows to show." in table(pd.DataFrame({"x": []}), "Nothing").html


def test_columns_given_as_a_mapping_choose_order_and_headings():
    frame = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
    t = table(frame, "Chosen", {"c": "Third", "a": "First"})
    assert t.headings == ["Third", "First"] and t.rows == [["3", "1"]]


def test_a_missing_column_is_a_clear_error():
    with pytest.raises(kit.KitDataError, match="no column nope"):
        table(pd.DataFrame({"a": [1]}), "Bad", ["a", "nope"])
    with pytest.raises(kit.KitDataError, match="needs a DataFrame"):
        table([1, 2], "Bad")


def test_percent_and_decimals():
    t = table(pd.DataFrame({"share": [0.256], "mean": [1.234]}), "Numbers", percent=["share"],
              decimals=1)
    assert t.rows == [["26%", "1.2"]]
    assert 'class="kit-num"' in t.html       # numbers align right


def test_coded_values_read_as_words(cb):
    t = table(cb.conduct_rules, "Rules", ["name", "public_interest_exception"])
    words = {row[1] for row in t.rows}
    assert words <= {"can be excused", "never excused", "does not apply (account rules)"}
    assert "not_applicable" not in t.html and "eligible" not in t.html


def test_jupyter_shows_it_as_html_with_a_plain_text_fallback():
    t = table(pd.DataFrame({"leader": ["trump", "khamenei"]}), "Leaders")
    assert t._repr_html_() == t.html
    assert repr(t) == "Leaders (2 rows):\nLeader: Trump\nLeader: Khamenei"
    assert t.frame().to_dict("list") == {"Leader": ["Trump", "Khamenei"]}


def test_index_can_be_shown_for_grouped_tables():
    g = pd.DataFrame({"group": ["a", "a", "b"], "v": [1, 3, 5]}).groupby("group").v.mean().to_frame()
    assert table(g, "Grouped", index=True).rows == [["a", "2.00"], ["b", "5.00"]]


def test_heading_defaults():
    assert heading("followers_as_of") == "Followers as of"
    assert heading("some_new_column") == "Some new column"


def test_every_cell_of_every_case_table_reads_as_words(cb):
    for name in ("accounts", "items", "events", "figures", "rules", "actions", "evidence"):
        t = table(cb.table(name), name, casebook=cb)
        for row in t.rows:
            for value in row:
                assert value not in ("<NA>", "NaN", "NaT", "nan", "None", "()"), (name, row)
                assert not re.fullmatch(r"\(.*,\)", value), (name, value)   # no tuple


def test_paragraphs_wrap_between_words_and_escape():
    from kit.tables import paragraphs

    p = paragraphs("A <i>first</i> paragraph\nwith two lines.", "A second.")
    assert p.html == ('<div class="kit-paragraphs"><p>A &lt;i&gt;first&lt;/i&gt; paragraph<br>'
                      "with two lines.</p><p>A second.</p></div>")
    assert repr(p) == "A <i>first</i> paragraph\nwith two lines.\n\nA second."
    assert p._repr_html_() == p.html


def test_languages_read_as_names(cb):
    from kit.tables import language_name

    pytest.importorskip("babel")
    assert language_name("fa") == "Persian" and language_name("und") == "not known"
    t = table(cb.accounts, "Languages", ["handle", "language"])
    assert {"English", "Persian", "not known"} <= {row[1] for row in t.rows}
