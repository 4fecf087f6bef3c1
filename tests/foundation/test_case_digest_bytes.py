"""The input digest hashes exactly the canonical JSON of the standard library.

:func:`ascc_salvage.io.case_digest` writes the canonical text through orjson where orjson
writes the same bytes and through the standard library otherwise; either way the bytes are
``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False)`` in UTF-8. The document itself is written by functions generated per case
class where they give the bytes of ``dump_case``'s document, else by ``dump_case``.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ascc_salvage import dump_case, load_case
from ascc_salvage.case import Case
from ascc_salvage.examples import Example, examples
from ascc_salvage.io import _canonical_bytes, _fast_canonical_bytes, case_digest
from ascc_salvage.testing import strategies


def _standard(document: Any) -> bytes:
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


@pytest.mark.parametrize("bundled", examples(), ids=lambda item: item.name)
def test_the_digest_of_every_example_is_that_of_the_standard_text(bundled: Example) -> None:
    case = load_case(bundled.text())
    expected = "sha256:" + hashlib.sha256(_standard(dump_case(case))).hexdigest()
    assert case_digest(case) == expected


@pytest.mark.parametrize(
    "value",
    [
        1e-5,  # orjson: 0.00001
        -9.9e-5,  # orjson: -0.000099
        1e-7,  # orjson: 1e-7
        1e-4,
        123.00001,  # written alike, but the check is cautious
        1e16,
        0.1 + 0.2,
        -0.0,
        2**70,  # orjson refuses integers beyond 64 bits
        "re-irradiation",  # a string with "e-": the standard library writes it
        'é \U0001f600 \u2028 \x7f \x00 "\\',
        {"z": 1, "é": 2, "\U0001f600": 3, "\uffff": 4, "a": [None, True, False]},
    ],
)
def test_canonical_bytes_are_the_standard_bytes(value: object) -> None:
    document = {"value": value, "unit": "cm"}
    assert _canonical_bytes(document) == _standard(document)


# --- the generated writer of the canonical document ----------------------------------------

_HERE = pathlib.Path(__file__).resolve().parents[1]


def _written_as_before(case: Case) -> None:
    """The generated writer gives the bytes of ``_canonical_bytes(dump_case(case))`` or none."""
    expected = _canonical_bytes(dump_case(case))
    fast = _fast_canonical_bytes(case)
    assert fast is None or fast == expected
    assert case_digest(case) == "sha256:" + hashlib.sha256(expected).hexdigest()


@pytest.mark.parametrize(
    "path", sorted((_HERE / "engine" / "cases").glob("*.json")), ids=lambda path: path.stem
)
def test_the_writer_gives_the_canonical_text_of_every_engine_case(path: pathlib.Path) -> None:
    _written_as_before(load_case(json.loads(path.read_text(encoding="utf-8"))["case"]))


def test_the_writer_gives_the_canonical_text_of_every_example() -> None:
    for bundled in examples():
        case = load_case(bundled.text())
        assert _fast_canonical_bytes(case) == _canonical_bytes(dump_case(case)), bundled.name


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.cases(unsupported=True, full_inputs=True) | strategies.cases())
def test_the_writer_gives_the_canonical_text_of_generated_cases(case: Case) -> None:
    _written_as_before(case)


def _example_case() -> Case:
    (bundled,) = [item for item in examples() if item.name == "persistent_resectable"]
    return load_case(bundled.text())


def test_a_value_orjson_refuses_goes_the_standard_way() -> None:
    case = _example_case()
    object.__setattr__(case.patient, "age_years", 2**70)  # beyond 64 bits: orjson refuses
    assert _fast_canonical_bytes(case) is None
    _written_as_before(case)


def test_a_float_orjson_may_write_differently_goes_the_standard_way() -> None:
    case = _example_case()
    assert case.patient.weight is not None
    object.__setattr__(case.patient.weight, "value", 1e-5)  # orjson 1e-5, json 1e-05
    assert _fast_canonical_bytes(case) is None
    _written_as_before(case)
