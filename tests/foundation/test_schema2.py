"""Case schema 2: the new fields, their rules (P6, P16–P18, phases, agents, P3 by technique),
the schema 1 upgrade and digest, and the engine's refusal of values it cannot honour yet."""

from __future__ import annotations

import copy
import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from ascc_salvage import (
    CaseValidationError,
    dump_case,
    load_case,
    recommend,
)
from ascc_salvage import case as model
from ascc_salvage.io import case_digest
from ascc_salvage.testing.strategies import cases, schema_1_documents
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import OptionId, is_rule_id

from ._support import example_document, paths_of, schema_2_document

_SETTINGS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])


def _v2() -> dict[str, Any]:
    """The example as a schema 2 document with every key."""
    return schema_2_document(example_document())


def _rejected(document: Any) -> CaseValidationError:
    with pytest.raises(CaseValidationError) as info:
        load_case(document)
    return info.value


def _messages(document: Any) -> dict[str, str]:
    return {p.path: p.message for p in _rejected(document).errors}


SPEC_EXAMPLE: dict[str, Any] = {
    "clinical_frailty_scale": 3,
    "declines": [],
    "prefers_clinical_trial": None,
    "measured_gfr": None,
    "dialysis": False,
    "dpyd_activity_score": 2,
    "hepatic_function": {
        "bilirubin_x_uln": 0.6,
        "ast_x_uln": 0.8,
        "alt_x_uln": 0.9,
        "alp_x_uln": None,
    },
    "biomarkers": {
        "pd_l1": [{"cps": 5, "assay": "22C3", "specimen": "recurrence", "date": "2026-10-20"}],
        "hpv": "positive",
        "p16": "positive",
        "mmr_msi": None,
        "tmb_mut_per_mb": None,
    },
}


def _spec_example() -> dict[str, Any]:
    """The schema 2 example of the case format, merged into the bundled example."""
    doc = example_document()
    doc["schema_version"] = 2
    doc["patient"].update(copy.deepcopy(SPEC_EXAMPLE))
    del doc["patient"]["pd_l1_cps"]  # optional in schema 2
    crt = doc["primary"]["chemoradiotherapy"]
    crt["agents"] = ["mitomycin", "capecitabine"]
    crt["phases"] = [
        {"sequence": 1, "technique": "ebrt", "target": "primary",
         "dose": {"value": 50.4, "unit": "Gy"}, "fractions": 28},
        {"sequence": 1, "technique": "ebrt", "target": "groins",
         "dose": {"value": 40, "unit": "Gy"}, "fractions": 28},
    ]  # fmt: skip
    doc["assessments"].append(
        {"date": "2026-10-20", "finding": "stable", "biopsy": "positive",
         "site_findings": [{"site": "anal_canal", "finding": "stable", "biopsy": "positive"}]}
    )  # fmt: skip
    doc["disease"]["symptoms"] = [{"symptom": "bleeding", "site": "anal_canal"}]
    doc["prior_systemic_therapy"] = [
        {"regimen": "other", "agents": ["oxaliplatin", "fluorouracil"], "setting": "advanced",
         "start_date": "2026-01-05", "end_date": "2026-04-20", "outcome": "progression",
         "cycles": 8, "best_response": "stable_disease"}
    ]  # fmt: skip
    doc["facility"].update({"clinical_trial_available": False, "reirradiation_expertise": None})
    return doc


# --- reading schema 2 ---------------------------------------------------------------------


def test_the_schema_2_example_of_the_case_format_loads() -> None:
    case = load_case(_spec_example())
    patient = case.patient
    assert case.schema_version == 2
    assert patient.pd_l1_cps == 5  # filled in: the effective CPS
    assert patient.biomarkers.effective_pd_l1 == patient.biomarkers.pd_l1[0]
    assert patient.hepatic_function.alt_x_uln == 0.9
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert [str(p.target) for p in crt.phases] == ["primary", "groins"]
    assert case.assessments[-1].site_findings[0].finding == "stable"
    assert str(case.prior_systemic_therapy[0].regimen) == "other"
    assert load_case(dump_case(case)) == case
    # every key, the schema 2 ones in the order of the field reference
    assert list(dump_case(case)["patient"])[-8:] == [
        "dpyd_activity_score",
        "clinical_frailty_scale",
        "declines",
        "prefers_clinical_trial",
        "measured_gfr",
        "dialysis",
        "hepatic_function",
        "biomarkers",
    ]


