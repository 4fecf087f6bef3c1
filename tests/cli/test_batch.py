"""``batch``: one result per valid line in order, invalid lines by number, exit status last."""

from __future__ import annotations

import errno
import io
import json
import multiprocessing
import os
import signal
import stat
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage.case import Case
from ascc_salvage.cli import _batch
from ascc_salvage.cli._common import InputError, Terminated, stop_signals_raise
from ascc_salvage.examples import examples
from ascc_salvage.result import Result
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
    items = list(_batch.read_lines(io.BytesIO(b"a\n\n  \nb\r\nc")))
    assert items == [_batch.Item(1, b"a", 2), _batch.Item(4, b"b", 3), _batch.Item(5, b"c", 1)]


@pytest.mark.parametrize(
    ("ending", "last"),
    [(b"\n", b"\n"), (b"\r\n", b"\r\n"), (b"\n", b"")],
    ids=["lf", "crlf", "eof"],
)
def test_the_size_limit_applies_to_the_document_not_its_line_ending(
    tmp_path: Path, ending: bytes, last: bytes
) -> None:
    # A document of exactly the limit was refused as a batch line ending in LF (the newline
    # counted), and one byte less with CRLF, while validate accepted it as a file.
    valid = _valid_lines()[0].encode()
    padded = valid + b" " * (MAX_DOCUMENT_BYTES - len(valid))
    over = padded + b" "
    path = tmp_path / "cases.jsonl"
    path.write_bytes(over + ending + padded + last)
    result = run("batch", str(path))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [_compact(valid.decode())]
    assert result.stderr.startswith(
        f"line 1: $: document is larger than {MAX_DOCUMENT_BYTES} bytes\n"
    )


def test_a_json_error_in_a_line_names_line_1(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b'{"a":1\n')
    result = run("batch", str(path))
    assert result.exit_code == 2
    assert "(line 1, column 7)" in result.stderr.splitlines()[0]


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


# ----------------------------------------------------------------------------- no data lost


def _failing_recommend(monkeypatch: pytest.MonkeyPatch, age: int = 77) -> None:
    """Make the engine raise for the cases whose patient is *age* years old."""
    import ascc_salvage.engine as engine

    real = engine.recommend

    def failing(case: Case) -> Result:
        if case.patient.age_years == age:
            raise RuntimeError("injected failure")
        return real(case)

    monkeypatch.setattr(engine, "recommend", failing)


def _with_failing_line(tmp_path: Path) -> tuple[Path, list[str]]:
    """Valid lines, an invalid line 2, and line 4 whose patient is 77 (see above)."""
    valid = _valid_lines()
    failing = json.loads(valid[3])
    failing["patient"]["age_years"] = 77
    lines = [valid[0], "{not json", valid[1], json.dumps(failing), valid[2]]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [valid[0], valid[1], valid[2]]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_exception_on_one_line_is_recorded_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    if workers != "1" and "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the workers inherit the patched engine only with the fork start method")
    # Forked workers inherit the patched engine; spawned ones would import it afresh.
    monkeypatch.setattr(_batch, "START_METHOD", "fork")
    _failing_recommend(monkeypatch)
    path, valid = _with_failing_line(tmp_path)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    args = ["batch", str(path), "--out", str(out), "--errors", str(errors), "--workers", workers]
    result = run(*args)
    assert result.exit_code == 1
    assert out.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]
    records = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["error"]) for r in records] == [(2, "invalid"), (4, "internal")]
    assert records[1]["message"] == "RuntimeError: injected failure"
    assert "line 4: internal error (RuntimeError: injected failure)" in result.stderr
    assert "batch: 5 cases read, 3 valid, 1 invalid, 1 internal error\n" in result.stderr
    assert "Traceback" not in result.stderr


