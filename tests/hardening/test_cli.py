"""Hostile inputs on the command line: exit 2 with a message, never a traceback.

The CLI runs as a subprocess (``python -m ascc_salvage``), exactly as a user runs it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from typing import Final

import pytest

from ascc_salvage.validation import MAX_DOCUMENT_BYTES, MAX_LIST_ENTRIES

from ._support import EXAMPLE_TEXT, example_document

INVALID: Final = pathlib.Path(__file__).parent / "invalid"

#: Catalogue files and the problem path each must report.
HOSTILE_FILES: Final = {
    "many_errors_at_once.json": "facility.helipad",
    "lone_surrogate_key.json": "\\ud800",
    "control_characters_in_key.json": "facility.a\\nb\\x1b[2J",
    "utf16_encoded.json": "$",
    "non_utf8_latin1.json": "$",
    "empty_file.json": "$",
    "top_level_list.json": "$",
    "nan_number_field.json": "patient.pd_l1_cps",
    "duplicate_json_key.json": "$",
    "unit_pint_expression_bomb.json": "patient.weight.unit",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("PYTHONIOENCODING", None)
    return subprocess.run(
        [sys.executable, "-m", "ascc_salvage", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Inputs too large for the catalogue, written once per module."""
    folder = tmp_path_factory.mktemp("hostile")
    deep = 100_000
    many = example_document()
    many["assessments"] = [many["assessments"][-1]] * (MAX_LIST_ENTRIES + 1)
    text = EXAMPLE_TEXT.rstrip()
    files = {
        "nested.json": "[" * deep + "]" * deep,
        "oversized.json": text[:-1] + " " * MAX_DOCUMENT_BYTES + "}",
        "long_list.json": json.dumps(many),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_text(content, encoding="utf-8")
    paths["directory"] = folder
    paths["missing.json"] = folder / "missing.json"
    return paths


def _inputs(generated: dict[str, pathlib.Path]) -> list[tuple[pathlib.Path, str | None]]:
    """(file, expected problem path or None for unreadable files)."""
    return [
        *((INVALID / name, path) for name, path in HOSTILE_FILES.items()),
        (generated["nested.json"], "$"),
        (generated["oversized.json"], "$"),
        (generated["long_list.json"], "$"),
        (generated["directory"], None),
        (generated["missing.json"], None),
    ]


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stdout, result.stdout[-2000:]


def test_validate_accepts_the_example(tmp_path: pathlib.Path) -> None:
    """Control: a valid case exits 0, so exit 2 below is about the input."""
    case = tmp_path / "case.json"
    case.write_text(EXAMPLE_TEXT, encoding="utf-8")
    result = run("validate", str(case))
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)


def test_validate_refuses_hostile_inputs_with_exit_2(generated: dict[str, pathlib.Path]) -> None:
    for file, path in _inputs(generated):
        result = run("validate", str(file))
        assert result.returncode == 2, (file.name, result.stdout[-500:], result.stderr[-500:])
        assert_no_traceback(result)
        if path is None:  # unreadable: a message on stderr
            assert result.stderr.strip(), file.name
        else:  # problems as `path: message` lines on stdout
            lines = result.stdout.splitlines()
            assert any(line.startswith(f"{path}: ") for line in lines), (file.name, lines[:20])


@pytest.fixture(scope="module")
def recommend_available() -> None:
    result = run("recommend", "--help")
    if "No such command" in result.stderr:
        pytest.skip("this CLI has no `recommend` command yet")


@pytest.mark.usefixtures("recommend_available")
def test_recommend_accepts_the_example(tmp_path: pathlib.Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(EXAMPLE_TEXT, encoding="utf-8")
    result = run("recommend", str(case), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    assert json.loads(result.stdout)["schema_version"] == 2


@pytest.mark.usefixtures("recommend_available")
def test_recommend_refuses_hostile_inputs_with_exit_2(
    generated: dict[str, pathlib.Path],
) -> None:
    for file, path in _inputs(generated):
        result = run("recommend", str(file), "--format", "json")
        assert result.returncode == 2, (file.name, result.stdout[-500:], result.stderr[-500:])
        assert_no_traceback(result)
        assert result.stderr.strip(), file.name
        assert not result.stdout.strip(), (file.name, "no result on invalid input")
        if path is not None:
            assert path in result.stderr, (file.name, result.stderr[-500:])