def test_the_engine_reads_the_schema_2_example() -> None:
    """Every value of the case format's schema 2 example is read: nothing is refused."""
    result = recommend(load_case(_spec_example()))
    assert result.input_schema_version == 2
    assert len(result.options) == len(OptionId)
    assert all(is_rule_id(option.rule) for option in result.options)


def test_during_crt_site_findings_new_sites_and_a_stoma_are_read() -> None:
    """Pathway v3 §1, §2.1, §3 and §4 read these: the engine no longer refuses them."""
    doc = _v2()
    doc["evaluation_date"] = "2025-02-10"  # during CRT
    doc["assessments"] = [
        {"date": "2025-01-20", "finding": "regressing", "biopsy": "not_done",
         "site_findings": [{"site": "anal_canal", "finding": "regressing", "biopsy": "not_done"}]}
    ]  # fmt: skip
    doc["disease"]["sites"][0]["site"] = "presacral"
    doc["patient"]["conditions"] = ["existing_colostomy"]
    case = load_case(doc)
    assert recommend(case).disease_status == "too_early_to_assess"


def test_values_that_restate_what_v2_reads_pass() -> None:
    doc = _v2()
    doc["patient"].update(
        dpyd_activity_score=2, clinical_frailty_scale=6, frail=True, dialysis=False,
        prefers_clinical_trial=False, pd_l1_cps=7, conditions=["taxane_hypersensitivity"],
    )  # fmt: skip
    doc["patient"]["biomarkers"].update(hpv="negative", p16="negative")
    doc["disease"]["symptoms"] = []
    doc["prior_radiotherapy"] = [
        {"region": "pelvis", "end_date": "2020-01-01", "dose": {"value": 45, "unit": "Gy"},
         "fractions": 25, "technique": "conventional"}
    ]  # fmt: skip
    doc["facility"].update(clinical_trial_available=True, reirradiation_expertise=True)
    case = load_case(doc)
    assert case.patient.biomarkers.pd_l1[0].cps == 7  # the upgraded form
    recommend(case)


def test_preferences_frailty_trials_and_palliable_symptoms_are_read() -> None:
    """Pathway v3 §2.3, §2.4, §5.6 and §5.7 read these values: the engine accepts them."""
    doc = _v2()
    doc["patient"].update(
        clinical_frailty_scale=7, frail=True, declines=["surgery", "chemotherapy"],
        prefers_clinical_trial=True,
    )  # fmt: skip
    site = doc["disease"]["sites"][0]["site"]
    doc["disease"]["symptoms"] = [
        {"symptom": symptom, "site": site}
        for symptom in ("bleeding", "pain", "ulceration", "lymphoedema")
    ]
    doc["facility"]["clinical_trial_available"] = False
    case = load_case(doc)
    recommend(case)


