"""``ascc_salvage.render``: text and Markdown views of a result and its case."""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

import attrs
import pytest

import ascc_salvage
from ascc_salvage import knowledge, load_result, render, result_to_dict
from ascc_salvage.knowledge import Outcome, OutcomeUnit, bundled
from ascc_salvage.rendering import FORMATS
from ascc_salvage.rendering._text import (
    Writer,
    dose_plan_lines,
    fit_table,
    number_text,
    quantity_text,
)
from ascc_salvage.rendering._view import EvidenceGrade, build_view, outcome_text, words
from ascc_salvage.vocabulary import Tier

from ._support import EXAMPLES, case_and_result, document


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("output", ["text", "markdown"])
def test_every_line_fits_the_width(name: str, output: str) -> None:
    case, result = case_and_result(name)
    for width in (80, 60):
        text = render(result, case, format=output, width=width)  # type: ignore[arg-type]
        assert max(len(line) for line in text.splitlines()) <= width
        assert text.endswith("\n")


def test_patient_header_restates_the_case() -> None:
    case, result = case_and_result()
    text = _words(render(result, case))
    for expected in (
        "Age and sex: 61 years, female",
        "Performance status: ECOG 1",
        "Primary: anal canal; cT3 N1a M0 (AJCC8); stage IIIC",
        "Chemoradiotherapy: 2025-01-06 to 2025-02-14, 50.4 Gy in 28 fractions; groins "
        "irradiated: yes",
        "2025-03-24 (day 77, week 11.0): regressing; biopsy not done",
        "2025-07-07 (day 182, week 26.0): stable; biopsy positive",
        "Current extent: anal canal, 2.5 cm, 1 lesion",
        "restaged: yes; resectable: yes; expected margin: R0",
    ):
        assert expected in text, expected
    assert "Patient" not in render(result).splitlines()  # no case: no header


def test_options_show_labels_criteria_grades_and_rules() -> None:
    case, result = case_and_result()
    text = _words(render(result, case))
    assert "* Salvage abdominoperineal resection (salvage_apr; curative)" in text
    assert "Rules: 4.1d" in text
    assert "[met] histologically_confirmed: positive biopsy in the current episode" in text
    assert "Evidence: KO_2019 (OCEBM 4, GRADE very low);" in text
    assert "ESMO_2021 (OCEBM 5, GRADE —)" in text


def test_a_loaded_result_renders_the_same() -> None:
    case, result = case_and_result()
    loaded = load_result(result_to_dict(result))
    assert [option.rules for option in loaded.options] == [
        option.rules for option in result.options
    ]
    assert render(loaded, case) == render(result, case)
    assert "Rules: 4.1d" in render(loaded, case)


def test_a_result_without_rule_ids_renders_without_them() -> None:
    case, result = case_and_result()
    bare = attrs.evolve(
        result, options=tuple(attrs.evolve(option, rules=()) for option in result.options)
    )
    text = render(bare, case)
    assert "Rules:" not in text
    assert text == render(result, case).replace("      Rules: 4.1d\n", "")


def test_undetermined_options_say_what_is_missing() -> None:
    data = document("persistent_resectable")
    data["patient"]["fit_for_major_surgery"] = None
    data["disease"]["resectable"] = None
    case = ascc_salvage.load_case(data)
    result = ascc_salvage.recommend(case)
    assert result.by_tier(Tier.UNDETERMINED)
    text = render(result, case)
    undetermined = text.split("Undetermined (missing information decides)")[1]
    section = undetermined.split("Not recommended")[0]
    assert "Missing: patient.fit_for_major_surgery" in section
    assert "Missing information" in text
    markdown = render(result, case, format="markdown")
    assert "Missing: `patient.fit_for_major_surgery`" in markdown
    assert (
        "- `patient.fit_for_major_surgery`: Record whether the patient is fit for major pelvic "
        "surgery (decides salvage resection); needed for"
    ) in " ".join(markdown.split())


def test_undetermined_dose_plan_fields_are_missing_too() -> None:
    data = document("first_line_metastatic")
    data["patient"]["weight"] = None
    # Recorded asymptomatic, so that symptoms decide nothing (pathway v3 §5.7).
    data["schema_version"] = 2
    data["disease"]["symptoms"] = []
    case = ascc_salvage.load_case(data)
    result = ascc_salvage.recommend(case)
    view = build_view(result, case, bundled())
    options = [o for _, tier in view.tiers for o in tier]
    undetermined = [o for o in options if o.tier == "undetermined"]
    assert undetermined
    assert all("patient.weight" in o.missing for o in undetermined)