def test_internal_errors_alone_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _failing_recommend(monkeypatch, age=58)  # the first example's patient
    valid = _valid_lines()
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join([valid[0], valid[0], valid[1]]) + "\n", encoding="utf-8")
    result = run("batch", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [_compact(valid[1])]
    assert "batch: 3 cases read, 1 valid, 0 invalid, 2 internal errors" in result.stderr


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
@pytest.mark.parametrize("option", ["--out", "--errors"])
def test_an_output_that_is_the_input_is_refused(tmp_path: Path, option: str, link: str) -> None:
    path, _ = _mixed_file(tmp_path)
    before = path.read_bytes()
    target = path
    if link == "symlink":
        target = tmp_path / "link.jsonl"
        target.symlink_to(path.name)
    elif link == "hardlink":
        target = tmp_path / "hard.jsonl"
        os.link(path, target)
    result = run("batch", str(path), option, str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {option} {target} is the input file {path}; write to another file\n"
    )
    assert path.read_bytes() == before
    assert len(_listing(tmp_path)) == (1 if link == "same" else 2)


@pytest.mark.parametrize("spelling", ["same", "other_name"])
def test_out_and_errors_the_same_file_is_refused(tmp_path: Path, spelling: str) -> None:
    path, _ = _mixed_file(tmp_path)
    out = tmp_path / "out.jsonl"
    errors = out if spelling == "same" else tmp_path / "sub" / ".." / "out.jsonl"
    (tmp_path / "sub").mkdir()
    result = run("batch", str(path), "--out", str(out), "--errors", str(errors))
    assert result.exit_code == 2
    assert "--out and --errors are the same file" in result.stderr
    assert not out.exists()


def test_out_and_errors_hard_linked_are_refused(tmp_path: Path) -> None:
    path, _ = _mixed_file(tmp_path)
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    os.link(out, tmp_path / "errors.jsonl")
    result = run("batch", str(path), "--out", str(out), "--errors", str(tmp_path / "errors.jsonl"))
    assert result.exit_code == 2
    assert "--out and --errors are the same file" in result.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_stdin_that_is_the_output_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _mixed_file(tmp_path)
    before = path.read_bytes()
    with path.open("rb") as handle:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(handle))
        with pytest.raises(InputError, match=r"--out .* is the input file stdin"):
            _batch._refuse_overwriting(Path("-"), path, None)
    assert path.read_bytes() == before


def test_stdout_that_is_the_input_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _mixed_file(tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        monkeypatch.setattr(sys, "stdout", handle)
        with pytest.raises(InputError, match="stdout is the input file"):
            _batch._refuse_overwriting(path, None, None)
        _batch._refuse_overwriting(path, tmp_path / "out.jsonl", None)  # --out: no stdout


def test_a_pipe_or_device_input_is_never_the_output(tmp_path: Path) -> None:
    _batch._refuse_overwriting(Path("/dev/null"), Path("/dev/null"), None)
    _batch._refuse_overwriting(Path("-"), tmp_path / "out.jsonl", None)  # stdin under pytest


def test_outputs_replace_the_previous_files_when_the_run_ends(tmp_path: Path) -> None:
    path, valid = _mixed_file(tmp_path)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    out.chmod(0o640)
    result = run("batch", str(path), "--out", str(out), "--errors", str(errors))
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the replaced file's permissions
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(errors.stat().st_mode) == 0o666 & ~umask  # as open() creates
    assert _listing(tmp_path) == ["cases.jsonl", "errors.jsonl", "out.jsonl"]


def test_a_symlinked_output_replaces_the_file_it_names(tmp_path: Path) -> None:
    path, valid = _mixed_file(tmp_path)
    real = tmp_path / "real.jsonl"
    real.write_text("previous\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to(real.name)
    result = run("batch", str(path), "--out", str(tmp_path / "link.jsonl"))
    assert result.exit_code == 2
    assert (tmp_path / "link.jsonl").is_symlink()
    assert real.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]


@pytest.mark.parametrize("existed", [True, False])
def test_an_interrupted_run_leaves_the_previous_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existed: bool
) -> None:
    path, _ = _mixed_file(tmp_path)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    if existed:
        out.write_text("previous results\n", encoding="utf-8")
        errors.write_text("previous errors\n", encoding="utf-8")
    real = _batch.process_line

    def interrupted(item: _batch.Item) -> _batch.Outcome:
        if item.line == 6:
            raise KeyboardInterrupt
        return real(item)

    monkeypatch.setattr(_batch, "process_line", interrupted)
    result = run("batch", str(path), "--out", str(out), "--errors", str(errors))
    assert result.exit_code == 130
    state = "the previous file is unchanged" if existed else "no file was created"
    assert result.stderr.splitlines()[-3:] == [
        f"batch: stopped before the end; --out {out} was not written ({state})",
        f"batch: stopped before the end; --errors {errors} was not written ({state})",
        "Interrupted.",
    ]
    if existed:
        assert out.read_text(encoding="utf-8") == "previous results\n"
        assert errors.read_text(encoding="utf-8") == "previous errors\n"
        assert _listing(tmp_path) == ["cases.jsonl", "errors.jsonl", "out.jsonl"]
    else:
        assert _listing(tmp_path) == ["cases.jsonl"]