# --- field and cross-field rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "text"),
    [
        (
            lambda d: d["patient"].update(clinical_frailty_scale=2.0),
            "patient.clinical_frailty_scale",
            "integer",
        ),
        (
            lambda d: d["patient"].update(clinical_frailty_scale=10),
            "patient.clinical_frailty_scale",
            "at most 9",
        ),
        (
            lambda d: d["patient"].update(dpyd_activity_score=0.7),
            "patient.dpyd_activity_score",
            "multiple of 0.5",
        ),
        (lambda d: d["patient"].update(declines=None), "patient.declines", "null"),
        (
            lambda d: d["patient"].update(declines=["surgery", "surgery"]),
            "patient.declines[1]",
            "duplicate",
        ),
        (
            lambda d: d["patient"].update(measured_gfr={"value": 250, "unit": "mL/min"}),
            "patient.measured_gfr",
            "at most 200",
        ),
        (
            lambda d: d["patient"].update(measured_gfr={"value": 60, "unit": "mL/s"}),
            "patient.measured_gfr.unit",
            "glomerular filtration rate unit",
        ),
        (
            lambda d: d["patient"]["hepatic_function"].update(ast_x_uln=51),
            "patient.hepatic_function.ast_x_uln",
            "at most 50",
        ),
        (
            lambda d: d["patient"]["biomarkers"].update(pd_l1=[{"cps": 5}]),
            "patient.biomarkers.pd_l1[0].assay",
            "missing",
        ),
        (
            lambda d: d["patient"]["biomarkers"].update(tmb_mut_per_mb=1001),
            "patient.biomarkers.tmb_mut_per_mb",
            "at most 1000",
        ),
        (
            lambda d: d["patient"].update(sex="male", conditions=["pregnancy"]),
            "patient.conditions[0]",
            "male",
        ),
        (
            lambda d: d["patient"].update(frail=False, clinical_frailty_scale=6),
            "patient.frail",
            "frailty",
        ),
        (
            lambda d: d["patient"].update(
                dpyd_activity_score=2, conditions=["dpd_deficiency_partial"]
            ),
            "patient.dpyd_activity_score",
            "contradicts",
        ),
        (
            lambda d: d["patient"].update(
                dpyd_activity_score=1, conditions=["dpd_deficiency_complete"]
            ),
            "patient.dpyd_activity_score",
            "contradicts",
        ),
        (
            lambda d: d["patient"].update(
                dpyd_activity_score=0, conditions=["dpd_deficiency_partial"]
            ),
            "patient.dpyd_activity_score",
            "contradicts",
        ),
        (
            lambda d: d["prior_salvage_surgery"].append(
                {"date": "2025-09-01", "procedure": "salvage_apr", "margin": "r0"}
            ),
            "disease.sites[0].site",
            "record the site as perineum",
        ),
        (
            lambda d: d["disease"].update(symptoms=[{"symptom": "pain", "site": "liver"}]),
            "disease.symptoms[0].site",
            "not listed",
        ),
        (
            lambda d: d["disease"].update(symptoms=[{"symptom": "pain", "site": "anal_canal"}] * 2),
            "disease.symptoms[1]",
            "duplicate",
        ),
        (
            lambda d: d["assessments"][1].update(
                finding="complete_response",
                biopsy="negative",
                site_findings=[{"site": "anal_canal", "finding": "new", "biopsy": "negative"}],
            ),
            "assessments[1].site_findings[0].finding",
            "contradicts",
        ),
        (
            lambda d: d["assessments"][0].update(
                site_findings=[
                    {
                        "site": "liver",
                        "finding": "new",
                        "biopsy": "not_done",
                        "station": "obturator",
                    }
                ]
            ),
            "assessments[0].site_findings[0].station",
            "pelvic_nodes",
        ),
        (
            lambda d: d["prior_systemic_therapy"].append(
                {
                    "regimen": "other",
                    "agents": [],
                    "setting": "advanced",
                    "start_date": "2025-09-01",
                    "end_date": None,
                    "outcome": "ongoing",
                }
            ),
            "prior_systemic_therapy[0].agents",
            "required",
        ),
        (
            lambda d: d["prior_systemic_therapy"].append(
                {
                    "regimen": "carboplatin_paclitaxel",
                    "agents": ["paclitaxel"],
                    "setting": "advanced",
                    "start_date": "2025-09-01",
                    "end_date": None,
                    "outcome": "ongoing",
                    "cycles": 0,
                }
            ),
            "prior_systemic_therapy[0].agents",
            "only for regimen",
        ),
        (
            lambda d: d["prior_radiotherapy"].append(
                {
                    "region": "pelvis",
                    "end_date": "2020-01-01",
                    "dose": {"value": 100, "unit": "Gy"},
                    "fractions": 50,
                }
            ),
            "prior_radiotherapy[0].dose",
            "at most 90 Gy",
        ),
        (
            lambda d: d["prior_radiotherapy"].append(
                {
                    "region": "other",
                    "end_date": "2020-01-01",
                    "dose": {"value": 145, "unit": "Gy"},
                    "fractions": 2,
                    "technique": "ldr_brachytherapy",
                }
            ),
            "prior_radiotherapy[0].fractions",
            "one fraction",
        ),
        (
            lambda d: d["patient"].update(
                pd_l1_cps=4,
                biomarkers={"pd_l1": [{"cps": 5, "assay": None, "specimen": None, "date": None}]},
            ),
            "patient.pd_l1_cps",
            "effective CPS",
        ),
        (
            lambda d: d["patient"]["biomarkers"].update(
                pd_l1=[{"cps": 5, "assay": None, "specimen": "recurrence", "date": "2024-12-01"}]
            ),
            "patient.biomarkers.pd_l1[0].date",
            "after the start of chemoradiotherapy",
        ),
        (
            lambda d: d["patient"]["biomarkers"].update(
                pd_l1=[{"cps": 5, "assay": None, "specimen": "primary", "date": "2027-01-01"}]
            ),
            "patient.biomarkers.pd_l1[0].date",
            "after the evaluation date",
        ),
        (
            lambda d: d["patient"]["biomarkers"].update(
                pd_l1=[{"cps": 5, "assay": None, "specimen": "primary", "date": "1950-01-01"}]
            ),
            "patient.biomarkers.pd_l1[0].date",
            "before the patient was born",
        ),
    ],
)
def test_schema_2_rules_are_reported_at_their_path(change: Any, path: str, text: str) -> None:
    doc = _v2()
    change(doc)
    messages = _messages(doc)
    assert path in messages, messages
    assert text in messages[path]