def test_not_recommended_one_line_per_reason_or_all() -> None:
    case, result = case_and_result("unresectable")
    short = _words(render(result, case))
    assert "Not considered in this pathway (rule 4.2): Biopsy and restaging; Groin" in short
    assert "(iort; curative)" not in short
    full = _words(render(result, case, all_options=True))
    assert "* Intra-operative radiotherapy (iort; curative)" in full
    assert "Why: no substitute for resection (rule 4.2)" in full


def test_empty_tiers_and_sections_say_none() -> None:
    case, result = case_and_result("too_early")
    only = attrs.evolve(result, options=result.by_tier(Tier.PREFERRED))
    text = render(only, case)
    assert "Not recommended\n---------------\nnone" in text
    assert "Evidence (preferred and alternative options)\n" in text
    nothing = attrs.evolve(result, options=())
    text = render(nothing, case)
    assert "Evidence (preferred and alternative options)\n" + "-" * 44 + "\nnone" in text
    assert "Dose plans (preferred and alternative options)\n" + "-" * 46 + "\nnone" in text


def test_markdown_is_a_summary_without_tables() -> None:
    case, result = case_and_result("first_line_metastatic")
    markdown = render(result, case, format="markdown")
    assert markdown.startswith("# Tumour board summary: anal SCC after chemoradiotherapy\n")
    assert "\n## Recommended plan (preferred)\n\n- Carboplatin, paclitaxel and retifanlimab" in (
        markdown
    )
    assert "- POD1UM303_2025: Rao S et al." in markdown
    assert "|" not in markdown


def test_unknown_format_and_the_formats() -> None:
    case, result = case_and_result()
    assert FORMATS == ("text", "markdown", "html")
    with pytest.raises(ValueError, match="unknown format 'pdf'; use one of text, markdown, html"):
        render(result, case, format="pdf")  # type: ignore[arg-type]


def test_render_is_exported_from_the_root() -> None:
    assert ascc_salvage.render is render
    assert "render" in ascc_salvage.__all__


def test_history_and_extent_details() -> None:
    data = document("after_immunotherapy")
    data["patient"]["ecog"] = None
    data["patient"]["karnofsky"] = 80
    data["patient"]["age_years"] = None
    data["patient"]["weight"] = None
    data["prior_salvage_surgery"] = [
        {"date": "2025-09-01", "procedure": "salvage_apr", "margin": None},
    ]
    data["prior_radiotherapy"] = [
        {"region": "pelvis", "end_date": "2024-06-14", "dose": {"value": 50.4, "unit": "Gy"},
         "fractions": 28},
    ]  # fmt: skip
    data["prior_systemic_therapy"][-1]["end_date"] = None
    data["prior_systemic_therapy"][-1]["outcome"] = "ongoing"
    text = _words(render(ascc_salvage.recommend(ascc_salvage.load_case(data)),
                         ascc_salvage.load_case(data)))  # fmt: skip
    assert "Age and sex: age not recorded," in text
    assert "Performance status: Karnofsky 80" in text
    assert "Weight, height, creatinine: not recorded," in text
    assert "salvage surgery 2025-09-01: salvage apr, margin not recorded" in text
    assert "radiotherapy to the pelvis, 50.4 Gy in 28 fractions, ended 2024-06-14" in text
    assert "(advanced setting) 2025-10-06 to ongoing: ongoing" in text
    data["patient"]["karnofsky"] = None
    data["disease"] = None
    case = ascc_salvage.load_case(data)
    text = _words(render(ascc_salvage.recommend(case), case))
    assert "Performance status: not recorded" in text
    assert "Current extent: no current disease recorded" in text


def test_extent_with_laterality_and_invasion() -> None:
    data = document("persistent_resectable")
    data["disease"]["sites"][0]["laterality"] = "left"
    data["disease"]["sites"][0]["lesions"] = 2
    data["disease"]["sites"][0]["size"] = None
    data["disease"]["invaded_structures"] = ["vagina"]
    data["disease"]["expected_margin"] = None
    case = ascc_salvage.load_case(data)
    text = _words(render(ascc_salvage.recommend(case), case))
    assert "anal canal left, 2 lesions" in text
    assert "invades vagina" in text
    assert "expected margin: not recorded" in text


def test_no_chemoradiotherapy() -> None:
    case, result = case_and_result("untreated_anal_margin_t1")
    assert "Chemoradiotherapy: none recorded" in render(result, case)


