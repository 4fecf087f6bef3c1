"""The JSON Schemas are generated from the model, and the shipped files are what is generated."""

from __future__ import annotations

import json
import math
import runpy
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from jsonschema import Draft202012Validator

from ascc_salvage import case as model
from ascc_salvage import result as res
from ascc_salvage import schema as schema_module
from ascc_salvage._modelcheck import DATE_MAX, DATE_MIN, Bounds, field_specs
from ascc_salvage.calculators.dose_plan import RADIOTHERAPY_PLAN_OPTIONS
from ascc_salvage.schema import (
    DIALECT,
    SCHEMA_FILES,
    case_json_schema,
    case_schema_id,
    result_json_schema,
    result_schema_id,
    schema_text,
    shipped_schema,
    write_schemas,
)
from ascc_salvage.schema.__main__ import main
from ascc_salvage.units import CASE_UNITS, UnitKind

PACKAGE = Path(schema_module.__file__).parent


@pytest.mark.parametrize("name", list(SCHEMA_FILES))
def test_the_shipped_files_are_the_generated_schemas(name: str) -> None:
    text = (PACKAGE / name).read_text(encoding="utf-8")
    assert text == schema_text(SCHEMA_FILES[name]()), (
        f"{name} is out of date: run python -m ascc_salvage.schema --write"
    )
    assert shipped_schema(name) == json.loads(text)


@pytest.mark.parametrize("name", list(SCHEMA_FILES))
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = shipped_schema(name)
    assert schema["$schema"] == DIALECT
    Draft202012Validator.check_schema(schema)


def test_ids_name_the_document_and_its_version() -> None:
    assert case_json_schema(1)["$id"] == case_schema_id(1) == "urn:ascc-salvage:schema:case:1"
    assert case_json_schema()["$id"] == "urn:ascc-salvage:schema:case:2"
    assert result_json_schema()["$id"] == result_schema_id()
    assert result_schema_id() == f"urn:ascc-salvage:schema:result:{model.SCHEMA_VERSION}"


def test_an_unknown_case_schema_version_is_refused() -> None:
    with pytest.raises(ValueError, match="no case schema version 3 \\(expected 1 or 2\\)"):
        case_json_schema(3)


def test_an_unknown_schema_file_is_refused() -> None:
    with pytest.raises(KeyError, match=r"no schema file 'case\.json'"):
        shipped_schema("case.json")


def _case_classes(version: int) -> list[type]:
    """The case classes a document of *version* holds (through that version's keys)."""
    found: list[type] = []
    pending: list[type] = [model.Case]
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.append(cls)
        since = {f.name: f.metadata["since"] for f in attrs.fields(cls)}
        pending += [
            spec.target
            for spec in field_specs(cls)
            if spec.kind in ("object", "list")
            and attrs.has(spec.target)
            and since[spec.name] <= version
        ]
    return found


