"""Locoregional salvage (clinical pathway §4): pelvic nodes, groins and a declined stoma."""

from __future__ import annotations

from ascc_salvage.vocabulary import DiseaseStatus, Flag, OptionId, Tier

from ._documents import base_document, criteria, run, site, therapy, tiers

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId


def test_pelvic_and_inguinal_nodes_without_local_disease_add_the_groin_dissection() -> None:
    """§4.5 mesorectal nodes with §4.1f: APR + flap, and a groin dissection for the groin."""
    document = base_document()
    document["disease"]["sites"] = [
        site("pelvic_nodes", station="mesorectal"),
        site("inguinal_nodes", laterality="left"),
    ]
    result = run(document)
    tier = tiers(result)
    assert result.disease_status is DiseaseStatus.PERSISTENT
    assert result.preferred == (
        Opt.SALVAGE_APR,
        Opt.PERINEAL_FLAP_RECONSTRUCTION,
        Opt.INGUINAL_LYMPHADENECTOMY,
    )
    assert result.option(Opt.SALVAGE_APR).rules == ("4.5",)
    assert result.option(Opt.INGUINAL_LYMPHADENECTOMY).rules == ("4.1f",)
    # The groins were irradiated with the primary CRT: no full-dose groin radiotherapy.
    assert tier[Opt.GROIN_RADIOTHERAPY] is N
    assert result.option(Opt.GROIN_RADIOTHERAPY).rules == ("4.1f",)
    assert tier[Opt.LOCAL_EXCISION] is N
    assert tier[Opt.EXTENDED_RESECTION] is N


def test_groin_dissection_after_unirradiated_groins_adds_groin_radiotherapy() -> None:
    document = base_document()
    document["primary"]["chemoradiotherapy"]["groins_irradiated"] = False
    document["disease"]["sites"] = [
        site("pelvic_nodes", station="mesorectal"),
        site("inguinal_nodes", laterality="right"),
    ]
    tier = tiers(run(document))
    assert tier[Opt.INGUINAL_LYMPHADENECTOMY] is P
    assert tier[Opt.GROIN_RADIOTHERAPY] is P


def _declined_colostomy(prior: list[dict[str, object]]) -> dict[str, object]:
    document = base_document()
    document["patient"]["accepts_permanent_colostomy"] = False
    document["prior_systemic_therapy"] = prior
    return document


def test_declined_colostomy_after_platinum_keeps_anti_pd1_of_the_line() -> None:
    """§4.1 declined + §5.3: anti-PD-1 is already the line's alternative, not re-offered."""
    prior = [
        therapy("carboplatin_paclitaxel", "advanced", "2025-08-04", "2025-11-03", "progression")
    ]
    result = run(_declined_colostomy(prior))
    assert result.option(Opt.SALVAGE_APR).tier is P
    assert {Flag.DECLINED_BY_PATIENT, Flag.REVISIT_PATIENT_DECISION} <= set(
        result.option(Opt.SALVAGE_APR).flags
    )
    pd1 = result.option(Opt.ANTI_PD1_MONOTHERAPY)
    assert pd1.tier is A
    assert pd1.rules == ("5.3a",)
    assert Flag.NON_CURATIVE_INTENT in pd1.flags


def test_declined_colostomy_after_anti_pd1_does_not_rechallenge() -> None:
    """§5.4 overrides §4.1: after anti-PD-(L)1 (any setting) no checkpoint inhibitor again.

    Regression: the declined-colostomy rule used to re-offer anti-PD-1 as an alternative.
    """
    prior = [
        therapy("anti_pd1_monotherapy", "neoadjuvant", "2025-08-04", "2025-10-06", "completed")
    ]
    result = run(_declined_colostomy(prior))
    tier = tiers(result)
    for option in (
        Opt.ANTI_PD1_MONOTHERAPY,
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
        Opt.NIVOLUMAB_IPILIMUMAB,
    ):
        assert tier[option] is N
        assert result.option(option).rules == ("5.4",)
    # Chemotherapy not yet used stays available as a non-curative alternative.
    assert tier[Opt.CARBOPLATIN_PACLITAXEL] is A
    assert tier[Opt.CLINICAL_TRIAL] is A
    assert tier[Opt.SALVAGE_APR] is P


def test_declined_colostomy_without_systemic_history_offers_anti_pd1() -> None:
    """§4.1 declined, first line: anti-PD-1 before APR is an alternative [NCCN_2025]."""
    pd1 = run(_declined_colostomy([])).option(Opt.ANTI_PD1_MONOTHERAPY)
    assert pd1.tier is A
    assert pd1.rules == ("4.1.declined",)
    assert Flag.VERY_LOW_EVIDENCE in pd1.flags


def test_anal_margin_recurrence_of_unknown_size_leaves_local_excision_open() -> None:
    """§4.1a needs the size (≤ 2 cm): unknown size → local excision undetermined."""
    document = base_document()
    document["assessments"] = [
        {"date": "2025-07-07", "finding": "complete_response", "biopsy": "not_done"},
        {"date": "2026-09-14", "finding": "recurrence", "biopsy": "positive"},
    ]
    document["disease"]["sites"] = [site("anal_margin")]
    result = run(document)
    assert result.disease_status is DiseaseStatus.RECURRENT
    excision = result.option(Opt.LOCAL_EXCISION)
    assert excision.tier is U
    assert excision.rules == ("4.1a",)
    assert criteria(excision)["size_at_most_2_cm"] == "unknown"
    assert criteria(excision)["anal_margin_only"] == "met"
    missing = {item.field: item.needed_for for item in result.missing_information}
    assert Opt.LOCAL_EXCISION in missing["disease.sites.size"]
    # The resection stays on offer whatever the size turns out to be.
    assert result.option(Opt.SALVAGE_APR).tier in (P, A)
    # Recorded as 1.5 cm, the same recurrence makes local excision preferred (§4.1a).
    document["disease"]["sites"] = [
        site("anal_margin", size={"value": 1.5, "unit": "cm"}),
    ]
    result = run(document)
    assert result.option(Opt.LOCAL_EXCISION).tier is P
    assert result.option(Opt.SALVAGE_APR).tier is A
