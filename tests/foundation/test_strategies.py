"""The public strategies generate valid objects of every case type and whole valid cases."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any, Final

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ascc_salvage import assess_status, dump_case, load_case
from ascc_salvage import case as model
from ascc_salvage.testing import strategies as cs
from ascc_salvage.units import CASE_UNITS
from ascc_salvage.vocabulary import DiseaseStatus, RadiotherapyRegion, Site

from ._support import example_document

LATE = dt.date(2061, 1, 1)
BASE = load_case(example_document())
#: The example without assessments or CRT, evaluated after every date the strategies draw
#: (age unknown, so that no date can precede the birth).
OPEN = attrs.evolve(
    BASE,
    evaluation_date=LATE,
    patient=attrs.evolve(BASE.patient, age_years=None),
    assessments=(),
    primary=attrs.evolve(BASE.primary, chemoradiotherapy=None),
)


def _patient(**changes: Any) -> model.Case:
    return attrs.evolve(BASE, patient=attrs.evolve(BASE.patient, **changes))


def _site(**changes: Any) -> model.Case:
    assert BASE.disease is not None
    site = attrs.evolve(BASE.disease.sites[0], **changes)
    return attrs.evolve(BASE, disease=attrs.evolve(BASE.disease, sites=(site,)))


def _crt(**changes: Any) -> model.Case:
    assert BASE.primary.chemoradiotherapy is not None
    crt = attrs.evolve(BASE.primary.chemoradiotherapy, **changes)
    return attrs.evolve(BASE, primary=attrs.evolve(BASE.primary, chemoradiotherapy=crt))


#: type -> (its strategy, how to place one in an otherwise valid case)
def _length(x: model.Length) -> model.Case:
    """A length is a height (100–250 cm) or a lesion size (0.1–30 cm)."""
    if x.canonical >= 100:
        return _patient(height=x, weight=None)
    assume(0.1 <= x.canonical <= 30)
    return _site(size=x)


def _dose(x: model.Dose) -> model.Case:
    """A dose is a groin dose (at most 70 Gy) or a prior course of up to 90 Gy."""
    assume(x.canonical <= 70)
    return _crt(groin_dose=x)


EMBED: dict[type, tuple[Callable[[], st.SearchStrategy[Any]], Callable[[Any], model.Case]]] = {
    model.Length: (cs.lengths, lambda x: _length(x)),
    # Without a height the weight alone cannot make an impossible BMI (P9).
    model.Mass: (cs.masses, lambda x: _patient(weight=x, height=None)),
    model.Creatinine: (cs.creatinines, lambda x: _patient(serum_creatinine=x)),
    model.CellCount: (
        cs.cell_counts,
        lambda x: _patient(hiv=attrs.evolve(BASE.patient.hiv, cd4_count=x)),
    ),
    model.Dose: (cs.doses, lambda x: _dose(x)),
    model.Hiv: (cs.hivs, lambda x: _patient(hiv=x)),
    model.Patient: (cs.patients, lambda x: attrs.evolve(BASE, patient=x)),
    model.Stage: (
        cs.stages,
        lambda x: attrs.evolve(BASE, primary=attrs.evolve(BASE.primary, stage=x)),
    ),
    model.Chemoradiotherapy: (
        cs.chemoradiotherapies,
        lambda x: attrs.evolve(OPEN, primary=attrs.evolve(OPEN.primary, chemoradiotherapy=x)),
    ),
    model.Primary: (cs.primaries, lambda x: attrs.evolve(OPEN, primary=x)),
    model.Assessment: (cs.assessments, lambda x: attrs.evolve(OPEN, assessments=(x,))),
    model.DiseaseSite: (
        cs.disease_sites,
        lambda x: attrs.evolve(BASE, disease=attrs.evolve(BASE.disease, sites=(x,))),
    ),
    model.Disease: (cs.diseases, lambda x: attrs.evolve(BASE, disease=x)),
    # Without current disease: an anal site after an APR is impossible (P6).
    model.PriorSalvageSurgery: (
        cs.prior_salvage_surgeries,
        lambda x: attrs.evolve(OPEN, prior_salvage_surgery=(x,), disease=None),
    ),
    model.PriorSystemicTherapy: (
        cs.prior_systemic_therapies,
        lambda x: attrs.evolve(OPEN, prior_systemic_therapy=(x,)),
    ),
    model.PriorRadiotherapy: (
        cs.prior_radiotherapies,
        lambda x: attrs.evolve(OPEN, prior_radiotherapy=(x,)),
    ),
    model.Facility: (cs.facilities, lambda x: attrs.evolve(BASE, facility=x)),
}


def _round_trips(case: model.Case) -> None:
    document = dump_case(case)
    assert load_case(document) == case
    text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    reloaded = load_case(text)
    assert reloaded == case
    assert dump_case(reloaded) == document


@pytest.mark.parametrize("cls", list(EMBED), ids=lambda c: c.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_every_type_strategy_round_trips_through_json(cls: type, data: st.DataObject) -> None:
    factory, embed = EMBED[cls]
    value = data.draw(factory(), label="explicit")
    assert type(value) is cls
    _round_trips(embed(value))
    registered = data.draw(st.from_type(cls), label="from_type")
    assert type(registered) is cls
    _round_trips(embed(registered))


def test_every_case_type_is_registered_for_from_type() -> None:
    from hypothesis.strategies._internal.types import _global_type_lookup

    cs.register_type_strategies()  # idempotent
    cs.register_type_strategies()
    # builds() would ignore the attrs validators; every type must have its own resolver.
    for cls in [*EMBED, model.Case]:
        assert cls in _global_type_lookup, cls


@given(cs.cases())
def test_generated_cases_load_from_their_own_dump(case: model.Case) -> None:
    _round_trips(case)


@given(cs.cases())
def test_generated_cases_keep_the_cross_field_rules(case: model.Case) -> None:
    dates = [a.date for a in case.assessments]
    assert dates == sorted(dates)
    crt = case.primary.chemoradiotherapy
    if crt is not None:
        assert crt.start_date <= crt.end_date
        assert all(crt.end_date <= d for d in dates)
        assert 0.5 <= crt.dose.canonical / crt.fractions <= 25
        if crt.groins_irradiated is False:
            assert crt.groin_dose is None
    assert all(d <= case.evaluation_date for d in dates)
    assert all(s.date <= case.evaluation_date for s in case.prior_salvage_surgery)
    for therapy in case.prior_systemic_therapy:
        assert therapy.start_date <= case.evaluation_date
        assert therapy.end_date is not None or therapy.outcome == "ongoing"
    for course in case.prior_radiotherapy:
        assert course.end_date <= case.evaluation_date
        # Other regions allow single-fraction SABR (validation P3: up to 40 Gy per fraction).
        high = 40 if course.region is RadiotherapyRegion.OTHER else 25
        assert 0.5 <= course.dose.canonical / course.fractions <= high
    if case.patient.karnofsky is not None:
        assert case.patient.karnofsky % 10 == 0
    if case.patient.conditions is not None:
        assert len(set(case.patient.conditions)) == len(case.patient.conditions)
    if case.disease is not None:
        assert case.disease.sites
        assert len(set(case.disease.invaded_structures)) == len(case.disease.invaded_structures)
        for site in case.disease.sites:
            assert site.station is None or site.site is Site.PELVIC_NODES


@settings(max_examples=20)
@given(cs.cases(full_inputs=True))
def test_full_inputs_fill_every_patient_field(case: model.Case) -> None:
    for field in attrs.fields(model.Patient):
        if field.metadata["since"] == 1:  # schema 2 fields keep their defaults
            assert getattr(case.patient, field.name) is not None, field.name
    assert case.patient.hiv.cd4_count is not None
    assert case.patient.hiv.viral_load_undetectable is not None


@settings(max_examples=20)
@given(data=st.data())
def test_callers_can_fix_parts_of_a_case(data: st.DataObject) -> None:
    patient, disease = BASE.patient, BASE.disease
    case = data.draw(cs.cases(patient=st.just(patient), disease=st.just(disease)))
    assert case.patient == patient
    # no_evidence_of_disease and complete_clinical_response force the disease to null
    assert case.disease in (disease, None)
    no_disease = data.draw(cs.cases(disease=st.none()))
    assert no_disease.disease is None


#: The case-format date range and narrower calendars inside it.
FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
CALENDARS = ((FIRST, LAST), (dt.date(2090, 1, 1), LAST), (FIRST, dt.date(1930, 12, 31)))


def _all_dates(case: model.Case) -> list[dt.date]:
    crt = case.primary.chemoradiotherapy
    dates = [case.evaluation_date, *(a.date for a in case.assessments)]
    dates += [s.date for s in case.prior_salvage_surgery]
    dates += [r.end_date for r in case.prior_radiotherapy]
    for therapy in case.prior_systemic_therapy:
        dates += [therapy.start_date, therapy.end_date, therapy.platinum_end_date]
    if crt is not None:
        dates += [crt.start_date, crt.end_date]
    return [d for d in dates if d is not None]


@settings(max_examples=60)
@given(data=st.data())
def test_a_calendar_moves_the_whole_case_inside_its_bounds(data: st.DataObject) -> None:
    low, high = data.draw(st.sampled_from(CALENDARS))
    hint = data.draw(st.sampled_from(DiseaseStatus))
    case = data.draw(cs.cases(status_hint=hint, calendar=(low, high)))
    assert all(low <= d <= high for d in _all_dates(case))
    _round_trips(case)
    assert assess_status(case).status is hint


def test_a_calendar_reaches_both_ends() -> None:
    seen: set[dt.date] = set()

    @settings(max_examples=60, database=None)
    @given(cs.cases(calendar=(FIRST, LAST)))
    def draw(case: model.Case) -> None:
        dates = _all_dates(case)
        seen.update({min(dates), max(dates)} & {FIRST, LAST})

    draw()
    assert seen == {FIRST, LAST}


def test_an_empty_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="empty calendar"):
        cs.cases(calendar=(dt.date(2000, 1, 2), dt.date(2000, 1, 1)))


@settings(max_examples=40)
@given(cs.lengths(), cs.masses(), cs.creatinines(), cs.cell_counts(), cs.doses())
def test_quantities_use_listed_units_and_stay_in_bounds(
    length: model.Length,
    mass: model.Mass,
    creatinine: model.Creatinine,
    cells: model.CellCount,
    dose: model.Dose,
) -> None:
    for measurement in (length, mass, creatinine, cells, dose):
        assert CASE_UNITS[measurement.unit].kind is type(measurement).KIND
    assert 0 < length.canonical <= 250
    assert 20 <= mass.canonical <= 400
    assert 0.1 <= creatinine.canonical <= 25
    assert 0 <= cells.canonical <= 5000
    assert 0 < dose.canonical <= 100


def test_unknown_units_are_refused_by_the_factories() -> None:
    with pytest.raises(ValueError, match="kilogram"):
        cs.masses(units=["kilogram"])
    with pytest.raises(ValueError, match="cm"):
        cs.doses(units=["cm"])


@pytest.mark.parametrize(
    "first_import",
    ["import hypothesis", "import ascc_salvage", "import ascc_salvage.testing.strategies"],
)
def test_entry_point_registers_strategies_whatever_is_imported_first(first_import: str) -> None:
    code = (
        f"{first_import}\n"
        "import hypothesis.strategies as st\n"
        "from ascc_salvage import dump_case, load_case\n"
        "from ascc_salvage.case import Case\n"
        "case = st.from_type(Case).example()\n"
        "assert load_case(dump_case(case)) == case\n"
        "print(type(case).__name__)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "Case"


#: Every concrete case class of the model, found by inspection (not a hand-kept list).
_CASE_CLASSES: Final = sorted(
    (
        cls
        for cls in vars(model).values()
        if isinstance(cls, type)
        and attrs.has(cls)
        and cls.__module__ == model.__name__
        and cls is not model.Measurement  # the abstract base of the measurement classes
    ),
    key=lambda cls: cls.__name__,
)


def test_the_model_has_the_schema_2_classes() -> None:
    names = {cls.__name__ for cls in _CASE_CLASSES}
    assert {"PdL1Test", "Biomarkers", "HepaticFunction", "SiteFinding", "DiseaseSymptom"} <= names


@pytest.mark.parametrize("cls", _CASE_CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=20)
@given(data=st.data())
def test_from_type_draws_a_valid_object_of_every_case_class(cls: type, data: st.DataObject) -> None:
    """api.md: a typed strategy registered for every case type (schema 2 included)."""
    cs.register_type_strategies()
    value = data.draw(st.from_type(cls))
    assert type(value) is cls  # built through the class: its checks passed
