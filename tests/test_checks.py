"""kit.check_setup: every check passes here, and each failure is a ✗ line with a fix."""
from __future__ import annotations

import sys

import pytest

import kit
from casefiles import read_table, write_table
from kit import checks
from kit.casebook import LOAD_ORDER
from kit.checks import Check, SetupReport, check_setup, read_pins


def lines(report) -> list:
    return str(report).splitlines()


def by_name(report, name) -> Check:
    return next(c for c in report.checks if c.name == name)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "decisions"


def test_all_pass_here_and_text_is_machine_independent(folder, casebook):
    report = kit.check_setup(folder=folder)
    assert report.ok and report.problems == []
    text = str(report)
    assert repr(report) == text
    sizes = ", ".join(f"{n} {len(casebook.table(n))}" for n in LOAD_ORDER)
    assert lines(report) == [
        "Setup check: all 5 checks passed. You are ready.",
        "✓ Python 3.11 or newer",
        f"✓ all {len(checks.REQUIRED_PACKAGES)} required packages import, at the versions "
        "pinned in requirements.txt",
        f"✓ the case file loads: {sizes}",
        "✓ charts can be drawn offline (anywidget and vl-convert-python)",
        "✓ the decisions folder exists and is writable",
    ]
    # nothing machine-specific in the default text; it is all in details()
    for secret in (str(folder), str(checks.ROOT), sys.executable, sys.version.split()[0]):
        assert secret not in text
    details = report.details()
    assert str(folder) in details and sys.executable in details
    assert folder.is_dir() and list(folder.iterdir()) == []  # the probe file is gone


def test_same_text_twice(folder):
    assert str(check_setup(folder=folder)) == str(check_setup(folder=folder))


def test_old_python_fails_with_fix(folder):
    report = check_setup(folder=folder, python=(3, 10, 4))
    assert not report.ok and [c.name for c in report.problems] == ["python"]
    assert lines(report)[:3] == [
        "Setup check: 1 of 5 checks failed (✗ below, each with its fix).",
        "✗ Python 3.11 or newer is needed; this is Python 3.10.4",
        "    Fix: install Python 3.11 or newer, then run python -m pip install -r "
        "requirements.txt with it",
    ]


def test_missing_package_is_a_failure(folder):
    report = check_setup(folder=folder, packages={"pandas": "pandas",
                                                  "no-such-pkg": "no_such_pkg_kit_test"})
    c = by_name(report, "packages")
    assert not c.ok
    assert c.text == "1 of 2 required packages missing or broken: no-such-pkg"
    assert "pip install -r requirements.txt" in c.fix
    assert len(report.problems) == 1


def test_version_mismatch_is_reported_not_failed(folder, tmp_path):
    import pandas
    req = tmp_path / "requirements.txt"
    req.write_text("pandas==0.0.1\nnumpy==" + __import__("numpy").__version__ + "\n-e .\n")
    report = check_setup(folder=folder, requirements=req,
                         packages={"pandas": "pandas", "numpy": "numpy"})
    c = by_name(report, "packages")
    assert c.ok and report.ok
    assert c.text == (f"all 2 required packages import; 1 differs from requirements.txt: "
                      f"pandas {pandas.__version__} (pinned 0.0.1). Usually fine; to match "
                      "exactly, run python -m pip install -r requirements.txt")
    assert lines(report)[2] == "✓ " + c.text


def test_no_requirements_file(folder, tmp_path):
    c = by_name(check_setup(folder=folder, requirements=tmp_path / "none.txt",
                            packages={"pandas": "pandas"}), "packages")
    assert c.ok and c.text == ("all 1 required packages import (requirements.txt not found: "
                               "versions not compared)")


def test_read_pins(tmp_path):
    req = tmp_path / "r.txt"
    req.write_text("# c\nAltair==6.3.0\n  ipython_pygments_lexers == 1.1.1\n"
                   "pkg>=2\n-e .\nx==1 ; python_version<'3.12'\n")
    assert read_pins(req) == {"altair": "6.3.0", "ipython-pygments-lexers": "1.1.1", "x": "1"}


def test_shipped_pins_cover_required_packages():
    pins = read_pins(checks.REQUIREMENTS)
    for dist in checks.REQUIRED_PACKAGES:
        assert checks._canonical(dist) in pins, dist


def test_broken_case_file_names_file_row_column(folder, data_copy):
    rows = read_table(data_copy / "items.csv")
    rows[0]["date"] = "8 Jan 2021"
    write_table(data_copy / "items.csv", rows)
    report = check_setup(folder=folder, data_dir=data_copy)
    c = by_name(report, "case file")
    assert not c.ok and [p.name for p in report.problems] == ["case file"]
    assert c.text == ("the case file does not load: data/items.csv, row 2, column 'date': "
                      "'8 Jan 2021' is not a date in the form YYYY-MM-DD")
    assert "data/README.md" in c.fix


def test_missing_case_folder_hides_the_path(folder, tmp_path):
    missing = tmp_path / "nowhere"
    report = check_setup(folder=folder, data_dir=missing)
    c = by_name(report, "case file")
    assert not c.ok
    assert c.text == "the case file does not load: the case-file folder does not exist"
    assert str(missing) not in str(report) and str(missing) in report.details()


def test_charts_need_anywidget_and_vl_convert(folder, monkeypatch):
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import now raises ImportError
    report = check_setup(folder=folder, packages={"pandas": "pandas"})
    c = by_name(report, "charts")
    assert not c.ok
    assert c.text == "charts cannot be drawn offline: vl-convert-python not installed"
    assert c.fix.startswith("run python -m pip install vl-convert-python")


def test_unwritable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    report = check_setup(folder=blocker / "decisions")
    c = by_name(report, "decisions folder")
    assert not c.ok and c.text.startswith("decisions cannot be saved: the folder is not writable")
    assert "KIT_DECISIONS_DIR" in c.fix
    assert str(blocker) not in str(report)


def test_env_folder_that_is_a_file(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(blocker))
    c = by_name(check_setup(), "decisions folder")
    assert not c.ok
    assert c.text == ("decisions cannot be saved: this is a file, but decisions need a folder "
                      "here (check KIT_DECISIONS_DIR)")
    assert str(blocker) not in c.text


def test_default_folder_comes_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_DECISIONS_DIR", str(tmp_path / "class"))
    c = by_name(check_setup(), "decisions folder")
    assert c.ok and c.detail == str(tmp_path / "class")


def test_report_lines_and_problems():
    report = SetupReport((Check("a", True, "fine"), Check("b", False, "broken", fix="do x")))
    assert report.problems == [report.checks[1]]
    assert lines(report) == ["Setup check: 1 of 2 checks failed (✗ below, each with its fix).",
                             "✓ fine", "✗ broken", "    Fix: do x"]
