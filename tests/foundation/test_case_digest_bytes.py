"""The input digest hashes exactly the canonical JSON of the standard library.

:func:`ascc_salvage.io.case_digest` writes the canonical text through orjson where orjson
writes the same bytes and through the standard library otherwise; either way the bytes are
``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False)`` in UTF-8.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from ascc_salvage import dump_case, load_case
from ascc_salvage.examples import Example, examples
from ascc_salvage.io import _canonical_bytes, case_digest


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
