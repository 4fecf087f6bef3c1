"""Result schema 2: labels, rule ids, prompts in §0.1 order, the input schema version."""

from __future__ import annotations

import json
import pathlib

import attrs
import pytest
from hypothesis import given, settings

from ascc_salvage import (
    knowledge,
    load_case,
    load_result,
    recommend,
    result_to_dict,
    result_to_json,
)
from ascc_salvage.case import Case
from ascc_salvage.engine._missing import missing_information
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.examples import example, examples
from ascc_salvage.testing import strategies
from ascc_salvage.vocabulary import OptionId, Sex

CASES = sorted((pathlib.Path(__file__).parent / "cases").glob("*.json"))


def _case(name: str) -> Case:
    return load_case(
        json.loads((pathlib.Path(__file__).parent / "cases" / name).read_text())["case"]
    )


def test_every_option_has_its_catalogue_label_and_a_rule() -> None:
    result = recommend(example("unresectable").load())
    document = result_to_dict(result)
    assert document["schema_version"] == 2
    assert document["input_schema_version"] == 1
    assert len(document["options"]) == len(OptionId) == 23
    labels = {entry.id: entry.label for entry in knowledge.catalogue()}
    for option in document["options"]:
        assert option["label"] == labels[option["option"]]
        assert option["rule"]
        assert option["rationale"].endswith(f"(rule {option['rule']})") or option[
            "rule"
        ].startswith("0.")
    assert list(document["options"][0])[:4] == ["option", "label", "tier", "rule"]


def test_input_schema_version_follows_the_document() -> None:
    case = example("unresectable").load()
    assert recommend(case).input_schema_version == 1
    assert recommend(attrs.evolve(case, schema_version=2)).input_schema_version == 2


def test_missing_information_has_prompts_in_pathway_order() -> None:
    # Restaging, conditions, weight and symptoms missing at once: §0.1 order, one prompt each.
    case = example("unresectable").load()
    assert case.disease is not None
    patient = attrs.evolve(case.patient, conditions=None, weight=None)
    disease = attrs.evolve(case.disease, restaged=None)
    result = recommend(attrs.evolve(case, patient=patient, disease=disease))
    fields = [item.field for item in result.missing_information]
    order = list(knowledge.bundled().prompts)
    assert fields == sorted(fields, key=order.index)
    assert fields[0] == "disease.restaged"
    assert fields[-1] == "disease.symptoms"
    assert fields.index("patient.conditions") < fields.index("patient.weight")
    prompts = {item.field: item.prompt for item in result.missing_information}
    assert prompts["patient.weight"] == (
        "Record weight (body-surface area and creatinine clearance for the dose plans)"
    )
    for item in result.missing_information:
        if item.field != "patient.conditions":  # filled with the conditions read (below)
            assert item.prompt == knowledge.prompt_text(item.field)


def test_the_conditions_prompt_names_only_what_the_undetermined_options_read() -> None:
    case = _case("s5_1_conditions_null.json")
    result = recommend(case)
    prompt = next(m.prompt for m in result.missing_information if m.field == "patient.conditions")
    assert prompt.startswith("Record comorbidities: ")
    assert "for immunotherapy" in prompt
    assert "for cisplatin" in prompt
    female = "pregnancy (for immunotherapy)" in prompt
    assert female is (case.patient.sex is not Sex.MALE)
    male = attrs.evolve(case, patient=attrs.evolve(case.patient, sex=Sex.MALE))
    male_prompt = next(
        m.prompt for m in recommend(male).missing_information if m.field == "patient.conditions"
    )
    assert "pregnancy" not in male_prompt
    assert "interstitial lung disease" in male_prompt
    only_cisplatin = missing_information(
        case,
        knowledge.bundled(),
        {"patient.conditions": (OptionId.CISPLATIN_FLUOROURACIL,)},
        {"patient.conditions": {"no_cisplatin_limiting_condition"}},
    )
    assert only_cisplatin[0].prompt == (
        "Record comorbidities: hearing loss, neuropathy, heart failure (for cisplatin)"
    )
    unnamed = missing_information(
        case,
        knowledge.bundled(),
        {"patient.conditions": (OptionId.CISPLATIN_FLUOROURACIL,)},
        {"patient.conditions": {""}},
    )
    assert unnamed[0].prompt == "Record comorbidities: the conditions the pathway reads"


def test_the_overdue_assessment_prompt_names_the_date() -> None:
    case = _case("s2_assessment_due_regressing_week_11.json")
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    item = next(m for m in recommend(case).missing_information if m.field == "assessments")
    due = crt.start_date.toordinal() + 182
    assert item.prompt.endswith(f"dated on or after {type(crt.start_date).fromordinal(due)}")


def test_a_field_without_a_prompt_still_gets_one_line() -> None:
    assert knowledge.prompt_text("patient.example_field") == "Record patient.example_field"
    with pytest.raises(TypeError, match=r"needs the values \['conditions'\]"):
        knowledge.prompt_text("patient.conditions")
    kb = knowledge.bundled()
    unprompted = attrs.evolve(kb, prompts={})
    items = missing_information(
        example("unresectable").load(), unprompted, {"b": (), "a": ()}, {"a": set(), "b": set()}
    )
    assert [(i.field, i.prompt) for i in items] == [("a", "Record a"), ("b", "Record b")]


