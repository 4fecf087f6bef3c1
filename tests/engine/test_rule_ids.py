"""Rule ids (clinical pathway §0.2): every option reports one id of the closed list.

The id is that of the rule that set the option's final tier (``OptionResult.rules``; its
last entry is the result key ``rule`` of result schema 2). Checked over every rule-table row,
the bundled examples, the engine cases of ``cases/`` and generated cases.
"""

from __future__ import annotations

import importlib.resources

import pytest
from hypothesis import given

from ascc_salvage import knowledge, load_case, recommend
from ascc_salvage.case import Case
from ascc_salvage.engine._draft import Draft, merge
from ascc_salvage.result import Result
from ascc_salvage.vocabulary import (
    RULE_ID_CRITERIA,
    RULE_IDS,
    Flag,
    OptionId,
    Tier,
    is_rule_id,
)

from ._documents import base_document, metastatic_document, site
from ._support import mixed_cases, spec_example_cases

BSC = OptionId.BEST_SUPPORTIVE_CARE


def _bundled_examples() -> list[tuple[str, Case]]:
    folder = importlib.resources.files("ascc_salvage.examples")
    return [
        (entry.name, load_case(entry.read_text("utf-8")))
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith(".json")
    ]


def _check_rules(result: Result) -> None:
    """One §0.2 id per option, consistent with the tier it reports."""
    for option in result.options:
        assert len(option.rules) == 1, (option.option, option.rules)
        (rule,) = option.rules
        assert is_rule_id(rule), (option.option, rule)
        assert option.rationale.endswith(f"(rule {rule})") or rule == "0.default"
        if rule == "0.default":  # not named by the applicable rule, or the §0 floor
            assert option.tier is Tier.NOT_RECOMMENDED or (
                option.option is BSC and option.tier is Tier.ALTERNATIVE
            ), (option.option, option.tier)
        if rule == "0.1":  # branching: undetermined, or the floor of best supportive care
            assert option.tier is Tier.UNDETERMINED or (
                option.option is BSC
                and option.tier is Tier.ALTERNATIVE
                and Flag.INDIVIDUALISED in option.flags
            ), (option.option, option.tier)
    # §0.1 rule 3: branching never leaves best supportive care undetermined (only the
    # overdue 26-week assessment does, §2).
    bsc = result.option(BSC)
    assert bsc.tier is not Tier.UNDETERMINED or bsc.rules == ("2.assessment_due",)


# --- the closed list ------------------------------------------------------------------


def test_the_closed_list_has_each_id_once_and_every_pattern_of_the_specification() -> None:
    assert len(set(RULE_IDS)) == len(RULE_IDS)
    assert {f"5.1.{name}" for name in RULE_ID_CRITERIA} <= set(RULE_IDS)
    assert {"4.4a", "4.4f", "5.2g", "5.3h", "6.1", "6.5", "7c", "0.default", "0.1"} <= set(RULE_IDS)


@pytest.mark.parametrize(
    ("rule", "valid"),
    [
        ("4.1a2", True),
        ("4.1.colostomy_declined", True),
        ("5.1.ici_contraindication", True),
        ("2.ecog3", True),
        ("6.iort", True),
        ("0.default", True),
        ("5.1.eyesight", False),  # 5.1.<criterion> admits the listed criteria only
        ("5.1", False),
        ("4.4g", False),
        ("5.3i", False),
        ("4.4", False),
        ("2.override", False),
        ("0.undetermined", False),
        ("", False),
    ],
)
def test_is_rule_id(rule: str, valid: bool) -> None:
    assert is_rule_id(rule) is valid


def test_every_rule_table_row_reports_an_id_of_the_closed_list() -> None:
    wrong = [
        (table.section, row.id, row.rule_id)
        for table in knowledge.bundled().rules.values()
        for row in table.rows
        if not is_rule_id(row.rule_id)
    ]
    assert not wrong


# --- what results report -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), _bundled_examples(), ids=lambda v: str(v)[:40])
def test_every_option_of_a_bundled_example_reports_one_valid_rule(name: str, case: Case) -> None:
    _check_rules(recommend(case))


@pytest.mark.parametrize(("name", "case"), spec_example_cases(), ids=lambda v: str(v)[:60])
def test_every_option_of_an_engine_case_reports_one_valid_rule(name: str, case: Case) -> None:
    _check_rules(recommend(case))


@given(mixed_cases())
def test_every_option_of_a_generated_case_reports_one_valid_rule(case: Case) -> None:
    _check_rules(recommend(case))


