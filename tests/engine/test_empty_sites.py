"""``disease.sites: []`` counts as no evaluable disease, like ``disease: null`` (§2.1).

The case format accepts the empty list (lists are exhaustive: ``[]`` means none). The
engine reads such a case as one without disease, so it is never routed as if a site were
present; the result differs from the ``disease: null`` one only in the input digest.
"""

from __future__ import annotations

import pathlib

import attrs
import pytest
from hypothesis import given, settings

from ascc_salvage import dump_case, load_case, recommend, result_to_dict
from ascc_salvage.case import Case
from ascc_salvage.examples import examples
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import OptionId, Tier

from ._support import mixed_cases, spec_example_cases


def _without_sites(case: Case) -> Case:
    """*case* with its disease recorded but no site (nor what a site carries)."""
    assert case.disease is not None
    symptoms = None if case.disease.symptoms is None else ()
    disease = attrs.evolve(case.disease, sites=(), invaded_structures=(), symptoms=symptoms)
    return load_case(dump_case(attrs.evolve(case, disease=disease)))


def _assert_read_as_no_disease(case: Case) -> None:
    empty = _without_sites(case)
    null = load_case(dump_case(attrs.evolve(case, disease=None)))
    found, expected = result_to_dict(recommend(empty)), result_to_dict(recommend(null))
    assert found.pop("input_digest") != expected.pop("input_digest")
    assert found == expected
    assert assess_status(empty) == assess_status(null)


def _corpus() -> list[tuple[str, Case]]:
    found = [(item.name, item.load()) for item in examples()] + spec_example_cases()
    return [(name, case) for name, case in found if case.disease is not None]


@pytest.mark.parametrize(("name", "case"), _corpus(), ids=lambda value: str(value)[:60])
def test_empty_sites_give_the_no_disease_result(name: str, case: Case) -> None:
    _assert_read_as_no_disease(case)


@settings(max_examples=150)
@given(mixed_cases())
def test_empty_sites_give_the_no_disease_result_on_generated_cases(case: Case) -> None:
    if case.disease is not None:
        _assert_read_as_no_disease(case)


def test_a_resectable_disease_without_sites_is_never_resected() -> None:
    """The unsafe reading this guards against: routing §4 with no site recorded."""
    case = next(item.load() for item in examples() if item.name == "persistent_resectable")
    assert recommend(case).options[0].option is OptionId.SALVAGE_APR
    result = recommend(_without_sites(case))
    tiers = {option.option: option.tier for option in result.options}
    assert tiers[OptionId.BIOPSY_AND_RESTAGE] is Tier.PREFERRED
    assert tiers[OptionId.SALVAGE_APR] is not Tier.PREFERRED
    assert [item.field for item in result.missing_information] == ["disease"]


def test_a_document_with_empty_sites_loads_and_reads_as_no_disease() -> None:
    """A schema 1 file once refused: restaged, no site, "resectable" with an R0 margin."""
    text = (pathlib.Path(__file__).parents[1] / "data" / "empty_disease_sites.json").read_text()
    case = load_case(text)
    assert case.disease is not None
    assert case.disease.sites == ()
    assert case.disease.resectable is True
    _assert_read_as_no_disease(case)
