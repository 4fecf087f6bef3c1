"""``--knowledge DIR``: recommend and batch read a knowledge base from a directory."""

from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

from ascc_salvage import knowledge, load_case, recommend, result_to_dict

from ._support import example_document, run, write_case

DATA = Path(str(importlib.resources.files("ascc_salvage.knowledge").joinpath("data")))


def _directory(tmp_path: Path, version: str = "2026.12.3") -> Path:
    target = tmp_path / "kb"
    shutil.copytree(DATA, target)
    meta = target / "meta.toml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace('version = "2026.12"', f'version = "{version}"'),
        encoding="utf-8",
    )
    return target


def test_recommend_uses_the_directory(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    document = example_document()
    path = write_case(tmp_path / "case.json", document)
    result = run("recommend", str(path), "--format", "json", "--knowledge", str(directory))
    assert result.exit_code == 0, result.stderr
    expected = recommend(load_case(document), knowledge=knowledge.load(directory))
    assert (
        result.stdout == json.dumps(result_to_dict(expected), ensure_ascii=False, indent=2) + "\n"
    )
    assert json.loads(result.stdout)["knowledge_base_version"] == "2026.12.3"


def test_an_invalid_directory_exits_2_naming_file_and_item(tmp_path: Path) -> None:
    directory = _directory(tmp_path)
    thresholds = directory / "thresholds.toml"
    text = thresholds.read_text(encoding="utf-8")
    thresholds.write_text(text.replace('unit = "mo"', 'unit = "fortnight"', 1), encoding="utf-8")
    for command in ("recommend", "batch"):
        args = ["--example", "persistent_resectable"] if command == "recommend" else ["-"]
        result = run(command, *args, "--knowledge", str(directory), input="")
        assert result.exit_code == 2
        assert "invalid knowledge base" in result.stderr
        assert "thresholds.toml: " in result.stderr
        assert "'fortnight' is not an accepted unit" in result.stderr
        assert result.stdout == ""


def test_a_missing_directory_exits_2(tmp_path: Path) -> None:
    result = run(
        "recommend", "--example", "persistent_resectable", "--knowledge", str(tmp_path / "none")
    )
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr


def test_batch_workers_receive_the_directory(tmp_path: Path) -> None:
    directory = _directory(tmp_path, "2026.12.4")
    line = json.dumps(example_document())
    cases = tmp_path / "cases.jsonl"
    cases.write_text(f"{line}\n{line}\n", encoding="utf-8")
    serial = run("batch", str(cases), "--knowledge", str(directory))
    parallel = run("batch", str(cases), "--workers", "2", "--knowledge", str(directory))
    assert serial.exit_code == parallel.exit_code == 0, parallel.stderr
    assert serial.stdout == parallel.stdout
    versions = [json.loads(text)["knowledge_base_version"] for text in serial.stdout.splitlines()]
    assert versions == ["2026.12.4", "2026.12.4"]


def test_no_output_is_written_over_a_knowledge_base_file(tmp_path: Path) -> None:
    """The knowledge files are inputs: ``report`` and ``batch`` refuse to write over one."""
    directory = _directory(tmp_path)
    case = write_case(tmp_path / "case.json", example_document())
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps(example_document()) + "\n", encoding="utf-8")
    before = {p.relative_to(directory): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    alias = tmp_path / "alias.toml"
    alias.hardlink_to(directory / "evidence.toml")  # the same file under another name
    attempts = [
        ("report", str(case), "--out", str(directory / "meta.toml")),
        ("report", str(case), "--out", str(alias)),
        ("batch", str(lines), "--out", str(directory / "meta.toml")),
        ("batch", str(lines), "--errors", str(directory / "catalogue.toml")),
    ]
    for args in attempts:
        result = run(*args, "--knowledge", str(directory))
        assert result.exit_code == 2, args
        assert "is the knowledge-base file" in result.stderr
    after = {p.relative_to(directory): p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    assert after == before
    # An existing file outside the directory is replaced as usual.
    outside = tmp_path / "previous.html"
    outside.write_text("previous", encoding="utf-8")
    result = run("report", str(case), "--out", str(outside), "--knowledge", str(directory))
    assert result.exit_code == 0, result.stderr
    assert outside.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # A new file in the directory overwrites nothing and is written.
    new = directory / "board.html"
    result = run("report", str(case), "--out", str(new), "--knowledge", str(directory))
    assert result.exit_code == 0, result.stderr
    assert new.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
