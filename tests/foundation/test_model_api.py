"""The Python path into the case model: one import surface, keyword-only constructors with
defaults that mean "unknown" or the format's default, and measurements from pint quantities
or ``(value, unit)`` pairs, checked exactly as the JSON path checks them."""

from __future__ import annotations

import datetime as dt
import enum
import json
import subprocess
import sys
from typing import Any

import attrs
import pytest

import ascc_salvage
from ascc_salvage import case as case_module
from ascc_salvage import model
from ascc_salvage._modelcheck import field_specs
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.io import dump_case, load_case
from ascc_salvage.units import Q_

from ._support import example_document

CASE_CLASSES = [
    cls
    for cls in vars(case_module).values()
    if isinstance(cls, type) and issubclass(cls, case_module._CaseObject) and attrs.has(cls)
]
#: Nullable fields whose null is a fact, not "unknown" (case-format.md, Conventions): no default.
NULL_IS_A_FACT = {("Primary", "chemoradiotherapy"), ("Case", "disease")}


def _paths(error: CaseValidationError) -> list[str]:
    return [problem.path for problem in error.errors]


def minimal_case(**changes: Any) -> model.Case:
    """A case given only its required fields (everything else at its default)."""
    values: dict[str, Any] = {
        "evaluation_date": dt.date(2026, 11, 26),
        "patient": model.Patient(hiv=model.Hiv(status=model.HivStatus.UNKNOWN)),
        "primary": model.Primary(
            site=model.PrimarySite.ANAL_CANAL,
            stage=model.Stage(
                t=model.TCategory.T2,
                n=model.NCategory.N0,
                m=model.MCategory.M0,
                prefix=model.StagePrefix.C,
                edition=model.Edition.AJCC8,
            ),
            chemoradiotherapy=model.Chemoradiotherapy(
                start_date=dt.date(2026, 1, 5),
                end_date=dt.date(2026, 2, 13),
                dose=(50.4, "Gy"),
                fractions=28,
            ),
        ),
        "assessments": (),
        "disease": None,
        "prior_salvage_surgery": (),
        "prior_systemic_therapy": (),
        "prior_radiotherapy": (),
        "facility": model.Facility(),
    }
    values.update(changes)
    return model.Case(**values)


# --- one import surface -------------------------------------------------------------------


def test_model_holds_every_case_class_and_measurement() -> None:
    expected = {cls.__name__ for cls in CASE_CLASSES} | {
        name
        for name, value in vars(case_module).items()
        if isinstance(value, type) and issubclass(value, case_module.Measurement)
    }
    assert expected <= set(model.__all__)
    for name in expected:
        assert getattr(model, name) is getattr(case_module, name)


def test_model_holds_every_enum_a_case_uses() -> None:
    used: set[type[enum.Enum]] = set()
    for cls in CASE_CLASSES:
        for spec in field_specs(cls):
            item = spec.item if spec.kind == "list" else spec
            if item is not None and item.kind == "enum":
                used.add(item.target)
                used |= {type(member) for member in item.lookup.values()}
    assert used
    for enum_class in used:
        assert getattr(model, enum_class.__name__) is enum_class, enum_class
    # Nothing else: the model is the case classes and their enums.
    assert set(model.__all__) == {c.__name__ for c in used} | {
        name
        for name in model.__all__
        if isinstance(getattr(model, name), type) and attrs.has(getattr(model, name))
    }


