"""The setup check of notebook 0: is this machine ready for the lessons?

:func:`check_setup` runs five checks and returns a :class:`SetupReport` whose text
(``print(report)`` or the report as the last expression of a cell) is one ✓ or ✗
line per check, with a one-line fix under each ✗. That text is the same on every
machine that is set up correctly: no paths, no timings, no version numbers unless
they differ from ``requirements.txt``. Machine-specific facts (where Python, the case
file and the decisions folder are; the installed versions) are in
:meth:`SetupReport.details`, for a teacher helping a learner.

The checks:

1. Python is 3.11 or newer;
2. the packages the kit needs (:data:`REQUIRED_PACKAGES`) import, and their versions
   are compared with the pins in ``requirements.txt`` (a different version is
   reported plainly, but it is not a failure; a missing package is);
3. the case file loads (the sizes of its tables are listed);
4. charts can be drawn offline (``anywidget`` and ``vl_convert`` import);
5. the decisions folder exists and a file can be written in it.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KitDataError

ROOT = Path(__file__).resolve().parent.parent
#: The pins the kit is tested with.
REQUIREMENTS = ROOT / "requirements.txt"
#: Oldest Python the kit supports.
MIN_PYTHON = (3, 11)
#: What the kit and the lessons import: distribution name (as in requirements.txt) -> module.
REQUIRED_PACKAGES = {
    "pandas": "pandas",
    "numpy": "numpy",
    "altair": "altair",
    "ipywidgets": "ipywidgets",
    "jupyterlab_widgets": "jupyterlab_widgets",
    "anywidget": "anywidget",
    "vl-convert-python": "vl_convert",
    "ipykernel": "ipykernel",
}
#: The modules Altair's offline renderer needs (see ``kit.charts.setup``).
CHART_MODULES = {"anywidget": "anywidget", "vl_convert": "vl-convert-python"}

INSTALL = "python -m pip install -r requirements.txt"


@dataclass(frozen=True)
class Check:
    """One line of the report: ``ok``, what was checked (``text``), a ``fix`` when not ok,
    and machine-specific ``detail`` (shown only by :meth:`SetupReport.details`)."""

    name: str
    ok: bool
    text: str
    fix: str = ""
    detail: str = ""

    def lines(self) -> list:
        if self.ok:
            return [f"✓ {self.text}"]
        return [f"✗ {self.text}", f"    Fix: {self.fix}"]


@dataclass(frozen=True)
class SetupReport:
    """What :func:`check_setup` found. Print it (or leave it last in a cell) to read it.

    ``ok`` is True when every check passed; ``problems`` lists the checks that failed;
    ``checks`` has them all, in order; ``details()`` adds machine-specific facts.

    >>> report = SetupReport((Check("python", True, "Python 3.11 or newer"),
    ...                       Check("folder", False, "the decisions folder is not writable",
    ...                             fix="set KIT_DECISIONS_DIR to a folder you can write to")))
    >>> report.ok, [c.name for c in report.problems]
    (False, ['folder'])
    >>> print(report)
    Setup check: 1 of 2 checks failed (✗ below, each with its fix).
    ✓ Python 3.11 or newer
    ✗ the decisions folder is not writable
        Fix: set KIT_DECISIONS_DIR to a folder you can write to
    """

    checks: tuple = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list:
        return [c for c in self.checks if not c.ok]

    def __str__(self) -> str:
        n, bad = len(self.checks), len(self.problems)
        head = (f"Setup check: all {n} checks passed. You are ready." if not bad else
                f"Setup check: {bad} of {n} checks failed (✗ below, each with its fix).")
        return "\n".join([head, *(line for c in self.checks for line in c.lines())])

    __repr__ = __str__

    def details(self) -> str:
        """The machine-specific facts behind each check (paths, versions), for a helper."""
        return "\n".join(f"{c.name}: {c.detail}" for c in self.checks if c.detail)


# --------------------------------------------------------------------------- the checks

def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path) -> dict:
    """``{canonical name: version}`` for every ``name==version`` line of a requirements file.

    Comments, options and other lines (such as ``-e .``) are skipped; names are
    compared case-insensitively with ``-``, ``_`` and ``.`` alike. A missing file
    gives ``{}``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "requirements.txt"
    >>> _ = p.write_text("# pins\\nvl-convert-python==1.9.0.post1\\nJinja2==3.1.6  # x\\n-e .\\n")
    >>> read_pins(p)
    {'vl-convert-python': '1.9.0.post1', 'jinja2': '3.1.6'}
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return {}
    pins = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)", line)
        if m:
            pins[_canonical(m.group(1))] = m.group(2)
    return pins


def _check_python(version) -> Check:
    have = ".".join(map(str, tuple(version)[:3]))
    need = ".".join(map(str, MIN_PYTHON))
    if tuple(version)[:2] >= MIN_PYTHON:
        return Check("python", True, f"Python {need} or newer", detail=f"Python {have} at {sys.executable}")
    return Check("python", False, f"Python {need} or newer is needed; this is Python {have}",
                 fix=f"install Python {need} or newer, then run {INSTALL} with it",
                 detail=f"Python {have} at {sys.executable}")


