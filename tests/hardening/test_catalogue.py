"""A catalogue of invalid cases: each is refused with a CaseValidationError naming its paths.

``invalid/`` holds one raw input per file, byte for byte what another system might send
(some are not even JSON or not UTF-8). ``invalid/catalogue.json`` states, for every file,
why it is invalid and the exact set of problem paths the error must name. Inputs too big
to keep as files (deep nesting, over 1 MiB, over 500 entries) are generated below.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
from typing import Any

import pytest

from ascc_salvage import CaseValidationError, load_case
from ascc_salvage.validation import MAX_DOCUMENT_BYTES, MAX_LIST_ENTRIES

from ._support import EXAMPLE_TEXT, check_error_shape, example_document

HERE = pathlib.Path(__file__).parent / "invalid"
CATALOGUE: dict[str, dict[str, Any]] = json.loads(
    (HERE / "catalogue.json").read_text(encoding="utf-8")
)


def rejected(source: Any) -> CaseValidationError:
    with pytest.raises(CaseValidationError) as info:
        load_case(source)
    check_error_shape(info.value)
    return info.value


def paths(error: CaseValidationError) -> list[str]:
    return [problem.path for problem in error.errors]


def test_the_catalogue_is_large_and_matches_the_files() -> None:
    files = {p.name for p in HERE.glob("*.json")} - {"catalogue.json"}
    assert files == set(CATALOGUE)
    assert len(CATALOGUE) >= 40
    for name, entry in CATALOGUE.items():
        assert entry["why"], name
        assert entry["paths"], name
        assert len(set(entry["paths"])) == len(entry["paths"]), name
    assert max(len(entry["paths"]) for entry in CATALOGUE.values()) >= 10


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_a_catalogued_case_is_refused_at_exactly_its_paths(name: str) -> None:
    expected = CATALOGUE[name]["paths"]
    path = HERE / name
    data = path.read_bytes()
    error = rejected(path)
    assert sorted(paths(error)) == sorted(expected), CATALOGUE[name]["why"]
    # The same input as bytes, bytearray and (when it is UTF-8) str gives the same problems.
    sources: list[Any] = [data, bytearray(data)]
    with contextlib.suppress(UnicodeDecodeError):
        sources.append(data.decode("utf-8"))
    for source in sources:
        assert rejected(source).errors == error.errors


def _parsed_documents() -> list[str]:
    """Catalogue files that parse to a JSON object and are refused below the root."""
    names = []
    for name, entry in sorted(CATALOGUE.items()):
        try:
            document = json.loads((HERE / name).read_bytes())
        except ValueError:
            continue
        if isinstance(document, dict) and "$" not in entry["paths"]:
            names.append(name)
    return names


PARSED = _parsed_documents()


def test_most_of_the_catalogue_is_also_checked_as_parsed_documents() -> None:
    assert len(PARSED) >= 40


@pytest.mark.parametrize("name", PARSED)
def test_a_catalogued_case_is_refused_as_a_parsed_document_too(name: str) -> None:
    document = json.loads((HERE / name).read_bytes())
    error = rejected(document)
    assert sorted(paths(error)) == sorted(CATALOGUE[name]["paths"])


def test_the_base_of_the_catalogue_is_valid() -> None:
    """Every file changes the bundled example; the example itself must load."""
    load_case(EXAMPLE_TEXT)
    load_case(EXAMPLE_TEXT.encode("utf-8"))


def test_many_errors_are_reported_in_one_exception() -> None:
    error = rejected(HERE / "many_errors_at_once.json")
    assert len(error.errors) >= 10
    messages = {problem.path: problem.message for problem in error.errors}
    assert messages["facility.helipad"] == "unknown key"
    assert messages["patient.hiv.status"] == "null is not allowed here"
    assert "stone" in messages["patient.weight.unit"]


# --- generated inputs -----------------------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        "{" + '"a":{' * DEEP + "}" * DEEP + "}",
        EXAMPLE_TEXT.replace('"conditions": []', '"conditions": ' + "[" * DEEP + "]" * DEEP),
        "[" * DEEP,  # unterminated as well
    ],
    ids=["brackets", "objects", "inside-a-field", "unterminated"],
)
def test_100000_nested_brackets_are_refused_at_the_root(text: str) -> None:
    for source in (text, text.encode("ascii")):
        assert paths(rejected(source)) == ["$"]


def test_a_deeply_nested_parsed_document_is_refused_at_the_root() -> None:
    document = example_document()
    node: list[Any] = []
    document["patient"]["conditions"] = node
    for _ in range(DEEP):
        node.append([])
        node = node[0]
    assert paths(rejected(document)) == ["$"]


def test_a_self_referencing_parsed_document_is_refused_not_walked_forever() -> None:
    document = example_document()
    document["facility"]["iort_available"] = document
    assert paths(rejected(document)) == ["$"]


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("facility.iort_available", [[[[[]]]]]),  # depth 7; the schema is 6 deep
        ("disease.sites[0].size.value", [[1]]),
        ("patient.hiv.cd4_count", {"value": {"value": {"value": {"value": 1}}}, "unit": "/uL"}),
    ],
)
def test_nesting_deeper_than_the_schema_is_refused_at_the_root(where: str, value: Any) -> None:
    from ._support import set_at

    document = example_document()
    set_at(document, where, value)
    error = rejected(document)
    assert paths(error) == ["$"]
    assert "nested deeper" in error.errors[0].message


def _padded(size: int) -> str:
    """The example, padded with whitespace to exactly *size* UTF-8 bytes."""
    text = EXAMPLE_TEXT.rstrip()
    return text[:-1] + " " * (size - len(text.encode("utf-8"))) + "}"


def test_a_document_over_1_mib_is_refused_at_the_root(tmp_path: pathlib.Path) -> None:
    over = _padded(MAX_DOCUMENT_BYTES + 1)
    file = tmp_path / "big.json"
    file.write_text(over, encoding="utf-8")
    for source in (over, over.encode("utf-8"), file):
        error = rejected(source)
        assert paths(error) == ["$"]
        assert "larger" in error.errors[0].message
    big_string = EXAMPLE_TEXT.replace('"US"', json.dumps("x" * MAX_DOCUMENT_BYTES), 1)
    assert paths(rejected(big_string)) == ["$"]


def test_a_document_of_exactly_1_mib_is_not_refused_for_its_size() -> None:
    exact = _padded(MAX_DOCUMENT_BYTES)
    assert len(exact.encode("utf-8")) == MAX_DOCUMENT_BYTES
    load_case(exact)


@pytest.mark.parametrize(
    ("key", "item"),
    [
        ("assessments", {"date": "2025-07-07", "finding": "stable", "biopsy": "positive"}),
        ("prior_salvage_surgery", {"date": "2025-09-01", "procedure": "salvage_apr"}),
        ("unknown_list", 0),
    ],
)
def test_a_list_of_501_entries_is_refused_at_the_root(key: str, item: Any) -> None:
    document = example_document()
    document[key] = [item] * (MAX_LIST_ENTRIES + 1)
    for source in (document, json.dumps(document)):
        error = rejected(source)
        assert paths(error) == ["$"]
        assert str(MAX_LIST_ENTRIES) in error.errors[0].message


def test_a_list_of_500_entries_is_within_the_limit() -> None:
    document = example_document()
    document["assessments"] = [document["assessments"][-1]] * MAX_LIST_ENTRIES
    assert len(load_case(document).assessments) == MAX_LIST_ENTRIES


@pytest.mark.parametrize(
    "text",
    [
        EXAMPLE_TEXT.replace('"ecog": 1', '"ecog": ' + "9" * 5000),
        EXAMPLE_TEXT.replace('"ecog": 1', '"ecog": 1' + "0" * 5000 + ".5"),
        EXAMPLE_TEXT.replace('"ecog": 1', '"ecog": 1e' + "9" * 5000),
    ],
    ids=["5000-digit-integer", "5000-digit-float", "5000-digit-exponent"],
)
def test_absurdly_long_number_literals_never_escape_as_other_errors(text: str) -> None:
    error = rejected(text)
    assert set(paths(error)) <= {"$", "patient.ecog"}


@pytest.mark.parametrize("source", [None, 12, 1.5, ["a"], object(), {"schema_version"}])
def test_sources_of_other_types_are_refused_at_the_root(source: Any) -> None:
    assert paths(rejected(source)) == ["$"]
