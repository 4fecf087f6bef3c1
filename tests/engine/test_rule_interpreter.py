"""The rule-table interpreter: explicit rows first, otherwise branch on the unknown and merge."""

from __future__ import annotations

import json
import pathlib
import shutil
from importlib.resources import files

import attrs
import pytest

from ascc_salvage import load_case, recommend
from ascc_salvage._conditions import CONDITIONS, ROUTINES
from ascc_salvage.case import Case
from ascc_salvage.engine import _rules
from ascc_salvage.engine._draft import Draft
from ascc_salvage.engine._facts import Facts, derive_facts
from ascc_salvage.knowledge import KnowledgeBase, rule_table
from ascc_salvage.knowledge._loader import load_directory
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import CriterionResult, OptionId, Tier, WarningCode

from ._support import CASES_DIR

DATA = pathlib.Path(str(files("ascc_salvage.knowledge").joinpath("data")))

#: §7 rewritten without a row for unknown sphincter involvement: the interpreter must branch.
BRANCHING = """
section = "7"
title = "Test"

[[row]]
id = "7a"
situation = "sphincter not invaded"
when = { sphincter_not_invaded = true }

[[row.then]]
options = ["local_excision"]
tier = "preferred"
reason = "excise"
criteria = ["sphincter_not_invaded"]

[[row.then]]
options = ["primary_chemoradiotherapy"]
tier = "preferred"
reason = "chemoradiotherapy"

[[row]]
id = "7c"
situation = "anything else"

[[row.then]]
options = ["local_excision"]
tier = "not_recommended"
reason = "no"

[[row.then]]
options = ["primary_chemoradiotherapy"]
tier = "preferred"
reason = "chemoradiotherapy"
"""


def _case(restaged: bool | None) -> Case:
    document = json.loads((CASES_DIR / "s7_anal_margin_t1_local_excision.json").read_text())
    case = load_case(json.dumps(document["case"]))
    assert case.disease is not None
    return attrs.evolve(case, disease=attrs.evolve(case.disease, restaged=restaged))


@pytest.fixture
def branching_kb(tmp_path: pathlib.Path) -> KnowledgeBase:
    """The bundled knowledge base with a §7 table that lacks the row for unknown sphincter."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    (target / "rules" / "7_untreated_primary.toml").write_text(BRANCHING, encoding="utf-8")
    return load_directory(target)


def test_the_bundled_row_for_unknown_sphincter_applies_as_written() -> None:
    result = recommend(_case(restaged=None))
    by_id = {option.option: option for option in result.options}
    excision = by_id[OptionId.LOCAL_EXCISION]
    assert excision.tier is Tier.UNDETERMINED
    assert excision.rules == ("7a",)
    assert by_id[OptionId.PRIMARY_CHEMORADIOTHERAPY].tier is Tier.PREFERRED


def test_an_unknown_condition_without_its_row_is_branched_and_merged(
    branching_kb: KnowledgeBase,
) -> None:
    result = recommend(_case(restaged=None), knowledge=branching_kb)
    by_id = {option.option: option for option in result.options}
    excision = by_id[OptionId.LOCAL_EXCISION]
    assert excision.tier is Tier.UNDETERMINED
    assert excision.rules == ("0.1",)
    (known,) = excision.criteria
    assert known.id == "sphincter_not_invaded_known"
    assert known.result is CriterionResult.UNKNOWN
    assert known.missing == ("disease.restaged",)
    assert "preferred if sphincter_not_invaded met" in known.explanation
    # The same tier under both values: kept, never undetermined.
    chemoradiotherapy = by_id[OptionId.PRIMARY_CHEMORADIOTHERAPY]
    assert chemoradiotherapy.tier is Tier.PREFERRED
    assert "disease.restaged" in {item.field for item in result.missing_information}


def test_a_known_condition_is_not_branched(branching_kb: KnowledgeBase) -> None:
    result = recommend(_case(restaged=True), knowledge=branching_kb)
    excision = next(o for o in result.options if o.option is OptionId.LOCAL_EXCISION)
    assert excision.tier is Tier.PREFERRED
    assert [item.result for item in excision.criteria] == [CriterionResult.MET]


def test_reasons_interpolate_thresholds_and_cite_evidence() -> None:
    row = rule_table("7").row("7a")
    assert _rules.template_text(row.situation).startswith("anal margin, T1 (size ≤ 2 cm when")
    assert _rules.reason_text(row.then[0]).endswith("[ROJI_2023, GAO_2020, S3_2020]")
    assert _rules.reason_text(row.then[1]) == "primary chemoradiotherapy"


def test_every_declared_routine_is_implemented() -> None:
    assert set(_rules.IMPLEMENTATIONS) == set(ROUTINES)


#: A table whose outcomes are offered through the caller's hook, reporting HIV control.
OFFERING = """
section = "9"
title = "Test"