_PRIMARY = {"sequence": 1, "technique": "ebrt", "target": "primary",
            "dose": {"value": 50.4, "unit": "Gy"}, "fractions": 28}  # fmt: skip


def _phase(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(_PRIMARY), **changes}


@pytest.mark.parametrize(
    ("phases", "crt", "text"),
    [
        ([_phase(dose={"value": 45, "unit": "Gy"})], {}, "sum to 45 Gy"),
        ([_phase(fractions=25)], {}, "sum to 25 fractions"),
        ([_phase(), _phase(dose={"value": 1, "unit": "Gy"})], {}, "a second primary phase"),
        ([_phase(fractions=14, dose={"value": 25.2, "unit": "Gy"}),
          _phase(fractions=14, dose={"value": 25.2, "unit": "Gy"}, target="groins",
                 technique="brachytherapy")], {}, "share technique"),
        ([_phase(), _phase(target="groins", dose={"value": 40, "unit": "Gy"})],
         {"groins_irradiated": False}, "groins_irradiated is false"),
        ([_phase(), _phase(target="groins", dose={"value": 40, "unit": "Gy"})],
         {"groin_dose": {"value": 45, "unit": "Gy"}, "groin_fractions": 25},
         "not groin_dose"),
        ([_phase(), _phase(target="groins", dose={"value": 40, "unit": "Gy"})],
         {"groin_dose": {"value": 4000, "unit": "cGy"}, "groin_fractions": 25},
         "not groin_fractions"),
    ],
)  # fmt: skip
def test_phases_must_add_up_to_the_course(phases: Any, crt: Any, text: str) -> None:
    doc = _v2()
    doc["primary"]["chemoradiotherapy"].update(crt, phases=phases)
    messages = [p.message for p in _rejected(doc).errors if p.path.endswith(".phases")]
    assert any(text in m for m in messages), messages


