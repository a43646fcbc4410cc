"""The kit installs as a wheel that carries its case file (what `pip install git+…`, Colab and a
hub image build do), and the repository pins the Python version Binder and CI use."""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_of_kit_is_in_the_build():
    folders = sorted(".".join(p.parent.relative_to(ROOT).parts)
                     for p in (ROOT / "kit").rglob("__init__.py"))
    listed = PYPROJECT["tool"]["setuptools"]["packages"]
    assert sorted(p for p in listed if p != "kit.data") == folders
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"kit.data": "data"}


def test_runtime_pins_a_supported_python_that_ci_checks():
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    supported = [c.rsplit(" :: ", 1)[1] for c in PYPROJECT["project"]["classifiers"]
                 if c.startswith("Programming Language :: Python :: 3.")]
    assert runtime.removeprefix("python-") in supported, (runtime, supported)
    assert f">={min(supported, key=lambda v: tuple(map(int, v.split('.'))))}" in \
        PYPROJECT["project"]["requires-python"]
    # CI refuses to run on another Python than the one Binder gets
    assert "runtime.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _run(args, **kw):
    done = subprocess.run(args, capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel of the kit installed in a fresh virtual environment outside the checkout.

    The environment sees the libraries already installed for this Python (a .pth file lists
    their folders, which works whether or not the tests themselves run in a virtual
    environment), so the test installs only the kit itself. Folders added by a .pth file do
    not run their own .pth files, so the checkout's editable kit is not importable there; the
    kit is installed with --ignore-installed, as pip would otherwise count that editable kit
    (seen through the .pth file) as already installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", ROOT])
    wheel = next((tmp / "dist").glob("casebook_kit-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    inner = _run([python, "-c", "import site; print(site.getsitepackages()[0])"]).strip()
    outer = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(inner) / "kit-test-libraries.pth").write_text("\n".join(outer) + "\n")
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", wheel])
    work = tmp / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "KIT_DECISIONS_DIR": str(tmp / "decisions"), "PYTHONPATH": ""}
    return python, work, env


def test_installed_kit_loads_its_case_file_from_any_folder(installed):
    python, work, env = installed
    out = _run([python, "-c", "import json, kit, kit.casebook as c; cb = kit.load_casebook(); "
                "print(json.dumps([kit.__file__, str(c.DATA_DIR), len(cb.items)]))"],
               cwd=work, env=env)
    module, data_dir, n_items = json.loads(out)
    assert Path(module).is_relative_to(python.parent.parent), "imported the checkout, not the wheel"
    assert Path(data_dir) == Path(module).parent / "data"
    assert n_items == len((ROOT / "data" / "items.csv").read_text(encoding="utf-8").splitlines()) - 1


def test_installed_kit_runs_notebook_0(installed):
    python, work, env = installed
    nb = work / "00_start_here.ipynb"
    nb.write_bytes((ROOT / "notebooks" / "00_start_here.ipynb").read_bytes())
    _run([python, "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
          "--ExecutePreprocessor.store_widget_state=False", nb.name], cwd=work, env=env)
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "✓ the case file loads" in text and "✓ charts can be drawn offline" in text, text
    assert "✓ the decisions folder exists and is writable" in text, text
