"""``python -m ascc_salvage`` runs the command line (``__main__``)."""

from __future__ import annotations

import importlib
import runpy
import sys

import pytest

from ascc_salvage import __version__


def test_python_m_runs_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", "--version"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("ascc_salvage", run_name="__main__")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip().endswith(f" {__version__}")


def test_python_m_rejects_an_unknown_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", "no-such-command"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("ascc_salvage", run_name="__main__")
    assert exit_info.value.code == 2


def test_importing_the_module_does_not_run_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", "--version"])
    monkeypatch.delitem(sys.modules, "ascc_salvage.__main__", raising=False)
    module = importlib.import_module("ascc_salvage.__main__")
    assert callable(module.main)
