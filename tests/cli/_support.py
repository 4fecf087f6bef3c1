"""Helpers for the command-line tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from ascc_salvage.cli import cli
from ascc_salvage.examples import example

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, input: str | bytes | None = None) -> Result:
    """Invoke the command in-process; never let an exception or a traceback through."""
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=True)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def run_process(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m ascc_salvage ARGS`` as a real subprocess (no terminal)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "COLUMNS": "80"}
    return subprocess.run(
        [sys.executable, "-m", "ascc_salvage", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def example_document(name: str = "persistent_resectable") -> dict[str, Any]:
    """A fresh, mutable copy of a bundled example case."""
    document: dict[str, Any] = json.loads(example(name).text())
    return document


def write_case(path: Path, document: object) -> Path:
    """Write a case document as JSON and return the path."""
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
