"""Conditions and routines of the systemic pathway (clinical pathway §5).

The tables of §5.2 (first line), §5.3 (after platinum) and §5.4 (after anti-PD-(L)1) are
rule tables; the shared
criteria of §5.1 combine rather than tabulate and stay Python in
:mod:`ascc_salvage.engine._systemic`. The conditions below are the routing inputs of the tables;
``no_checkpoint_inhibitor_contraindication`` and ``hiv_controlled`` are also the §5.1 criteria
reported on the checkpoint-inhibitor options (rule ids ``5.1.ici`` and ``5.1.hiv``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ascc_salvage._conditions import (
    ConditionSpec,
    ConditionValue,
    declare_conditions,
    declare_routines,
)
from ascc_salvage.vocabulary import Condition, Jurisdiction, Margin, OptionId

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts


def _ecog_within_trial_populations(f: Facts) -> ConditionValue:
    assert f.ecog is not None, "ECOG is resolved before the systemic pathway runs"
    limit = int(f.kb.thresholds.ecog_max_trial_population.value)
    return ConditionValue(f.ecog <= limit, f"ECOG {f.ecog} (trial populations ≤ {limit})")


def _taxane_hypersensitivity_recorded(f: Facts) -> ConditionValue:
    value = f.has_condition(Condition.TAXANE_HYPERSENSITIVITY) is True
    return ConditionValue(value, f"taxane hypersensitivity recorded: {value}")


def taxane_regimens_excluded(f: Facts) -> tuple[bool, bool]:
    """§5.1 "taxane regimens excluded": (by hypersensitivity, by the liver tests)."""
    hypersensitive = f.has_condition(Condition.TAXANE_HYPERSENSITIVITY) is True
    return hypersensitive, f.paclitaxel_excluded_by_liver


def dpyd_poor_metabolizer(f: Facts) -> bool:
    """A DPYD activity score at most ``dpyd_poor_metabolizer`` (§5.1 fluoropyrimidines, v3)."""
    score = f.case.patient.dpyd_activity_score
    return score is not None and score <= float(f.kb.thresholds.dpyd_poor_metabolizer.value)


def fluoropyrimidines_excluded(f: Facts) -> bool:
    """§5.1 fluoropyrimidines: an excluding condition, or a DPYD poor metabolizer (v3)."""
    excluding = f.has_any(f.kb.condition_sets.fluoropyrimidine_exclusions) is True
    return dpyd_poor_metabolizer(f) or excluding


def _taxane_regimens_excluded(f: Facts) -> ConditionValue:
    hypersensitive, liver = taxane_regimens_excluded(f)
    value = hypersensitive or liver
    return ConditionValue(
        value,
        f"taxane regimens excluded: {value} (hypersensitivity {hypersensitive}, liver tests "
        f"{liver})",
    )


def _platinum_hypersensitivity_recorded(f: Facts) -> ConditionValue:
    value = f.has_condition(Condition.PLATINUM_HYPERSENSITIVITY) is True
    return ConditionValue(value, f"platinum hypersensitivity recorded: {value}")


def _no_platinum_doublet_possible(f: Facts) -> ConditionValue:
    """5.2f: each platinum doublet is excluded by a drug-level criterion of §5.1."""
    from ascc_salvage.engine._systemic import cisplatin_eligibility

    if f.has_condition(Condition.PLATINUM_HYPERSENSITIVITY):
        return ConditionValue(True, "platinum hypersensitivity (no advanced platinum course)")
    if f.declines_chemotherapy_only:  # §2.3: counts as no platinum doublet possible
        return ConditionValue(True, "chemotherapy declined, immunotherapy not")
    if not any(taxane_regimens_excluded(f)):
        return ConditionValue(False, "no platinum hypersensitivity; taxane regimens not excluded")
    if fluoropyrimidines_excluded(f):
        return ConditionValue(True, "taxanes excluded and fluoropyrimidines excluded")
    eligible = f.assumed_cisplatin_eligible
    if eligible is None:
        eligible = cisplatin_eligibility(f).value
    # The systemic pathway evaluates both values of an unknown eligibility before the table.
    assert eligible is not None, "cisplatin eligibility is resolved before row 5.2f"
    if eligible:
        return ConditionValue(False, "taxanes excluded; cisplatin–fluorouracil possible")
    return ConditionValue(True, "taxanes excluded and not cisplatin-eligible")


def _pd_l1_cps_low(f: Facts) -> ConditionValue:
    from ascc_salvage.engine._systemic import pd_l1_archival_low

    cps = f.case.patient.effective_pd_l1_cps
    cut = float(f.kb.thresholds.pd_l1_cps_positive.value)
    if pd_l1_archival_low(f):  # 5.1.pd_l1: counts as unknown (row 5.3a)
        return ConditionValue(False, f"PD-L1 CPS {cps} only on a pre-CRT primary specimen")
    value = cps is not None and cps < cut
    return ConditionValue(value, f"PD-L1 CPS {cps} (low below {cut:g}): {value}")


def _oligometastatic(f: Facts) -> ConditionValue:
    value = f.oligometastatic
    return ConditionValue(
        value,
        f"{f.distant_lesions} distant lesion(s); every lesion locally treatable: "
        f"{'unknown' if value is None else value}",
        () if value is not None else ("disease.all_lesions_locally_treatable",),
    )


def _ecog_for_metastasis_directed_therapy(f: Facts) -> ConditionValue:
    assert f.ecog is not None, "ECOG is resolved before metastasis-directed therapy"
    limit = int(f.kb.thresholds.ecog_max_metastasis_directed.value)
    return ConditionValue(f.ecog <= limit, f"ECOG {f.ecog}")


def _locoregional_disease_controlled_or_resectable(f: Facts) -> ConditionValue:
    text = "local and nodal disease absent or resectable"
    locoregional = f.local or f.inguinal or f.regional_pelvic_sites
    if not locoregional or not f.resectable:  # absent: met; unresectable or not recorded
        return ConditionValue(True if not locoregional else f.resectable, text, _RESECTABLE)
    # §3: an expected R2 margin routes as unresectable (§4.2), so it is not "resectable" here;
    # a margin not recorded leaves the criterion open.
    margin = f.expected_margin
    if margin is Margin.R2:
        return ConditionValue(False, f"{text}: R2 resection expected (counts as unresectable)")
    if margin is None:
        return ConditionValue(
            None, f"{text}: expected margin not recorded (R2 counts as unresectable)", _MARGIN
        )
    return ConditionValue(True, text)


_RESECTABLE: Final = ("disease.resectable",)
_MARGIN: Final = ("disease.expected_margin",)


def _single_metachronous_distant_lesion(f: Facts) -> ConditionValue:
    value = f.distant_lesions == 1 and not (f.local or f.inguinal or f.regional_pelvic_sites)
    return ConditionValue(value, f"a single distant lesion and no other disease: {value}")


def _no_checkpoint_inhibitor_contraindication(f: Facts) -> ConditionValue:
    """Rule 5.1.ici: no checkpoint-inhibitor contraindication recorded."""
    members = f.kb.condition_sets.checkpoint_inhibitor_contraindications
    contraindicated = f.has_any(members)
    if contraindicated is None:
        return ConditionValue(
            None,
            "conditions not recorded: transplant, autoimmune disease, ILD or prior severe "
            "immune-related adverse event unknown",
            ("patient.conditions",),
        )
    if contraindicated:
        found = sorted(str(c) for c in (f.conditions or frozenset()) & members)
        return ConditionValue(False, f"contraindication recorded: {', '.join(found)}")
    return ConditionValue(True, "no checkpoint-inhibitor contraindication recorded")


def _hiv_controlled(f: Facts) -> ConditionValue:
    """Rule 5.1.hiv: HIV controlled enough for a checkpoint inhibitor (HIV-positive only)."""
    if not f.hiv_positive:
        return ConditionValue(True, "HIV negative or unknown", (), applies=False)
    hiv = f.case.patient.hiv
    missing = tuple(
        path
        for path, value in (
            ("patient.hiv.viral_load_undetectable", hiv.viral_load_undetectable),
            ("patient.hiv.cd4_count", hiv.cd4_count),
        )
        if value is None
    )
    if hiv.viral_load_undetectable is False:
        return ConditionValue(False, "HIV viral load detectable", missing)
    if missing:
        return ConditionValue(
            None, "HIV control unknown (viral load or CD4 count not recorded)", missing
        )
    assert hiv.cd4_count is not None
    cd4_min = float(f.kb.thresholds.cd4_min_checkpoint_inhibitor.value)
    text = f"HIV controlled: viral load undetectable, CD4 {hiv.cd4_count.canonical:g}/µL"
    if _cd4_below_trial_threshold(f).value:
        text += f" (below {cd4_min:g}/µL: outside trial populations)"
    return ConditionValue(True, text)


def _checkpoint_inhibitor_allowed(f: Facts) -> ConditionValue:
    contraindication = _no_checkpoint_inhibitor_contraindication(f)
    hiv = _hiv_controlled(f)
    if contraindication.value is False:
        return ConditionValue(False, "checkpoint-inhibitor contraindication")
    if hiv.value is False:
        return ConditionValue(False, "HIV viral load detectable")
    if contraindication.value is None or hiv.value is None:
        missing = contraindication.missing + hiv.missing
        return ConditionValue(None, "checkpoint-inhibitor eligibility unknown", missing)
    return ConditionValue(True, "checkpoint inhibitors allowed")


def _cd4_below_trial_threshold(f: Facts) -> ConditionValue:
    hiv = f.case.patient.hiv
    cd4_min = float(f.kb.thresholds.cd4_min_checkpoint_inhibitor.value)
    value = (
        f.hiv_positive
        and hiv.viral_load_undetectable is True
        and hiv.cd4_count is not None
        and hiv.cd4_count.canonical < cd4_min
    )
    return ConditionValue(value, f"CD4 below {cd4_min:g}/µL: {value}")


def _retifanlimab_combination_not_approved(f: Facts) -> ConditionValue:
    from ascc_salvage.engine._systemic import option_approvals

    jurisdiction = f.case.jurisdiction
    option = OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB
    value = (
        jurisdiction is not None
        and jurisdiction is not Jurisdiction.OTHER
        and not option_approvals(f.kb, str(jurisdiction), f.case.evaluation_date).get(option)
    )
    return ConditionValue(value, f"no approval in force in jurisdiction {jurisdiction}: {value}")


declare_conditions(
    ConditionSpec(
        "ecog_within_trial_populations",
        "ECOG at most the threshold ``ecog_max_trial_population`` (the ECOG 0–1 populations "
        "of most anal-cancer systemic trials). ECOG is resolved (branched when unknown) "
        "before the systemic pathway runs.",
        ("patient.ecog", "patient.karnofsky"),
        False,
        _ecog_within_trial_populations,
    ),
    ConditionSpec(
        "taxane_hypersensitivity_recorded",
        "Taxane hypersensitivity is among the recorded conditions (rule 5.1.hypersensitivity: "
        "cisplatin–fluorouracil replaces the taxane regimens when a platinum doublet is "
        "still possible).",
        ("patient.conditions",),
        False,
        _taxane_hypersensitivity_recorded,
    ),
    ConditionSpec(
        "taxane_regimens_excluded",
        "§5.1 grouping (v3): taxane hypersensitivity is among the recorded conditions, or the "
        "liver tests exclude the taxanes (bilirubin above ``paclitaxel_hepatic_reduced_2`` or "
        "AST or ALT at least ``paclitaxel_hepatic_exclusion`` × ULN, rule 5.1.hepatic). "
        "Conditions not recorded count as no hypersensitivity.",
        ("patient.conditions", "patient.hepatic_function"),
        False,
        _taxane_regimens_excluded,
    ),
    ConditionSpec(
        "platinum_hypersensitivity_recorded",
        "Platinum hypersensitivity is among the recorded conditions. With an advanced platinum "
        "course (intolerance of platinum) the case is routed by rows 5.3e/f; without one, by "
        "row 5.2f (conditions not recorded route by the line of therapy).",
        ("patient.conditions",),
        False,
        _platinum_hypersensitivity_recorded,
    ),
    ConditionSpec(
        "no_platinum_doublet_possible",
        "Row 5.2f: carboplatin–paclitaxel (± retifanlimab), cisplatin–fluorouracil and DCF "
        "are each excluded by a drug-level criterion of §5.1 — platinum hypersensitivity "
        "without an advanced platinum course, or the taxane regimens excluded (hypersensitivity "
        "or the liver tests) together with "
        "cisplatin ineligibility or excluded fluoropyrimidines. An unknown cisplatin "
        "eligibility is resolved before (both values evaluated and merged, criterion "
        "``cisplatin_eligibility_known``). Declining chemotherapy but not immunotherapy "
        "counts as no platinum doublet possible too (§2.3).",
        (
            "patient.conditions",
            "patient.declines",
            "patient.hepatic_function",
            "patient.dpyd_activity_score",
            "patient.serum_creatinine",
            "patient.weight",
            "patient.height",
        ),
        False,
        _no_platinum_doublet_possible,
    ),
    ConditionSpec(
        "pd_l1_cps_low",
        "The effective PD-L1 CPS (§5.1 provenance) is recorded and below the threshold "
        "``pd_l1_cps_positive``. PD-L1 is never required: an unrecorded CPS counts as not "
        "low, and so does a low CPS measured only on a primary specimen dated before the CRT "
        "start (rule 5.1.pd_l1).",
        ("patient.pd_l1_cps", "patient.biomarkers.pd_l1"),
        False,
        _pd_l1_cps_low,
    ),
    ConditionSpec(
        "oligometastatic",
        "§3: 1 to ``oligometastatic_max_lesions`` distant lesions at counted sites, each "
        "locally treatable; unknown when the treatability is not recorded (§5.5).",
        ("disease.sites", "disease.all_lesions_locally_treatable"),
        True,
        _oligometastatic,
    ),
    ConditionSpec(
        "ecog_for_metastasis_directed_therapy",
        "ECOG at most the threshold ``ecog_max_metastasis_directed`` (§5.5). ECOG is resolved "
        "(branched when unknown) before the distant pathway runs.",
        ("patient.ecog", "patient.karnofsky"),
        False,
        _ecog_for_metastasis_directed_therapy,
    ),
    ConditionSpec(
        "locoregional_disease_controlled_or_resectable",
        "No local or nodal disease (§5), or local or nodal disease that the MDT judges "
        "resectable with an expected margin other than R2 (§3, §4.7; unknown when "
        "resectability or the margin is not recorded).",
        ("disease.sites", "disease.resectable", "disease.expected_margin"),
        True,
        _locoregional_disease_controlled_or_resectable,
    ),
    ConditionSpec(
        "single_metachronous_distant_lesion",
        "One distant lesion and no local or nodal disease: metastasis-directed therapy need "
        "not wait for a response to systemic therapy (§5.5).",
        ("disease.sites",),
        False,
        _single_metachronous_distant_lesion,
    ),
    ConditionSpec(
        "no_checkpoint_inhibitor_contraindication",
        "Rule 5.1.ici: none of the condition set ``checkpoint_inhibitor_contraindications`` "
        "(``condition_sets.toml``) is recorded. Unknown when the conditions are not recorded.",
        ("patient.conditions",),
        True,
        _no_checkpoint_inhibitor_contraindication,
    ),
    ConditionSpec(
        "hiv_controlled",
        "Rule 5.1.hiv: for a patient with HIV, viral load undetectable (CD4 recorded); false "
        "when the viral load is detectable, unknown when either is not recorded. Not "
        "reported for a patient without known HIV.",
        ("patient.hiv.viral_load_undetectable", "patient.hiv.cd4_count"),
        True,
        _hiv_controlled,
    ),
    ConditionSpec(
        "checkpoint_inhibitor_allowed",
        "§5.1: no checkpoint-inhibitor contraindication and HIV controlled (both conditions "
        "above); unknown when either is unknown and neither is false.",
        ("patient.conditions", "patient.hiv.viral_load_undetectable", "patient.hiv.cd4_count"),
        True,
        _checkpoint_inhibitor_allowed,
    ),
    ConditionSpec(
        "cd4_below_trial_threshold",
        "HIV with undetectable viral load and a CD4 count below the threshold "
        "``cd4_min_checkpoint_inhibitor``: checkpoint-inhibitor options are capped at "
        "alternative (outside trial populations).",
        ("patient.hiv.viral_load_undetectable", "patient.hiv.cd4_count"),
        False,
        _cd4_below_trial_threshold,
    ),
    ConditionSpec(
        "retifanlimab_combination_not_approved",
        "A jurisdiction (US or EU) is given and no approval covering "
        "carboplatin–paclitaxel–retifanlimab is in force there on the evaluation date "
        "(``approvals.toml``).",
        ("jurisdiction", "evaluation_date"),
        False,
        _retifanlimab_combination_not_approved,
    ),
)

declare_routines(
    systemic_older_other_cancer_ici=(
        "Row 5.2g after rows a, b and d: with an older anti-PD-(L)1 course for another cancer "
        "only, carboplatin–paclitaxel is preferred and the retifanlimab combination at most an "
        "alternative (flags ``outside_trial_population``, ``individualised``)."
    ),
    systemic_platinum_rechallenge=(
        "§5.3 rows a, b, d and h: carboplatin–paclitaxel re-challenge by the platinum-free "
        "interval (≥ ``platinum_free_interval_rechallenge``: alternative, flag "
        "``very_low_evidence``, and ``shared_decision`` at ECOG 2; shorter or "
        "platinum-refractory: not recommended; interval unknown: undetermined); row 5.3g "
        "(platinum only as a radiosensitiser or (neo)adjuvant): alternative whatever the "
        "interval (flags ``outside_trial_population``, ``very_low_evidence``)."
    ),
    systemic_checkpoint_inhibitor_not_allowed=(
        "§5.3 when checkpoint inhibitors are not allowed: anti-PD-1 monotherapy is not "
        "recommended under rule 5.1, with the reason they are not allowed (a contraindication "
        "or a detectable HIV viral load)."
    ),
    systemic_unused_chemotherapy=(
        "§5.4 list, also used by §5.3c: cisplatin–fluorouracil and DCF unless an advanced "
        "course held their defining pair (ECOG ≤ ``ecog_max_cisplatin``, §5.1 cisplatin "
        "criteria); carboplatin–paclitaxel as in ``systemic_platinum_rechallenge`` "
        "(platinum-naive after anti-PD-(L)1: alternative, flag ``outside_trial_population``)."
    ),
)