def test_a_full_disk_is_an_environment_error(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():  # pragma: no cover - Linux has it
        pytest.skip("no /dev/full on this system")
    path, _ = _mixed_file(tmp_path)
    errors = tmp_path / "errors.jsonl"
    errors.write_text("previous errors\n", encoding="utf-8")
    result = run("batch", str(path), "--out", "/dev/full", "--errors", str(errors))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: cannot write --out /dev/full: No space left on device"
    )
    assert errors.read_text(encoding="utf-8") == "previous errors\n"
    assert _listing(tmp_path) == ["cases.jsonl", "errors.jsonl"]


def test_a_device_output_is_written_in_place(tmp_path: Path) -> None:
    path, _ = _mixed_file(tmp_path)
    result = run("batch", str(path), "--out", os.devnull)
    assert result.exit_code == 2
    assert "batch: 7 cases read, 4 valid, 3 invalid, 0 internal errors" in result.stderr


def test_a_failed_write_or_rename_is_reported_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Full(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    out = _batch._File(tmp_path / "out.jsonl", "--out")
    out.handle.close()
    out.handle = Full()
    with pytest.raises(InputError, match=r"cannot write --out .*out\.jsonl: No space left"):
        out.write_line(b"text")
    assert out.discard() == (
        f"batch: stopped before the end; --out {tmp_path / 'out.jsonl'} was not written "
        "(no file was created)"
    )
    assert _listing(tmp_path) == []
    out = _batch._File(tmp_path / "out.jsonl", "--out")

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(InputError, match=r"cannot write --out .*: Permission denied"):
        out.commit()
    assert out.discard() is not None
    assert _listing(tmp_path) == []


def test_an_unwritable_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot write --errors .*: No such file or directory"):
        _batch._File(tmp_path / "missing" / "errors.jsonl", "--errors")


def test_a_read_error_is_an_input_error() -> None:
    class Failing(io.BytesIO):
        def readline(self, size: int | None = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(InputError, match=r"cannot read cases\.jsonl: Input/output error"):
        list(_batch._reading(_batch.read_lines(Failing()), "cases.jsonl"))


def test_process_line_records_any_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(item: _batch.Item) -> _batch.Outcome:
        raise MemoryError("too big")

    monkeypatch.setattr(_batch, "_process", broken)
    outcome = _batch.process_line(_batch.Item(9, b"{}", 2))
    assert outcome == _batch.Outcome(9, 2, None, None, None, (), "MemoryError: too big")


def test_pool_cancels_queued_chunks_on_an_exception() -> None:
    def interrupted() -> None:
        with _batch._pool(1) as executor:
            executor.submit(int, "1")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()


def test_workers_ignore_sigint_and_the_stop_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, object]] = []
    monkeypatch.setattr(signal, "signal", lambda number, handler: calls.append((number, handler)))
    _batch._worker_setup()
    assert calls == [
        (signal.SIGINT, signal.SIG_IGN),
        (signal.SIGTERM, signal.SIG_IGN),
        (signal.SIGHUP, signal.SIG_IGN),
    ]


@pytest.mark.parametrize(
    ("signum", "raised"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated), (signal.SIGHUP, Terminated)],
)
def test_a_signal_while_the_temporary_file_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, raised: type[BaseException]
) -> None:
    made = tempfile.mkstemp

    def interrupted(*args: object, **kwargs: object) -> tuple[int, str]:
        result = made(*args, **kwargs)  # type: ignore[call-overload]
        os.kill(os.getpid(), signum)
        return result  # type: ignore[no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    sinks: list[_batch._Sink] = []
    with stop_signals_raise(), pytest.raises(raised):
        _batch._File(tmp_path / "out.jsonl", "--out", sinks)
    (sink,) = sinks
    assert sink.discard() is not None
    assert _listing(tmp_path) == []