def test_the_bundled_apr_example_names_row_d() -> None:
    text = (
        importlib.resources.files("ascc_salvage.examples")
        .joinpath("persistent_resectable.json")
        .read_text("utf-8")
    )
    result = recommend(load_case(text))
    assert result.option("salvage_apr").rules == ("4.1d",)
    # An option row 4.1d does not name: rule 0.default, the reason naming the row.
    trial = result.option("clinical_trial")
    assert (trial.rules, trial.rationale) == (
        ("0.default",),
        "not part of this pathway (rule 4.1d)",
    )


def test_without_a_disease_record_the_gate_is_the_rule_the_reason_names() -> None:
    document = base_document()
    document["disease"] = None
    result = recommend(load_case(document))
    assert result.option("salvage_apr").rules == ("2.gate",)
    unnamed = result.option("primary_chemoradiotherapy")
    assert unnamed.rationale == "not part of this pathway (rule 2.gate)"


def test_metastatic_disease_names_the_systemic_row_that_routed_it() -> None:
    result = recommend(load_case(metastatic_document(site("liver", lesions=8))))
    assert result.option("carboplatin_paclitaxel_retifanlimab").rules == ("5.2a",)
    assert result.option("salvage_apr").rationale == "not part of this pathway (rule 5.2a)"


# --- merging branches (§0.1) --------------------------------------------------------------


def _variant(tier: Tier | None, rule: str, pathway: str) -> Draft:
    draft = Draft(pathway=pathway)
    if tier is not None:
        draft.set(BSC, tier, rule, "set")
        draft.set(OptionId.SALVAGE_APR, tier, rule, "set")
    return draft


def test_best_supportive_care_differing_between_branches_is_an_alternative() -> None:
    merged = merge(
        [
            ("fit", _variant(Tier.NOT_RECOMMENDED, "4.1d", "4.1d")),
            ("unfit", _variant(Tier.PREFERRED, "4.3b", "4.3b")),
        ],
        criterion_id="fitness_for_major_surgery_known",
        missing=["patient.fit_for_major_surgery"],
        what="fitness for major surgery",
    )
    bsc = merged.options[BSC]
    assert (bsc.tier, bsc.rule, bsc.flags) == (Tier.ALTERNATIVE, "0.1", {Flag.INDIVIDUALISED})
    assert bsc.criteria["fitness_for_major_surgery_known"].missing == (
        "patient.fit_for_major_surgery",
    )
    apr = merged.options[OptionId.SALVAGE_APR]
    assert (apr.tier, apr.rule) == (Tier.UNDETERMINED, "0.1")
    assert merged.pathway == "4.1d"


def test_rows_4_4a_and_4_4b_merged_over_groin_irradiation_are_row_4_4c() -> None:
    merged = merge(
        [
            ("not irradiated", _variant(Tier.PREFERRED, "4.4a", "4.4a")),
            ("irradiated", _variant(Tier.NOT_RECOMMENDED, "4.4b", "4.4b")),
        ],
        criterion_id="groin_irradiation_known",
        missing=["primary.chemoradiotherapy.groins_irradiated"],
        what="groin irradiation",
    )
    assert merged.pathway == "4.4c"
    assert merged.options[OptionId.SALVAGE_APR].rule == "4.4c"
    same = merge(
        [
            ("not irradiated", _variant(Tier.PREFERRED, "4.4a", "4.4a")),
            ("irradiated", _variant(Tier.PREFERRED, "4.4b", "4.4b")),
        ],
        criterion_id="groin_irradiation_known",
        missing=["primary.chemoradiotherapy.groins_irradiated"],
        what="groin irradiation",
    )
    assert (same.options[OptionId.SALVAGE_APR].tier, same.options[OptionId.SALVAGE_APR].rule) == (
        Tier.PREFERRED,
        "4.4c",
    )


def test_an_option_with_the_same_tier_in_every_branch_keeps_the_flags_of_all() -> None:
    """Clinical pathway §0.1 rule 2: same tier in every branch, the flags are the union."""
    ecog_1 = _variant(Tier.ALTERNATIVE, "5.2a", "5.2a")
    ecog_2 = _variant(Tier.ALTERNATIVE, "5.2e", "5.2e")
    ecog_2.flag(OptionId.SALVAGE_APR, Flag.SHARED_DECISION)
    ecog_1.flag(OptionId.SALVAGE_APR, Flag.VERY_LOW_EVIDENCE)
    merged = merge(
        [("ECOG 1", ecog_1), ("ECOG 2", ecog_2)],
        criterion_id="ecog_known",
        missing=["patient.ecog"],
        what="ECOG",
    )
    entry = merged.options[OptionId.SALVAGE_APR]
    assert entry.tier is Tier.ALTERNATIVE
    assert entry.flags == {Flag.SHARED_DECISION, Flag.VERY_LOW_EVIDENCE}
    assert ecog_1.options[OptionId.SALVAGE_APR].flags == {Flag.VERY_LOW_EVIDENCE}  # not shared
