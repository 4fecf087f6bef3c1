"""``batch`` never loses data, checked on the real command in a subprocess.

An output that is the input is refused before anything is written; an interrupted run
leaves the previous output and no temporary file; an exception on one line is recorded for
that line and the run goes on, also with worker processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Final

import pytest

from ascc_salvage.examples import examples

from ._support import run_process

#: Run the command with the engine raising for cases whose patient is 77 years old. The
#: workers are started with fork, so they inherit the patched engine (spawned workers import
#: the library afresh and would not see it); the command is otherwise unchanged.
FAILING_ENGINE: Final = """
import sys

import ascc_salvage.engine as engine
from ascc_salvage.cli import _batch, main

real = engine.recommend


def failing(case):
    if case.patient.age_years == 77:
        raise RuntimeError("injected failure")
    return real(case)


engine.recommend = failing
_batch.START_METHOD = "fork"
sys.argv[0] = "ascc-salvage"
main()
"""


def _lines() -> list[str]:
    """Ten bundled examples, one JSON line each (the counts below assume ten)."""
    return [json.dumps(json.loads(entry.text())) for entry in examples()][:10]


def _cases(folder: Path, count: int = 10) -> Path:
    lines = _lines()
    path = folder / "cases.jsonl"
    path.write_text("\n".join(lines[i % len(lines)] for i in range(count)) + "\n")
    return path


def _listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_out_that_is_the_input_is_refused(tmp_path: Path, link: str) -> None:
    path = _cases(tmp_path)
    before = path.read_bytes()
    target = {"same": path, "symlink": tmp_path / "link", "hardlink": tmp_path / "hard"}[link]
    if link == "symlink":
        target.symlink_to(path)
    elif link == "hardlink":
        os.link(path, target)
    for option in ("--out", "--errors"):
        process = run_process("batch", str(path), option, str(target))
        assert process.returncode == 2
        assert process.stdout == b""
        assert process.stderr.decode().count("\n") == 1
        assert b"is the input file" in process.stderr
        assert path.read_bytes() == before
    assert len(_listing(tmp_path)) == (1 if link == "same" else 2)


def test_stdout_appending_to_the_input_is_refused(tmp_path: Path) -> None:
    path = _cases(tmp_path)
    before = path.read_bytes()
    with path.open("ab") as stdout:
        process = subprocess.run(
            [sys.executable, "-m", "ascc_salvage", "batch", str(path)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
            timeout=120,
        )
    assert process.returncode == 2
    assert b"stdout is the input file" in process.stderr
    assert path.read_bytes() == before


def _wait_for_temporary(folder: Path, process: subprocess.Popen[bytes]) -> None:
    """Wait until the run has started writing (its temporary output file exists)."""
    deadline = time.monotonic() + 60
    while not any(name.endswith(".tmp") for name in _listing(folder)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the batch run did not start"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_sigint_mid_run_keeps_the_previous_output(tmp_path: Path, workers: list[str]) -> None:
    cases = _cases(tmp_path, 4000)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "results.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "ascc_salvage", "batch", str(cases), "--out", str(out), *workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _wait_for_temporary(folder, process)
    time.sleep(0.5)  # well into the run: 4000 lines take many seconds
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert stderr.decode().splitlines()[-2:] == [
        f"batch: stopped before the end; --out {out} was not written "
        "(the previous file is unchanged)",
        "Interrupted.",
    ]
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert _listing(folder) == ["results.jsonl"]


def _processes_reading(path: Path) -> list[int]:
    """The processes whose command line names *path* (a batch run and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:  # ended meanwhile
                continue
            if str(path).encode() in command:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="lists processes through /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["serial", "workers"])
def test_a_stop_signal_mid_run_cleans_up_as_sigint(
    tmp_path: Path, workers: list[str], signum: int
) -> None:
    # SIGTERM (kill, timeout, systemd) left the temporary output files, the spill directory
    # and, with workers, worker processes that never ended.
    cases = _cases(tmp_path, 4000)
    folder, spill = tmp_path / "out", tmp_path / "spill"
    folder.mkdir()
    spill.mkdir()
    out, errors = folder / "results.jsonl", folder / "errors.jsonl"
    out.write_text("previous results\n", encoding="utf-8")
    command = ["batch", str(cases), "--out", str(out), "--errors", str(errors), *workers]
    process = subprocess.Popen(
        [sys.executable, "-m", "ascc_salvage", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(spill)},  # the spill directory goes there
    )
    _wait_for_temporary(folder, process)
    time.sleep(0.5)  # well into the run: 4000 lines take many seconds
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, stderr
    assert stdout == b""
    assert b"Traceback" not in stderr
    assert stderr.decode().splitlines()[-3:] == [
        f"batch: stopped before the end; --out {out} was not written "
        "(the previous file is unchanged)",
        f"batch: stopped before the end; --errors {errors} was not written (no file was created)",
        "Terminated.",
    ]
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert _listing(folder) == ["results.jsonl"]
    assert _listing(spill) == []
    deadline = time.monotonic() + 30
    while (left := _processes_reading(cases)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == []


@pytest.mark.parametrize("workers", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_an_exception_on_one_line_is_recorded(tmp_path: Path, workers: str) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        pytest.skip("the workers inherit the patched engine only with the fork start method")
    lines = _lines()
    failing = json.loads(lines[0])
    failing["patient"]["age_years"] = 77
    path = tmp_path / "cases.jsonl"
    body = [*lines[:3], json.dumps(failing), "not json", *lines[3:]] * 20  # over two chunks
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    options = ["--out", str(out), "--errors", str(errors), "--workers", workers]
    process = subprocess.run(
        [sys.executable, "-c", FAILING_ENGINE, "batch", str(path), *options],
        capture_output=True,
        check=False,
        timeout=300,
    )
    stderr = process.stderr.decode()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    read, valid = 20 * (len(lines) + 2), 20 * len(lines)  # a failing and a broken line per block
    assert f"batch: {read} cases read, {valid} valid, 20 invalid, 20 internal errors" in stderr
    assert "line 4: internal error (RuntimeError: injected failure)" in stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == valid
    records = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    internal = [r for r in records if r["error"] == "internal"]
    assert [r["line"] for r in internal] == [4 + (len(lines) + 2) * i for i in range(20)]
    assert {r["message"] for r in internal} == {"RuntimeError: injected failure"}
    assert _listing(tmp_path) == ["cases.jsonl", "errors.jsonl", "out.jsonl"]
