"""``load_case`` reads a ``str`` as JSON text; a ``str`` that names a file gets told so."""

from __future__ import annotations

from pathlib import Path

import pytest

from ascc_salvage import CaseValidationError, load_case

from ._support import example_text

HINT = "a str is read as JSON text, not as a file name: to read the file, pass pathlib.Path("


def _problems(source: str) -> list[str]:
    with pytest.raises(CaseValidationError) as caught:
        load_case(source)
    return [str(problem) for problem in caught.value.errors]


def test_a_json_file_name_gets_the_path_hint(tmp_path: Path) -> None:
    assert _problems("case.json") == [
        "$: invalid JSON: Expecting value (line 1, column 1); " + HINT + "'case.json')"
    ]
    # Whether or not the file exists, and in any case.
    assert _problems("cases/Case.JSON")[0].endswith(HINT + "'cases/Case.JSON')")


def test_an_existing_file_gets_the_path_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("case").write_text(example_text(), encoding="utf-8")
    assert _problems("case") == [
        "$: invalid JSON: Expecting value (line 1, column 1); " + HINT + "'case')"
    ]
    Path("42").write_text(example_text(), encoding="utf-8")  # a name that is JSON text
    assert _problems("42") == ["$: a case must be a JSON object, got a number; " + HINT + "'42')"]
    assert load_case(Path("case")) == load_case(Path("42"))  # the hint's advice works


def test_other_text_keeps_its_message() -> None:
    assert _problems("not json") == ["$: invalid JSON: Expecting value (line 1, column 1)"]
    assert _problems("[1]") == ["$: a case must be a JSON object, got a list"]
    assert _problems("{\n") == [
        "$: invalid JSON: Expecting property name enclosed in double quotes (line 2, column 1)"
    ]
    long_name = "x" * 5000 + ".json"  # too long to be a file name: no file-system look-up
    assert _problems(long_name) == ["$: invalid JSON: Expecting value (line 1, column 1)"]