@pytest.mark.parametrize(
    ("cls", "version"),
    [(cls, version) for version in model.CASE_SCHEMA_VERSIONS for cls in _case_classes(version)],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_keys_and_required_keys_follow_the_field_metadata(cls: type, version: int) -> None:
    schema = case_json_schema(version)
    obj = schema if cls is model.Case else schema["$defs"][cls.__name__]
    fields = [f for f in attrs.fields(cls) if f.init and f.metadata["since"] <= version]
    assert list(obj["properties"]) == [f.name for f in fields]
    assert obj["required"] == [
        f.name
        for f in fields
        if not f.metadata["optional"] and not (f.metadata["optional_since"] or math.inf) <= version
    ]
    assert obj["additionalProperties"] is False
    assert obj["title"] == ("ascc_salvage case, schema " + str(version) if cls is model.Case
                            else cls.__name__)  # fmt: skip
    assert obj["description"]
    classes = {name for name, value in schema["$defs"].items() if "properties" in value}
    measurements = {"Length", "Mass", "Creatinine", "CellCount", "Dose", "GlomerularFiltrationRate"}
    assert classes - measurements == {c.__name__ for c in _case_classes(version)} - {"Case"}


def test_schema_1_has_the_schema_1_keys_and_pd_l1_cps_becomes_optional_in_schema_2() -> None:
    v1, v2 = case_json_schema(1), case_json_schema(2)
    assert "dialysis" not in v1["$defs"]["Patient"]["properties"]
    assert "Biomarkers" not in v1["$defs"]
    assert "Biomarkers" in v2["$defs"]
    assert "pd_l1_cps" in v1["$defs"]["Patient"]["required"]
    assert "pd_l1_cps" not in v2["$defs"]["Patient"]["required"]
    assert v1["properties"]["schema_version"]["const"] == 1


def test_nullability_enums_bounds_and_steps_come_from_the_model() -> None:
    patient = case_json_schema()["$defs"]["Patient"]["properties"]
    assert patient["age_years"] == {"type": ["integer", "null"], "minimum": 18, "maximum": 120}
    assert patient["karnofsky"]["multipleOf"] == 10
    assert patient["dpyd_activity_score"]["multipleOf"] == 0.5
    assert patient["sex"]["enum"] == ["female", "male", None]
    assert patient["conditions"]["uniqueItems"] is True
    assert patient["conditions"]["maxItems"] == 500
    assert patient["hiv"] == {"$ref": "#/$defs/Hiv"}
    assert patient["weight"]["anyOf"][0] == {"type": "null"}


def test_each_measurement_kind_lists_its_allow_listed_units() -> None:
    defs = case_json_schema()["$defs"]
    for kind, name in {
        UnitKind.LENGTH: "Length",
        UnitKind.MASS: "Mass",
        UnitKind.CREATININE: "Creatinine",
        UnitKind.CELL_COUNT: "CellCount",
        UnitKind.RADIATION_DOSE: "Dose",
        UnitKind.GLOMERULAR_FILTRATION_RATE: "GlomerularFiltrationRate",
    }.items():
        units = [text for text, unit in CASE_UNITS.items() if unit.kind is kind]
        assert defs[name]["properties"]["unit"]["enum"] == units
        assert defs[name]["required"] == ["value", "unit"]


def test_measurement_bounds_are_given_per_unit_exactly_as_the_model_converts() -> None:
    weight = case_json_schema()["$defs"]["Patient"]["properties"]["weight"]
    (_, mass) = weight["anyOf"]
    by_unit = {
        tuple(rule["if"]["properties"]["unit"]["enum"]): rule["then"] for rule in mass["allOf"]
    }
    pounds = by_unit[("lb", "[lb_av]")]["properties"]["value"]
    factor = CASE_UNITS["lb"].to_canonical
    assert pounds["minimum"] * factor >= 20 > math.nextafter(pounds["minimum"], 0) * factor
    high = pounds["maximum"]
    assert high * factor <= 400 < math.nextafter(high, math.inf) * factor
    assert by_unit[("kg",)]["properties"]["value"] == {"minimum": 20, "maximum": 400}
    assert (
        weight["description"] == "At least 20 and at most 400 kg, compared after conversion to kg."
    )


@pytest.mark.parametrize(
    ("low", "factor", "exclusive"),
    [
        (0.3, 0.1, False),
        (0.3, 0.1, True),
        (20, 0.45359237, False),
        (1, 3.0, True),
        (7, 0.01, False),
    ],
)
def test_the_lowest_accepted_value_is_exact(low: float, factor: float, exclusive: bool) -> None:
    value = schema_module._lowest_accepted(low, factor, exclusive=exclusive)
    below = math.nextafter(value, -math.inf)
    if exclusive:
        assert value * factor > low >= below * factor
    else:
        assert value * factor >= low > below * factor


@pytest.mark.parametrize(("high", "factor"), [(0.3, 0.1), (400, 0.45359237), (80, 0.01), (1, 3.0)])
def test_the_highest_accepted_value_is_exact(high: float, factor: float) -> None:
    value = schema_module._highest_accepted(high, factor)
    assert value * factor <= high < math.nextafter(value, math.inf) * factor


def test_bounds_with_an_upper_limit_only() -> None:
    assert schema_module._plain_bounds(Bounds(high=5)) == {"maximum": 5}
    assert schema_module._converted_bounds(Bounds(high=80), 0.01) == {"maximum": 8000}


def test_a_step_that_division_cannot_check_exactly_is_refused() -> None:
    assert schema_module._plain_bounds(Bounds(0, 2, step=0.25))["multipleOf"] == 0.25
    with pytest.raises(ValueError, match=r"a step of 0\.1 cannot be checked exactly"):
        schema_module._plain_bounds(Bounds(0, 1, step=0.1))


def test_the_date_pattern_spans_the_model_date_range() -> None:
    date = case_json_schema()["properties"]["evaluation_date"]
    assert date["pattern"] == "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
    assert DATE_MIN.isoformat() in date["description"]
    assert DATE_MAX.isoformat() in date["description"]
    with pytest.raises(ValueError, match="does not span whole centuries"):
        schema_module._year_pattern(DATE_MIN, DATE_MAX.replace(year=2050))


def test_bounds_without_a_lower_limit_are_described() -> None:
    assert schema_module._bounds_text(Bounds(high=5), "cm") == (
        "At most 5 cm, compared after conversion to cm."
    )
    assert (
        schema_module._bounds_text(Bounds(1, 200), "")
        == "At least 1 and at most 200, in the unit given."
    )


def test_descriptions_come_from_docstrings_without_roles_or_doctests() -> None:
    defs = case_json_schema()["$defs"]
    assert defs["Patient"]["description"].startswith("The patient at the evaluation date.")
    assert "(`effective_pd_l1`); `load_case` fills in" in defs["Patient"]["description"]
    assert ">>>" not in defs["Biomarkers"]["description"]
    assert ":func:" not in json.dumps(case_json_schema())


def test_the_result_schema_requires_every_key_the_writer_writes() -> None:
    schema = result_json_schema()
    assert schema["required"] == [f.name for f in attrs.fields(res.Result)]
    option = schema["$defs"]["OptionResult"]
    assert "rules" not in option["properties"]
    assert set(option["if"]["properties"]["option"]["enum"]) == RADIOTHERAPY_PLAN_OPTIONS
    assert (
        schema["properties"]["options"]["minItems"] == schema["properties"]["options"]["maxItems"]
    )
    assert "missing" not in schema["$defs"]["Criterion"]["properties"]


# --- the command ----------------------------------------------------------------------------


def test_the_command_prints_a_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["case-1.schema.json"]) == 0
    assert json.loads(capsys.readouterr().out) == case_json_schema(1)


