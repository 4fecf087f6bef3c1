"""The command line's edges: bounds, non-finite numbers, pipes, signals, and the system.

Each way a command can end has its exit status: 0, 1 (internal error), 2 (invalid input or
arguments, or an input or output the system refused), 130 (SIGINT), 141 (broken pipe), and
none prints a traceback. Most checks run the real command in a subprocess.
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
import pytest

from ascc_salvage.cli import _app, _common, cli
from ascc_salvage.cli._common import InputError
from ascc_salvage.cli._quantity import AUC_BOUNDS, BoundedNumber
from ascc_salvage.examples import example

from ._support import run

PATIENT = ["--height", "170cm", "--weight", "70kg", "--creatinine", "1.0mg/dL", "--age", "60"]
PATIENT += ["--sex", "male"]
DEV_FULL = Path("/dev/full")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux devices")


def _command(*args: str | bytes) -> list[str | bytes]:
    return [sys.executable, "-m", "ascc_salvage", *args]


def _run(
    *args: str | bytes, stdin: int | None = None, stdout: int | None = None, **kwargs: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        _command(*args),
        stdin=stdin,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=120,
        **kwargs,
    )


def _one_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8")
    assert "Traceback" not in text
    assert text.count("\n") == 1, text
    return text.rstrip("\n")


# ----------------------------------------------------------------------------- numeric bounds


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--auc", "1e308", "'1e308' must be at most 10 mg*min/mL"),
        ("--auc", "0.5", "'0.5' must be at least 1 mg*min/mL"),
        ("--auc", "nan", "'nan' is not a finite number"),
        ("--auc", "-inf", "'-inf' is not a finite number"),
        ("--auc", "five", "'five' is not a number"),
        ("--age", "121", "'121' must be at most 120 years"),
        ("--age", "60.5", "'60.5' is not a whole number"),
        ("--height", "1e999cm", "'1e999cm' is not a finite number"),
        ("--weight", "1e308kg", "'1e308kg' must be at most 400 kg"),
    ],
)
def test_out_of_range_values_exit_2_on_one_line(option: str, value: str, message: str) -> None:
    args = list(PATIENT)
    if option in args:  # the value under test replaces the patient's
        del args[args.index(option) : args.index(option) + 2]
    result = run("dose", "carboplatin_paclitaxel", *args, option, value, "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: Invalid value for '{option}': {message}\n"


def test_auc_bounds_are_inclusive() -> None:
    for auc in ("1", "10"):
        result = run("dose", "carboplatin_paclitaxel", *PATIENT, "--auc", auc, "--format", "json")
        assert result.exit_code == 0, result.stderr
    assert (AUC_BOUNDS.low, AUC_BOUNDS.high) == (1, 10)


def test_bounded_number_converts() -> None:
    age = BoundedNumber(int, AUC_BOUNDS, "")
    assert age.convert(" 7 ", None, None) == 7
    assert age.name == "integer"
    with pytest.raises(click.BadParameter, match="'11' must be at most 10"):
        age.convert("11", None, None)


def test_dose_auc_1e308_exits_2_and_never_prints_infinity() -> None:
    process = _run("dose", "carboplatin_paclitaxel", *PATIENT, "--auc", "1e308", "--format", "json")
    assert process.returncode == 2
    assert process.stdout == b""
    assert _one_line(process.stderr).endswith("'1e308' must be at most 10 mg*min/mL")


def test_json_never_holds_nan_or_infinity(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        _common.write_json({"value": float("inf")})

    class Plan:
        def to_dict(self) -> dict[str, float]:
            return {"value": float("nan")}

    monkeypatch.setattr(_app, "dose_plan", lambda *args, **kwargs: Plan())
    result = run("dose", "reirradiation", "--format", "json")
    assert result.exit_code == 1  # a non-finite number in a document is a bug
    assert "NaN" not in result.stdout
    assert "internal error (ValueError: Out of range float values are not JSON" in result.stderr


# ----------------------------------------------------------------------------- broken pipe


def _closed_pipe() -> int:
    """The write end of a pipe whose read end is already closed: every write is EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


@pytest.mark.parametrize(
    "args",
    [
        ("examples",),
        ("recommend", "--example", "too_early", "--format", "json"),
        ("evidence", "--format", "csv"),
        ("--help",),
        ("dose", "--help"),
        ("batch", "-"),
    ],
)
def test_broken_pipe_exits_141_quietly(args: Sequence[str]) -> None:
    stdin = "\n".join([json.dumps(json.loads(example("too_early").text()))] * 200) + "\n"
    pipe = _closed_pipe()
    try:
        process = subprocess.run(
            _command(*args),
            input=stdin.encode(),
            stdout=pipe,
            stderr=subprocess.PIPE,
            check=False,
            timeout=120,
        )
    finally:
        os.close(pipe)
    assert process.returncode == 141
    assert process.stderr == b""