def test_stop_signals_raise_only_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_raise(), pytest.raises(Terminated) as stopped:
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == before


def test_stop_signals_are_left_alone_off_the_main_thread() -> None:
    seen: list[object] = []

    def elsewhere() -> None:
        with stop_signals_raise():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGTERM)]


def test_a_full_disk_while_writing_errors_keeps_the_previous_out(tmp_path: Path) -> None:
    # --out was renamed before --errors was written out: a full disk then left the new
    # --out beside the previous --errors.
    if not Path("/dev/full").exists():  # pragma: no cover - not Linux
        pytest.skip("needs /dev/full")
    path, _ = _mixed_file(tmp_path)
    out = tmp_path / "results.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    result = run("batch", str(path), "--out", str(out), "--errors", "/dev/full")
    assert result.exit_code == 2
    assert "cannot write --errors /dev/full" in result.stderr
    assert f"--out {out} was not written (the previous file is unchanged)" in result.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "results.jsonl"])


@pytest.mark.parametrize("workers", ["65", "1000000"])
def test_workers_have_a_maximum(tmp_path: Path, workers: str) -> None:
    path, _ = _mixed_file(tmp_path)
    result = run("batch", str(path), "--workers", workers)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: Invalid value for '--workers': {workers} is not in the range 1<=x<=64. "
        "Use 1 to 64 worker processes.\n"
    )


def test_ctrl_c_while_the_temporary_file_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The interrupt arrives right after the temporary file is created: it is held until the
    # file is recorded, so the run discards it and says so.
    made = tempfile.mkstemp

    def interrupted(*args: object, **kwargs: object) -> tuple[int, str]:
        result = made(*args, **kwargs)  # type: ignore[call-overload]
        os.kill(os.getpid(), signal.SIGINT)
        return result  # type: ignore[no-any-return]

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    sinks: list[_batch._Sink] = []
    with pytest.raises(KeyboardInterrupt):
        _batch._File(tmp_path / "out.jsonl", "--out", sinks)
    (sink,) = sinks
    assert sink.discard() == (
        f"batch: stopped before the end; --out {tmp_path / 'out.jsonl'} was not written "
        "(no file was created)"
    )
    assert _listing(tmp_path) == []


def test_interrupts_are_deferred_only_on_the_main_thread() -> None:
    import threading

    outcome: list[str] = []

    def elsewhere() -> None:
        with _batch._interrupt_deferred():
            outcome.append("ran")

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert outcome == ["ran"]
    with _batch._interrupt_deferred():  # no interrupt: nothing raised
        outcome.append("main")
    assert outcome == ["ran", "main"]


def test_workers_are_forked_only_where_it_is_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    # Linux with this thread alone: forked (the library is not imported again).
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert _batch._start_method() == "fork"
    # Another thread running (a progress bar), or another system: START_METHOD (spawn).
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert _batch._start_method() == "spawn"
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert _batch._start_method() == "spawn"


