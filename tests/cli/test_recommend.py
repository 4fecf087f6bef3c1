"""``recommend``: the JSON contract, overrides, views and every way the input can be wrong."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage.cli import _common

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
    out = result.stdout
    assert "\x1b[" not in out  # plain text: stdout is not a terminal
    for expected in (
        "disease status: persistent",
        "weeks from CRT start (latest assessment): 27.0",
        "next assessment date: —",
        "Recommended plan (preferred)",
        "Carboplatin, paclitaxel and retifanlimab (carboplatin_paclitaxel_retifanlimab, "
        "palliative)",
        "flags: reassess_resectability_after_response",
        "Alternatives",
        "Not recommended",
        "Salvage abdominoperineal resection (salvage_apr, curative)",
        "POD1UM303_2025",
        "moderate",
        "per administration",
        "mg",
        "knowledge base 2026.12",
        "not a medical device",
    ):
        assert expected in out, expected


def test_text_view_shows_the_clock_before_day_182() -> None:
    out = run("recommend", "--example", "too_early").stdout
    assert "next assessment date: 2027-01-04" in out
    assert "Observe and reassess response (observe_and_reassess, assessment)" in out


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
    assert "missing: patient.fit_for_major_surgery" in section
    assert "Missing information" in out


def test_text_view_of_an_undetermined_dose_plan(tmp_path: Path) -> None:
    document = example_document("first_line_metastatic")
    document["patient"]["weight"] = None
    path = write_case(tmp_path / "case.json", document)
    out = run("recommend", str(path)).stdout
    assert "dose plan undetermined; missing patient.weight" in out


def test_text_view_of_warnings_and_flags(tmp_path: Path) -> None:
    document = example_document("first_line_metastatic")
    document["jurisdiction"] = "EU"
    document["patient"]["hiv"]["status"] = "unknown"
    path = write_case(tmp_path / "case.json", document)
    out = run("recommend", str(path)).stdout
    warnings = out.split("Warnings\n--------\n")[1].split("\n\n")[0]
    assert "check_national_reimbursement" in warnings
    assert "hiv_test_recommended" in warnings
    flags = out.split("Flags (preferred and alternative options)\n")[1].split("\n\n")[0]
    assert "check_dpd_status" in flags


def test_markdown_is_a_tumour_board_summary() -> None:
    result = run("recommend", "--example", "after_platinum", "--format", "markdown")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("## Tumour board summary")
    assert "### Recommended plan (preferred)" in out
    assert "- Anti-PD-1 immunotherapy alone (`anti_pd1_monotherapy`, palliative)" in out
    assert "| id | citation | OCEBM | GRADE |" in out
    assert "|---|---|---|---|" in out
    assert "| drug | dose rule | route | days | per administration | per cycle |" in out
    assert "|---|---|---|---|---:|---:|" in out
    assert "| retifanlimab | 500 mg (flat) | IV | 1 | 500.0 mg | 500.0 mg |" in out
    assert "\x1b[" not in out


def test_rich_view_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(_common, "is_terminal", lambda stream: True)
    monkeypatch.setattr(
        _common,
        "Console",
        lambda **kwargs: __import__("rich.console").console.Console(
            file=buffer, force_terminal=True, width=120, highlight=False
        ),
    )
    result = run("recommend", "--example", "groin_recurrence")
    assert result.exit_code == 0
    rendered = buffer.getvalue()
    assert "\x1b[" in rendered
    assert "[GERARD_2001]" in rendered  # brackets are text, not rich markup
    assert "inguinal_lymphadenectomy" in rendered


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