def _reported_fields() -> set[str]:
    fields: set[str] = set()
    for path in CASES:
        result = recommend(load_case(json.loads(path.read_text())["case"]))
        fields.update(item.field for item in result.missing_information)
    for entry in examples():
        fields.update(item.field for item in recommend(entry.load()).missing_information)
    return {knowledge.prompt_key(field) for field in fields}


def test_every_field_the_engine_reports_has_a_prompt_of_its_own() -> None:
    fields = _reported_fields()
    assert {"disease.symptoms", "patient.conditions", "assessments"} <= fields
    # the prior-therapy agents of the v3 systemic routing, by path without list index
    assert {"primary.chemoradiotherapy.agents", "prior_systemic_therapy.agents"} <= fields
    assert fields <= set(knowledge.bundled().prompts), sorted(
        fields - set(knowledge.bundled().prompts)
    )


@settings(max_examples=60, deadline=None)
@given(strategies.cases())
def test_generated_cases_report_only_prompted_fields(case: Case) -> None:
    result = recommend(case)
    prompts = knowledge.bundled().prompts
    for item in result.missing_information:
        assert knowledge.prompt_key(item.field) in prompts, item.field
        assert item.prompt
        assert not item.prompt.startswith(f"Record {item.field}")
        assert item.needed_for


def test_result_json_round_trips_and_both_writers_agree() -> None:
    for entry in examples():
        result = recommend(entry.load())
        document = result_to_dict(result)
        text = result_to_json(result)
        assert json.loads(text) == document
        assert text == json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        loaded = load_result(text)
        assert result_to_dict(loaded) == document
        assert [o.rule for o in loaded.options] == [o.rule for o in result.options]
        assert [o.label for o in loaded.options] == [o.label for o in result.options]


def _schema_1(document: dict[str, object]) -> dict[str, object]:
    """The schema-1 form of a result document (as written before pathway v3)."""
    old = dict(document)
    old["schema_version"] = 1
    del old["input_schema_version"]
    old["options"] = [
        {k: v for k, v in option.items() if k not in ("label", "rule")}
        for option in document["options"]  # type: ignore[attr-defined]
        if option["option"] != "defunctioning_stoma"
    ]
    old["missing_information"] = [
        {k: v for k, v in item.items() if k != "prompt"}
        for item in document["missing_information"]  # type: ignore[attr-defined]
    ]
    return old


def test_a_schema_1_result_is_still_read() -> None:
    document = result_to_dict(recommend(example("first_line_metastatic").load()))
    old = _schema_1(document)
    loaded = load_result(old)
    assert loaded.schema_version == 1
    assert loaded.input_schema_version == 1
    assert all(o.label == "" and o.rules == () for o in loaded.options)
    assert result_to_dict(loaded)["options"][0]["rule"] == ""
    assert all(m.prompt == "" for m in loaded.missing_information)


def test_result_versions_are_checked() -> None:
    document = result_to_dict(recommend(example("unresectable").load()))
    with pytest.raises(CaseValidationError, match="schema_version: result schema 3 is not one of"):
        load_result({**document, "schema_version": 3})
    with pytest.raises(CaseValidationError, match="input_schema_version: case schema 5"):
        load_result({**document, "input_schema_version": 5})
    option = dict(document["options"][0])
    del option["rule"]
    with pytest.raises(CaseValidationError, match=r"options\[0\]\.rule: required key is missing"):
        load_result({**document, "options": [option, *document["options"][1:]]})
    old = _schema_1(document)
    old_option = {**old["options"][0], "label": "x"}  # type: ignore[index]
    with pytest.raises(CaseValidationError, match=r"options\[0\]\.label: unknown key"):
        load_result({**old, "options": [old_option]})


def test_the_converter_structures_result_parts_of_the_current_schema() -> None:
    from ascc_salvage.io import converter
    from ascc_salvage.result import MissingInformation, OptionResult

    case = example("unresectable").load()
    document = result_to_dict(recommend(case))
    option = converter.structure(document["options"][0], OptionResult)
    assert option.to_dict() == document["options"][0]
    item = converter.structure(document["missing_information"][0], MissingInformation)
    assert item.to_dict() == document["missing_information"][0]


def test_a_result_holding_an_unadjusted_plan_is_written_alike_by_both_writers() -> None:
    # Plans built without the §10 adjustments (``dose_plan`` without schema-2 facts) have no
    # schema 2 basis keys; a result holding one is still written identically.
    from ascc_salvage.calculators.dose_plan import plan_from_floats

    result = recommend(example("first_line_metastatic").load())
    plain = plan_from_floats(
        "carboplatin_paclitaxel",
        weight_kg=68.0,
        height_cm=165.0,
        creatinine_mg_dl=0.9,
        age_years=61,
        sex="female",
    )
    options = tuple(
        attrs.evolve(o, dose_plan=plain) if o.option == "carboplatin_paclitaxel" else o
        for o in result.options
    )
    changed = attrs.evolve(result, options=options)
    document = result_to_dict(changed)
    text = result_to_json(changed)
    assert text == json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    basis = next(o for o in document["options"] if o["option"] == "carboplatin_paclitaxel")[
        "dose_plan"
    ]["basis"]
    assert "gfr_source" not in basis
    loaded = load_result(text)  # a basis without the schema 2 keys is read too
    assert result_to_dict(loaded) == document
