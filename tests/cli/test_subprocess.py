"""The real command in a subprocess: ``python -m ascc_salvage`` and the console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend, result_to_dict

from ._support import example_document, run_process, write_case


def test_readme_quickstart_command() -> None:
    process = run_process("recommend", "--example", "persistent_resectable")
    assert process.returncode == 0, process.stderr
    out = process.stdout.decode("utf-8")
    assert "Disease status: persistent" in out
    assert "salvage_apr" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert b"\x1b[" not in process.stdout
    assert process.stderr == b""


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("ascc-salvage")
    executable = str(script) if script.exists() else shutil.which("ascc-salvage")
    if executable is None:  # pragma: no cover - depends on the installation
        pytest.skip("the ascc-salvage console script is not on this installation's path")
    process = subprocess.run(
        [executable, "stage", "T3", "N0", "M0"], capture_output=True, check=False, timeout=60
    )
    assert process.returncode == 0
    assert process.stdout == b"IIB\n"


def test_json_is_not_wrapped_in_a_pipe() -> None:
    process = run_process("recommend", "--example", "first_line_metastatic", "--format", "json")
    assert process.returncode == 0
    expected = result_to_dict(
        recommend(load_case(json.dumps(example_document("first_line_metastatic"))))
    )
    text = process.stdout.decode("utf-8")
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def test_invalid_json_exits_2_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    process = run_process("recommend", str(path))
    assert process.returncode == 2
    assert process.stdout == b""
    assert b"$: invalid JSON" in process.stderr
    assert b"Traceback" not in process.stderr


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    process = run_process("validate", str(tmp_path / "missing.json"))
    assert process.returncode == 2
    assert process.stdout == b""
    assert b"cannot read" in process.stderr
    assert b"Traceback" not in process.stderr


def test_bad_unit_exits_2() -> None:
    process = run_process("dose", "carboplatin_paclitaxel", "--height", "5ft")
    assert process.returncode == 2
    assert b"'ft' is not an accepted length unit" in process.stderr
    assert b"Traceback" not in process.stderr


def test_unknown_regimen_and_example_exit_2() -> None:
    regimen = run_process("dose", "folfox")
    assert regimen.returncode == 2
    assert b"no regimen 'folfox'" in regimen.stderr
    example = run_process("recommend", "--example", "nope")
    assert example.returncode == 2
    assert b"no bundled example 'nope'" in example.stderr
    for process in (regimen, example):
        assert process.stdout == b""
        assert b"Traceback" not in process.stderr


def test_batch_reports_invalid_lines_by_number(tmp_path: Path) -> None:
    valid = json.dumps(example_document())
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join([valid, "oops", valid, '{"schema_version": 1}', valid]) + "\n")
    out = tmp_path / "out.jsonl"
    process = run_process("batch", str(path), "--out", str(out), "--workers", "2")
    assert process.returncode == 2
    assert process.stdout == b""
    stderr = process.stderr.decode("utf-8")
    assert stderr.startswith("line 2: $: invalid JSON")
    assert "line 4: evaluation_date: required key is missing" in stderr
    assert "batch: 5 cases read, 3 valid, 2 invalid" in stderr
    assert "\x1b[" not in stderr  # no progress bar without a terminal
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_stdin_to_stdout_pipeline() -> None:
    text = json.dumps(example_document()).encode("utf-8")
    process = run_process("recommend", "-", "--format", "json", stdin=text)
    assert process.returncode == 0
    assert json.loads(process.stdout)["disease_status"] == "persistent"


def test_status_and_examples_from_files(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", example_document("complete_response"))
    status = run_process("status", str(path), "--format", "json")
    assert json.loads(status.stdout)["disease_status"] == "complete_clinical_response"
    listed = run_process("examples", "--format", "json")
    assert "persistent_resectable" in [entry["name"] for entry in json.loads(listed.stdout)]