def test_root_exports_the_common_classes_lazily() -> None:
    common = [name for name in ascc_salvage.__all__ if name in model.__all__ and name != "Case"]
    assert {"Patient", "Hiv", "Primary", "Stage", "Chemoradiotherapy", "Assessment"} <= set(common)
    for name in common:
        assert getattr(ascc_salvage, name) is getattr(model, name)
        assert name in dir(ascc_salvage)
    code = (
        "import sys, ascc_salvage\n"
        "assert 'ascc_salvage.case' not in sys.modules and 'pint' not in sys.modules\n"
        "ascc_salvage.Patient\n"
        "assert 'ascc_salvage.case' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- keyword-only constructors and their defaults -----------------------------------------


@pytest.mark.parametrize("cls", CASE_CLASSES, ids=lambda cls: cls.__name__)
def test_positional_arguments_are_refused(cls: type) -> None:
    first = attrs.fields(cls)[0]
    with pytest.raises(TypeError, match="positional"):
        cls(None)
    assert first.kw_only


@pytest.mark.parametrize("cls", CASE_CLASSES, ids=lambda cls: cls.__name__)
def test_defaults_follow_the_case_format(cls: type) -> None:
    """Nullable fields default to None (unknown), optional keys to the format's default."""
    for field in attrs.fields(cls):
        nullable, optional = field.metadata["nullable"], field.metadata["optional"]
        if field.name == "schema_version":
            assert field.default == model.Case.__attrs_attrs__.schema_version.default == 2
        elif (cls.__name__, field.name) in NULL_IS_A_FACT:
            assert field.default is attrs.NOTHING, field.name
        elif optional:
            assert field.default is not attrs.NOTHING, field.name
            if nullable:
                assert field.default is None, field.name
        elif nullable:
            assert field.default is None, field.name
        else:  # required and not nullable: lists that say "none", enums, dates, objects
            assert field.default is attrs.NOTHING, field.name


def test_a_minimal_case_means_unknown_everywhere() -> None:
    case = minimal_case()
    assert case.schema_version == ascc_salvage.case.CASE_SCHEMA_VERSION
    patient = case.patient
    assert patient.age_years is None
    assert patient.sex is None
    assert patient.weight is None
    assert patient.conditions is None  # not recorded (criteria reading it are unknown)
    assert patient.declines == ()
    assert patient.biomarkers == model.Biomarkers()
    assert patient.hepatic_function == model.HepaticFunction()
    assert case.primary.chemoradiotherapy is not None
    assert case.primary.chemoradiotherapy.groins_irradiated is None
    assert case.primary.chemoradiotherapy.agents is None  # not recorded
    assert case.primary.chemoradiotherapy.phases == ()
    assert case.jurisdiction is None
    # The same case as the document with every key spelled out.
    assert load_case(json.loads(json.dumps(dump_case(case)))) == case


def test_required_fields_stay_required() -> None:
    with pytest.raises(TypeError, match="missing"):
        model.Patient()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="disease"):
        model.Case(  # type: ignore[call-arg]
            **{
                k: v
                for k, v in attrs.asdict(minimal_case(), recurse=False).items()
                if k != "disease"
            }
        )
    with pytest.raises(TypeError, match="chemoradiotherapy"):
        model.Primary(site="anal_canal", stage=minimal_case().primary.stage)  # type: ignore[call-arg]


def _required_with_a_default() -> list[str]:
    """Document paths (of the example) whose field has a constructor default."""
    found = []
    for path, key, cls in (
        ("", "schema_version", model.Case),
        ("", "jurisdiction", model.Case),
        ("patient.", "age_years", model.Patient),
        ("patient.", "karnofsky", model.Patient),
        ("patient.", "conditions", model.Patient),
        ("patient.hiv.", "cd4_count", model.Hiv),
        ("primary.chemoradiotherapy.", "groins_irradiated", model.Chemoradiotherapy),
        ("disease.", "expected_margin", model.Disease),
        ("disease.sites[0].", "laterality", model.DiseaseSite),
        ("facility.", "iort_available", model.Facility),
    ):
        field = attrs.fields_dict(cls)[key]
        assert field.default is not attrs.NOTHING
        assert not field.metadata["optional"]
        found.append(path + key)
    return found


@pytest.mark.parametrize("path", _required_with_a_default())
def test_a_document_must_still_hold_keys_that_have_a_python_default(path: str) -> None:
    document = example_document()
    *parents, key = path.replace("[0]", ".0").split(".")
    target: Any = document
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    del target[key]
    document["patient"]["ecog"] = 9  # reported too, in field order
    with pytest.raises(CaseValidationError) as caught:
        load_case(document)
    problems = [str(p) for p in caught.value.errors]
    assert f"{path}: required key is missing" in problems
    assert "patient.ecog: must be at most 5" in problems
    assert len(problems) == 2


def test_a_missing_defaulted_key_is_reported_with_the_objects_other_problems() -> None:
    document = example_document()
    del document["patient"]["age_years"]
    del document["patient"]["sex"]
    document["patient"]["karnofsky"] = 55
    document["patient"]["hiv"] = {"status": "negative"}
    with pytest.raises(CaseValidationError) as caught:
        load_case(document)
    # As before the defaults: missing keys and nested objects in field order, then the
    # object's own checks.
    assert _paths(caught.value) == [
        "patient.age_years",
        "patient.sex",
        "patient.hiv.cd4_count",
        "patient.hiv.viral_load_undetectable",
        "patient.karnofsky",
    ]


# --- measurements from quantities and (value, unit) pairs ---------------------------------

MEASUREMENT_FIELDS = [
    (cls, spec.name, spec.target)
    for cls in CASE_CLASSES
    for spec in field_specs(cls)
    if spec.kind == "measurement"
]
_VALID = {
    model.Mass: (68, "kg"),
    model.Length: (165, "cm"),
    model.Creatinine: (80, "umol/L"),
    model.CellCount: (350, "cells/uL"),
    model.Dose: (20, "Gy"),
    model.GlomerularFiltrationRate: (60, "mL/min"),
}