def test_phases_in_another_unit_and_sequences_add_up() -> None:
    doc = _v2()
    doc["primary"]["chemoradiotherapy"]["phases"] = [
        _phase(dose={"value": 3600, "unit": "cGy"}, fractions=20),
        _phase(sequence=2, dose={"value": 14.4, "unit": "Gy"}, fractions=8),
        _phase(target="groins", dose={"value": 36, "unit": "Gy"}, fractions=20),
    ]
    doc["primary"]["chemoradiotherapy"].update(
        groin_dose={"value": 36, "unit": "Gy"}, groin_fractions=20
    )
    case = load_case(doc)
    assert case.primary.chemoradiotherapy is not None
    assert len(case.primary.chemoradiotherapy.phases) == 3


def test_an_ldr_course_may_total_160_gy_in_one_fraction() -> None:
    doc = _v2()
    doc["prior_radiotherapy"] = [
        {"region": "other", "end_date": "2020-01-01", "dose": {"value": 145, "unit": "Gy"},
         "fractions": 1, "technique": "ldr_brachytherapy"}
    ]  # fmt: skip
    assert load_case(doc).prior_radiotherapy[0].dose.canonical == 145


def test_assessments_may_be_dated_during_crt_but_not_before_it() -> None:
    doc = example_document()
    doc["assessments"][0]["date"] = "2025-01-20"  # during CRT: accepted in schema 1 too
    load_case(doc)
    doc["assessments"][0]["date"] = "2025-01-05"
    assert "assessments[0].date" in paths_of(_rejected(doc))


def test_the_gfr_keeps_its_unit_and_knows_whether_it_is_indexed() -> None:
    absolute = model.GlomerularFiltrationRate(80, "mL/min")
    indexed = model.GlomerularFiltrationRate(62, "mL/min/1.73m2")
    assert not absolute.indexed
    assert indexed.indexed
    assert absolute.quantity.m_as("mL/min") == 80
    assert indexed.quantity.m_as("mL/min/standard_body_surface_area") == 62
    patient = load_case(example_document()).patient
    built = attrs.evolve(patient, measured_gfr=Q_(1.5, "L/h"))
    assert built.measured_gfr == model.GlomerularFiltrationRate(25.0, "mL/min")
    built = attrs.evolve(patient, measured_gfr=Q_(62, "mL/min/standard_body_surface_area"))
    assert built.measured_gfr == model.GlomerularFiltrationRate(62, "mL/min/{1.73_m2}")
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(patient, measured_gfr=Q_(60, "kg"))
    assert "mL/min" in str(info.value)


def test_the_effective_pd_l1_follows_specimen_then_date_then_cps() -> None:
    def test(cps: float, specimen: str | None, date: str | None) -> model.PdL1Test:
        return model.PdL1Test(cps=cps, specimen=specimen, date=date)  # type: ignore[arg-type]

    def effective(*tests: model.PdL1Test) -> float:
        chosen = model.Biomarkers(pd_l1=tests).effective_pd_l1
        assert chosen is not None
        return chosen.cps

    assert model.Biomarkers().effective_pd_l1 is None
    assert effective(test(1, None, "2026-01-01"), test(2, "primary", None)) == 2
    assert effective(test(1, "primary", "2026-01-01"), test(2, "metastasis", None)) == 2
    assert effective(test(1, "recurrence", None), test(2, "metastasis", "2020-01-01")) == 2
    assert effective(test(3, "primary", "2026-01-01"), test(2, "primary", "2026-01-01")) == 3


# --- schema 1 ---------------------------------------------------------------------------------


def test_a_schema_2_key_in_a_schema_1_document_is_an_unknown_key() -> None:
    doc = example_document()
    doc["patient"]["dialysis"] = None
    doc["assessments"][1]["site_findings"] = []
    doc["prior_radiotherapy"] = [
        {"region": "pelvis", "end_date": "2020-01-01", "dose": {"value": 45, "unit": "Gy"},
         "fractions": 25, "technique": "conventional"}
    ]  # fmt: skip
    doc["patient"]["ecog"] = 9  # reported together with the unknown keys
    assert _messages(doc) == {
        "patient.dialysis": "unknown key",
        "assessments[1].site_findings": "unknown key",
        "prior_radiotherapy[0].technique": "unknown key",
        "patient.ecog": "must be at most 5",
    }
    doc["patient"]["ecog"] = 1
    assert set(_messages(doc)) == {
        "patient.dialysis",
        "assessments[1].site_findings",
        "prior_radiotherapy[0].technique",
    }


