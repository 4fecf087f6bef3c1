"""``recommend``: the JSON contract, overrides, views and every way the input can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend, result_to_dict

from ._support import example_document, run, write_case


def _expected_json(document: dict[str, object]) -> str:
    result = recommend(load_case(document))
    return json.dumps(result_to_dict(result), ensure_ascii=False, indent=2) + "\n"


def test_json_is_exactly_the_contract_document(tmp_path: Path) -> None:
    document = example_document()
    path = write_case(tmp_path / "case.json", document)
    result = run("recommend", str(path), "--format", "json")
    assert result.exit_code == 0
    assert result.stdout == _expected_json(document)
    assert result.stderr == ""


def test_json_of_an_example_equals_the_file_case() -> None:
    result = run("recommend", "--example", "persistent_resectable", "--format", "json")
    assert result.stdout == _expected_json(example_document())


def test_overrides_replace_fields_before_validation_and_digest(tmp_path: Path) -> None:
    document = example_document()
    path = write_case(tmp_path / "case.json", document)
    result = run(
        "recommend", str(path), "--format", "json", "--as-of", "2026-12-24", "--jurisdiction", "EU"
    )
    assert result.exit_code == 0
    edited = {**document, "evaluation_date": "2026-12-24", "jurisdiction": "EU"}
    assert result.stdout == _expected_json(edited)
    produced = json.loads(result.stdout)
    assert produced["evaluation_date"] == "2026-12-24"
    assert produced["jurisdiction"] == "EU"


def test_override_can_make_a_case_valid(tmp_path: Path) -> None:
    document = example_document()
    document["jurisdiction"] = "Mars"
    del document["evaluation_date"]
    path = write_case(tmp_path / "case.json", document)
    assert run("recommend", str(path)).exit_code == 2
    fixed = run(
        "recommend",
        str(path),
        "--as-of",
        "2026-11-26",
        "--jurisdiction",
        "other",
        "--format",
        "json",
    )
    assert fixed.exit_code == 0
    assert json.loads(fixed.stdout)["jurisdiction"] == "other"


def test_override_of_an_evaluation_date_before_the_assessments_is_reported(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", example_document())
    result = run("recommend", str(path), "--as-of", "2025-01-01")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "evaluation_date" in result.stderr or "assessments" in result.stderr


def test_text_view_shows_status_plan_evidence_and_dose_plans() -> None:
    result = run("recommend", "--example", "unresectable")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())  # the view wraps: compare the words
    assert "\x1b[" not in out  # plain text, also on a terminal
    for expected in (
        "Age and sex: 64 years, female",
        "Disease status: persistent",
        "Weeks from CRT start (latest assessment): 27.0",
        "Next assessment date: —",
        "Recommended plan (preferred)",
        "* Carboplatin, paclitaxel and retifanlimab (carboplatin_paclitaxel_retifanlimab; "
        "palliative)",
        "Flags: reassess resectability after response",
        "[met] no_checkpoint_inhibitor_contraindication:",
        "Evidence: POD1UM303_2025 (OCEBM 2, GRADE moderate)",
        "Alternatives",
        "Not recommended",
        "Unresectable or R2 resection expected (rule 4.2): Salvage abdominoperineal resection;",
        "Not considered in this pathway (rule 4.2): Biopsy and restaging;",
        "per dose",
        "472.7 mg",
        "Knowledge base: 2026.12",
        "not a medical device",
    ):
        assert expected in out, expected
    assert "(salvage_apr; curative)" not in out  # not recommended: one line per reason


def test_text_view_all_shows_every_option_in_full() -> None:
    out = run("recommend", "--example", "unresectable", "--all").stdout
    assert "* Salvage abdominoperineal resection (salvage_apr; curative)" in out
    assert "Flags: requires cumulative dose plan" in out  # of a not recommended option


def test_text_view_shows_the_clock_before_day_182() -> None:
    out = run("recommend", "--example", "too_early").stdout
    assert "Next assessment date: 2027-01-04" in out
    assert "Observe and reassess response (observe_and_reassess; assessment)" in out


def test_text_view_lists_undetermined_options_with_missing_fields(tmp_path: Path) -> None:
    document = example_document()
    document["patient"]["fit_for_major_surgery"] = None
    document["patient"]["weight"] = None
    path = write_case(tmp_path / "case.json", document)
    result = run("recommend", str(path))
    assert result.exit_code == 0
    out = result.stdout
    section = out.split("Undetermined (missing information decides)")[1].split("Not recommended")[0]
    assert "salvage_apr" in section
    assert "Missing: patient.fit_for_major_surgery" in section
    assert "Missing information" in out


def test_text_view_of_an_undetermined_dose_plan(tmp_path: Path) -> None:
    document = example_document("first_line_metastatic")
    document["patient"]["weight"] = None
    path = write_case(tmp_path / "case.json", document)
    out = " ".join(run("recommend", str(path)).stdout.split())
    assert "dose plan undetermined; missing patient.weight" in out


def test_text_view_of_warnings_and_flags(tmp_path: Path) -> None:
    document = example_document("first_line_metastatic")
    document["jurisdiction"] = "EU"
    document["patient"]["hiv"]["status"] = "unknown"
    path = write_case(tmp_path / "case.json", document)
    out = run("recommend", str(path)).stdout
    warnings = out.split("Warnings\n--------\n")[1].split("\n\n")[0]
    assert "check national reimbursement" in warnings
    assert "hiv test recommended" in warnings
    flags = out.split("Flags (preferred and alternative options)\n")[1].split("\n\n")[0]
    assert "check dpd status" in flags


def test_markdown_is_a_tumour_board_summary() -> None:
    result = run("recommend", "--example", "after_platinum", "--format", "markdown")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("# Tumour board summary")
    assert "## Patient\n\n- Age and sex: 59 years, female\n" in out
    assert "## Recommended plan (preferred)" in out
    assert "- Anti-PD-1 immunotherapy alone (`anti_pd1_monotherapy`; palliative)" in out
    assert "  - Evidence: POD1UM202_2022 (OCEBM 4, GRADE low);" in out
    assert "- retifanlimab: dose rule 500 mg (flat); route IV; days 1; per dose 500.0 mg;" in out
    assert "|" not in out  # no tables: every line wraps
    assert "\x1b[" not in out


def test_text_view_fits_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = run("recommend", "--example", "groin_recurrence").stdout
    assert max(len(line) for line in out.splitlines()) <= 60
    assert "[GERARD_2001]" in out  # brackets are text


def test_reads_stdin_with_dash() -> None:
    text = json.dumps(example_document())
    result = run("recommend", "-", "--format", "json", input=text)
    assert result.exit_code == 0
    assert result.stdout == _expected_json(example_document())


# ----------------------------------------------------------------------------- bad input


def test_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1,', encoding="utf-8")
    result = run("recommend", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "$: invalid JSON" in result.stderr
    assert f"{path} is not a valid case (1 problem above)" in result.stderr


def test_invalid_case_lists_every_problem_on_stderr(tmp_path: Path) -> None:
    document = example_document()
    document["patient"]["ecog"] = 7
    document["patient"]["weight"] = {"value": 70, "unit": "kilogram"}
    path = write_case(tmp_path / "case.json", document)
    result = run("recommend", str(path), "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "patient.ecog: must be at most 5" in result.stderr
    assert "patient.weight.unit: 'kilogram' is not a mass unit" in result.stderr
    assert "(2 problems above)" in result.stderr


def test_top_level_array_is_invalid(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", [1, 2])
    result = run("recommend", str(path), "--jurisdiction", "US")
    assert result.exit_code == 2
    assert "$: a case must be a JSON object" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = run("recommend", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "cannot read" in result.stderr
    assert "No such file or directory" in result.stderr


def test_unreadable_path_is_a_directory(tmp_path: Path) -> None:
    result = run("recommend", str(tmp_path))
    assert result.exit_code == 2


def test_unknown_example() -> None:
    result = run("recommend", "--example", "persistent")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no bundled example 'persistent'; did you mean persistent_resectable?" in result.stderr
    assert "ascc-salvage examples" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a case file (CASE.json) or --example NAME"),
        (("case.json", "--example", "too_early"), "not both"),
        (("--example", "too_early", "--format", "yaml"), "'yaml' is not one of"),
        (("--example", "too_early", "--as-of", "26/11/2026"), "--as-of"),
        (("--example", "too_early", "--jurisdiction", "UK"), "--jurisdiction"),
    ],
)
def test_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = run("recommend", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
