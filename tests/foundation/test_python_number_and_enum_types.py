"""Python-built cases hold built-in numbers and enum members, whatever the caller passed.

A float subclass (``numpy.float64`` is one) was stored as given: ``recommend`` then built
dose plans whose comparisons gave ``numpy.bool``, and ``result_to_json`` raised. Enum strings
passed in a tuple were kept as strings (an enum member equals its string value), so a rule
comparing members (pregnancy recorded for a male patient) did not fire.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from ascc_salvage import (
    CaseValidationError,
    dump_case,
    load_case,
    recommend,
    result_to_dict,
    result_to_json,
)
from ascc_salvage.case import Case
from ascc_salvage.errors import Problem
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import Condition, Modality

from ._support import example_document, example_text


class SubFloat(float):
    """A float subclass, as numpy's ``float64``."""


def _case() -> Case:
    return load_case(example_text())


def _leaves(document: Any) -> list[Any]:
    if isinstance(document, dict):
        return [leaf for value in document.values() for leaf in _leaves(value)]
    if isinstance(document, list):
        return [leaf for value in document for leaf in _leaves(value)]
    return [document]


def _assert_plain(case: Case) -> None:
    """The case's result is that of the same case read from JSON, built-in types only."""
    result = recommend(case)
    document = result_to_dict(result)
    from_json = result_to_dict(recommend(load_case(dump_case(case))))
    # The example document is schema 1; its dump is schema 2.
    document.pop("input_schema_version"), from_json.pop("input_schema_version")
    assert document == from_json
    assert result_to_json(result)  # raised TypeError with numpy numbers
    assert {type(leaf) for leaf in _leaves(document)} <= {
        str,
        int,
        float,
        bool,
        type(None),
    }


@pytest.mark.parametrize(
    "weight", [(SubFloat(68.0), "kg"), Q_(SubFloat(68.0), "kg")], ids=["pair", "quantity"]
)
def test_a_float_subclass_in_a_measurement_is_stored_as_a_float(weight: Any) -> None:
    case = _case()
    built = attrs.evolve(case, patient=attrs.evolve(case.patient, weight=weight))
    assert built.patient.weight is not None
    assert type(built.patient.weight.value) is float
    _assert_plain(built)


def test_a_float_subclass_in_a_plain_number_field_is_stored_as_a_float() -> None:
    case = _case()
    built = attrs.evolve(case, patient=attrs.evolve(case.patient, pd_l1_cps=SubFloat(5.0)))
    assert type(built.patient.pd_l1_cps) is float
    _assert_plain(built)


def test_a_float_subclass_in_a_mapping_is_read_as_a_float() -> None:
    document = example_document()
    document["patient"]["weight"]["value"] = SubFloat(document["patient"]["weight"]["value"])
    document["patient"]["pd_l1_cps"] = SubFloat(5.0)
    case = load_case(document)
    assert case.patient.weight is not None
    assert type(case.patient.weight.value) is float
    assert type(case.patient.pd_l1_cps) is float
    _assert_plain(case)


def test_numpy_numbers_give_a_result_that_serialises() -> None:
    numpy = pytest.importorskip("numpy")
    case = _case()
    patient = attrs.evolve(
        case.patient,
        weight=(numpy.float64(68.0), "kg"),
        height=Q_(numpy.float64(170.0), "cm"),
        pd_l1_cps=numpy.float64(5.0),
    )
    built = attrs.evolve(case, patient=patient)
    assert built.patient.weight is not None
    assert built.patient.height is not None
    assert type(built.patient.weight.value) is float
    assert type(built.patient.height.value) is float
    _assert_plain(built)


def test_enum_strings_in_a_tuple_become_members() -> None:
    case = _case()
    patient = attrs.evolve(
        case.patient, conditions=("solid_organ_transplant",), declines=("surgery",)
    )
    assert patient.conditions == (Condition.SOLID_ORGAN_TRANSPLANT,)
    assert type(patient.conditions[0]) is Condition
    assert type(patient.declines[0]) is Modality


@pytest.mark.parametrize("container", [list, tuple])
def test_pregnancy_for_a_male_patient_is_refused_from_a_list_or_a_tuple(container: Any) -> None:
    case = _case()
    with pytest.raises(CaseValidationError) as error_info:
        attrs.evolve(case.patient, sex="male", conditions=container(["pregnancy"]))
    assert list(error_info.value.errors) == [
        Problem("conditions[0]", "pregnancy is recorded for a male patient")
    ]
