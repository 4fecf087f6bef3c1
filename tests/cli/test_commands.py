"""``validate``, ``status``, ``stage``, ``dose``, ``evidence``, help, version and errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import ClassVar

import pytest

from ascc_salvage import knowledge
from ascc_salvage.calculators import dose_plan
from ascc_salvage.case import Creatinine, Hiv, Length, Mass, Patient
from ascc_salvage.cli import _app, cli

from ._support import example_document, run, write_case

COMMANDS = ["recommend", "validate", "status", "stage", "dose", "evidence", "examples", "batch"]


# ----------------------------------------------------------------------------- validate


def test_validate_valid_case_prints_nothing_on_stdout(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", example_document())
    result = run("validate", str(path))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "valid" in result.stderr


def test_validate_invalid_case_prints_path_message_lines(tmp_path: Path) -> None:
    document = example_document()
    document["patient"]["ecog"] = 2.5
    document["assessments"][0]["finding"] = "shrinking"
    path = write_case(tmp_path / "case.json", document)
    result = run("validate", str(path))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert any(line.startswith("patient.ecog: ") for line in lines)
    assert any(line.startswith("assessments[0].finding: ") for line in lines)
    assert "2 problems" in result.stderr


def test_validate_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(b"\xff\xfe not json")
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout.startswith("$: ")
    assert "1 problem" in result.stderr


def test_validate_non_object(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", None)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert result.stdout == "$: a case must be a JSON object, got null\n"


def test_validate_unreadable(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "missing.json"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "cannot read" in result.stderr


def test_validate_stdin() -> None:
    result = run("validate", "-", input=json.dumps(example_document()))
    assert result.exit_code == 0


# ----------------------------------------------------------------------------- status


def test_status_of_an_example() -> None:
    result = run("status", "--example", "too_early", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "disease_status": "too_early_to_assess",
        "histologically_confirmed": False,
        "after_salvage_surgery": False,
        "weeks_from_crt_start": 11.0,
        "next_assessment_date": "2027-01-04",
    }


def test_status_of_a_file(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", example_document())
    document = json.loads(run("status", str(path), "--format", "json").stdout)
    assert document["disease_status"] == "persistent"
    assert document["next_assessment_date"] is None


def test_status_text_is_the_default() -> None:
    result = run("status", "--example", "too_early")
    assert result.exit_code == 0
    assert result.stdout == (
        "  Disease status: too early to assess\n"
        "  Histologically confirmed: no\n"
        "  After salvage surgery: no\n"
        "  Weeks from CRT start (latest assessment): 11.0\n"
        "  Next assessment date: 2027-01-04\n"
    )


def test_status_of_an_invalid_case(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", {"schema_version": 3})
    result = run("status", str(path))
    assert result.exit_code == 2
    assert "schema_version" in result.stderr


# ----------------------------------------------------------------------------- stage


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("T3", "N0", "M0"), "IIB"),
        (("t3", "n1a", "m0"), "IIIC"),
        (("T3", "N1a", "M0", "--edition", "AJCC9"), "IIIA"),
        (("Tis", "N0", "M0", "--edition", "UICC9"), "0"),
        (("T1", "N0", "M1"), "IV"),
        (("TX", "N0", "M0"), "not groupable: TX has no stage group without M1"),
        (
            ("T2", "NX", "M0", "--edition", "UICC8"),
            "not groupable: NX has no stage group without M1",
        ),
    ],
)
def test_stage(args: tuple[str, ...], expected: str) -> None:
    result = run("stage", *args)
    assert result.exit_code == 0
    assert result.stdout == expected + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("T5", "N0", "M0"), "'T5' is not a T category; use one of TX, T0, Tis, T1, T2, T3, T4"),
        (("T1", "N2", "M0"), "'N2' is not a N category"),
        (("T1", "N0", "Mx"), "'Mx' is not a M category"),
        (("T1", "N0", "M0", "--edition", "AJCC7"), "'AJCC7' is not one of"),
        (("T1", "N0"), "Missing argument 'M'"),
    ],
)
def test_stage_bad_input(args: tuple[str, ...], message: str) -> None:
    result = run("stage", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


# ----------------------------------------------------------------------------- dose

PATIENT_ARGS = (
    "--height", "170cm", "--weight", "70kg", "--creatinine", "1.0mg/dL", "--age", "60",
    "--sex", "male",
)  # fmt: skip


def _patient(creatinine: Creatinine | None = None) -> Patient:
    return Patient(
        age_years=60, sex="male", ecog=None, karnofsky=None,  # type: ignore[arg-type]
        weight=Mass(70, "kg"), height=Length(170, "cm"),
        serum_creatinine=creatinine or Creatinine(1.0, "mg/dL"),
        fit_for_major_surgery=None, accepts_permanent_colostomy=None,
        hiv=Hiv(status="unknown"), pd_l1_cps=None, conditions=None,  # type: ignore[arg-type]
    )  # fmt: skip


def test_dose_text_shows_mg_to_one_decimal() -> None:
    result = run("dose", "carboplatin_paclitaxel", *PATIENT_ARGS)
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "BSA 1.82 m² (Mosteller)" in out
    assert "creatinine clearance 77.8 mL/min" in out
    plan = dose_plan("carboplatin_paclitaxel", patient=_patient())
    paclitaxel = plan.drug("paclitaxel")  # type: ignore[union-attr]
    assert f"{paclitaxel.per_administration_mg:.1f} mg" in out
    assert f"{paclitaxel.per_cycle_mg:.1f} mg" in out
    assert "513.9 mg" in out


def test_dose_json_is_the_plan_document() -> None:
    result = run("dose", "carboplatin_paclitaxel", *PATIENT_ARGS, "--format", "json", "--auc", "6")
    assert result.exit_code == 0
    from ascc_salvage.units import Q_

    plan = dose_plan("carboplatin_paclitaxel", patient=_patient(), auc=Q_(6, "mg*min/mL"))
    assert result.stdout == json.dumps(plan.to_dict(), ensure_ascii=False, indent=2) + "\n"


def test_dose_accepts_umol_per_litre_and_inches() -> None:
    result = run(
        "dose", "carboplatin_paclitaxel", "--height", "67in", "--weight", "154lb",
        "--creatinine", "88 umol/L", "--age", "60", "--sex", "male", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    patient = Patient(
        age_years=60, sex="male", ecog=None, karnofsky=None,  # type: ignore[arg-type]
        weight=Mass(154, "lb"), height=Length(67, "in"),
        serum_creatinine=Creatinine(88, "umol/L"),
        fit_for_major_surgery=None, accepts_permanent_colostomy=None,
        hiv=Hiv(status="unknown"), pd_l1_cps=None, conditions=None,  # type: ignore[arg-type]
    )  # fmt: skip
    assert document == dose_plan("carboplatin_paclitaxel", patient=patient).to_dict()
    assert document["basis"]["creatinine_clearance"]["value"] == pytest.approx(77.97, abs=0.01)


def test_dose_variant_and_agent() -> None:
    dcf = run("dose", "docetaxel_cisplatin_fluorouracil", *PATIENT_ARGS, "--variant", "standard")
    assert dcf.exit_code == 0
    assert "variant standard" in dcf.stdout
    nivolumab = run("dose", "anti_pd1_monotherapy", "--agent", "nivolumab")
    assert nivolumab.exit_code == 0
    assert "variant nivolumab_240mg_q2w" in nivolumab.stdout
    assert "retifanlimab (alternative:" in nivolumab.stdout
    assert "retifanlimab_500mg_q4w, every" in nivolumab.stdout
    assert "28\u00a0d)" in nivolumab.stdout  # the alternative's own cycle (nivolumab: 14 d)
    weight_based = run("dose", "anti_pd1_monotherapy", "--variant", "nivolumab_3mg_kg_q2w")
    assert weight_based.exit_code == 2
    assert "needs --weight" in weight_based.stderr


def test_dose_undetermined_alternative_agent_is_shown() -> None:
    result = run("dose", "anti_pd1_monotherapy")
    assert result.exit_code == 0
    assert "retifanlimab" in result.stdout


def test_dose_radiotherapy_plan() -> None:
    result = run("dose", "reirradiation")
    assert result.exit_code == 0
    assert result.stdout == "reirradiation: 39 Gy in 26 fractions of 1.5 Gy\n"
    iort = run("dose", "iort", "--format", "json")
    assert json.loads(iort.stdout)["fractions"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--height", "5ft"), "'ft' is not an accepted length unit; use one of cm, mm, in, [in_i]"),
        (("--weight", "11stone"), "'stone' is not an accepted mass unit"),
        (("--creatinine", "88mmol/L"), "'mmol/L' is not an accepted creatinine unit"),
        (("--creatinine", "1.0"), "has no unit"),
        (("--height", "tall"), "is not a number followed by a unit"),
        (("--weight", "700kg"), "'700kg' must be at most 400 kg"),
        (("--height", "2m"), "'m' is not an accepted length unit"),
        (("--creatinine", "0.01mg/dL"), "must be at least 0.1 mg/dL"),
        (("--age", "12"), "--age"),
        (("--sex", "x"), "--sex"),
        (("--auc", "0"), "--auc"),
    ],
)
def test_dose_bad_values(args: tuple[str, ...], message: str) -> None:
    result = run("dose", "carboplatin_paclitaxel", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_dose_unknown_regimen_lists_the_regimens() -> None:
    result = run("dose", "folfox", *PATIENT_ARGS)
    assert result.exit_code == 2
    assert "no regimen 'folfox'" in result.stderr
    assert "carboplatin_paclitaxel" in result.stderr


def test_dose_unknown_variant_has_no_regimen_list() -> None:
    result = run("dose", "docetaxel_cisplatin_fluorouracil", *PATIENT_ARGS, "--variant", "mini")
    assert result.exit_code == 2
    assert "mini" in result.stderr
    assert "regimens:" not in result.stderr


def test_dose_missing_inputs_name_the_options() -> None:
    result = run("dose", "carboplatin_paclitaxel", "--weight", "70kg")
    assert result.exit_code == 2
    assert "needs --height, --creatinine, --age, --sex" in result.stderr


def test_quantity_param_passes_measurements_through() -> None:
    from ascc_salvage.cli._quantity import QuantityParam
    from ascc_salvage.units import UnitKind

    param = QuantityParam(UnitKind.MASS, "weight")
    assert param.convert(Mass(70, "kg"), None, None) == Mass(70, "kg")
    assert param.convert("70.5kg", None, None) == Mass(70.5, "kg")


# ----------------------------------------------------------------------------- evidence


def test_evidence_json_is_evidence_rows() -> None:
    result = run("evidence", "--format", "json")
    assert result.exit_code == 0
    assert (
        result.stdout == json.dumps(knowledge.evidence_rows(), ensure_ascii=False, indent=2) + "\n"
    )


def test_evidence_csv() -> None:
    result = run("evidence", "--format", "csv")
    assert result.stdout == knowledge.to_csv(knowledge.evidence_rows())
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(knowledge.evidence_rows())


def test_evidence_piped_is_tsv_with_full_ids() -> None:
    result = run("evidence")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "citation", "OCEBM", "GRADE"]
    ids = [line.split("\t")[0] for line in lines[1:]]
    assert ids == [row["id"] for row in knowledge.evidence_rows()]
    assert all(len(line.split("\t")) == 4 for line in lines)
    wide = run("evidence", "--wide").stdout.splitlines()
    assert wide[0].split("\t") == [
        "id", "citation", "design", "n", "OCEBM", "GRADE", "verification"
    ]  # fmt: skip
    assert "POD1UM303_2025\tRao S et al." in result.stdout


def test_evidence_on_a_terminal_fits_and_never_cuts_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ascc_salvage.cli._app.is_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    for args in ((), ("--wide",)):
        out = run("evidence", *args).stdout
        assert max(len(line) for line in out.splitlines()) <= 80
        first_column = {line.split("  ")[0] for line in out.splitlines()}
        assert {row["id"] for row in knowledge.evidence_rows()} <= first_column


def test_one_evidence_item() -> None:
    table = run("evidence", "POD1UM303_2025")
    assert table.exit_code == 0
    assert "NCT04472429" in table.stdout
    as_json = json.loads(run("evidence", "POD1UM303_2025", "--format", "json").stdout)
    assert as_json["id"] == "POD1UM303_2025"
    assert as_json["grade"] == "moderate"
    as_csv = run("evidence", "POD1UM303_2025", "--format", "csv").stdout
    assert len(as_csv.splitlines()) == 2


def test_unknown_evidence_id() -> None:
    result = run("evidence", "KO2019")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "did you mean KO_2019?" in result.stderr


# ----------------------------------------------------------------------------- group


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: cli {command}") or "Usage:" in result.stdout


def test_group_help_and_version() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout
    version = run("--version")
    assert version.exit_code == 0
    assert "0." in version.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = run("recomend")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def test_internal_error_exits_1_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_app, "stage_group", broken)
    result = run("stage", "T1", "N0", "M0")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "internal error (RuntimeError: boom)" in result.stderr
    assert "--debug" in result.stderr


def test_debug_shows_the_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_app, "stage_group", broken)
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--debug", "stage", "T1", "N0", "M0"])
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


def test_main_reconfigures_streams_to_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream(io.StringIO):
        encoding = "ascii"
        reconfigured: ClassVar[dict[str, str]] = {}

        def reconfigure(self, **kwargs: str) -> None:
            Stream.reconfigured.update(kwargs)

    monkeypatch.setattr("sys.stdout", Stream())
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.setattr("sys.argv", ["ascc-salvage", "stage", "T1", "N0", "M0"])
    with pytest.raises(SystemExit) as exit_info:
        _app.main()
    assert exit_info.value.code == 0
    assert Stream.reconfigured == {"encoding": "utf-8"}


# ------------------------------------------------------- schema 2 values before pathway v3


def _schema_2_case() -> dict[str, object]:
    document = example_document()
    document["schema_version"] = 2
    document["primary"]["chemoradiotherapy"]["agents"] = ["mitomycin", "fluorouracil"]  # type: ignore[index]
    return document


def test_recommend_reads_a_schema_2_case(tmp_path: Path) -> None:
    path = write_case(tmp_path / "case.json", _schema_2_case())
    result = run("recommend", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["input_schema_version"] == 2


def test_batch_reads_schema_1_and_schema_2_lines(tmp_path: Path) -> None:
    good = json.dumps(example_document())
    path = tmp_path / "cases.jsonl"
    path.write_text(good + "\n" + json.dumps(_schema_2_case()) + "\n", encoding="utf-8")
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = run("batch", str(path), "--out", str(out), "--errors", str(errors))
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["input_schema_version"] for line in lines] == [1, 2]
    assert errors.read_text(encoding="utf-8") == ""
