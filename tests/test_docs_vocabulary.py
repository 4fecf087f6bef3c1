"""Every code of the public vocabularies is explained in the documentation."""

from __future__ import annotations

import enum
from pathlib import Path

import attrs
import pytest

from ascc_salvage import knowledge
from ascc_salvage._conditions import CONDITIONS
from ascc_salvage.knowledge._rules import placeholders
from ascc_salvage.vocabulary import CriterionId, DiseaseStatus, Flag, OptionId, Tier, WarningCode

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("vocabulary", "page"),
    [
        (Flag, "concepts.md"),
        (WarningCode, "concepts.md"),
        (DiseaseStatus, "concepts.md"),
        (Tier, "concepts.md"),
    ],
)
def test_every_code_is_documented(vocabulary: type[enum.StrEnum], page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    missing = [
        str(code) for code in vocabulary if f"`{code}`" not in text and str(code) not in text
    ]
    assert not missing, f"document these {vocabulary.__name__} codes in docs/{page}: {missing}"


def test_the_option_catalogue_is_generated_from_the_knowledge_base() -> None:
    # The pathway page renders the catalogue from catalogue.toml, which the loader checks
    # lists every option exactly once.
    text = (DOCS / "pathway.md").read_text(encoding="utf-8")
    assert "```{option-catalogue}" in text
    assert list(knowledge.bundled().catalogue) == list(OptionId)


def test_the_criteria_reference_is_generated_from_the_enum() -> None:
    text = (DOCS / "concepts.md").read_text(encoding="utf-8")
    assert "```{criteria-reference}" in text
    # No hand-written copy of a row remains beside the generated table.
    assert "| `histologically_confirmed` |" not in text


@pytest.mark.parametrize("member", list(CriterionId), ids=str)
def test_every_criterion_id_has_a_meaning(member: CriterionId) -> None:
    assert member.sections
    assert member.meaning
    assert "\n" not in member.meaning
    names = {f.name for f in attrs.fields(knowledge.Thresholds)}
    assert set(placeholders(member.meaning)) <= names, "only thresholds may be interpolated"


def test_criterion_ids_are_snake_case_and_match_their_names() -> None:
    for member in CriterionId:
        assert member.name == str(member).upper()


def test_the_routing_inputs_and_three_valued_conditions_have_known_ids() -> None:
    from ascc_salvage.engine._inputs import ROUTING_INPUTS

    for spec in ROUTING_INPUTS.values():
        assert isinstance(spec.criterion_id, CriterionId)
    # A three-valued condition that decides a row (named in a `when`) is branched on when
    # unknown, which reports `<name>_known`.
    for table in knowledge.rule_tables():
        written = {n for row in table.rows for n, v in row.when.items() if v == "unknown"}
        for row in table.rows:
            for name in row.when:
                if CONDITIONS[name].three_valued and name not in written:
                    assert f"{name}_known" in set(CriterionId), (table.file, row.id, name)


def test_every_condition_reported_as_a_criterion_is_an_id() -> None:
    for table in knowledge.rule_tables():
        for outcome in (*table.common, *(o for row in table.rows for o in row.then)):
            reported = {CONDITIONS[name].criterion_id for name in outcome.criteria}
            assert reported <= set(CriterionId), table.file