def _version(dist: str):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _check_packages(packages: dict, pins: dict) -> Check:
    missing, differ, found = [], [], []
    for dist, module in packages.items():
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a broken install is as bad as a missing one
            missing.append(dist)
            continue
        have, pinned = _version(dist), pins.get(_canonical(dist))
        found.append(f"{dist} {have or '?'}" + (f" (pinned {pinned})" if pinned else ""))
        if pinned and have and have != pinned:
            differ.append(f"{dist} {have} (pinned {pinned})")
    detail = "; ".join(found) or "none found"
    n = len(packages)
    if missing:
        return Check("packages", False,
                     f"{len(missing)} of {n} required packages missing or broken: {', '.join(missing)}",
                     fix=f"in the kit's folder run {INSTALL}, then restart the kernel",
                     detail=detail)
    text = f"all {n} required packages import"
    if not pins:
        text += " (requirements.txt not found: versions not compared)"
    elif differ:
        verb = "differs" if len(differ) == 1 else "differ"
        text += (f"; {len(differ)} {verb} from requirements.txt: {', '.join(differ)}. Usually "
                 f"fine; to match exactly, run {INSTALL}")
    else:
        text += ", at the versions pinned in requirements.txt"
    return Check("packages", True, text, detail=detail)


def _check_casebook(data_dir) -> Check:
    from .casebook import DATA_DIR, LOAD_ORDER, load_casebook

    where = Path(data_dir) if data_dir is not None else DATA_DIR
    try:
        cb = load_casebook(data_dir)
    except KitDataError as err:
        shown = err.file if err.file and not Path(err.file).is_absolute() else None
        problem = str(KitDataError(err.problem, file=shown, row=err.row, column=err.column))
        return Check("case file", False, f"the case file does not load: {problem}",
                     fix="correct that file as the message says (data/README.md explains every "
                         "column), or get a fresh copy of the kit's data/ folder",
                     detail=f"{where}: {err}")
    except Exception as err:  # noqa: BLE001 - e.g. pandas missing: reported, not raised
        return Check("case file", False,
                     f"the case file could not be read ({type(err).__name__}: {err})",
                     fix=f"fix the packages first ({INSTALL}), then restart the kernel",
                     detail=str(where))
    sizes = ", ".join(f"{name} {len(cb.table(name))}" for name in LOAD_ORDER)
    return Check("case file", True, f"the case file loads: {sizes}", detail=str(where))


def _check_charts() -> Check:
    missing = []
    for module, dist in CHART_MODULES.items():
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001
            missing.append(dist)
    if missing:
        return Check("charts", False,
                     f"charts cannot be drawn offline: {' and '.join(missing)} not installed",
                     fix=f"run python -m pip install {' '.join(missing)} (or {INSTALL}), "
                         "then restart the kernel")
    return Check("charts", True, "charts can be drawn offline (anywidget and vl-convert-python)")


def _check_folder(folder) -> Check:
    from .decisions import check_folder_writable

    fix = ("set the environment variable KIT_DECISIONS_DIR to a folder you can write to, "
           "restart the kernel and run this check again")
    try:
        target = check_folder_writable(folder)
    except KitDataError as err:
        return Check("decisions folder", False, f"decisions cannot be saved: {err.problem}",
                     fix=fix, detail=str(err))
    return Check("decisions folder", True, "the decisions folder exists and is writable",
                 detail=str(target))


def check_setup(*, data_dir=None, folder=None, requirements=None, packages=None,
                python=None) -> SetupReport:
    """Check that this machine is ready for the lessons; print the result to read it.

    Every argument is for testing and for unusual set-ups: ``data_dir`` the case
    file (default the kit's ``data/``), ``folder`` the decisions folder (default
    ``$KIT_DECISIONS_DIR`` or ``my-decisions/``), ``requirements`` the pins (default
    the kit's ``requirements.txt``), ``packages`` ``{distribution: module}`` to import
    (default :data:`REQUIRED_PACKAGES`), ``python`` a version tuple (default this
    Python's). Never raises for a failed check: each failure is a ✗ line with its fix.

    >>> report = check_setup()
    >>> report.ok, str(report).splitlines()[1]
    (True, '✓ Python 3.11 or newer')
    >>> bad = check_setup(packages={"no-such-package": "no_such_package"}, python=(3, 9, 1))
    >>> print("\\n".join(str(bad).splitlines()[:5]))
    Setup check: 2 of 5 checks failed (✗ below, each with its fix).
    ✗ Python 3.11 or newer is needed; this is Python 3.9.1
        Fix: install Python 3.11 or newer, then run python -m pip install -r requirements.txt with it
    ✗ 1 of 1 required packages missing or broken: no-such-package
        Fix: in the kit's folder run python -m pip install -r requirements.txt, then restart the kernel
    """
    pins = read_pins(REQUIREMENTS if requirements is None else requirements)
    return SetupReport((
        _check_python(sys.version_info if python is None else python),
        _check_packages(REQUIRED_PACKAGES if packages is None else dict(packages), pins),
        _check_casebook(data_dir),
        _check_charts(),
        _check_folder(folder),
    ))


__all__ = ["Check", "SetupReport", "check_setup", "read_pins", "REQUIRED_PACKAGES"]
