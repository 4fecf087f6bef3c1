"""``batch``: one result per valid line in order, invalid lines by number, exit status last."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage.cli import _batch
from ascc_salvage.examples import examples
from ascc_salvage.validation import MAX_DOCUMENT_BYTES

from ._support import run


def _compact(line: str) -> str:
    result = recommend(load_case(line))
    return json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":"))


def _valid_lines() -> list[str]:
    return [json.dumps(json.loads(entry.text())) for entry in examples()]


def _mixed_file(tmp_path: Path) -> tuple[Path, list[str]]:
    valid = _valid_lines()
    lines = [
        valid[0],
        "{not json",  # line 2
        valid[1],
        "",  # line 4: blank, skipped
        '{"schema_version": 1}',  # line 5
        valid[2],
        "[1, 2]",  # line 7
        valid[3],
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [valid[0], valid[1], valid[2], valid[3]]


def test_all_valid_exit_0_results_in_order(tmp_path: Path) -> None:
    valid = _valid_lines()
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(valid), encoding="utf-8")  # no final newline
    result = run("batch", str(path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [_compact(line) for line in valid]
    assert f"batch: {len(valid)} cases read, {len(valid)} valid, 0 invalid" in result.stderr
    assert "by disease status:" in result.stderr
    assert "  recurrent " in result.stderr
    assert "salvage_apr + perineal_flap_reconstruction" in result.stderr


def test_invalid_lines_are_reported_by_number_and_the_file_is_finished(tmp_path: Path) -> None:
    path, valid = _mixed_file(tmp_path)
    out = tmp_path / "results.jsonl"
    errors = tmp_path / "errors.jsonl"
    result = run("batch", str(path), "--out", str(out), "--errors", str(errors))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]
    stderr = result.stderr.splitlines()
    assert stderr[0].startswith("line 2: $: invalid JSON")
    assert "line 5: evaluation_date: required key is missing" in stderr
    assert "line 7: $: a case must be a JSON object, got a list" in stderr
    assert not any(
        line.startswith(("line 1:", "line 3:", "line 4:", "line 6:", "line 8:")) for line in stderr
    )
    assert "batch: 7 cases read, 4 valid, 3 invalid" in result.stderr
    records = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [record["line"] for record in records] == [2, 5, 7]
    assert records[0]["errors"][0]["path"] == "$"
    assert {"path": "facility", "message": "required key is missing"} in records[1]["errors"]


def test_workers_give_the_same_output(tmp_path: Path) -> None:
    path, valid = _mixed_file(tmp_path)
    serial = run("batch", str(path))
    parallel = run("batch", str(path), "--workers", "2")
    assert parallel.exit_code == 2
    assert parallel.stdout == serial.stdout
    assert parallel.stdout.splitlines() == [_compact(line) for line in valid]


def test_overlong_lines_are_skipped_in_bounded_pieces(tmp_path: Path) -> None:
    valid = _valid_lines()[0]
    huge = b'{"x": "' + b"a" * (MAX_DOCUMENT_BYTES + 10) + b'"}'
    path = tmp_path / "cases.jsonl"
    path.write_bytes(huge + b"\n" + valid.encode() + b"\n" + huge)  # the last has no newline
    result = run("batch", str(path))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [_compact(valid)]
    assert f"line 1: $: document is larger than {MAX_DOCUMENT_BYTES} bytes" in result.stderr
    assert f"line 3: $: document is larger than {MAX_DOCUMENT_BYTES} bytes" in result.stderr


def test_read_lines_numbers_and_sizes() -> None:
    items = list(_batch.read_lines(io.BytesIO(b"a\n\n  \nb")))
    assert items == [_batch.Item(1, b"a\n", 2), _batch.Item(4, b"b", 1)]


def test_invalid_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'{"a": "\xff"}\n')
    result = run("batch", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("line 1: $: ")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"")
    result = run("batch", str(path))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "batch: 0 cases read, 0 valid, 0 invalid" in result.stderr


def test_stdin() -> None:
    valid = _valid_lines()[:2]
    result = run("batch", "-", input="\n".join(valid) + "\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [_compact(line) for line in valid]


def test_missing_input_file(tmp_path: Path) -> None:
    result = run("batch", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "cannot read" in result.stderr


def test_unwritable_output(tmp_path: Path) -> None:
    path, _ = _mixed_file(tmp_path)
    result = run("batch", str(path), "--out", str(tmp_path / "no" / "such" / "dir.jsonl"))
    assert result.exit_code == 2
    assert "cannot write --out" in result.stderr


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_bad_workers(tmp_path: Path, workers: str) -> None:
    path, _ = _mixed_file(tmp_path)
    result = run("batch", str(path), "--workers", workers)
    assert result.exit_code == 2
    assert "--workers" in result.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_batch, "is_terminal", lambda stream: True)
    path, valid = _mixed_file(tmp_path)
    result = run("batch", str(path))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [_compact(line) for line in valid]
    assert "line 2: $: invalid JSON" in result.stderr
    assert "batch: 7 cases read, 4 valid, 3 invalid" in result.stderr


def test_process_line_outcomes() -> None:
    valid = _valid_lines()[0].encode()
    outcome = _batch.process_line(_batch.Item(3, valid, len(valid)))
    assert outcome.line == 3
    assert outcome.status == "too_early_to_assess"
    assert outcome.plan == "observe_and_reassess"
    assert outcome.problems == ()
    too_large = _batch.process_line(_batch.Item(4, None, 10))
    assert too_large.document is None
    assert too_large.problems[0][0] == "$"
