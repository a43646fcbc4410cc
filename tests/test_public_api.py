"""kit's public face: ``kit.__all__`` holds exactly the names below, each importable and documented.

Notebooks, the README and outside checks use these names, so adding, removing or
renaming one is a decision: change PUBLIC here in the same commit (and docs/where-to-change.md
if a module's job changes). Everything else is reached through a submodule
(``kit.compare.consistency``, ``kit.widgets.DecisionDesk``...).
"""
from __future__ import annotations

import __future__
import inspect
import re
import tomllib
import types
from pathlib import Path

import pytest

import kit

PUBLIC = [
    "KitDataError", "__version__",
    "Casebook", "load_casebook",
    "DecisionLog", "safe_learner_name", "set_learner", "current_learner", "my_log",
    "Policy", "PRESETS", "apply_policy",
    "compare_decisions",
    "collect_class",
    "setup", "check_setup",
]

#: The names design.md promises ("Public face of kit"); they must never drop out.
PROMISED = {"load_casebook", "KitDataError", "DecisionLog", "Policy", "apply_policy",
            "compare_decisions", "collect_class"}

#: Public names that are data, not functions or classes (documented by their tests below).
DATA = {"__version__", "PRESETS"}


def test_all_is_exactly_the_public_face():
    assert kit.__all__ == PUBLIC
    assert len(set(kit.__all__)) == len(kit.__all__)
    assert PROMISED <= set(kit.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_each_name_is_importable(name):
    namespace = {}
    exec(f"from kit import {name}", namespace)
    assert namespace[name] is getattr(kit, name)


def test_star_import_gives_exactly_the_public_face():
    namespace = {}
    exec("from kit import *", namespace)
    assert sorted(n for n in namespace if n != "__builtins__") == sorted(PUBLIC)


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - DATA))
def test_each_function_and_class_has_its_own_docstring(name):
    value = getattr(kit, name)
    assert inspect.isfunction(value) or inspect.isclass(value), name
    own = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
    assert own and own.strip(), f"kit.{name} has no docstring of its own"
    assert value.__name__ == name  # exported under its own name, not an alias


def test_the_data_names():
    project = tomllib.loads((Path(kit.__file__).parent.parent / "pyproject.toml").read_text())
    assert kit.__version__ == project["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", kit.__version__)
    assert kit.PRESETS and all(isinstance(p, kit.Policy) for p in kit.PRESETS.values())


def test_nothing_public_is_left_out_of_all():
    """Every public, non-module attribute kit holds (after loading every lazy name) is in __all__."""
    for name in PUBLIC:
        getattr(kit, name)
    extra = sorted(n for n, v in vars(kit).items()
                   if not n.startswith("_") and not isinstance(v, types.ModuleType)
                   and not isinstance(v, __future__._Feature) and n not in PUBLIC)
    assert extra == []


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        kit.no_such_name  # noqa: B018
