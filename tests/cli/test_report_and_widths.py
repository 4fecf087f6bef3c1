"""``report`` writes the HTML page atomically; every text view fits ``COLUMNS=80``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ascc_salvage.cli import _batch, _common
from ascc_salvage.examples import examples

from ._support import example_document, run, run_process, write_case

EXAMPLES = [entry.name for entry in examples()]


def test_report_of_an_example(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = run("report", "--example", "persistent_resectable", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "r.html: report written" in result.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert '<section id="pathway">' in html
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_report_of_a_file_replaces_the_previous_report(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case.json", example_document("unresectable"))
    out = tmp_path / "board.html"
    out.write_text("old", encoding="utf-8")
    result = run("report", str(case), "--out", str(out))
    assert result.exit_code == 0
    assert "Unresectable, or R2 expected" in out.read_text(encoding="utf-8")


def test_report_never_overwrites_its_input(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case.json", example_document())
    before = case.read_bytes()
    for target in (case, tmp_path / "." / "case.json"):
        result = run("report", str(case), "--out", str(target))
        assert result.exit_code == 2
        assert "is the input file" in result.stderr
    link = tmp_path / "link.html"
    os.link(case, link)
    assert run("report", str(case), "--out", str(link)).exit_code == 2
    assert case.read_bytes() == before


def test_report_from_a_redirected_file_never_overwrites_it(tmp_path: Path) -> None:
    """``report - --out case.json < case.json``: stdin is that file; it is refused."""
    case = write_case(tmp_path / "case.json", example_document())
    before = case.read_bytes()
    with case.open("rb") as stdin:
        process = subprocess.run(
            [sys.executable, "-m", "ascc_salvage", "report", "-", "--out", str(case)],
            stdin=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )
    assert process.returncode == 2, process.stderr
    assert b"is the input file stdin" in process.stderr
    assert case.read_bytes() == before
    # Piped stdin is no file: the report is written.
    out = tmp_path / "r.html"
    piped = run_process("report", "-", "--out", str(out), stdin=before)
    assert piped.returncode == 0, piped.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_failed_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.html"
    out.write_text("previous", encoding="utf-8")

    def full(self: object, text: str) -> None:
        raise _common.InputError("cannot write --out r.html: No space left on device")

    monkeypatch.setattr(_batch._File, "write", full)
    result = run("report", "--example", "too_early", "--out", str(out))
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "--example", "too_early"), "Missing option '--out'"),
        (("report", "--out", "x.html"), "give a case file"),
        (("report", "--example", "nope", "--out", "x.html"), "no bundled example 'nope'"),
    ],
)
def test_report_usage(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_report_of_an_invalid_case_and_of_a_schema_2_case(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case.json", {"schema_version": 1})
    assert run("report", str(case), "--out", str(tmp_path / "r.html")).exit_code == 2
    assert not (tmp_path / "r.html").exists()
    from tests.foundation._support import schema_2_document

    document = schema_2_document(example_document())
    document["primary"]["chemoradiotherapy"]["agents"] = ["mitomycin", "fluorouracil"]
    schema_2 = write_case(tmp_path / "schema_2.json", document)
    result = run("report", str(schema_2), "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.stderr
    assert "mitomycin" in (tmp_path / "r.html").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- widths


def _views() -> list[tuple[str, ...]]:
    views: list[tuple[str, ...]] = []
    for name in EXAMPLES:
        views += [
            ("recommend", "--example", name),
            ("recommend", "--example", name, "--all"),
            ("recommend", "--example", name, "--format", "markdown"),
            ("status", "--example", name),
        ]
    views += [
        ("evidence",),
        ("evidence", "--wide"),
        ("evidence", "POD1UM303_2025"),
        ("examples",),
        ("stage", "T3", "N1a", "M0"),
        ("dose", "docetaxel_cisplatin_fluorouracil", "--height", "170cm", "--weight", "70kg",
         "--creatinine", "1.0mg/dL", "--age", "60", "--sex", "male", "--variant", "standard"),
        ("dose", "anti_pd1_monotherapy"),
        ("dose", "reirradiation"),
    ]  # fmt: skip
    return views


@pytest.mark.parametrize("args", _views(), ids=" ".join)
def test_every_text_view_fits_80_columns(
    args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("ascc_salvage.cli._app.is_terminal", lambda stream: True)
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)


def test_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert _common.terminal_width() == 100
    monkeypatch.setenv("COLUMNS", "wide")
    monkeypatch.setattr(_common, "is_terminal", lambda stream: False)
    assert _common.terminal_width() == 80
    monkeypatch.setattr(_common, "is_terminal", lambda stream: True)
    monkeypatch.setattr(os, "get_terminal_size", lambda fd: os.terminal_size((132, 40)))
    monkeypatch.setattr("sys.stdout.fileno", lambda: 1, raising=False)
    assert _common.terminal_width() == 132

    def no_terminal(fd: int) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert _common.terminal_width() == 80


def test_examples_on_a_narrow_terminal_indent_by_four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setattr("ascc_salvage.cli._app.is_terminal", lambda stream: True)
    lines = run("examples").stdout.splitlines()
    assert max(len(line) for line in lines) <= 40
    assert all(line.startswith("    ") and not line.startswith("     ") for line in lines
               if line[0] == " ")  # fmt: skip
