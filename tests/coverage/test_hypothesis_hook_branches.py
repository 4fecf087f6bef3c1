"""The Hypothesis entry point registers the model strategies when the model is loaded."""

from __future__ import annotations

import sys

import pytest
from hypothesis import strategies as st

import ascc_salvage.case
from ascc_salvage.testing import _hypothesis_hook


def test_hook_registers_when_the_model_is_already_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fake_register(cls: type, strategy: object) -> None:
        calls.append(cls)

    monkeypatch.setattr(st, "register_type_strategy", fake_register)
    assert "ascc_salvage.case" in sys.modules
    _hypothesis_hook._hypothesis_setup_hook()
    assert {cls.__name__ for cls in calls} == set(_hypothesis_hook.FACTORY_NAMES)
    assert ascc_salvage.case.Length in calls


def test_hook_waits_when_the_model_is_not_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(st, "register_type_strategy", lambda cls, s: calls.append(cls))
    monkeypatch.delitem(sys.modules, "ascc_salvage.case")
    _hypothesis_hook._hypothesis_setup_hook()
    assert calls == []
