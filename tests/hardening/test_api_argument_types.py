"""Plausible mistakes at the Python entry points get a clear ``TypeError`` or ``ValueError``.

Found by an outside audit written as an integrator would: a document passed where a ``Case``
is expected raised ``AttributeError`` deep inside; ``recommend_many(chunksize=2.5)`` ran;
``recommend_many_json`` given one JSON text read it character by character; a huge fraction
count raised ``OverflowError`` and huge sizes gave an infinite body surface area.
"""

from __future__ import annotations

import json

import pytest

from ascc_salvage import calculators as calc
from ascc_salvage import (
    load_case,
    recommend,
    recommend_many,
    recommend_many_json,
    render,
    result_to_dict,
)
from ascc_salvage.examples import example
from ascc_salvage.units import Q_


def _text() -> str:
    return example("persistent_resectable").text()


def test_recommend_names_a_document_passed_instead_of_a_case() -> None:
    with pytest.raises(TypeError, match=r"case must be a Case from ascc_salvage\.load_case"):
        recommend(json.loads(_text()))  # type: ignore[arg-type]


def test_render_names_a_document_passed_instead_of_a_case_or_a_result() -> None:
    case = load_case(_text())
    result = recommend(case)
    with pytest.raises(TypeError, match="case must be a Case"):
        render(result, json.loads(_text()))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="result must be a Result"):
        render(result_to_dict(result), case)  # type: ignore[arg-type]


@pytest.mark.parametrize("argument", ["chunksize", "max_in_flight"])
@pytest.mark.parametrize("value", [2.5, "4", True])
def test_recommend_many_refuses_counts_that_are_not_ints(argument: str, value: object) -> None:
    with pytest.raises(TypeError, match=f"{argument} must be an int"):
        recommend_many([], **{argument: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("texts", [_text(), _text().encode()], ids=["str", "bytes"])
def test_recommend_many_json_refuses_one_document_given_alone(texts: str | bytes) -> None:
    with pytest.raises(TypeError, match="not one str or bytes"):
        recommend_many_json(texts)


def test_recommend_many_json_takes_a_list_of_one_document() -> None:
    (line,) = recommend_many_json([_text()])
    assert json.loads(line)["disease_status"] == "persistent"


def test_a_count_beyond_float_arithmetic_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"fractions must be at most 2\*\*53, got a 1329-bit"):
        calc.bed(total_dose=Q_(50.4, "Gy"), fractions=10**400, alpha_beta=Q_(3, "Gy"))


def test_sizes_whose_product_overflows_give_no_infinite_surface_area() -> None:
    with pytest.raises(ValueError, match="give no finite body surface area"):
        calc.body_surface_area(height=Q_(1e300, "cm"), weight=Q_(1e300, "kg"))