def test_view_helpers() -> None:
    assert words(None) == "—"
    assert words(True) == "yes"
    assert words("anal_canal") == "anal canal"
    assert EvidenceGrade("NOPE", "—", "—", known=False).text == "NOPE (not in the knowledge base)"
    outcome = Outcome("overall_survival_5y", 45.0, OutcomeUnit.PERCENT, ci_low=40, ci_high=50)
    assert outcome_text(outcome) == "overall survival 5y: 45 % [95 % CI 40–50]"
    hazard = Outcome("hazard_ratio", 0.7, OutcomeUnit.RATIO, arm="A vs B", population="all")
    assert outcome_text(hazard) == "hazard ratio: 0.7 (A vs B; all)"


def test_evidence_outside_the_knowledge_base() -> None:
    case, result = case_and_result()
    option = result.options[0]
    changed = attrs.evolve(
        result, options=(attrs.evolve(option, evidence=("NOT_AN_ID",)), *result.options[1:])
    )
    text = _words(render(changed, case))
    assert "NOT_AN_ID (not in the knowledge base)" in text
    assert "NOT_AN_ID not in the knowledge base" in text
    uncited = attrs.evolve(result, options=(attrs.evolve(option, evidence=()),))
    assert "Evidence:" not in render(uncited, case)


def test_numbers_quantities_and_tables() -> None:
    assert quantity_text(None) == "—"
    assert quantity_text({"value": 1.81811, "unit": "m2"}, 2) == "1.82 m²"
    assert quantity_text({"value": 5, "unit": "mg.min/mL"}) == "5 mg·min/mL"
    assert quantity_text(2.5) == "2.5"
    assert number_text(True) == "True"
    assert number_text(3.0) == "3"
    assert number_text(0.125) == "0.125"
    lines = fit_table(("id", "text"), [("LONG_ID_KEPT", "word " * 20)], 40, keep=frozenset({0}))
    assert all(len(line) <= 40 for line in lines)
    assert lines[2].startswith("LONG_ID_KEPT  word")
    narrow = fit_table(("a", "b"), [("x" * 30, "y" * 30)], 40, keep=frozenset({0, 1}))
    assert len(narrow[2]) > 40  # nothing may shrink: the table is as wide as it must be
    assert Writer(10).width == 40


def test_dose_plan_views() -> None:
    writer = Writer(80)
    dose_plan_lines(writer, "x", None)
    assert writer.lines == []
    radiotherapy = {
        "total_dose": {"value": 39.0, "unit": "Gy"},
        "fractions": 26,
        "dose_per_fraction": {"value": 1.5, "unit": "Gy"},
        "nominal": True,
        "cumulative_eqd2": [
            {
                "organ": "small_bowel",
                "alpha_beta": {"value": 3, "unit": "Gy"},
                "value": {"value": 91.234, "unit": "Gy"},
                "limit": {"value": 90, "unit": "Gy"},
            }
        ],
    }
    dose_plan_lines(writer, "reirradiation", radiotherapy)
    text = writer.text()
    assert "reirradiation: 39 Gy in 26 fractions of 1.5 Gy (nominal LQ values)" in text
    assert "small_bowel" in text
    assert "91.2 Gy" in text
    markdown = Writer(80, markdown=True)
    dose_plan_lines(markdown, "reirradiation", radiotherapy)
    assert "- small_bowel: α/β 3 Gy; cumulative EQD2 91.2 Gy; limit 90.0 Gy" in markdown.text()
    plan = {
        "variant": "retifanlimab_500mg_q4w",
        "basis": {
            "bsa": None, "bsa_formula": None,
            "creatinine_clearance": {"value": 50, "unit": "mL/min"},
            "creatinine_floor_applied": True, "gfr_capped": True, "weight_basis": "actual",
        },
        "cycles": None,
        "cycle_length": {"value": 28, "unit": "d"},
        "drugs": [],
        "alternatives": [{"variant": None, "undetermined": ["patient.weight"]}],
    }  # fmt: skip
    writer = Writer(80)
    dose_plan_lines(writer, "anti_pd1_monotherapy", plan)
    text = _words(writer.text())
    assert "creatinine floor applied, GFR capped" in text
    assert "(alternative) undetermined" in text


def _unresectable(**patient: object) -> tuple[ascc_salvage.Case, ascc_salvage.Result]:
    changed = document("unresectable")
    changed["schema_version"] = 2
    changed["patient"].update(patient)
    case = ascc_salvage.load_case(changed)
    return case, ascc_salvage.recommend(case)