def test_pd_l1_cps_is_required_in_schema_1_and_optional_in_schema_2() -> None:
    doc = example_document()
    del doc["patient"]["pd_l1_cps"]
    assert _messages(doc) == {"patient.pd_l1_cps": "required key is missing"}
    doc["schema_version"] = 2
    assert load_case(doc).patient.pd_l1_cps is None


def test_a_schema_1_cps_is_upgraded_to_a_test_of_unknown_provenance() -> None:
    doc = example_document()
    doc["patient"]["pd_l1_cps"] = 12.5
    case = load_case(doc)
    assert case.schema_version == 1
    assert case.patient.pd_l1_cps == 12.5
    assert case.patient.biomarkers.pd_l1 == (model.PdL1Test(cps=12.5),)
    upgraded = schema_2_document(doc)
    assert dump_case(case) == upgraded
    assert load_case(upgraded) == case  # the version read is not part of equality
    assert load_case(upgraded).schema_version == 2
    without_cps = copy.deepcopy(upgraded)
    del without_cps["patient"]["pd_l1_cps"]
    assert case_digest(load_case(without_cps)) == case_digest(case)
    built = attrs.evolve(case, patient=attrs.evolve(case.patient, biomarkers=model.Biomarkers()))
    assert dump_case(built) == upgraded  # a CPS alone is written in its upgraded form


@_SETTINGS
@given(document=schema_1_documents(max_history=2))
def test_a_schema_1_document_and_its_upgrade_have_the_same_digest(document: Any) -> None:
    case = load_case(document)
    upgraded = schema_2_document(document)
    assert dump_case(case) == upgraded
    assert case_digest(load_case(upgraded)) == case_digest(case)
    minimal = json.loads(json.dumps(upgraded))
    for key in ("declines", "biomarkers", "hepatic_function", "dialysis"):
        del minimal["patient"][key]
    assert case_digest(load_case(minimal)) == case_digest(case)


@_SETTINGS
@given(case=cases(max_history=2, unsupported=True))
def test_every_schema_2_case_round_trips(case: model.Case) -> None:
    document = dump_case(case)
    assert load_case(document) == case
    assert load_case(json.dumps(document)) == case
    assert case_digest(load_case(document)) == case_digest(case)


def test_schema_1_documents_refuse_unsupported_values() -> None:
    with pytest.raises(ValueError, match="schema 1"):
        schema_1_documents(unsupported=True)


def test_p6_applies_to_schema_1_cases_too() -> None:
    """The engine reads post-APR sites (pathway v3 §3): an anal site after an APR is refused."""
    doc = example_document()
    doc["prior_salvage_surgery"] = [
        {"date": "2025-09-01", "procedure": "salvage_apr", "margin": "r0"}
    ]
    doc["evaluation_date"] = "2026-11-26"
    with pytest.raises(CaseValidationError) as info:
        load_case(doc)
    assert paths_of(info.value) == ["disease.sites[0].site"]
    doc["schema_version"] = 2
    doc["disease"]["sites"][0]["site"] = "perineum"
    assert load_case(doc).disease is not None


def test_shifting_a_case_moves_its_biomarker_dates() -> None:
    from ascc_salvage.testing.strategies import _shift_case

    case = load_case(_spec_example())
    moved = _shift_case(case, 10)
    before, after = case.patient.biomarkers.pd_l1[0].date, moved.patient.biomarkers.pd_l1[0].date
    assert before is not None
    assert after is not None
    assert (after - before).days == 10
