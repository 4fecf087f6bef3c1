"""``recommend --example NAME --format json`` runs without click, with the same output."""

from __future__ import annotations

import errno
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ascc_salvage.cli
from ascc_salvage import __version__
from ascc_salvage.cli import _fast, main
from ascc_salvage.cli._fast import fast_arguments, run_fast
from ascc_salvage.examples import example, examples

from ._support import run

NAMES = [entry.name for entry in examples()]


@pytest.mark.parametrize("name", NAMES)
def test_the_fast_path_writes_what_the_full_command_writes(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = run("recommend", "--example", name, "--format", "json")
    assert expected.exit_code == 0
    assert run_fast(["recommend", "--format=json", "--example", name]) is True
    assert capsys.readouterr() == (expected.stdout, "")


@pytest.mark.parametrize("name", NAMES)
def test_a_case_file_takes_the_fast_path_with_the_same_output(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(example(name).text(), encoding="utf-8")
    expected = run("recommend", str(path), "--format", "json")
    assert expected.exit_code == 0
    assert run_fast(["recommend", str(path), "--format", "json"]) is True
    assert capsys.readouterr() == (expected.stdout, "")


@pytest.mark.parametrize("content", [None, "{", '{"schema_version": 2}'])
def test_an_unreadable_or_invalid_file_goes_to_the_full_command(
    content: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert run_fast(["recommend", str(path), "--format", "json"]) is False
    assert capsys.readouterr() == ("", "")


def test_main_takes_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["recommend", "--example", "too_early", "--format", "json"]
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", *args])
    main()
    assert capsys.readouterr().out == run(*args).stdout


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["recommend", "--example", "a", "--format", "json"], ("example", "a")),
        (["recommend", "--format", "json", "--example", "a"], ("example", "a")),
        (["recommend", "--example=a", "--format=json"], ("example", "a")),
        (["recommend", "--format=json", "--example", "a_b"], ("example", "a_b")),
        (["recommend", "case.json", "--format", "json"], ("file", "case.json")),
        (["recommend", "--format=json", "case.json"], ("file", "case.json")),
        (["recommend", "a.json", "b.json", "--format", "json"], None),
        (["recommend", "-", "--format", "json"], None),
        (["recommend", "case.json", "--format", "json", "--as-of", "2026-01-01"], None),
        (["recommend"], None),
        (["recommend", "--example", "a"], None),
        (["recommend", "--example", "a", "--format"], None),
        (["recommend", "--example", "a", "--format", "text"], None),
        (["recommend", "--format", "json", "--format", "json", "--example", "a"], None),
        (["recommend", "--example", "a", "--example", "b", "--format", "json"], None),
        (["recommend", "--example", "a", "--format", "json", "--all"], None),
        (["recommend", "--example", "a", "--format", "json", "case.json"], None),
        (["recommend", "--example", "--format", "json"], None),
        (["recommend", "--example=", "--format=json"], None),
        (["recommend", "--format", "json", "--jurisdiction", "EU"], None),
        (["--debug", "recommend", "--example", "a", "--format", "json"], None),
        (["report", "--example", "a", "--format", "json"], None),
    ],
)
def test_only_exactly_that_call_is_taken(args: list[str], name: tuple[str, str] | None) -> None:
    assert fast_arguments(args) == name


def test_an_unknown_example_goes_to_the_full_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["recommend", "--example", "no_such_example", "--format", "json"]
    assert run_fast(args) is False
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "no_such_example" in capsys.readouterr().err


def test_other_arguments_go_to_the_full_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["ascc-salvage", "--version"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip().endswith(f" {__version__}")


class _Stream:
    """stdout without a file descriptor whose writes fail with *error*."""

    def __init__(self, error: OSError | None = None, encoding: str = "utf-8") -> None:
        self.error = error
        self.encoding = encoding
        self.reconfigured: str | None = None
        self.text = io.StringIO()

    def reconfigure(self, *, encoding: str) -> None:
        self.reconfigured = encoding

    def write(self, text: str) -> int:
        if self.error is not None:
            raise self.error
        return self.text.write(text)

    def flush(self) -> None:
        pass


ARGS = ["recommend", "--example", "too_early", "--format", "json"]


def test_a_broken_pipe_ends_quietly_with_141(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", _Stream(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    with pytest.raises(SystemExit) as exit_info:
        run_fast(ARGS)
    assert exit_info.value.code == 141
    assert capsys.readouterr().err == ""


def test_a_failed_write_is_reported_with_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = run("recommend", "--example", "too_early", "--format", "json")
    monkeypatch.setattr(sys, "stdout", _Stream(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(SystemExit) as exit_info:
        run_fast(ARGS)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "Error: cannot write to stdout: No space left on device\n"
    assert expected.exit_code == 0


def test_an_interrupt_exits_with_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(kind: str, value: str) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(_fast, "_output", interrupted)
    with pytest.raises(SystemExit) as exit_info:
        run_fast(ARGS)
    assert exit_info.value.code == 130
    assert capsys.readouterr() == ("", "Interrupted.\n")


def test_streams_are_switched_to_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    latin, plain = _Stream(encoding="latin-1"), _Stream(encoding="UTF-8")
    monkeypatch.setattr(sys, "stdout", latin)
    monkeypatch.setattr(sys, "stderr", plain)
    assert run_fast(ARGS) is True
    assert (latin.reconfigured, plain.reconfigured) == ("utf-8", None)
    assert latin.text.getvalue().startswith("{\n")


def test_the_click_group_is_imported_on_first_use() -> None:
    from ascc_salvage.cli._app import cli

    assert ascc_salvage.cli.cli is cli
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = ascc_salvage.cli.nothing


def test_the_fast_path_loads_neither_click_nor_the_commands_nor_the_renderers() -> None:
    code = """
        import sys
        sys.argv = ["ascc-salvage", "recommend", "--example", "persistent_resectable",
                    "--format", "json"]
        from ascc_salvage.cli import main
        main()
        sys.stdout.flush()
        names = ("click", "jinja2", "rich", "ascc_salvage.cli._app",
                 "ascc_salvage.cli._common", "ascc_salvage.rendering")
        print([name for name in names if name in sys.modules], file=sys.__stdout__)
    """
    process = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("{\n")
    assert process.stdout.endswith("}\n[]\n")