def test_results_reach_a_stdout_without_a_binary_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-memory text stdout (``contextlib.redirect_stdout``) gets the same lines as text."""
    valid = _valid_lines()[:2]
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stdout", captured)
    out = _batch._Stdout()
    for line in valid:
        out.write_line(_compact(line).encode("utf-8"))
    out.commit()
    assert captured.getvalue().splitlines() == [_compact(line) for line in valid]


def test_a_worker_returns_the_documented_serialisation_as_utf8() -> None:
    valid = _valid_lines()[0]
    outcome = _batch.process_line(_batch.Item(1, valid.encode(), len(valid)))
    assert outcome.document is not None
    assert outcome.document.decode("utf-8") == _compact(valid)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_the_pool_freezes_the_collector_only_for_forked_workers(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    import gc

    monkeypatch.setattr(_batch, "_start_method", lambda: method)
    before = gc.get_freeze_count()
    with _batch._pool(1) as executor:
        frozen = gc.get_freeze_count()
        assert executor.submit(abs, -3).result() == 3
    assert (frozen > before) is (method == "fork")
    assert gc.get_freeze_count() == before


# ------------------------------------------------------------------- results through spill files


def _chunk(tmp_path: Path) -> list[_batch.Item]:
    lines = [_valid_lines()[0], "{not json", _valid_lines()[1]]
    return [_batch.Item(n, line.encode(), len(line)) for n, line in enumerate(lines, 1)]


def test_a_chunk_writes_its_results_to_one_spill_file(tmp_path: Path) -> None:
    spilled, outcomes = _batch.process_chunk(_chunk(tmp_path), str(tmp_path))
    assert spilled is not None
    expected = [_compact(_valid_lines()[0]), _compact(_valid_lines()[1])]
    data = Path(spilled.path).read_bytes()
    assert data.decode("utf-8").splitlines() == expected
    assert spilled.size == len(data)
    assert [outcome.document for outcome in outcomes] == [b"", None, b""]
    assert outcomes[1].problems[0][0] == "$"


def test_a_chunk_that_cannot_spill_returns_its_results_with_the_outcomes(tmp_path: Path) -> None:
    spilled, outcomes = _batch.process_chunk(_chunk(tmp_path), str(tmp_path / "missing"))
    assert spilled is None
    assert outcomes[0].document == _compact(_valid_lines()[0]).encode("utf-8")
    invalid = [_batch.Item(1, b"{not json", 9)]
    assert _batch.process_chunk(invalid, str(tmp_path))[0] is None  # nothing to write
    assert _listing(tmp_path) == []


def _spill(tmp_path: Path, data: bytes) -> _batch.Spilled:
    path = tmp_path / "chunk.jsonl"
    path.write_bytes(data)
    return _batch.Spilled(str(path), len(data))


def test_a_spill_file_is_copied_in_the_kernel_or_returned_and_always_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.jsonl"
    with target.open("wb") as handle:
        assert _batch._copy_spilled(_spill(tmp_path, b"a\nb\n"), handle.fileno()) is None
    assert target.read_bytes() == b"a\nb\n"
    assert _batch._copy_spilled(_spill(tmp_path, b"c\n"), None) == b"c\n"  # no descriptor

    def refuse(*args: object) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "sendfile", refuse)  # as for a terminal: nothing was written
    with target.open("wb") as handle:
        assert _batch._copy_spilled(_spill(tmp_path, b"d\n"), handle.fileno()) == b"d\n"
    assert not (tmp_path / "chunk.jsonl").exists()


def test_a_failed_or_short_copy_of_a_spill_file_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.jsonl"
    short = _batch.Spilled(_spill(tmp_path, b"a\n").path, 10)  # fewer bytes than announced
    with target.open("wb") as handle, pytest.raises(OSError, match="shorter than its results"):
        _batch._copy_spilled(short, handle.fileno())

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "sendfile", full)
    out = _batch._File(target, "--out")
    with pytest.raises(InputError, match=r"cannot write --out .*: No space left on device"):
        out.copy_spilled(_spill(tmp_path, b"b\n"))
    assert out.discard() is not None
    assert _listing(tmp_path) == ["out.jsonl"]  # the spill files and the temporary one: gone


def test_spilled_results_reach_a_file_and_any_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = _batch._File(tmp_path / "out.jsonl", "--out")
    out.write_line(b"first")
    out.copy_spilled(_spill(tmp_path, b"second\nthird\n"))
    out.commit()
    assert (tmp_path / "out.jsonl").read_bytes() == b"first\nsecond\nthird\n"
    captured = io.StringIO()  # no descriptor: written as text
    monkeypatch.setattr(sys, "stdout", captured)
    stdout = _batch._Stdout()
    stdout.write_line(b"first")
    stdout.copy_spilled(_spill(tmp_path, b"second\n"))
    stdout.commit()
    assert captured.getvalue() == "first\nsecond\n"
    with (tmp_path / "stdout.txt").open("w", encoding="utf-8") as handle:
        monkeypatch.setattr(sys, "stdout", handle)  # a real descriptor: copied by the kernel
        stdout = _batch._Stdout()
        stdout.write_line(b"first")
        stdout.copy_spilled(_spill(tmp_path, b"second\n"))
        stdout.commit()
    assert (tmp_path / "stdout.txt").read_bytes() == b"first\nsecond\n"

    def refuse(*args: object) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "sendfile", refuse)  # written by the process instead
    out = _batch._File(tmp_path / "out.jsonl", "--out")
    out.copy_spilled(_spill(tmp_path, b"again\n"))
    out.commit()
    assert (tmp_path / "out.jsonl").read_bytes() == b"again\n"


@pytest.mark.parametrize("chunksize", [1, 64])  # 1: chunks with no valid line, no spill file
def test_workers_leave_no_spill_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunksize: int
) -> None:
    monkeypatch.setattr(_batch, "CHUNKSIZE", chunksize)
    spill_root = tmp_path / "tmp"
    spill_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill_root))
    path, valid = _mixed_file(tmp_path)
    out = tmp_path / "out.jsonl"
    result = run("batch", str(path), "--out", str(out), "--workers", "2")
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]
    assert list(spill_root.iterdir()) == []


def test_without_a_writable_temporary_folder_results_come_through_the_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    path, valid = _mixed_file(tmp_path)
    result = run("batch", str(path), "--workers", "2")
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [_compact(line) for line in valid]


# ----------------------------------------------------------- where the spill directory goes


def _shared_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in shared-memory folder; no TMPDIR and no program-set temporary folder."""
    folder = tmp_path / "shm"
    folder.mkdir()
    monkeypatch.setattr(_batch, "SHARED_MEMORY", str(folder))
    monkeypatch.setattr(_batch, "SHARED_MEMORY_MIN_FREE", 0)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def test_the_spill_directory_goes_to_shared_memory_where_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _shared_memory(tmp_path, monkeypatch)
    assert _batch._spill_parent() == str(folder)
    with ExitStack() as stack:
        spill_dir = _batch._spill_directory(stack)
        assert spill_dir is not None
        assert Path(spill_dir).parent == folder
        assert stat.S_IMODE(Path(spill_dir).stat().st_mode) == 0o700
    assert list(folder.iterdir()) == []  # removed with the run


