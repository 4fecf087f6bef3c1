"""Knowledge base 2026.11 matches knowledge-base.md: every id, identifier and number."""

from __future__ import annotations

import datetime as dt

import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import (
    DoseRule,
    IdentifierKind,
    Verification,
    VerificationScope,
)
from ascc_salvage.vocabulary import SYSTEMIC_OPTIONS, OptionId

# id: (doi, pmid, pmcid, nct, n, ocebm, grade, verification, scope)
SECTION_1 = {
    "RACINE_2025": (
        "10.3390/cancers17091511",
        "",
        "PMC12070889",
        "",
        None,
        "5",
        None,
        "verified",
        None,
    ),
    "ACT2_TIMING_2017": (
        "10.1016/S1470-2045(17)30071-2",
        "28209296",
        "",
        "",
        940,
        "3",
        "moderate",
        "verified",
        None,
    ),
    "ACT2_2013": (
        "10.1016/S1470-2045(13)70086-X",
        "23578724",
        "",
        "",
        940,
        "2",
        "high",
        "verified",
        None,
    ),
    "KO_2019": ("10.1111/codi.14569", "", "", "", None, "4", "very_low", "verified", None),
    "HAGEMANS_2018": (
        "10.1245/s10434-018-6483-9",
        "29691737",
        "",
        "",
        47,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "MULLEN_2007": (
        "10.1245/s10434-006-9221-7",
        "17103253",
        "",
        "",
        31,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "SCHILLER_2007": (
        "10.1245/s10434-007-9491-8",
        "",
        "",
        "",
        40,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "SUNESEN_2009": (
        "10.1245/s10434-008-0208-4",
        "",
        "",
        "",
        49,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "LEFEVRE_2009": (
        "10.1097/SLA.0b013e3181bce334",
        "19801930",
        "",
        "",
        95,
        "3",
        "very_low",
        "secondary",
        None,
    ),
    "BROWN_2023": (
        "10.1097/DCR.0000000000002919",
        "",
        "",
        "",
        66,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "HALLEMEIER_2014": (
        "10.1097/DCR.0000000000000071",
        "",
        "",
        "",
        32,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "WRIGHT_2011": ("", "", "", "", 14, "4", "very_low", "secondary", None),
    "OSBORNE_2018": (
        "10.1097/COC.0000000000000338",
        "",
        "",
        "",
        10,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "ANDRATSCHKE_2022": (
        "10.1016/S1470-2045(22)00447-8",
        "",
        "",
        "",
        None,
        "5",
        None,
        "secondary",
        None,
    ),
    "SLEVIN_2021": (
        "10.1016/j.radonc.2021.09.010",
        "",
        "",
        "",
        None,
        "5",
        None,
        "secondary",
        "limits",
    ),
    "GERARD_2001": ("", "11443612", "", "", 270, "4", "very_low", "verified", None),
    "ORTHOLAN_2012": (
        "10.1016/j.ijrobp.2011.02.010",
        "",
        "",
        "",
        208,
        "3",
        "low",
        "verified",
        None,
    ),
    "BLINDE_2014": (
        "10.1097/DCR.0000000000000050",
        "",
        "",
        "",
        119,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "ROJI_2023": ("", "", "", "", 55, "4", "very_low", "secondary", None),
    "CHAKRABARTI_2019": ("", "", "PMC6465491", "", 57, "4", "very_low", "verified", None),
    "GAO_2020": (
        "10.1016/j.ejso.2020.03.003",
        "32199768",
        "",
        "",
        883,
        "3",
        "low",
        "verified",
        None,
    ),
    "INTERAACT_2020": (
        "10.1200/JCO.19.03266",
        "32530769",
        "",
        "",
        91,
        "2",
        "moderate",
        "verified",
        None,
    ),
    "POD1UM303_2025": (
        "10.1016/S0140-6736(25)00631-2",
        "",
        "",
        "NCT04472429",
        308,
        "2",
        "moderate",
        "verified",
        None,
    ),
    "EPITOPES_HPV02_2018": ("", "", "", "", 66, "4", "low", "secondary", None),
    "KIM_2020_POOLED": (
        "10.1177/1758835920975356",
        "33329760",
        "",
        "",
        115,
        "4",
        "low",
        "verified",
        None,
    ),
    "KEYNOTE028_2017": (
        "10.1093/annonc/mdx029",
        "28453692",
        "",
        "",
        25,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "KEYNOTE158_2022": ("", "35114169", "", "NCT02628067", 112, "4", "low", "verified", None),
    "NCI9673A_2017": (
        "10.1016/S1470-2045(17)30104-3",
        "28223062",
        "",
        "",
        37,
        "4",
        "low",
        "verified",
        None,
    ),
    "NCI9673B_2023": ("", "", "", "NCT02314169", 100, "3", "low", "secondary", None),
    "POD1UM202_2022": ("", "", "", "NCT03597295", 94, "4", "low", "verified", None),
    "RETIFANLIMAB_HIV_2025": (
        "10.1200/JCO.2025.43.16_suppl.3521",
        "",
        "",
        "",
        20,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "NIS_HIV_APR_2016": (
        "10.1186/s12957-016-0970-x",
        "27495294",
        "",
        "",
        1725,
        "3",
        "low",
        "verified",
        None,
    ),
    "HURT_2024": ("10.1308/rcsann.2023.0005", "", "", "", 98, "4", "very_low", "verified", None),
    "SCARCE_2024": ("", "", "", "", 97, "3", "low", "secondary", None),
    "EFCRT_PA_2018": (
        "10.1016/j.ijrobp.2018.04.076",
        "29907489",
        "",
        "",
        30,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "CATCH_IT_2023": (
        "10.1200/JCO.22.02459",
        "37192435",
        "",
        "",
        None,
        "3",
        "low",
        "verified",
        None,
    ),
    "TAO_2017": ("", "", "", "", 102, "4", "very_low", "secondary", None),
    "YOUSSEF_2016": ("", "", "PMC5506712", "", 31, "4", "very_low", "verified", None),
    "ENGSTRAND_2021": (
        "10.1093/bjsopen/zrab060",
        "",
        "",
        "",
        56,
        "4",
        "very_low",
        "verified",
        None,
    ),
    "GALSKY_2011": ("", "", "", "", None, "5", None, "verified", "content"),
    "LIEVENS_2020": ("", "32388150", "", "", None, "5", None, "verified", None),
    "ESMO_2021": (
        "10.1016/j.annonc.2021.06.015",
        "34175386",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        "citation",
    ),
    "NCCN_2025": ("", "", "", "", None, "5", None, "secondary", None),
    "ASCRS_2018": (
        "10.1097/DCR.0000000000001114",
        "",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        "citation",
    ),
    "S3_2020": ("", "", "", "", None, "5", None, "secondary", None),
    "JANCZEWSKI_2023": (
        "10.3322/caac.21780",
        "37114458",
        "",
        "",
        None,
        "3",
        None,
        "verified",
        None,
    ),
    # added in 2026.12 (clinical pathway v3)
    "SIOG_2014": (
        "10.1200/JCO.2013.54.8347",
        "25071125",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        None,
    ),
    "SITC_2020": (
        "10.1136/jitc-2019-000398",
        "32238470",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        "citation",
    ),
    "ASCO_IRAE_2021": (
        "10.1200/JCO.21.01440",
        "34724392",
        "",
        "",
        None,
        "5",
        None,
        "secondary",
        None,
    ),
    "MARKMAN_1999": (
        "",
        "",
        "",
        "",
        205,
        "4",
        "very_low",
        "verified",
        "content",
    ),
    "MARKMAN_1991": (
        "",
        "",
        "",
        "",
        None,
        "4",
        "very_low",
        "secondary",
        None,
    ),
    "HIV_OI_GUIDELINES": (
        "",
        "",
        "",
        "",
        None,
        "5",
        None,
        "secondary",
        None,
    ),
    "ASCO_HBV_2020": (
        "10.1200/JCO.20.01757",
        "32716741",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        None,
    ),
    "CPIC_DPYD_2017": (
        "10.1002/cpt.911",
        "29152729",
        "PMC5760397",
        "",
        None,
        "5",
        None,
        "verified",
        None,
    ),
    "CPIC_DPYD_2018_UPDATE": (
        "",
        "",
        "",
        "",
        None,
        "5",
        None,
        "secondary",
        None,
    ),
    "JANUS_2010": (
        "10.1093/annonc/mdp598",
        "20118214",
        "",
        "",
        None,
        "5",
        None,
        "verified",
        "citation",
    ),
}


def test_version() -> None:
    assert knowledge.VERSION == "2026.12"


def test_every_section_1_id_and_nothing_else() -> None:
    assert [item.id for item in knowledge.evidence_items()] == list(SECTION_1)


@pytest.mark.parametrize("item_id", list(SECTION_1))
def test_identifiers_and_grades(item_id: str) -> None:
    doi, pmid, pmcid, nct, n, ocebm, grade, status, scope = SECTION_1[item_id]
    item = knowledge.evidence(item_id)
    assert (item.doi, item.pmid, item.pmcid, item.nct) == (doi, pmid, pmcid, nct)
    assert item.n == n
    assert str(item.ocebm) == ocebm
    assert (None if item.grade is None else str(item.grade)) == grade
    assert str(item.verification) == status
    assert (None if item.verification_scope is None else str(item.verification_scope)) == scope
    assert item.citation
    assert item.summary


def test_unverified_identifiers_stay_marked() -> None:
    andratschke = knowledge.evidence("ANDRATSCHKE_2022")
    assert andratschke.identifier_verification(IdentifierKind.DOI) is Verification.UNVERIFIED
    keynote = knowledge.evidence("KEYNOTE158_2022")
    assert keynote.identifier_verification("pmid") is Verification.SECONDARY
    assert keynote.identifier_verification("nct") is Verification.VERIFIED
    assert keynote.identifier_verification("doi") is None
    # identifiers the spec says were not seen are left empty and explained
    for item_id in (
        "WRIGHT_2011",
        "ROJI_2023",
        "EPITOPES_HPV02_2018",
        "POD1UM202_2022",
        "SCARCE_2024",
        "TAO_2017",
        "GALSKY_2011",
    ):
        item = knowledge.evidence(item_id)
        assert item.doi == ""
        assert item.identifier_note, item_id
    # scoped statuses print as in the table
    assert knowledge.evidence("ESMO_2021").verification_label == "verified (citation)"
    assert knowledge.evidence("GALSKY_2011").verification_label == "verified (content)"
    assert knowledge.evidence("SLEVIN_2021").verification_label == "secondary (limits)"
    assert knowledge.evidence("ACT2_2013").verification_label == "verified"
    assert knowledge.evidence("SLEVIN_2021").verification_scope is VerificationScope.LIMITS


def _outcome(item_id: str, name: str, **match: str) -> tuple[float, float | None, float | None]:
    found = [
        o
        for o in knowledge.evidence(item_id).outcomes
        if o.name == name and all(getattr(o, k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (item_id, name, match, found)
    return found[0].value, found[0].ci_low, found[0].ci_high


@pytest.mark.parametrize(
    ("item_id", "name", "match", "expected"),
    [
        (
            "ACT2_TIMING_2017",
            "complete_clinical_response_rate",
            {"timepoint": "26 weeks from CRT start"},
            (78, None, None),
        ),
        (
            "ACT2_TIMING_2017",
            "overall_survival_5y",
            {"population": "no cCR at 26 weeks"},
            (46, None, None),
        ),
        ("KO_2019", "overall_survival_5y", {"population": "recurrent disease"}, (51, None, None)),
        (
            "KO_2019",
            "median_time_to_salvage",
            {"population": "persistent disease"},
            (2.6, None, None),
        ),
        ("HAGEMANS_2018", "median_overall_survival", {"population": ""}, (47, 10, 84)),
        ("MULLEN_2007", "hazard_ratio_overall_survival", {}, (8.2, 1.1, 59.8)),
        ("SUNESEN_2009", "mortality_ratio_2y", {}, (10.9, 2.2, 54.2)),
        ("SUNESEN_2009", "overall_survival_5y", {}, (61, 43, 75)),
        ("BROWN_2023", "r0_resection_rate", {}, (81, None, None)),
        ("WRIGHT_2011", "overall_survival_2y", {}, (21.4, None, None)),
        ("GERARD_2001", "metachronous_groin_relapse", {}, (7.8, None, None)),
        (
            "ORTHOLAN_2012",
            "inguinal_recurrence_5y",
            {"arm": "no prophylactic groin RT"},
            (16, None, None),
        ),
        ("BLINDE_2014", "groin_recurrence_5y", {"population": "T3"}, (21, None, None)),
        (
            "INTERAACT_2020",
            "median_overall_survival",
            {"arm": "carboplatin_paclitaxel"},
            (20.0, None, None),
        ),
        ("INTERAACT_2020", "hazard_ratio_overall_survival", {}, (2.0, 1.15, 3.47)),
        (
            "INTERAACT_2020",
            "serious_adverse_events",
            {"arm": "cisplatin_fluorouracil"},
            (62, None, None),
        ),
        ("POD1UM303_2025", "hazard_ratio_progression_free_survival", {}, (0.63, 0.47, 0.84)),
        ("POD1UM303_2025", "hazard_ratio_overall_survival", {}, (0.70, 0.49, 1.01)),
        (
            "POD1UM303_2025",
            "objective_response_rate",
            {"arm": "carboplatin_paclitaxel_retifanlimab"},
            (56, None, None),
        ),
        ("EPITOPES_HPV02_2018", "objective_response_rate", {}, (89, None, None)),
        ("KIM_2020_POOLED", "median_overall_survival", {}, (39.2, None, None)),
        ("KEYNOTE028_2017", "objective_response_rate", {}, (17, 5, 37)),
        ("KEYNOTE158_2022", "objective_response_rate", {"population": ""}, (11, 6, 18)),
        ("NCI9673A_2017", "objective_response_rate", {}, (24, 15, 33)),
        ("NCI9673B_2023", "hazard_ratio_progression_free_survival", {}, (0.86, 0.60, 1.23)),
        ("NCI9673B_2023", "median_overall_survival", {"arm": "nivolumab"}, (15.9, None, None)),
        ("POD1UM202_2022", "objective_response_rate", {}, (13.8, 7.6, 22.5)),
        (
            "NIS_HIV_APR_2016",
            "postoperative_haemorrhage",
            {"population": "HIV-positive"},
            (5.1, None, None),
        ),
        ("HURT_2024", "overall_survival_3y", {}, (53, None, None)),
        ("SCARCE_2024", "progression_free_survival_12m", {"arm": "modified DCF"}, (43, None, None)),
        ("EFCRT_PA_2018", "overall_survival_3y", {}, (67, None, None)),
        ("TAO_2017", "late_toxicity_grade_3_or_more", {}, (34, None, None)),
        ("YOUSSEF_2016", "median_interval_between_courses", {}, (39.8, None, None)),
        ("ENGSTRAND_2021", "median_overall_survival", {}, (50, None, None)),
    ],
)
def test_key_numbers(
    item_id: str,
    name: str,
    match: dict[str, str],
    expected: tuple[float, float | None, float | None],
) -> None:
    assert _outcome(item_id, name, **match) == pytest.approx(expected)


def test_outcomes_have_units_and_sane_intervals() -> None:
    for row in knowledge.outcome_rows():
        assert row["unit"] in {"percent", "months", "weeks", "ratio", "count", "Gy"}
        if row["ci_low"] is not None:
            assert row["ci_low"] <= row["value"] <= row["ci_high"]  # type: ignore[operator]


# ---------------------------------------------------------------- regimens (§2)


def test_every_systemic_option_has_a_regimen() -> None:
    assert [r.id for r in knowledge.regimens()] == [str(o) for o in SYSTEMIC_OPTIONS]


def _doses(
    regimen_id: str, variant: str | None = None
) -> list[tuple[str, str, float, str, tuple[int, ...], int]]:
    reg = knowledge.regimen(regimen_id)
    chosen = reg.default if variant is None else reg.variant(variant)
    return [
        (d.drug, str(d.rule), d.dose, d.dose_unit, d.days, d.every_n_cycles) for d in chosen.drugs
    ]


def _flags(reg: knowledge.Regimen) -> set[str]:
    names = ("platinum", "cisplatin", "carboplatin", "taxane", "fluoropyrimidine")
    return {n for n in (*names, "checkpoint_inhibitor") if getattr(reg, f"contains_{n}")}


def test_carboplatin_paclitaxel() -> None:
    reg = knowledge.regimen(OptionId.CARBOPLATIN_PACLITAXEL)
    assert _doses("carboplatin_paclitaxel") == [
        ("carboplatin", "auc", 5, "mg.min/mL", (1,), 1),
        ("paclitaxel", "per_m2", 80, "mg/m2", (1, 8, 15), 1),
    ]
    assert reg.default.cycle_length_days == 28
    assert reg.default.cycles == 6
    assert _flags(reg) == {"platinum", "carboplatin", "taxane"}
    assert reg.evidence == ("INTERAACT_2020",)


def test_retifanlimab_combination() -> None:
    reg = knowledge.regimen("carboplatin_paclitaxel_retifanlimab")
    assert _doses(reg.id)[2] == ("retifanlimab", "flat", 500, "mg", (1,), 1)
    assert [d.max_cycles for d in reg.default.drugs] == [6, 6, None]
    assert reg.default.agent == "retifanlimab"
    assert _flags(reg) == {"platinum", "carboplatin", "taxane", "checkpoint_inhibitor"}
    assert reg.evidence == ("POD1UM303_2025",)


def test_cisplatin_fluorouracil() -> None:
    reg = knowledge.regimen("cisplatin_fluorouracil")
    assert _doses(reg.id) == [
        ("cisplatin", "per_m2", 60, "mg/m2", (1,), 1),
        ("fluorouracil", "per_m2", 1000, "mg/m2", (1, 2, 3, 4), 1),
    ]
    assert reg.default.cycle_length_days == 21
    assert _flags(reg) == {"platinum", "cisplatin", "fluoropyrimidine"}


def test_dcf_variants() -> None:
    reg = knowledge.regimen("docetaxel_cisplatin_fluorouracil")
    assert reg.default_variant == "modified"
    assert reg.default.is_default
    assert _doses(reg.id, "modified") == [
        ("docetaxel", "per_m2", 40, "mg/m2", (1,), 1),
        ("cisplatin", "per_m2", 40, "mg/m2", (1,), 1),
        ("fluorouracil", "per_m2", 1200, "mg/m2", (1, 2), 1),
    ]
    assert (reg.variant("modified").cycle_length_days, reg.variant("modified").cycles) == (14, 8)
    assert _doses(reg.id, "standard") == [
        ("docetaxel", "per_m2", 75, "mg/m2", (1,), 1),
        ("cisplatin", "per_m2", 75, "mg/m2", (1,), 1),
        ("fluorouracil", "per_m2", 750, "mg/m2", (1, 2, 3, 4, 5), 1),
    ]
    assert (reg.variant("standard").cycle_length_days, reg.variant("standard").cycles) == (21, 6)
    assert all(v.supportive_care for v in reg.variants)
    assert not reg.variant("standard").is_default
    assert reg.evidence == ("EPITOPES_HPV02_2018", "KIM_2020_POOLED", "SCARCE_2024")


def test_anti_pd1_schedules() -> None:
    reg = knowledge.regimen("anti_pd1_monotherapy")
    assert reg.default_variant == "retifanlimab_500mg_q4w"
    table = {
        v.id: (v.agent, v.drugs[0].rule, v.drugs[0].dose, v.drugs[0].dose_unit, v.cycle_length_days)
        for v in reg.variants
    }
    assert table == {
        "retifanlimab_500mg_q4w": ("retifanlimab", DoseRule.FLAT, 500, "mg", 28),
        "nivolumab_240mg_q2w": ("nivolumab", DoseRule.FLAT, 240, "mg", 14),
        "nivolumab_480mg_q4w": ("nivolumab", DoseRule.FLAT, 480, "mg", 28),
        "nivolumab_3mg_kg_q2w": ("nivolumab", DoseRule.PER_KG, 3, "mg/kg", 14),
        "pembrolizumab_200mg_q3w": ("pembrolizumab", DoseRule.FLAT, 200, "mg", 21),
        "pembrolizumab_400mg_q6w": ("pembrolizumab", DoseRule.FLAT, 400, "mg", 42),
    }
    assert reg.agents == ("retifanlimab", "nivolumab", "pembrolizumab")
    assert reg.variants_for_agent("retifanlimab")[0].is_default
    assert reg.variants_for_agent("atezolizumab") == ()
    assert _flags(reg) == {"checkpoint_inhibitor"}


def test_nivolumab_ipilimumab() -> None:
    assert _doses("nivolumab_ipilimumab") == [
        ("nivolumab", "flat", 480, "mg", (1,), 1),
        ("ipilimumab", "per_kg", 1, "mg/kg", (1,), 2),
    ]
    assert knowledge.regimen("nivolumab_ipilimumab").default.cycle_length_days == 28


def test_variant_lookup_error_lists_valid_ids() -> None:
    with pytest.raises(KeyError, match="modified, standard"):
        knowledge.regimen("docetaxel_cisplatin_fluorouracil").variant("weekly")


def test_radiotherapy_schedules() -> None:
    groin = knowledge.radiotherapy_schedule(OptionId.GROIN_RADIOTHERAPY)
    assert (groin.total_dose_gy, groin.fractions, groin.dose_per_fraction_gy) == (50, 25, 2.0)
    reirr = knowledge.radiotherapy_schedule("reirradiation")
    assert (reirr.total_dose_gy, reirr.fractions, reirr.fractions_per_day) == (39, 26, 2)
    assert reirr.dose_per_fraction_gy == 1.5
    assert reirr.min_hours_between_fractions == 6
    assert reirr.evidence == ("TAO_2017", "YOUSSEF_2016", "OSBORNE_2018")
    iort = knowledge.radiotherapy_schedule("iort")
    assert iort.fractions == 1
    assert iort.typical_dose_range_gy == (12.5, 15)
    assert iort.total_dose_range_gy == (10, 20)
    act2 = knowledge.radiotherapy_schedule("act2_mitomycin")
    assert (act2.total_dose_gy, act2.fractions, act2.option_id) == (50.4, 28, None)
    assert act2.concurrent_drugs[0].days == (1, 2, 3, 4, 29, 30, 31, 32)
    assert knowledge.radiotherapy_schedule("act2_cisplatin").concurrent_drugs[1].days == (1, 29)


# ---------------------------------------------------------------- option evidence (§2b)

SECTION_2B = {
    "observe_and_reassess": ("ACT2_TIMING_2017", "ESMO_2021", "S3_2020"),
    "biopsy_and_restage": ("ACT2_TIMING_2017", "ESMO_2021", "S3_2020"),
    "surveillance": ("ACT2_TIMING_2017", "ESMO_2021", "S3_2020"),
    "salvage_apr": ("KO_2019", "HAGEMANS_2018", "SUNESEN_2009", "LEFEVRE_2009", "ESMO_2021"),
    "perineal_flap_reconstruction": (
        "KO_2019",
        "HAGEMANS_2018",
        "SUNESEN_2009",
        "LEFEVRE_2009",
        "ESMO_2021",
    ),
    "extended_resection": ("BROWN_2023", "SCHILLER_2007"),
    "inguinal_lymphadenectomy": ("GERARD_2001", "ORTHOLAN_2012"),
    "groin_radiotherapy": ("GERARD_2001", "ORTHOLAN_2012"),
    "local_excision": ("ROJI_2023", "CHAKRABARTI_2019", "GAO_2020", "S3_2020"),
    "reirradiation": (
        "OSBORNE_2018",
        "TAO_2017",
        "YOUSSEF_2016",
        "SLEVIN_2021",
        "ANDRATSCHKE_2022",
    ),
    "iort": ("HALLEMEIER_2014", "WRIGHT_2011"),
    "palliative_radiotherapy": ("ESMO_2021", "NCCN_2025"),
    "best_supportive_care": ("ESMO_2021", "NCCN_2025"),
    "defunctioning_stoma": ("ESMO_2021", "NCCN_2025"),
    "clinical_trial": ("ESMO_2021", "NCCN_2025"),
    "metastasis_directed_therapy": ("HURT_2024", "ENGSTRAND_2021", "EFCRT_PA_2018", "LIEVENS_2020"),
    "primary_chemoradiotherapy": ("ACT2_2013", "ESMO_2021"),
    "carboplatin_paclitaxel": ("INTERAACT_2020",),
    "carboplatin_paclitaxel_retifanlimab": ("POD1UM303_2025",),
    "cisplatin_fluorouracil": ("INTERAACT_2020",),
    "docetaxel_cisplatin_fluorouracil": ("EPITOPES_HPV02_2018", "KIM_2020_POOLED", "SCARCE_2024"),
    "anti_pd1_monotherapy": ("POD1UM202_2022", "NCI9673A_2017", "KEYNOTE158_2022"),
    "nivolumab_ipilimumab": ("NCI9673B_2023",),
}


@pytest.mark.parametrize("option", list(OptionId))
def test_every_option_has_resolvable_evidence(option: OptionId) -> None:
    ids = knowledge.evidence_for_option(option)
    assert ids == SECTION_2B[str(option)]
    assert knowledge.evidence_for_option(str(option)) == ids
    for evidence_id in ids:
        knowledge.evidence(evidence_id)


# ---------------------------------------------------------------- approvals (§3)


def test_retifanlimab_us() -> None:
    assert knowledge.approvals("retifanlimab", "US", as_of=dt.date(2025, 5, 14)) == ()
    found = knowledge.approvals("retifanlimab", "US", as_of=dt.date(2025, 5, 15))
    assert [str(a.indication) for a in found] == [
        "first_line_combination",
        "monotherapy_after_platinum",
    ]
    assert all(a.status is Verification.VERIFIED and a.regulator == "FDA" for a in found)
    assert {a.date_text for a in found} == {"2025-05-15"}


def test_retifanlimab_eu_month_precision() -> None:
    assert knowledge.approvals("retifanlimab", "EU", as_of=dt.date(2026, 3, 15)) == ()
    assert knowledge.approvals("retifanlimab", "EU", as_of=dt.date(2026, 3, 31)) == ()
    (eu,) = knowledge.approvals("retifanlimab", "EU", as_of=dt.date(2026, 4, 1))
    assert str(eu.indication) == "first_line_combination"
    assert eu.status is Verification.SECONDARY
    assert eu.date_text == "2026-03"
    assert eu.effective_from == dt.date(2026, 4, 1)
    assert "2026-01-30" in eu.note


@pytest.mark.parametrize("agent", ["pembrolizumab", "nivolumab", "ipilimumab"])
@pytest.mark.parametrize("jurisdiction", ["US", "EU", "other"])
def test_no_approval_for_other_agents(agent: str, jurisdiction: str) -> None:
    assert knowledge.approvals(agent, jurisdiction, as_of=dt.date(2030, 1, 1)) == ()


def test_approval_absences_are_recorded() -> None:
    absences = {a.agent: a for a in knowledge.approval_absences()}
    assert set(absences) == {"pembrolizumab", "nivolumab"}
    assert absences["nivolumab"].jurisdictions == ("US", "EU")
    assert absences["nivolumab"].status is Verification.SECONDARY


def test_other_jurisdiction_and_case_and_datetime() -> None:
    assert knowledge.approvals("retifanlimab", "other", as_of=dt.date(2030, 1, 1)) == ()
    assert len(knowledge.approvals("Retifanlimab", "US", as_of=dt.datetime(2025, 5, 15, 8, 0))) == 2
    with pytest.raises(ValueError, match="Jurisdiction"):
        knowledge.approvals("retifanlimab", "UK", as_of=dt.date(2030, 1, 1))
    with pytest.raises(TypeError, match=r"datetime\.date"):
        knowledge.approvals("retifanlimab", "US", as_of="2030-01-01")  # type: ignore[arg-type]
