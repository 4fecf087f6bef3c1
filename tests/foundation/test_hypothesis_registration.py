"""The Hypothesis entry point registers the model strategies; the model knows nothing of it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ascc_salvage.case
from ascc_salvage.testing import _hypothesis_hook


def test_the_hook_registers_every_model_class(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fake_register(cls: type, strategy: object) -> None:
        calls.append(cls)

    monkeypatch.setattr(st, "register_type_strategy", fake_register)
    _hypothesis_hook._hypothesis_setup_hook()
    assert {cls.__name__ for cls in calls} == set(_hypothesis_hook.FACTORY_NAMES)
    assert ascc_salvage.case.Length in calls


@given(st.from_type(ascc_salvage.case.Length))
def test_a_registered_class_draws_from_the_library_strategies(
    value: ascc_salvage.case.Length,
) -> None:
    assert isinstance(value, ascc_salvage.case.Length)


def test_the_case_model_does_not_import_the_testing_package() -> None:
    code = (
        "import sys, ascc_salvage.case, ascc_salvage.io; "
        "print(sorted(m for m in sys.modules if m.startswith('ascc_salvage.testing')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