def test_broken_pipe_with_head(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    line = json.dumps(json.loads(example("too_early").text()))
    cases.write_text((line + "\n") * 400, encoding="utf-8")
    shell = f"{sys.executable} -m ascc_salvage batch {cases} | head -c 1 >/dev/null; "
    shell += "echo ${PIPESTATUS[0]}"
    process = subprocess.run(["bash", "-c", shell], capture_output=True, check=False, timeout=120)
    assert process.stdout == b"141\n"
    assert process.stderr == b""


def test_broken_pipe_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    discarded: list[bool] = []
    monkeypatch.setattr(_app, "discard_stdout", lambda: discarded.append(True))

    def broken(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(_app, "stage_group", broken)
    result = run("stage", "T1", "N0", "M0")
    assert (result.exit_code, result.stderr, discarded) == (141, "", [True])
    monkeypatch.setattr(click.Group, "make_context", broken)
    result = run("--help")
    assert (result.exit_code, result.stderr, discarded) == (141, "", [True, True])


def test_discard_stdout_points_the_descriptor_at_devnull(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # no descriptor: nothing to do
    _common.discard_stdout()
    path = tmp_path / "stdout"
    with path.open("w") as handle:
        descriptor = os.dup(handle.fileno())
        monkeypatch.setattr(sys, "stdout", handle)
        _common.discard_stdout()
        handle.write("lost")
        handle.flush()
        os.dup2(descriptor, handle.fileno())
        os.close(descriptor)
    assert path.read_text() == ""


# ----------------------------------------------------------------------------- SIGINT


@pytest.mark.slow
def test_sigint_exits_130_without_traceback(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    process = subprocess.Popen(
        _command("batch", "-", "--out", str(out)),
        stdin=subprocess.PIPE,  # kept open: the command waits for its input
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".results.jsonl.*.tmp")):  # reading stdin now
        assert process.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == b""
    assert stderr.decode().splitlines() == [
        f"batch: stopped before the end; --out {out} was not written (no file was created)",
        "Interrupted.",
    ]
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_app, "stage_group", interrupted)
    result = run("stage", "T1", "N0", "M0")
    assert (result.exit_code, result.stderr) == (130, "Interrupted.\n")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_in_process(
    monkeypatch: pytest.MonkeyPatch, signum: int, status: int
) -> None:
    def stopped(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signum)  # the handler the command installs raises Terminated

    monkeypatch.setattr(_app, "stage_group", stopped)
    before = signal.getsignal(signum)
    result = run("stage", "T1", "N0", "M0")
    assert (result.exit_code, result.stderr) == (status, "Terminated.\n")
    assert signal.getsignal(signum) == before  # restored when the command ends


# ----------------------------------------------------------------------------- the system


@linux_only
@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "--example", "too_early", "--format", "json"),
        ("recommend", "--example", "too_early", "--format", "markdown"),
        ("examples",),
        ("batch", "-"),
        ("--version",),
    ],
)
def test_a_full_disk_exits_2_on_one_line(args: Sequence[str]) -> None:
    stdin = json.dumps(json.loads(example("too_early").text())) + "\n"
    with DEV_FULL.open("wb") as full:
        process = _run(*args, stdout=full.fileno(), input=stdin.encode())
    assert process.returncode == 2
    message = _one_line(process.stderr)
    assert message.endswith("No space left on device"), message
    assert message.startswith("Error: ")


@linux_only
def test_batch_out_to_a_full_disk_exits_2(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(json.loads(example("too_early").text())) + "\n")
    process = _run("batch", str(cases), "--out", str(DEV_FULL))
    assert process.returncode == 2
    assert _one_line(process.stderr) == (
        "Error: cannot write --out /dev/full: No space left on device"
    )


@pytest.mark.parametrize("command", ["recommend", "validate", "status", "batch"])
def test_closed_stdin_exits_2(command: str) -> None:
    process = _run(command, "-", preexec_fn=lambda: os.close(0))
    assert process.returncode == 2
    assert _one_line(process.stderr) == (
        "Error: cannot read stdin: it is closed; give a file or redirect the input"
    )


def test_empty_stdin_is_an_invalid_case() -> None:
    process = _run("recommend", "-", stdin=subprocess.DEVNULL)
    assert process.returncode == 2
    assert b"$: " in process.stderr
    assert b"Traceback" not in process.stderr


def test_stdin_closed_or_failing_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(InputError, match="stdin: it is closed"):
        _common.stdin_bytes()

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(_common, "stdin_bytes", Failing)
    with pytest.raises(InputError, match=r"^cannot read stdin: Bad file descriptor$"):
        _common.read_case_document(Path("-"))


