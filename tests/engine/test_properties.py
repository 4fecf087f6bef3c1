"""Safety invariants of :func:`ascc_salvage.recommend` over generated cases.

Cases come from :func:`ascc_salvage.testing.strategies.cases`, half of them steered into the
active pathways (:func:`._support.active_cases`) so that the confirmation gate is passed and
the resection, systemic and re-irradiation rules run. Under ``CI=true`` the derandomised
``ci`` profile makes every run draw the same examples.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from typing import Final

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ascc_salvage import dump_case, knowledge, load_case, recommend, result_to_dict
from ascc_salvage.case import Assessment, Case
from ascc_salvage.result import Result
from ascc_salvage.testing.strategies import cases
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Biopsy,
    Condition,
    CriterionResult,
    DiseaseStatus,
    Finding,
    InvadedStructure,
    OptionId,
    Tier,
)

from ._support import (
    ASSESSMENT_WINDOW_DAYS,
    CHECKPOINT_INHIBITOR_OPTIONS,
    NULLABLE_INPUTS,
    SURGERY,
    checkpoint_inhibitor_barred,
    has_distant_disease,
    mixed_cases,
    spec_example_cases,
    tiers,
    with_patient,
)

TIER_ORDER = list(Tier)
CATALOGUE = list(OptionId)


def _json(result: Result) -> str:
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=2)


# --- structure --------------------------------------------------------------------------


@given(mixed_cases())
def test_every_option_once_ordered_by_tier_then_catalogue(case: Case) -> None:
    result = recommend(case)
    ids = [option.option for option in result.options]
    assert sorted(ids, key=CATALOGUE.index) == CATALOGUE
    keys = [(TIER_ORDER.index(o.tier), CATALOGUE.index(o.option)) for o in result.options]
    assert keys == sorted(keys)
    catalogue = knowledge.bundled().catalogue
    assert all(option.intent is catalogue[option.option].intent for option in result.options)


@given(mixed_cases())
def test_every_preferred_option_cites_evidence(case: Case) -> None:
    result = recommend(case)
    uncited = [o.option for o in result.options if o.tier is Tier.PREFERRED and not o.evidence]
    assert uncited == []


def _unknown_criteria_without_field(result: Result) -> list[str]:
    """Unknown criteria that name no field, a field missing_information lacks, or one it lists
    for a not-recommended option."""
    needed = {item.field: set(item.needed_for) for item in result.missing_information}
    document = result_to_dict(result)
    json_needed = {i["field"]: set(i["needed_for"]) for i in document["missing_information"]}
    problems = []
    for option in result.options:
        for criterion in option.criteria:
            if criterion.result is not CriterionResult.UNKNOWN:
                continue
            if not criterion.missing:
                problems.append(f"{option.option}: {criterion.id} names no field")
            if option.tier is Tier.NOT_RECOMMENDED:
                # Decided by another criterion: it asks for nothing (pathway §0.1 rule 4).
                continue
            for field in criterion.missing:
                if option.option not in needed.get(field, set()):
                    problems.append(f"{option.option}: {field} not in missing_information")
                if str(option.option) not in json_needed.get(field, set()):
                    problems.append(f"{option.option}: {field} not in the JSON document")
    decided = {o.option for o in result.options if o.tier is Tier.NOT_RECOMMENDED}
    for item in result.missing_information:
        problems.extend(
            f"{option}: not recommended, yet {item.field} is asked for it"
            for option in item.needed_for
            if option in decided
        )
    return problems


@given(mixed_cases())
def test_every_unknown_criterion_names_a_missing_field(case: Case) -> None:
    assert _unknown_criteria_without_field(recommend(case)) == []


@pytest.mark.parametrize("name", ["gate_not_restaged", "gate_persistent_without_biopsy"])
def test_gate_criteria_name_their_fields(name: str) -> None:
    case = dict(spec_example_cases())[name]
    assert _unknown_criteria_without_field(recommend(case)) == []


# --- clinical safety --------------------------------------------------------------------


@given(mixed_cases())
def test_no_surgery_preferred_with_distant_disease(case: Case) -> None:
    if not has_distant_disease(case):
        return
    preferred = set(recommend(case).preferred)
    assert not preferred & set(SURGERY), sorted(preferred & set(SURGERY))


@given(mixed_cases())
def test_no_checkpoint_inhibitor_preferred_when_barred(case: Case) -> None:
    reason = checkpoint_inhibitor_barred(case)
    if reason is None:
        return
    preferred = set(recommend(case).preferred) & set(CHECKPOINT_INHIBITOR_OPTIONS)
    assert not preferred, f"{sorted(preferred)} preferred despite: {reason}"


@st.composite
def _regressing_before_week_26(draw: st.DrawFn) -> Case:
    """Cases before day 182 whose latest finding is a regressing residuum."""
    case: Case = draw(cases(status_hint=DiseaseStatus.TOO_EARLY_TO_ASSESS))
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    items = case.assessments
    if not items:
        day = draw(st.integers(0, (case.evaluation_date - crt.end_date).days))
        date = crt.end_date + dt.timedelta(days=day)
        items = (
            Assessment(date=date, finding=Finding.REGRESSING, biopsy=draw(st.sampled_from(Biopsy))),
        )
    last = attrs.evolve(items[-1], finding=Finding.REGRESSING)
    return attrs.evolve(case, assessments=(*items[:-1], last))


@given(_regressing_before_week_26())
def test_regressing_residuum_before_week_26_is_only_observed(case: Case) -> None:
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert (case.evaluation_date - crt.start_date).days < ASSESSMENT_WINDOW_DAYS
    assert case.assessments[-1].finding is Finding.REGRESSING
    result = recommend(case)
    assert result.disease_status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert result.preferred == (OptionId.OBSERVE_AND_REASSESS,)
    assert result.by_tier(Tier.ALTERNATIVE) == ()


# --- monotonicity -----------------------------------------------------------------------


def _systemic_tiers(case: Case, ecog: int) -> dict[OptionId, Tier]:
    result = recommend(with_patient(case, ecog=ecog, karnofsky=None))
    return {o: t for o, t in tiers(result).items() if o in SYSTEMIC_OPTIONS}


_OFFERED = (Tier.PREFERRED, Tier.ALTERNATIVE)


def ecog_violations(case: Case) -> list[str]:
    """Systemic options offered at ECOG k + 1 but not at ECOG k.

    An option ``undetermined`` at ECOG k is not counted as withheld: a missing input
    decides it there, and the merge of the input's values makes an option undetermined even
    when every value offers it (preferred under one, alternative under the other).
    """
    by_ecog = [_systemic_tiers(case, ecog) for ecog in range(6)]
    found = []
    for ecog in range(5):
        better, worse = by_ecog[ecog], by_ecog[ecog + 1]
        for option, tier in worse.items():
            if tier not in _OFFERED or better[option] in (*_OFFERED, Tier.UNDETERMINED):
                continue
            found.append(f"{option}: {tier} at ECOG {ecog + 1}, {better[option]} at ECOG {ecog}")
    return found


@given(mixed_cases())
def test_systemic_options_at_a_worse_ecog_are_a_subset(case: Case) -> None:
    assert ecog_violations(case) == []


def test_ecog_monotonicity_with_taxane_hypersensitivity_and_unknown_clearance() -> None:
    cases_by_name = dict(spec_example_cases())
    case = cases_by_name["s5_1_taxane_hypersensitivity_cisplatin_eligibility_unknown"]
    assert ecog_violations(case) == []


# --- unknown inputs ---------------------------------------------------------------------

#: Nulling ``disease.restaged`` makes the confirmation gate hold the anticancer options and
#: prefer restaging (§2 gate): an unknown restaging is exactly what makes
#: ``biopsy_and_restage`` the preferred next step, and (for a regressing or stable residuum
#: held by the gate) what ``observe_and_reassess`` answers. Only these two diagnostic
#: options, only for this input, may go from not recommended to preferred.
_RESTAGING_EXEMPT = frozenset({OptionId.BIOPSY_AND_RESTAGE, OptionId.OBSERVE_AND_REASSESS})

#: §3: with a presumed-unresectable structure invaded (sidewall, iliac or femoral vessels,
#: sciatic nerve, high sacrum) and no exenteration-centre opinion (``resectable`` null),
#: "§4.2 applies meanwhile" (for the groin: the unresectable rows of §4.4). The specification
#: itself then prefers the systemic pathway or definitive groin radiotherapy, which the
#: opinion "resectable" had replaced by surgery.
_PRESUMED_UNRESECTABLE = frozenset(
    {
        InvadedStructure.PELVIC_SIDEWALL,
        InvadedStructure.EXTERNAL_ILIAC_VESSELS,
        InvadedStructure.SCIATIC_NERVE,
        InvadedStructure.SACRUM_HIGH,
        InvadedStructure.FEMORAL_VESSELS,
    }
)
_MEANWHILE = frozenset({*SYSTEMIC_OPTIONS, OptionId.CLINICAL_TRIAL, OptionId.GROIN_RADIOTHERAPY})

#: §5.1 "conditions not recorded" (v3): pregnancy is then unknown with no tier change (flags
#: only), so the curative-dose radiotherapy that a recorded pregnancy rejects (fetal dose,
#: rule 5.1.pregnancy) keeps the tier of its route when ``patient.conditions`` is null.
_FETAL_DOSE = frozenset(
    {
        OptionId.GROIN_RADIOTHERAPY,
        OptionId.REIRRADIATION,
        OptionId.IORT,
        OptionId.PRIMARY_CHEMORADIOTHERAPY,
    }
)


#: §4.8: the stoma is not recommended only because the planned APR includes a colostomy.
#: An unknown input that holds or reroutes the resection (the gate never holds the stoma,
#: §2) leaves obstruction or a fistula to be diverted: the specification's own answer.
_DIVERTED: Final = frozenset({"obstruction", "fistula"})


def _exempt(name: str, case: Case, option: OptionId) -> bool:
    if option is OptionId.DEFUNCTIONING_STOMA and case.disease is not None:
        return any(str(s.symptom) in _DIVERTED for s in case.disease.symptoms or ())
    if name == "disease.restaged":
        return option in _RESTAGING_EXEMPT
    if name == "disease.resectable" and case.disease is not None:
        presumed = set(case.disease.invaded_structures) & _PRESUMED_UNRESECTABLE
        return bool(presumed) and option in _MEANWHILE
    if name == "patient.conditions":
        # 5.1.conditions_null: no known hypersensitivity without a prior course of the class,
        # so carboplatin–paclitaxel is offered when the conditions are not recorded.
        pregnant = Condition.PREGNANCY in (case.patient.conditions or ())
        return option is OptionId.CARBOPLATIN_PACLITAXEL or (pregnant and option in _FETAL_DOSE)
    return False


def promotions(case: Case) -> list[str]:
    """Options that go from not recommended to preferred when one input is made unknown."""
    before = tiers(recommend(case))
    found = []
    for name, null in NULLABLE_INPUTS.items():
        nulled = null(case)
        if nulled is None or nulled == case:
            continue
        after = tiers(recommend(nulled))
        for option, tier in before.items():
            if (
                tier is Tier.NOT_RECOMMENDED
                and after[option] is Tier.PREFERRED
                and not _exempt(name, case, option)
            ):
                found.append(f"{name} → {option}")
    return found


@given(mixed_cases())
def test_an_unknown_input_never_promotes_a_rejected_option(case: Case) -> None:
    assert promotions(case) == []


@pytest.mark.parametrize(
    ("name", "case"),
    [pytest.param(name, case, id=name) for name, case in spec_example_cases()],
)
def test_an_unknown_input_never_promotes_on_spec_examples(name: str, case: Case) -> None:
    assert promotions(case) == []


# --- determinism and pickling -----------------------------------------------------------


@settings(max_examples=50)
@given(mixed_cases())
def test_same_case_gives_byte_identical_json(case: Case) -> None:
    text = _json(recommend(case))
    assert _json(recommend(case)) == text
    assert _json(recommend(load_case(dump_case(case)))) == text
    assert json.loads(text)["input_digest"].startswith("sha256:")


@settings(max_examples=50)
@given(mixed_cases())
def test_results_and_cases_pickle_round_trip(case: Case) -> None:
    result = recommend(case)
    case_copy = pickle.loads(pickle.dumps(case))
    result_copy = pickle.loads(pickle.dumps(result))
    assert case_copy == case
    assert result_copy == result
    assert _json(result_copy) == _json(result)
    assert recommend(case_copy) == result