[[row]]
id = "9a"
situation = "always"

[[row.then]]
options = ["clinical_trial"]
tier = "preferred"
reason = "trial"
offer = true
criteria = ["hiv_controlled", "no_checkpoint_inhibitor_contraindication"]
"""


def test_offered_outcomes_go_through_the_hook_and_inapplicable_conditions_are_silent(
    tmp_path: pathlib.Path,
) -> None:
    from ascc_salvage.engine._draft import Draft
    from ascc_salvage.engine._facts import derive_facts
    from ascc_salvage.status import assess_status
    from ascc_salvage.vocabulary import Flag

    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    (target / "rules" / "9_test.toml").write_text(OFFERING, encoding="utf-8")
    kb = load_directory(target)
    case = _case(restaged=True)
    facts = derive_facts(case, assess_status(case, knowledge=kb), kb)
    assert not facts.hiv_positive
    offered: list[tuple[OptionId, Tier, str, str, tuple[Flag, ...]]] = []

    def hook(option: OptionId, tier: Tier, rule: str, reason: str, flags: tuple[Flag, ...]) -> None:
        offered.append((option, tier, rule, reason, flags))

    d = Draft()
    _rules.run_table(d, facts, "9", offer=hook)
    assert offered == [(OptionId.CLINICAL_TRIAL, Tier.PREFERRED, "9a", "trial", ())]
    entry = d.options[OptionId.CLINICAL_TRIAL]
    assert entry.tier is None  # the hook decides the tier
    assert set(entry.criteria) == {"no_checkpoint_inhibitor_contraindication"}


def _facts(name: str) -> Facts:
    document = json.loads((CASES_DIR / name).read_text())
    case = load_case(json.dumps(document["case"]))
    return derive_facts(case, assess_status(case))


def test_a_partial_table_without_a_matching_row_changes_nothing() -> None:
    # Active disease without an overriding situation: no §2 row applies.
    draft = Draft()
    assert not _rules.run_table(draft, _facts("s4_1d_canal_r0.json"), "2")
    assert draft.pathway == ""
    assert all(entry.tier is None for entry in draft.options.values())


def test_remaining_sets_only_the_options_without_a_tier() -> None:
    draft = Draft()
    draft.set(OptionId.LOCAL_EXCISION, Tier.NOT_RECOMMENDED, "4.1d", "kept")
    draft.set(OptionId.SURVEILLANCE, Tier.NOT_RECOMMENDED, "0.default", "set by §2")
    assert _rules.run_table(draft, _facts("override_declines_active_treatment.json"), "2")
    assert draft.pathway == "2.declined_all"
    assert draft.options[OptionId.LOCAL_EXCISION].rule == "4.1d"
    # The row names surveillance itself: its final tier is set by the row (§0.2).
    assert draft.options[OptionId.SURVEILLANCE].rule == "2.declined_all"
    assert draft.options[OptionId.BEST_SUPPORTIVE_CARE].tier is Tier.PREFERRED
    salvage = draft.options[OptionId.SALVAGE_APR]
    assert (salvage.tier, salvage.reason) == (
        Tier.NOT_RECOMMENDED,
        "patient choice: declines active treatment",
    )


def test_a_table_that_does_not_route_keeps_the_pathway_rule() -> None:
    facts = _facts("s4_1e_iort_not_available.json")
    draft = Draft(pathway="4.1")
    assert _rules.run_table(draft, facts, "6")
    assert draft.pathway == "4.1"
    assert draft.options[OptionId.IORT].rule == "6.iort"


def test_a_row_raises_its_warnings_with_thresholds_filled_in() -> None:
    draft = Draft()
    _rules.run_table(draft, _facts("s2_assessment_due_regressing_week_11.json"), "2")
    ((code, fields), message), *_ = draft.warnings.items()
    assert (code, fields) == (WarningCode.REASSESSMENT_OVERDUE, ("assessments",))
    assert "182 d" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("s2_too_early_regressing.json", False),
        ("s2_assessment_due_regressing_week_11.json", None),
        ("s4_1d_canal_r0.json", True),
    ],
)
def test_the_26_week_response_is_assessed_by_status(name: str, value: bool | None) -> None:
    assert CONDITIONS["response_assessed_at_26_weeks"].evaluate(_facts(name)).value is value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("v3_4.1_a2_margin_recurrence_3cm.json", True),
        ("s4_1a_not_met_margin_6cm.json", False),
        ("v3_4.6_perineal_size_not_recorded.json", None),
    ],
)
def test_the_row_a2_size_is_three_valued(name: str, value: bool | None) -> None:
    """Row a2 reads ``size_at_most_5_cm`` only once the 2 cm test is known, so its unknown
    value is reached only here (a missing size matches the rows written for it first)."""
    result = CONDITIONS["size_at_most_5_cm"].evaluate(_facts(name))
    assert result.value is value
    assert result.missing == (() if value is not None else ("disease.sites.size",))


def _engine_case(name: str) -> Case:
    return load_case(json.dumps(json.loads((CASES_DIR / f"{name}.json").read_text())["case"]))


def test_a_row_hands_over_to_a_table_before_its_outcomes() -> None:
    """§3: the §4.2 table applies, then the row's own outcome for the extended resection."""
    result = recommend(_engine_case("s3_presumed_unresectable_sidewall_opinion_missing"))
    by_id = {option.option: option for option in result.options}
    extended = by_id[OptionId.EXTENDED_RESECTION]
    assert (extended.tier, extended.rules) == (Tier.UNDETERMINED, ("3.resectability",))
    assert extended.criteria[0].id == "exenteration_centre_opinion"
    assert by_id[OptionId.SALVAGE_APR].rules == ("4.2",)