@pytest.mark.parametrize("why", ["TMPDIR", "tempdir", "not linux", "too small", "missing"])
def test_the_spill_directory_stays_in_the_temporary_folder_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    folder = _shared_memory(tmp_path, monkeypatch)
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    if why == "TMPDIR":
        monkeypatch.setenv("TMPDIR", str(chosen))
    elif why == "tempdir":
        monkeypatch.setattr(tempfile, "tempdir", str(chosen))
    elif why == "not linux":
        monkeypatch.setattr(sys, "platform", "darwin")
    elif why == "too small":
        free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        monkeypatch.setattr(_batch, "SHARED_MEMORY_MIN_FREE", free + (1 << 30))
    else:
        monkeypatch.setattr(_batch, "SHARED_MEMORY", str(tmp_path / "absent"))
    assert _batch._spill_parent() is None


def test_a_shared_memory_folder_that_refuses_a_directory_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _shared_memory(tmp_path, monkeypatch)
    fallback = tmp_path / "tmp"
    fallback.mkdir()
    made: list[str | None] = []
    original = tempfile.TemporaryDirectory

    def directory(*args: object, dir: str | None = None, **kwargs: object) -> object:
        made.append(dir)
        if dir == str(folder):
            raise PermissionError(errno.EACCES, "refused")
        return original(*args, dir=str(fallback), **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(tempfile, "TemporaryDirectory", directory)
    with ExitStack() as stack:
        spill_dir = _batch._spill_directory(stack)
        assert spill_dir is not None
        assert Path(spill_dir).parent == fallback
    assert made == [str(folder), None]


def test_workers_spill_to_shared_memory_and_leave_nothing_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _shared_memory(tmp_path, monkeypatch)
    seen: list[str] = []
    original = _batch._copy_spilled

    def spying(spilled: _batch.Spilled, descriptor: int | None) -> bytes | None:
        seen.append(spilled.path)  # copied by the main process: its spy sees every file
        return original(spilled, descriptor)

    monkeypatch.setattr(_batch, "_copy_spilled", spying)
    path, valid = _mixed_file(tmp_path)
    out = tmp_path / "out.jsonl"
    result = run("batch", str(path), "--out", str(out), "--workers", "2")
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8").splitlines() == [_compact(line) for line in valid]
    assert seen
    assert all(Path(spill).parent.parent == folder for spill in seen)
    assert list(folder.iterdir()) == []