@pytest.mark.parametrize("output", FORMATS)
@pytest.mark.parametrize(
    ("patient", "expected", "carboplatin"),
    [
        ({}, "carboplatin dosed on this clearance", "472.7 mg"),
        (
            {"measured_gfr": {"value": 35, "unit": "mL/min"}},
            "carboplatin dosed on the measured GFR (patient.measured_gfr), not on this clearance",
            "300.0 mg",
        ),
        (
            {"dialysis": True},
            "carboplatin dosed with GFR 0 on dialysis, not on this clearance",
            "125.0 mg",
        ),
    ],
)
def test_the_basis_names_the_gfr_carboplatin_was_dosed_on(
    output: str, patient: dict[str, object], expected: str, carboplatin: str
) -> None:
    """§10: the GFR source changes the carboplatin dose; the basis must say which was used."""
    case, result = _unresectable(**patient)
    text = _words(render(result, case, format=output, width=200))  # type: ignore[arg-type]
    assert expected in text
    assert carboplatin in text


def test_the_basis_names_dose_fractions_and_liver_tests() -> None:
    """§10 fractions (partial DPD deficiency, bilirubin) and liver tests in every basis."""
    case, result = _unresectable()
    text = _words(render(result, case))
    assert "liver tests not recorded: full taxane dose, check hepatic function" in text
    liver = {"bilirubin_x_uln": 1.8, "ast_x_uln": 2.0, "alt_x_uln": 2.0, "alp_x_uln": None}
    case, result = _unresectable(hepatic_function=liver)
    text = _words(render(result, case))
    assert "paclitaxel at 0.77 of the full dose; taxane dose reduced for the liver tests" in text
    assert "check hepatic function" not in text
    normal = {"bilirubin_x_uln": 0.8, "ast_x_uln": 1.0, "alt_x_uln": 1.0, "alp_x_uln": 1.0}
    case, result = _unresectable(hepatic_function=normal)
    text = _words(render(result, case))
    assert "liver tests" not in text  # normal: full dose, nothing to add
    assert "of the full dose" not in text
    plan = {
        "variant": None,
        "basis": {
            "bsa": {"value": 1.8, "unit": "m2"}, "bsa_formula": "mosteller",
            "creatinine_clearance": None, "creatinine_floor_applied": None,
            "gfr_capped": None, "weight_basis": None, "gfr_source": "dialysis",
            "fluorouracil_fraction": 0.5, "paclitaxel_fraction": 1.0,
            "hepatic_adjustment": "none",
        },
        "cycles": 6,
        "cycle_length": {"value": 21, "unit": "d"},
        "drugs": [],
        "alternatives": [],
    }  # fmt: skip
    writer = Writer(200)
    dose_plan_lines(writer, "x", plan)
    text = writer.text()
    assert "carboplatin dosed with GFR 0 on dialysis;" in text
    assert "fluorouracil at 0.50 of the full dose" in text
    assert "paclitaxel at" not in text
    assert "liver" not in text  # no taxane in the plan


@pytest.mark.parametrize("output", FORMATS)
def test_alternative_agents_show_their_own_cycle(output: str) -> None:
    """An alternative anti-PD-1 agent's "per cycle" dose is per its own cycle (14 d, 21 d)."""
    case, result = case_and_result("after_platinum")
    text = render(result, case, format=output, width=200)  # type: ignore[arg-type]
    text = " ".join(text.replace("\u00a0", " ").split())
    # (The HTML page's table may wrap the cell between "every" and the cycle.)
    assert "nivolumab_240mg_q2w, every" in text
    assert "pembrolizumab_200mg_q3w, every" in text
    assert "14 d)" in text
    assert "21 d)" in text


@pytest.mark.parametrize("output", FORMATS)
def test_the_timeline_shows_the_site_findings(output: str) -> None:
    """§2.1: a site finding can decide the status; the timeline must show it."""
    case, result = case_and_result("mixed_response")
    text = _words(render(result, case, format=output, width=200))  # type: ignore[arg-type]
    assert "right inguinal nodes: progression; biopsy positive" in text
    assert "anal canal: complete response; biopsy negative" in text