@pytest.mark.parametrize("command", ["recommend", "validate", "batch"])
def test_a_directory_is_unreadable(tmp_path: Path, command: str) -> None:
    process = _run(command, str(tmp_path))
    assert process.returncode == 2
    assert (
        _one_line(process.stderr)
        == f"Error: cannot read {tmp_path}: Is a directory; check the path"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
@pytest.mark.parametrize("command", ["recommend", "batch"])
def test_a_file_without_read_permission(tmp_path: Path, command: str) -> None:  # pragma: no cover
    path = tmp_path / "case.json"
    path.write_text("{}")
    path.chmod(0)
    process = _run(command, str(path))
    assert process.returncode == 2
    assert _one_line(process.stderr).endswith(": Permission denied; check the path")


@pytest.mark.parametrize("command", ["recommend", "validate", "batch"])
def test_permission_denied_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    path = tmp_path / "case.json"
    path.write_text("{}")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    result = run(command, str(path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot read {path}: Permission denied; check the path\n"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(errno.EIO, "Input/output error", "/data/x"), "Error: /data/x: Input/output error"),
        (OSError(errno.ENOSPC, "No space left on device"), "Error: input/output error: No space"),
        (OSError(errno.ENOSPC, None), "Error: input/output error: No space left on device"),
        (OSError("odd"), "Error: input/output error: odd"),
        (OSError(), "Error: input/output error: OSError"),
    ],
)
def test_system_errors_exit_2(
    monkeypatch: pytest.MonkeyPatch, error: OSError, message: str
) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(_app, "stage_group", failing)
    result = run("stage", "T1", "N0", "M0")
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_system_error_while_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(click.Group, "make_context", failing)
    result = run("--help")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: input/output error: No space left on device\n",
    )


def test_system_error_with_debug_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(_app, "stage_group", failing)
    result = click.testing.CliRunner().invoke(cli, ["--debug", "stage", "T1", "N0", "M0"])
    assert isinstance(result.exception, OSError)


def test_failed_write_to_stdout_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sys, "stdout", Full())
    with pytest.raises(InputError, match=r"^cannot write to stdout: No space left on device$"):
        _common.write_text("a view")


# ----------------------------------------------------------------------------- file names

NON_UTF8: bytes = b"case-\xff.json"


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names are bytes")
def test_a_missing_non_utf8_file_name(tmp_path: Path) -> None:
    path = os.fsencode(tmp_path) + b"/" + NON_UTF8
    for command in (b"recommend", b"validate", b"batch"):
        process = _run(command, path)
        assert process.returncode == 2
        message = _one_line(process.stderr)
        assert message == f"Error: cannot read {tmp_path}/case-\\xff.json: No such file or " + (
            "directory; check the path"
        )


@pytest.mark.skipif(sys.platform != "linux", reason="Linux file names are bytes")
def test_a_non_utf8_file_name_is_read_and_written(tmp_path: Path) -> None:
    text = example("too_early").text()
    folder = os.fsencode(tmp_path)
    with open(folder + b"/" + NON_UTF8, "w", encoding="utf-8") as handle:
        handle.write(text)
    recommended = _run(b"recommend", folder + b"/" + NON_UTF8, b"--format", b"json")
    assert recommended.returncode == 0
    assert json.loads(recommended.stdout)["disease_status"] == "too_early_to_assess"
    validated = _run(b"validate", folder + b"/" + NON_UTF8)
    assert validated.returncode == 0
    assert _one_line(validated.stderr) == f"{tmp_path}/case-\\xff.json: valid"
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps(json.loads(text)) + "\n", encoding="utf-8")
    batch = _run(b"batch", os.fsencode(cases), b"--out", folder + b"/out-\xfe.jsonl")
    assert batch.returncode == 0
    assert len(open(folder + b"/out-\xfe.jsonl", "rb").read().splitlines()) == 1  # noqa: SIM115


def test_a_broken_pipe_on_stdout_is_not_a_write_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(BrokenPipeError):
        _common.write_text("x")


def test_the_documented_bounds_are_the_bounds() -> None:
    from ascc_salvage.cli._batch import MAX_WORKERS
    from ascc_salvage.cli._quantity import patient_bounds

    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    expected = {
        "dose --height": patient_bounds("height"),
        "dose --weight": patient_bounds("weight"),
        "dose --creatinine": patient_bounds("serum_creatinine"),
        "dose --age": patient_bounds("age_years"),
        "dose --auc": AUC_BOUNDS,
    }
    for option, bounds in expected.items():
        assert f"| `{option}` | {bounds.low:g}–{bounds.high:g} " in text, option
    assert f"| `batch --workers` | 1–{MAX_WORKERS} |" in text
    for status in (0, 1, 2, 130, 141):
        assert f"\n  | {status} | " in text, status