def test_the_command_checks_the_shipped_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--check"]) == 0
    assert capsys.readouterr().out == ""
    changed: dict[str, Any] = {**SCHEMA_FILES, "result.schema.json": lambda: {"changed": True}}
    monkeypatch.setattr("ascc_salvage.schema.__main__.SCHEMA_FILES", changed)
    assert main(["--check"]) == 1
    assert capsys.readouterr().out == (
        "result.schema.json is out of date: run python -m ascc_salvage.schema --write\n"
    )


def test_the_command_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--write", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SCHEMA_FILES)
    assert capsys.readouterr().out.count("wrote ") == len(SCHEMA_FILES)
    for name in SCHEMA_FILES:
        assert (tmp_path / name).read_text(encoding="utf-8") == (PACKAGE / name).read_text(
            encoding="utf-8"
        )


def test_writing_defaults_to_the_package_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    monkeypatch.setattr(Path, "write_text", lambda self, *args, **kwargs: written.append(self))
    assert write_schemas() == [PACKAGE / name for name in SCHEMA_FILES]
    assert written == [PACKAGE / name for name in SCHEMA_FILES]


def test_python_m_runs_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["python -m ascc_salvage.schema", "--check"])
    monkeypatch.delitem(sys.modules, "ascc_salvage.schema.__main__", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("ascc_salvage.schema", run_name="__main__")
    assert exit_info.value.code == 0


def test_the_command_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "one of the arguments" in capsys.readouterr().err


def test_the_command_works_in_a_fresh_interpreter() -> None:
    """Nothing imported beforehand (in-process tests have the whole library loaded)."""
    import subprocess

    completed = subprocess.run(
        [sys.executable, "-m", "ascc_salvage.schema", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