def test_a_condition_reports_its_criterion_under_its_criterion_id() -> None:
    result = recommend(_engine_case("s4_1d_canal_r0"))
    excision = next(o for o in result.options if o.option is OptionId.LOCAL_EXCISION)
    ids = [item.id for item in excision.criteria]
    assert ids[:5] == [
        "anal_margin_only",
        "size_at_most_2_cm",
        "sphincter_not_invaded",
        "expected_margin_r0",
        "no_previous_local_excision",
    ]
    assert excision.rules == ("4.1d",)
    # Options no rule names report rule 0.default, their reason naming the route row.
    unnamed = next(o for o in result.options if o.option is OptionId.SURVEILLANCE)
    assert unnamed.rules == ("0.default",)
    trial = next(o for o in result.options if o.option is OptionId.CLINICAL_TRIAL)
    assert trial.rules == ("0.default",)
    assert trial.rationale == "not part of this pathway (rule 4.1d)"


def test_without_presumed_unresectable_structures_no_opinion_is_needed() -> None:
    case = _engine_case("s4_1d_canal_r0")
    facts = derive_facts(case, assess_status(case))
    value = CONDITIONS["exenteration_centre_opinion"].evaluate(facts)
    assert value[:3] == (False, "no structure presumed unresectable is invaded", ())


def test_an_outcome_unless_preferred_applies_only_if_the_option_is_not_preferred() -> None:
    """§5.3 hypersensitivity: best supportive care only when anti-PD-1 does not end preferred."""
    case = _engine_case("s5_3_row5_platinum_hypersensitivity_after_cycles")
    by_id = {option.option: option for option in recommend(case).options}
    assert by_id[OptionId.ANTI_PD1_MONOTHERAPY].tier is Tier.PREFERRED
    assert by_id[OptionId.BEST_SUPPORTIVE_CARE].rules == ("0.default",)  # the §0 floor
    draft = Draft(pathway="5")
    facts = derive_facts(case, assess_status(case))
    draft.set(OptionId.ANTI_PD1_MONOTHERAPY, Tier.ALTERNATIVE, "5.3", "capped")
    steps = _rules._steps(rule_table("5.3").row("5.3e").then[-1:], facts.kb)
    _rules._set(draft, facts, steps, "5.3", {}, None)
    assert draft.options[OptionId.BEST_SUPPORTIVE_CARE].tier is Tier.ALTERNATIVE
    draft.set(OptionId.ANTI_PD1_MONOTHERAPY, Tier.PREFERRED, "5.3", "preferred")
    draft.set(OptionId.BEST_SUPPORTIVE_CARE, Tier.NOT_RECOMMENDED, "5.3", "kept")
    _rules._set(draft, facts, steps, "5.3", {}, None)
    assert draft.options[OptionId.BEST_SUPPORTIVE_CARE].tier is Tier.NOT_RECOMMENDED
