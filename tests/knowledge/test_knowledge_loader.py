# ruff: noqa: E501  (corruption table: one case per entry, long literal snippets)
"""Loading: corrupted copies of the data fail with messages naming the file and the item."""

from __future__ import annotations

import pathlib

import pytest

from ascc_salvage.knowledge import KnowledgeBaseError
from ascc_salvage.knowledge._loader import FILES, load_directory, load_packaged, read_version

from ._support import DATA, copy_data, edit


@pytest.fixture
def data_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    return copy_data(tmp_path / "data")


_edit = edit


def _append(directory: pathlib.Path, name: str, text: str) -> None:
    with (directory / name).open("a", encoding="utf-8") as handle:
        handle.write("\n" + text + "\n")


def test_packaged_data_load_and_are_cached() -> None:
    assert load_packaged() is load_packaged()
    assert sorted(p.name for p in DATA.glob("*.toml")) == sorted(FILES)


def test_a_clean_copy_loads(data_copy: pathlib.Path) -> None:
    kb = load_directory(data_copy)
    assert kb.version == "2026.12"
    assert kb == load_directory(str(data_copy))


EVIDENCE_HEAD = 'id = "ACT2_2013"'

CORRUPTIONS = [
    # (file, old, new, expected fragment of the message)
    (
        "evidence.toml",
        'id = "HAGEMANS_2018"',
        'id = "ACT2_2013"',
        "evidence.toml: ACT2_2013: duplicate id",
    ),
    (
        "evidence.toml",
        'doi = "10.1111/codi.14569"',
        'doi = "doi:10.1111/codi.14569"',
        "evidence.toml: KO_2019: malformed doi",
    ),
    (
        "evidence.toml",
        'pmid = "23578724"',
        'pmid = "PMID 23578724"',
        "evidence.toml: ACT2_2013: malformed pmid",
    ),
    (
        "evidence.toml",
        'pmcid = "PMC6465491"',
        'pmcid = "6465491"',
        "evidence.toml: CHAKRABARTI_2019: malformed pmcid",
    ),
    (
        "evidence.toml",
        'nct = "NCT04472429"',
        'nct = "NCT0447242"',
        "evidence.toml: POD1UM303_2025: malformed nct",
    ),
    (
        "evidence.toml",
        'id = "KO_2019"',
        'id = "ko_2019"',
        "evidence.toml: ko_2019: id must be upper-case",
    ),
    (
        "evidence.toml",
        "n = 47\n",
        'n = "47"\n',
        "evidence.toml: HAGEMANS_2018: expected an integer",
    ),
    (
        "evidence.toml",
        "n = 47\n",
        "n = true\n",
        "evidence.toml: HAGEMANS_2018: expected an integer",
    ),
    ("evidence.toml", "n = 47\n", "n = 0\n", "evidence.toml: HAGEMANS_2018: n must be positive"),
    (
        "evidence.toml",
        'ocebm = "3"\ngrade = "moderate"',
        'ocebm = "6"\ngrade = "moderate"',
        "evidence.toml: ACT2_TIMING_2017: '6' is not a valid OcebmLevel @ $.ocebm",
    ),
    (
        "evidence.toml",
        'grade = "high"',
        'grade = "very high"',
        "evidence.toml: ACT2_2013: 'very high' is not a valid GradeCertainty",
    ),
    (
        "evidence.toml",
        'grade = "high"',
        'grade = "high"\nimpact = 3',
        "evidence.toml: ACT2_2013: extra fields found (impact)",
    ),
    (
        "evidence.toml",
        'citation = "James RD',
        'citation = 3\nx = "James RD',
        "evidence.toml: ACT2_2013:",
    ),
    ("evidence.toml", 'id = "RACINE_2025"', "", "evidence.toml: #1: required field missing"),
    # verified without any identifier
    (
        "evidence.toml",
        'pmid = "11443612"\n',
        "",
        "evidence.toml: GERARD_2001: status 'verified' needs an identifier",
    ),
    # per-identifier statuses
    (
        "evidence.toml",
        'identifier_status = [{ kind = "pmid", status = "secondary" }]',
        'identifier_status = [{ kind = "doi", status = "secondary" }]',
        "evidence.toml: KEYNOTE158_2022: identifier_status for empty doi",
    ),
    (
        "evidence.toml",
        'identifier_status = [{ kind = "pmid", status = "secondary" }]',
        'identifier_status = [{ kind = "pmid", status = "secondary" }, { kind = "pmid", status = "verified" }]',
        "evidence.toml: KEYNOTE158_2022: identifier_status lists pmid twice",
    ),
    # outcomes
    (
        "evidence.toml",
        '{ name = "overall_survival_5y", value = 64,',
        '{ name = "Overall survival", value = 64,',
        "evidence.toml: MULLEN_2007: outcome 'Overall survival': name must be snake_case",
    ),
    (
        "evidence.toml",
        "ci_low = 10, ci_high = 84",
        "ci_low = 10",
        "evidence.toml: HAGEMANS_2018: outcome 'median_overall_survival': give both ci_low and ci_high",
    ),
    (
        "evidence.toml",
        "ci_low = 10, ci_high = 84",
        "ci_low = 50, ci_high = 84",
        "evidence.toml: HAGEMANS_2018: outcome 'median_overall_survival': value outside",
    ),
    (
        "evidence.toml",
        'unit = "months", ci_low = 10',
        'unit = "years", ci_low = 10',
        "evidence.toml: HAGEMANS_2018: 'years' is not a valid OutcomeUnit @ $.outcomes[0].unit",
    ),
    # regimens
    (
        "regimens.toml",
        'evidence = ["INTERAACT_2020"]',
        'evidence = ["INTERACT_2020"]',
        "regimens.toml: carboplatin_paclitaxel: unknown evidence id 'INTERACT_2020'",
    ),
    (
        "regimens.toml",
        'id = "carboplatin_paclitaxel"',
        'id = "carboplatin_docetaxel"',
        "regimens.toml: carboplatin_docetaxel: id is not a systemic option id",
    ),
    (
        "regimens.toml",
        'id = "carboplatin_paclitaxel"',
        'id = "carboplatin_docetaxel"',
        "regimens.toml: carboplatin_paclitaxel: systemic option has no regimen",
    ),
    (
        "regimens.toml",
        'id = "cisplatin_fluorouracil"',
        'id = "carboplatin_paclitaxel"',
        "regimens.toml: carboplatin_paclitaxel: duplicate id",
    ),
    (
        "regimens.toml",
        'evidence = ["NCI9673B_2023"]\n\n',
        "evidence = []\n\n",
        "regimens.toml: nivolumab_ipilimumab: regimen has no evidence",
    ),
    (
        "regimens.toml",
        'default_variant = "modified"',
        'default_variant = "standard"',
        "regimens.toml: docetaxel_cisplatin_fluorouracil: default_variant 'standard' must be the one variant",
    ),
    (
        "regimens.toml",
        'id = "nivolumab_240mg_q2w"',
        'id = "retifanlimab_500mg_q4w"',
        "regimens.toml: anti_pd1_monotherapy: duplicate variant id",
    ),
    (
        "regimens.toml",
        "contains_taxane = true\ncontains_fluoropyrimidine = false\ncontains_checkpoint_inhibitor = false",
        "contains_taxane = false\ncontains_fluoropyrimidine = false\ncontains_checkpoint_inhibitor = false",
        "regimens.toml: carboplatin_paclitaxel: contains_taxane disagrees with the drug classes",
    ),
    (
        "regimens.toml",
        'rule = "per_m2", dose = 80, dose_unit = "mg/m2"',
        'rule = "per_m2", dose = 80, dose_unit = "mg"',
        "regimens.toml: carboplatin_paclitaxel/standard: drug 'paclitaxel': rule per_m2 needs unit 'mg/m2'",
    ),
    (
        "regimens.toml",
        'rule = "per_m2", dose = 80, dose_unit = "mg/m2"',
        'rule = "per_m3", dose = 80, dose_unit = "mg/m2"',
        "regimens.toml: carboplatin_paclitaxel: 'per_m3' is not a valid DoseRule @ $.variants[0].drugs[1].rule",
    ),
    (
        "regimens.toml",
        "dose = 80, dose_unit",
        "dose = 0, dose_unit",
        "drug 'paclitaxel': dose must be positive",
    ),
    (
        "regimens.toml",
        "days = [1, 8, 15] }",
        "days = [1, 15, 8] }",
        "regimens.toml: carboplatin_paclitaxel/standard: drug 'paclitaxel': days must be increasing",
    ),
    (
        "regimens.toml",
        "days = [1, 8, 15] }",
        "days = [] }",
        "drug 'paclitaxel': days must be increasing",
    ),
    (
        "regimens.toml",
        "days = [1, 8, 15] }",
        "days = [1, 8, 29] }",
        "drug 'paclitaxel': day 29 is beyond the cycle",
    ),
    (
        "regimens.toml",
        "every_n_cycles = 2 }",
        "every_n_cycles = 0 }",
        "regimens.toml: nivolumab_ipilimumab/standard: drug 'ipilimumab': every_n_cycles and max_cycles must be >= 1",
    ),
    (
        "regimens.toml",
        '{ drug = "paclitaxel"',
        '{ drug = "nab-paclitaxel"',
        "drug 'nab-paclitaxel': not listed in drugs.toml",
    ),
    (
        "regimens.toml",
        'agent = "pembrolizumab"\n  cycle_length_days = 21',
        'agent = "nivolumab"\n  cycle_length_days = 21',
        "regimens.toml: anti_pd1_monotherapy/pembrolizumab_200mg_q3w: agent 'nivolumab' is not one of its drugs",
    ),
    (
        "regimens.toml",
        "cycle_length_days = 14\n  cycles = 8",
        "cycle_length_days = 14\n  cycles = 0",
        "regimens.toml: docetaxel_cisplatin_fluorouracil/modified: cycle_length_days and cycles must be >= 1",
    ),
    (
        "regimens.toml",
        '  drugs = [\n    { drug = "retifanlimab", rule = "flat", dose = 500, dose_unit = "mg", route = "IV", days = [1] },\n  ]',
        "  drugs = []",
        "regimens.toml: anti_pd1_monotherapy/retifanlimab_500mg_q4w: variant has no drugs",
    ),
    (
        "regimens.toml",
        'evidence = ["KEYNOTE158_2022"]\n  note',
        'evidence = ["KEYNOTE_158"]\n  note',
        "regimens.toml: anti_pd1_monotherapy/pembrolizumab_400mg_q6w: unknown evidence id 'KEYNOTE_158'",
    ),
    # radiotherapy schedules
    (
        "radiotherapy.toml",
        'evidence = ["GERARD_2001"]',
        'evidence = ["GERARD_2002"]',
        "radiotherapy.toml: groin_radiotherapy: unknown evidence id 'GERARD_2002'",
    ),
    (
        "radiotherapy.toml",
        'evidence = ["GERARD_2001"]',
        "evidence = []",
        "radiotherapy.toml: groin_radiotherapy: an option's schedule needs evidence",
    ),
    (
        "radiotherapy.toml",
        'option_id = "iort"',
        'option_id = "brachytherapy"',
        "radiotherapy.toml: iort: unknown option_id 'brachytherapy'",
    ),
    (
        "radiotherapy.toml",
        "total_dose_gy = 50\nfractions = 25",
        "total_dose_gy = 50\nfractions = 0",
        "radiotherapy.toml: groin_radiotherapy: dose, fractions and fractions_per_day must be positive",
    ),
    (
        "radiotherapy.toml",
        "total_dose_range_gy = [30, 39]",
        "total_dose_range_gy = [39, 30]",
        "radiotherapy.toml: reirradiation: total_dose_range_gy must be [low, high]",
    ),
    (
        "radiotherapy.toml",
        "typical_dose_range_gy = [12.5, 15]",
        "typical_dose_range_gy = [12.5, 25]",
        "radiotherapy.toml: iort: typical_dose_range_gy outside total_dose_range_gy",
    ),
    (
        "radiotherapy.toml",
        "total_dose_gy = 12.5\n",
        "total_dose_gy = 25\n",
        "radiotherapy.toml: iort: total_dose_gy outside total_dose_range_gy",
    ),
    (
        "radiotherapy.toml",
        'dose = 12, dose_unit = "mg/m2"',
        'dose = 12, dose_unit = "mg"',
        "radiotherapy.toml: act2_mitomycin: drug 'mitomycin': rule per_m2 needs unit",
    ),
    (
        "radiotherapy.toml",
        'id = "act2_cisplatin"',
        'id = "act2_mitomycin"',
        "radiotherapy.toml: act2_mitomycin: duplicate id",
    ),
    # approvals
    (
        "approvals.toml",
        'date = "2026-03"',
        'date = "2026-03-06"',
        "approvals.toml: retifanlimab/EU/first_line_combination: date does not match date_precision",
    ),
    (
        "approvals.toml",
        'date = "2026-03"',
        'date = "March 2026"',
        "approvals.toml: retifanlimab/EU/first_line_combination: expected YYYY-MM-DD or YYYY-MM",
    ),
    (
        "approvals.toml",
        'jurisdiction = "EU"',
        'jurisdiction = "UK"',
        "approvals.toml: retifanlimab/UK/first_line_combination: jurisdiction must be one of",
    ),
    (
        "approvals.toml",
        'agent = "retifanlimab"\njurisdiction = "EU"',
        'agent = "dostarlimab"\njurisdiction = "EU"',
        "approvals.toml: dostarlimab/EU/first_line_combination: agent not listed in drugs.toml",
    ),
    (
        "approvals.toml",
        'indication = "monotherapy_after_platinum"',
        'indication = "first_line_combination"',
        "approvals.toml: retifanlimab/US/first_line_combination: duplicate approval",
    ),
    (
        "approvals.toml",
        'evidence = ["POD1UM202_2022"]',
        'evidence = ["POD1UM_202"]',
        "approvals.toml: retifanlimab/US/monotherapy_after_platinum: unknown evidence id 'POD1UM_202'",
    ),
    (
        "approvals.toml",
        'indication = "monotherapy_after_platinum"',
        'indication = "adjuvant"',
        "approvals.toml: retifanlimab/US/adjuvant: 'adjuvant' is not a valid Indication",
    ),
    (
        "approvals.toml",
        'line = "after_prior_treatment"\nbiomarker = "dmmr_or_msi_high"',
        'line = "after_platinum"\nbiomarker = "dmmr_or_msi_high"',
        "approvals.toml: indication tumour_agnostic_msi_high: a biomarker goes with line "
        "'after_prior_treatment', and only with it",
    ),
    (
        "approvals.toml",
        'line = "after_prior_treatment"\nbiomarker = "tmb_high"',
        'line = "after_prior_treatment"',
        "approvals.toml: indication tumour_agnostic_tmb_high: a biomarker goes with line "
        "'after_prior_treatment', and only with it",
    ),
    (
        "approvals.toml",
        '[[no_approval]]\nagent = "pembrolizumab"',
        '[[no_approval]]\nagent = "retifanlimab"',
        "approvals.toml: retifanlimab: agent has both approvals and no_approval",
    ),
    (
        "approvals.toml",
        'jurisdictions = ["US", "EU"]',
        'jurisdictions = ["US", "JP"]',
        "approvals.toml: pembrolizumab: unknown agent or jurisdiction",
    ),
    (
        "approvals.toml",
        "[[no_approval]]",
        "[[pending]]\nagent = 1\n\n[[no_approval]]",
        "approvals.toml: -: unknown keys ['pending']",
    ),
    # options
    (
        "options.toml",
        'iort = ["HALLEMEIER_2014", "WRIGHT_2011"]',
        'iort = ["HALLEMEIER_2014", "WRIGHT_2012"]',
        "options.toml: iort: unknown evidence id 'WRIGHT_2012'",
    ),
    (
        "options.toml",
        'iort = ["HALLEMEIER_2014", "WRIGHT_2011"]',
        'iort = ["HALLEMEIER_2014", "HALLEMEIER_2014"]',
        "options.toml: iort: duplicate evidence id",
    ),
    (
        "options.toml",
        'clinical_trial = ["ESMO_2021", "NCCN_2025"]',
        "clinical_trial = []",
        "options.toml: clinical_trial: option has no evidence",
    ),
    (
        "options.toml",
        'clinical_trial = ["ESMO_2021", "NCCN_2025"]',
        'clinical_trial = "ESMO_2021"',
        "options.toml: clinical_trial: expected a list of evidence ids",
    ),
    (
        "options.toml",
        'iort = ["HALLEMEIER_2014", "WRIGHT_2011"]',
        'iort = ["HALLEMEIER_2014", "WRIGHT_2011"]\nstoma = ["ESMO_2021"]',
        "options.toml: stoma: unknown option id",
    ),
    (
        "options.toml",
        "[options]",
        "[option]",
        "options.toml: -: expected exactly one [options] table",
    ),
    # thresholds
    (
        "thresholds.toml",
        '[local_excision_max_size]\nvalue = 2\nunit = "cm"\nsources = ["S3_2020"]',
        '[local_excision_max_size]\nvalue = 2\nunit = "cm"\nsources = ["S3_2021"]',
        "thresholds.toml: local_excision_max_size: unknown evidence id 'S3_2021'",
    ),
    (
        "thresholds.toml",
        '[local_excision_max_size]\nvalue = 2\nunit = "cm"\nsources = ["S3_2020"]',
        '[local_excision_max_size]\nvalue = 2\nunit = "inch"\nsources = ["S3_2020"]',
        "thresholds.toml: local_excision_max_size: unit 'inch' is not an accepted unit",
    ),
    (
        "thresholds.toml",
        '[local_excision_max_size]\nvalue = 2\nunit = "cm"\nsources = ["S3_2020"]',
        '[local_excision_max_size]\nvalue = 2\nunit = "cm"\nsources = []',
        "thresholds.toml: local_excision_max_size: a published threshold (policy = false) needs sources",
    ),
    (
        "thresholds.toml",
        "[dpyd_partial_no_score]\nvalue = 0.5",
        '[dpyd_partial_no_score]\nstatus = "verified"\nvalue = 0.5',
        "thresholds.toml: dpyd_partial_no_score: a library policy has no verification status",
    ),
    (
        "thresholds.toml",
        "[local_excision_max_size]\nvalue = 2\n",
        "[local_excision_max_size]\nvalue = true\n",
        "thresholds.toml: local_excision_max_size: expected a number",
    ),
    (
        "thresholds.toml",
        "[local_excision_max_size]",
        "[local_excision_max_size_cm]",
        "thresholds.toml: local_excision_max_size: missing threshold",
    ),
    (
        "thresholds.toml",
        "[local_excision_max_size]",
        "[local_excision_max_size_cm]",
        "thresholds.toml: local_excision_max_size_cm: unknown threshold",
    ),
    (
        "thresholds.toml",
        "{ karnofsky_min = 0, karnofsky_max = 0, ecog = 5 }",
        "{ karnofsky_min = 0, karnofsky_max = 10, ecog = 5 }",
        "thresholds.toml: karnofsky_to_ecog: rows must cover Karnofsky 0-100 once each",
    ),
    (
        "thresholds.toml",
        "{ karnofsky_min = 0, karnofsky_max = 0, ecog = 5 }",
        "{ karnofsky_min = 0, karnofsky_max = 0, ecog = 6 }",
        "thresholds.toml: karnofsky_to_ecog: rows must cover",
    ),
    (
        "thresholds.toml",
        "{ karnofsky_min = 0, karnofsky_max = 0, ecog = 5 }",
        '{ karnofsky_min = 0, karnofsky_max = 0, ecog = "5" }',
        "thresholds.toml: karnofsky_to_ecog: expected an integer",
    ),
    (
        "thresholds.toml",
        '[karnofsky_to_ecog]\nnote = "default',
        '[karnofsky_to_ecog]\nsource = "x"\nnote = "default',
        "thresholds.toml: karnofsky_to_ecog: must be a table with 'rows' and 'note'",
    ),
    (
        "thresholds.toml",
        'organ = "bladder"',
        'organ = "small_bowel"',
        "thresholds.toml: small_bowel: duplicate organ",
    ),
    (
        "thresholds.toml",
        "no_recovery_gy = 67\nrecovery_gy = 85",
        "no_recovery_gy = 95\nrecovery_gy = 85",
        "thresholds.toml: sacral_plexus: limits must be positive and recovery >= no recovery",
    ),
    (
        "thresholds.toml",
        'organ = "bladder"\nalpha_beta_gy = 3\nno_recovery_gy = 80\nrecovery_gy = 110\nsources = ["SLEVIN_2021"]',
        'organ = "bladder"\nalpha_beta_gy = 3\nno_recovery_gy = 80\nrecovery_gy = 110\nsources = ["SLEVIN_2022"]',
        "thresholds.toml: bladder: unknown evidence id 'SLEVIN_2022'",
    ),
    (
        "thresholds.toml",
        'organ = "bladder"\nalpha_beta_gy = 3',
        'organ = "bladder"\nalpha_beta_gy = "3"',
        "thresholds.toml: bladder: expected a number",
    ),
    (
        "thresholds.toml",
        "{ karnofsky_min = 0, karnofsky_max = 0, ecog = 5 }",
        "{ karnofsky_min = 0, karnofsky_max = 0 }",
        "thresholds.toml: karnofsky_to_ecog: KarnofskyEcogRow.__new__() missing 1 required positional argument: 'ecog'",
    ),
    (
        "regimens.toml",
        "contains_platinum = true",
        "contains_platinum = 1",
        "regimens.toml: carboplatin_paclitaxel: expected true or false, got int @ $.contains_platinum",
    ),
    # drugs and meta
    (
        "drugs.toml",
        'name = "docetaxel"\nclasses = ["taxane"]',
        'name = "docetaxel"\nclasses = ["vinca"]',
        "drugs.toml: docetaxel: needs a name and classes",
    ),
    (
        "drugs.toml",
        'name = "docetaxel"',
        'name = "paclitaxel"',
        "drugs.toml: paclitaxel: duplicate drug",
    ),
    (
        "meta.toml",
        'version = "2026.12"',
        'version = "2026.13"',
        "meta.toml: version: expected YYYY.MM[.N], got '2026.13'",
    ),
    (
        "meta.toml",
        'version = "2026.12"',
        'version = "2026.12"\nauthor = "x"',
        "meta.toml: -: unknown keys ['author']",
    ),
    (
        "condition_sets.toml",
        '"solid_organ_transplant",',
        '"solid_organ_transplants",',
        "condition_sets.toml: checkpoint_inhibitor_contraindications: unknown condition 'solid_organ_transplants'",
    ),
    (
        "condition_sets.toml",
        '"heart_failure_nyha_3_or_more",',
        '"heart_failure_nyha_3_or_more", "hearing_loss_grade_2_or_more",',
        "condition_sets.toml: cisplatin_limiting: 'hearing_loss_grade_2_or_more' is listed twice",
    ),
    (
        "condition_sets.toml",
        "fluoropyrimidine_exclusions = [",
        "fluoropyrimidine_exclusion = [",
        "condition_sets.toml: fluoropyrimidine_exclusion: unknown condition set",
    ),
    (
        "condition_sets.toml",
        "fluoropyrimidine_exclusions = [",
        "fluoropyrimidine_exclusion = [",
        "condition_sets.toml: fluoropyrimidine_exclusions: expected a list of condition names",
    ),
    (
        "catalogue.toml",
        'intent = "assessment"',
        'intent = "diagnostic"',
        "catalogue.toml: observe_and_reassess: 'diagnostic' is not a valid Intent",
    ),
    (
        "catalogue.toml",
        'kind = "diagnostic"',
        'kind = "diagnostic"\nicon = "eye"',
        "catalogue.toml: observe_and_reassess: extra fields found (icon)",
    ),
    (
        "catalogue.toml",
        'id = "surveillance"',
        'id = "observe_and_reassess"',
        "catalogue.toml: observe_and_reassess: option listed twice",
    ),
    (
        "catalogue.toml",
        'id = "surveillance"',
        'id = "observe_and_reassess"',
        "catalogue.toml: surveillance: option is missing",
    ),
    (
        "catalogue.toml",
        'id = "iort"',
        'id = "iort_boost"',
        "catalogue.toml: iort_boost: 'iort_boost' is not a valid OptionId",
    ),
    (
        "catalogue.toml",
        'label = "Clinical trial"',
        'label = " "',
        "catalogue.toml: clinical_trial: label, kind and description must not be empty",
    ),
    (
        "catalogue.toml",
        "[[option]]",
        "version = 1\n\n[[option]]",
        "catalogue.toml: -: unknown keys ['version']",
    ),
    (
        "warnings.toml",
        'code = "hiv_test_recommended"',
        'code = "hiv_test_advised"',
        "warnings.toml: hiv_test_advised: 'hiv_test_advised' is not a valid WarningCode",
    ),
    (
        "warnings.toml",
        'code = "hiv_test_recommended"',
        'code = "hiv_test_advised"',
        "warnings.toml: hiv_test_recommended: warning code has no template",
    ),
    (
        "warnings.toml",
        'code = "hiv_test_recommended"',
        'code = "check_national_reimbursement"',
        "warnings.toml: check_national_reimbursement: code listed twice",
    ),
    (
        "warnings.toml",
        'code = "hiv_test_recommended"',
        'code = "implausible_value"',
        "warnings.toml: implausible_value: its messages come from the plausibility checks",
    ),
    (
        "warnings.toml",
        "ECOG {ecog} and",
        "ECOG {ecog_grade} and",
        "warnings.toml: ecog_karnofsky_mismatch: unknown placeholder {ecog_grade} (not in values)",
    ),
    (
        "warnings.toml",
        "ECOG {ecog} and",
        "ECOG and",
        "warnings.toml: ecog_karnofsky_mismatch: value 'ecog' is not used by the template",
    ),
    (
        "warnings.toml",
        "ECOG {ecog} and",
        "ECOG {ecog and",
        "warnings.toml: ecog_karnofsky_mismatch: malformed template",
    ),
    (
        "warnings.toml",
        'template = "EU marketing',
        'severity = "low"\ntemplate = "EU marketing',
        "warnings.toml: check_national_reimbursement: extra fields found (severity)",
    ),
    (
        "thresholds.toml",
        'organ = "femoral_nerve"',
        'organ = "femoral_head_neck"',
        "thresholds.toml: femoral_head_neck: duplicate organ",
    ),
    (
        "thresholds.toml",
        'organ = "femoral_nerve"\nalpha_beta_gy = 2',
        'organ = "femoral_nerve"\nalpha_beta_gy = 0',
        "thresholds.toml: femoral_nerve: alpha_beta_gy must be positive",
    ),
    (
        "prompts.toml",
        'field = "patient.height"',
        'field = "patient.weight"',
        "prompts.toml: patient.weight: field listed twice",
    ),
    (
        "prompts.toml",
        "Record comorbidities: {conditions}",
        "Record comorbidities: {conditions} {comorbidities}",
        "prompts.toml: patient.conditions: unknown placeholder {comorbidities} (not in values)",
    ),
    (
        "prompts.toml",
        'values = ["assessment_due_date"]',
        'values = ["assessment_due_date", "crt_start"]',
        "prompts.toml: assessments: value 'crt_start' is not used by the template",
    ),
    (
        "prompts.toml",
        "Record comorbidities: {conditions}",
        "Record comorbidities: {conditions",
        "prompts.toml: patient.conditions: malformed template",
    ),
    (
        "prompts.toml",
        'criterion = "fluoropyrimidine_safe"',
        'criterion = "fluorouracil_safe"',
        "prompts.toml: fluorouracil_safe: not a criterion id",
    ),
    (
        "prompts.toml",
        'not_when_male = ["pregnancy"]',
        'not_when_male = ["pregnant"]',
        "prompts.toml: no_checkpoint_inhibitor_contraindication: not_when_male lists a condition "
        "not in conditions",
    ),
    (
        "prompts.toml",
        "[[prompt]]",
        "version = 1\n\n[[prompt]]",
        "prompts.toml: -: unknown keys ['version']",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CORRUPTIONS)
def test_corruption_is_reported(
    data_copy: pathlib.Path, name: str, old: str, new: str, expected: str
) -> None:
    _edit(data_copy, name, old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(data_copy)
    assert any(expected in line for line in caught.value.problems), caught.value.problems
    assert expected.split(":")[0] in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_condition_sets_are_read_into_the_knowledge_base() -> None:
    from ascc_salvage.vocabulary import Condition

    sets = load_packaged().condition_sets
    assert Condition.SOLID_ORGAN_TRANSPLANT in sets.checkpoint_inhibitor_contraindications
    assert Condition.HEARING_LOSS_GRADE_2_OR_MORE in sets.cisplatin_limiting
    assert Condition.DPD_DEFICIENCY_COMPLETE in sets.fluoropyrimidine_exclusions


def test_evidence_must_be_an_array_of_tables(data_copy: pathlib.Path) -> None:
    (data_copy / "evidence.toml").write_text("evidence = 3\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"evidence.toml: -: \[\[evidence\]\] must be an"):
        load_directory(data_copy)


def test_failed_item_is_not_reported_again_as_a_dangling_reference(data_copy: pathlib.Path) -> None:
    _edit(data_copy, "evidence.toml", 'grade = "high"', 'grade = "very high"')
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(data_copy)
    assert len(caught.value.problems) == 1


def test_missing_file(data_copy: pathlib.Path) -> None:
    (data_copy / "approvals.toml").unlink()
    with pytest.raises(KnowledgeBaseError, match=r"approvals.toml: -: file is missing"):
        load_directory(data_copy)


def test_invalid_toml(data_copy: pathlib.Path) -> None:
    _append(data_copy, "evidence.toml", "[[evidence]\nid = ")
    with pytest.raises(KnowledgeBaseError, match=r"evidence.toml: -: not valid TOML"):
        load_directory(data_copy)


def test_every_problem_is_reported_at_once(data_copy: pathlib.Path) -> None:
    _edit(data_copy, "evidence.toml", 'doi = "10.1111/codi.14569"', 'doi = "10.11/x"')
    _edit(data_copy, "options.toml", '"WRIGHT_2011"]', '"WRIGHT_2012"]')
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(data_copy)
    assert len(caught.value.problems) == 2
    assert str(caught.value).splitlines() == [
        "invalid knowledge base:",
        "evidence.toml: KO_2019: malformed doi '10.11/x'",
        "options.toml: iort: unknown evidence id 'WRIGHT_2012'",
    ]


def test_read_version(data_copy: pathlib.Path) -> None:
    assert read_version() == "2026.12"
    assert read_version(data_copy) == "2026.12"
    _edit(data_copy, "meta.toml", 'version = "2026.12"', "version = 2026.12")
    with pytest.raises(KnowledgeBaseError, match=r"meta\.toml: version"):
        read_version(data_copy)