@pytest.mark.parametrize("output", FORMATS)
def test_the_header_names_conditions_hiv_kidney_and_declines(output: str) -> None:
    changed = document("unresectable")
    changed["schema_version"] = 2
    changed["patient"].update(
        conditions=["interstitial_lung_disease"],
        hiv={
            "status": "positive",
            "cd4_count": {"value": 150, "unit": "cells/uL"},
            "viral_load_undetectable": True,
        },
        measured_gfr={"value": 35, "unit": "mL/min"},
        dialysis=False,
        declines=["radiotherapy"],
    )
    case = ascc_salvage.load_case(changed)
    result = ascc_salvage.recommend(case)
    text = _words(render(result, case, format=output, width=200))  # type: ignore[arg-type]
    assert "interstitial lung disease" in text
    assert "positive; CD4 150 cells/uL; viral load undetectable: yes" in text
    assert "35 mL/min, no" in text
    assert "Declines" in text
    unrecorded = document("unresectable")
    unrecorded["patient"]["conditions"] = None
    case = ascc_salvage.load_case(unrecorded)
    text = _words(render(ascc_salvage.recommend(case), case, format=output))  # type: ignore[arg-type]
    assert "Conditions: not recorded" in text.replace("</th><td>", ": ").replace(
        '<th scope="row">', ""
    )
    assert "Measured GFR" not in text


def test_warnings_name_their_fields() -> None:
    changed = document("persistent_resectable")
    changed["patient"]["hiv"]["status"] = "unknown"
    case = ascc_salvage.load_case(changed)
    text = _words(render(ascc_salvage.recommend(case), case, width=200))
    assert "[patient.hiv.status]" in text


def test_render_refuses_a_case_that_is_not_the_results() -> None:
    """Another patient's header above this result would mislead a tumour board."""
    case, result = case_and_result("persistent_resectable")
    other, _ = case_and_result("poor_performance_status")
    for output in FORMATS:
        with pytest.raises(ValueError, match="is not the case of this result"):
            render(result, other, format=output)  # type: ignore[arg-type]
    loaded = load_result(result_to_dict(result))
    assert render(loaded, case).startswith("Anal SCC after chemoradiotherapy")
    assert render(result).startswith("Anal SCC after chemoradiotherapy")


@pytest.mark.parametrize("output", FORMATS)
def test_unverified_evidence_is_shown_as_such(output: str, tmp_path: Path) -> None:
    """knowledge-base.md: an unverified item "must be shown as such in outputs"."""
    directory = tmp_path / "kb"
    shutil.copytree(
        Path(str(importlib.resources.files("ascc_salvage.knowledge") / "data")), directory
    )
    evidence = directory / "evidence.toml"
    text = evidence.read_text(encoding="utf-8")
    start = text.index('id = "KO_2019"')
    end = text.index("[[evidence]]", start)
    block = text[start:end]
    assert 'verification = "verified"' in block
    evidence.write_text(
        text[:start]
        + block.replace('verification = "verified"', 'verification = "unverified"')
        + text[end:],
        encoding="utf-8",
    )
    kb = knowledge.load(directory)
    case, _ = case_and_result("persistent_resectable")
    result = ascc_salvage.recommend(case, knowledge=kb)
    assert any(
        "KO_2019" in option.evidence for option in result.options if option.tier == "preferred"
    )
    rendered = _words(render(result, case, format=output, knowledge=kb, width=200))  # type: ignore[arg-type]
    assert "KO_2019 (OCEBM 4, GRADE very low; unverified)" in rendered
    bundled_text = _words(render(result, case, format=output, width=200))  # type: ignore[arg-type]
    assert "unverified" not in bundled_text.replace("or unverified (not checked", "")


def test_titles_and_headings_wrap_to_a_narrow_width() -> None:
    """At 40 columns the title and headings wrap; only table rows may be longer."""
    case, result = case_and_result("after_platinum")
    lines = render(result, case, width=40).splitlines()
    assert lines[:3] == ["Anal SCC after chemoradiotherapy:", "recommendation", "=" * 33]
    rulers = [i for i, line in enumerate(lines) if line and set(line) == {"-"} and i > 0]
    headings = [lines[i - 1] for i in rulers if not lines[i - 1].startswith(("drug", "id "))]
    assert "Alternatives" in headings
    assert all(len(line) <= 40 for line in headings)


def test_markdown_escapes_html_and_links_in_free_text() -> None:
    """A reason from a result document must not become raw HTML or a link in Markdown."""
    case, result = case_and_result("persistent_resectable")
    document = result_to_dict(result)
    document["options"][0]["rationale"] = "<script>alert(1)</script> [x](javascript:alert(1))"
    hostile = load_result(document)
    markdown = render(hostile, case, format="markdown", width=200)
    assert "<script>" not in markdown.replace("\\<script>", "")
    assert "](javascript:" not in markdown.replace("\\](javascript:", "")
    assert "\\<script>alert(1)\\</script> [x\\](javascript:alert(1))" in markdown
    text = render(hostile, case, width=200)
    assert "<script>alert(1)</script>" in text  # plain text shows it as it is