def _with(cls: type, name: str, value: Any) -> Any:
    """An object of *cls* built from a valid example object with one field replaced."""
    built = {
        model.Patient: lambda: minimal_case().patient,
        model.Hiv: lambda: model.Hiv(status="positive"),
        model.Chemoradiotherapy: lambda: minimal_case().primary.chemoradiotherapy,
        model.RadiotherapyPhase: lambda: model.RadiotherapyPhase(
            sequence=1, technique="ebrt", target="groins", dose=(30, "Gy"), fractions=20
        ),
        model.DiseaseSite: lambda: model.DiseaseSite(site="liver", lesions=1),
        model.PriorRadiotherapy: lambda: model.PriorRadiotherapy(
            region="other", end_date="2020-01-01", dose=(30, "Gy"), fractions=10
        ),
    }[cls]()
    return attrs.evolve(built, **{name: value})


@pytest.mark.parametrize(
    ("cls", "name", "kind"), MEASUREMENT_FIELDS, ids=lambda x: getattr(x, "__name__", x)
)
def test_every_measurement_field_takes_a_pair_and_a_quantity(
    cls: type, name: str, kind: type
) -> None:
    value, unit = (2.5, "cm") if name == "size" else _VALID[kind]
    from_pair = getattr(_with(cls, name, (value, unit)), name)
    from_quantity = getattr(_with(cls, name, Q_(value, unit.replace("/uL", "/µL"))), name)
    assert from_pair == kind(value, unit)
    assert type(from_quantity) is kind
    assert from_quantity.canonical == pytest.approx(from_pair.canonical)


def test_a_quantity_in_another_unit_is_converted_and_a_pair_keeps_its_spelling() -> None:
    patient = model.Patient(
        hiv=model.Hiv(status="negative"),
        weight=Q_(68, "kg"),
        height=Q_(1.65, "m"),
        serum_creatinine=(80, "µmol/L"),
    )
    assert patient.weight == model.Mass(68, "kg")
    assert patient.height == model.Length(165.0, "cm")
    assert patient.serum_creatinine == model.Creatinine(80, "µmol/L")
    assert patient.serum_creatinine.canonical == pytest.approx(0.905, abs=1e-3)


def test_bad_pairs_and_quantities_are_reported_by_path_all_at_once() -> None:
    with pytest.raises(CaseValidationError) as caught:
        model.Patient(
            hiv=model.Hiv(status="negative"),
            weight=(68, "stone"),  # not on the allow-list (a pair is read as the document)
            height=("165", "cm"),  # type: ignore[arg-type]
            serum_creatinine=Q_(1.0, "Gy"),  # wrong kind
            measured_gfr=(60, "mL/min", "extra"),  # type: ignore[arg-type]
            ecog=7,
        )
    assert [str(p) for p in caught.value.errors] == [
        "ecog: must be at most 5",
        "weight.unit: 'stone' is not a mass unit",
        "height.value: expected a number, got a string",
        "serum_creatinine: serum_creatinine must be of kind 'serum creatinine' (convertible "
        "to mg/dL), got Gy",
        "measured_gfr: expected a (value, unit) pair, got a tuple of 3 items",
    ]


def test_a_pair_out_of_bounds_is_reported_at_its_field() -> None:
    with pytest.raises(CaseValidationError) as caught:
        model.Patient(hiv=model.Hiv(status="negative"), weight=(5, "kg"))
    assert [str(p) for p in caught.value.errors] == ["weight: must be at least 20 kg"]


def test_a_pair_with_a_non_finite_value_is_refused() -> None:
    with pytest.raises(CaseValidationError) as caught:
        model.Hiv(status="positive", cd4_count=(float("nan"), "cells/uL"))
    assert _paths(caught.value) == ["cd4_count.value"]


def test_evolve_is_checked_and_converts_too() -> None:
    case = minimal_case()
    heavier = attrs.evolve(case.patient, weight=(70, "kg"), sex="female")
    assert heavier.weight == model.Mass(70, "kg")
    assert heavier.sex is model.Sex.FEMALE
    with pytest.raises(CaseValidationError) as caught:
        attrs.evolve(case.patient, weight=(70, "Gy"), sex="femal")
    assert _paths(caught.value) == ["sex", "weight.unit"]
    with pytest.raises(CaseValidationError) as caught:
        attrs.evolve(case, schema_version=3, assessments=[{"date": "2026-01-01"}])
    assert _paths(caught.value) == ["schema_version", "assessments[0]"]


def test_a_case_built_from_pairs_recommends_like_its_document() -> None:
    document = example_document()
    loaded = load_case(document)
    patient = attrs.evolve(
        loaded.patient, weight=(68, "kg"), height=Q_(165, "cm"), serum_creatinine=(0.9, "mg/dL")
    )
    assert attrs.evolve(loaded, patient=patient) == loaded
