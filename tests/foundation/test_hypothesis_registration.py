"""The Hypothesis entry point registers the model strategies; the model knows nothing of it."""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ascc_salvage.case
from ascc_salvage.testing import _hypothesis_hook
from ascc_salvage.testing._hypothesis_hook import RegisterAfterImport


def test_the_hook_registers_when_the_model_is_already_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []

    def fake_register(cls: type, strategy: object) -> None:
        calls.append(cls)

    monkeypatch.setattr(st, "register_type_strategy", fake_register)
    assert "ascc_salvage.case" in sys.modules
    _hypothesis_hook._hypothesis_setup_hook()
    assert {cls.__name__ for cls in calls} == set(_hypothesis_hook.FACTORY_NAMES)
    assert ascc_salvage.case.Length in calls


def test_the_hook_waits_for_the_model_when_it_is_not_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(st, "register_type_strategy", lambda cls, s: calls.append(cls))
    monkeypatch.delitem(sys.modules, "ascc_salvage.case")
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    _hypothesis_hook._hypothesis_setup_hook()
    assert calls == []
    finder = sys.meta_path[0]
    assert isinstance(finder, RegisterAfterImport)
    assert finder.module == "ascc_salvage.case"


def test_the_import_hook_calls_back_once_after_executing_its_module(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lists_model_stub.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []
    finder = RegisterAfterImport(
        "lists_model_stub", then=lambda: seen.append(sys.modules["lists_model_stub"].VALUE)
    )
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    assert finder.find_spec("json_other", None) is None
    module = importlib.import_module("lists_model_stub")
    monkeypatch.delitem(sys.modules, "lists_model_stub")
    assert seen == [1]
    assert finder not in sys.meta_path
    assert module.__loader__.get_filename("lists_model_stub").endswith("lists_model_stub.py")


def test_the_import_hook_lets_a_missing_module_fail_as_usual(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finder = RegisterAfterImport("lists_no_such_module", then=lambda: None)
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("lists_no_such_module")


@given(st.from_type(ascc_salvage.case.Length))
def test_a_registered_class_draws_from_the_library_strategies(
    value: ascc_salvage.case.Length,
) -> None:
    assert isinstance(value, ascc_salvage.case.Length)


def test_importing_hypothesis_does_not_load_the_model_and_the_model_not_testing() -> None:
    code = (
        "import sys, hypothesis\n"
        "assert 'ascc_salvage.case' not in sys.modules and 'pint' not in sys.modules\n"
        "import ascc_salvage.case, ascc_salvage.io\n"
        "print(sorted(m for m in sys.modules if m.startswith('ascc_salvage.testing.s')))\n"
        "from hypothesis import strategies as st\n"
        "from ascc_salvage.case import Length\n"
        "print(type(st.from_type(Length).example()).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["[]", "Length"]
