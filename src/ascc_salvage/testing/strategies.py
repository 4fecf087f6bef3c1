"""Hypothesis strategies for every case type and for whole, valid cases (case schema 2).

Every object these strategies generate is valid: it satisfies the bounds of the case format
(which :func:`hypothesis.strategies.builds` would ignore, since it skips attrs validators) and
its cross-field rules (date order, dose per fraction, karnofsky in steps of 10, unique enum
lists, station only for pelvic nodes …), so that
``load_case(dump_case(case)) == case`` holds for every generated case.

Quantities draw their unit from the case-format allow-list and a value that lies within the
field's bounds *after* conversion to the canonical unit.

By default the schema 2 fields keep their defaults (a ``pd_l1_cps`` is also recorded as its
upgraded PD-L1 test, as :func:`ascc_salvage.load_case` records it), so that every generated
case means what a schema 1 case means and can be passed to :func:`ascc_salvage.recommend`;
``unsupported=True`` draws every valid value of the schema 2 fields (the engine reads them all;
the name dates from the versions that refused some).
:func:`schema_1_documents` draws schema 1 documents, for the upgrade path.

>>> from hypothesis import given, settings
>>> from ascc_salvage import dump_case, load_case
>>> @settings(max_examples=5)
... @given(cases(status_hint=DiseaseStatus.PERSISTENT))
... def test_round_trip(case):
...     assert load_case(dump_case(case)) == case
>>> test_round_trip()

:func:`register_type_strategies` registers the strategies for :func:`st.from_type
<hypothesis.strategies.from_type>`; the package's Hypothesis entry point calls it. It only
registers resolver functions, so no strategy is built until one is drawn from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final, TypeVar

import attrs

from ascc_salvage.case import (
    CASE_SCHEMA_VERSION,
    Assessment,
    Biomarkers,
    Case,
    CellCount,
    Chemoradiotherapy,
    Creatinine,
    Disease,
    DiseaseSite,
    DiseaseSymptom,
    Dose,
    Facility,
    GlomerularFiltrationRate,
    HepaticFunction,
    Hiv,
    Length,
    Mass,
    Measurement,
    Patient,
    PdL1Test,
    Primary,
    PriorRadiotherapy,
    PriorSalvageSurgery,
    PriorSystemicTherapy,
    RadiotherapyPhase,
    SiteFinding,
    Stage,
)
from ascc_salvage.staging import Edition, MCategory, NCategory, StagePrefix, TCategory
from ascc_salvage.units import CASE_UNITS, UnitKind
from ascc_salvage.validation import (
    BMI_RANGE,
    DOSE_PER_FRACTION_GY,
    FRAIL_CFS,
    LDR_MAX_TOTAL_GY,
    MAX_CRT_SPAN_DAYS,
    MAX_CUMULATIVE_PELVIC_GY,
    MAX_FRACTIONS_PER_DAY,
    MAX_PRIOR_TOTAL_GY,
    OTHER_DOSE_PER_FRACTION_GY,
)
from ascc_salvage.vocabulary import (
    SCHEMA_1_CONDITIONS,
    SCHEMA_1_SITES,
    SYSTEMIC_OPTIONS,
    BestResponse,
    Biopsy,
    Condition,
    DiseaseStatus,
    Finding,
    HivStatus,
    InvadedStructure,
    Jurisdiction,
    Laterality,
    LesionFinding,
    Margin,
    MarkerStatus,
    MismatchRepair,
    Modality,
    NodalStation,
    OptionId,
    OtherRegimen,
    PdL1Assay,
    PdL1Specimen,
    PhaseTarget,
    PhaseTechnique,
    PrimarySite,
    RadiosensitisingAgent,
    RadiotherapyRegion,
    RadiotherapyTechnique,
    Sex,
    Site,
    SurgeryProcedure,
    Symptom,
    SystemicAgent,
    TherapyOutcome,
    TherapySetting,
)

__all__ = [
    "assessments",
    "biomarker_panels",
    "case_dates",
    "cases",
    "cell_counts",
    "chemoradiotherapies",
    "creatinines",
    "disease_sites",
    "disease_symptoms",
    "diseases",
    "doses",
    "facilities",
    "glomerular_filtration_rates",
    "hepatic_functions",
    "hivs",
    "lengths",
    "masses",
    "patients",
    "pd_l1_tests",
    "primaries",
    "prior_radiotherapies",
    "prior_salvage_surgeries",
    "prior_systemic_therapies",
    "radiotherapy_phases",
    "register_type_strategies",
    "schema_1_documents",
    "site_findings",
    "stages",
]


# --- st.from_type registration -----------------------------------------------------------


def register_type_strategies() -> None:
    """Register every case type for :func:`hypothesis.strategies.from_type`.

    Registers resolver functions only (the package's Hypothesis entry point does the same);
    strategies are built when first drawn from. Safe to call more than once.

    >>> register_type_strategies()
    >>> from ascc_salvage.case import Case
    >>> isinstance(st.from_type(Case), SearchStrategy)
    True
    """
    from ascc_salvage.testing._hypothesis_hook import register

    register()


from hypothesis import assume  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.strategies import SearchStrategy  # noqa: E402

#: Day from the start of chemoradiotherapy at which residual disease counts as persistent
#: (clinical pathway §2: day ≥ 182 is ≥ 26 weeks).
ASSESSMENT_WINDOW_DAYS: Final = 182


#: Range of dates the strategies draw from unless told otherwise.
MIN_DATE: Final = dt.date(1990, 1, 1)
MAX_DATE: Final = dt.date(2060, 12, 31)

_M = TypeVar("_M", bound=Measurement)
_T = TypeVar("_T")

_RESIDUAL: Final = (Finding.REGRESSING, Finding.STABLE)
_NOT_OPENING: Final = (Finding.REGRESSING, Finding.STABLE, Finding.EQUIVOCAL)
_OPENERS: Final = (Finding.PROGRESSION, Finding.RECURRENCE)
_NON_MALIGNANT_BIOPSY: Final = (Biopsy.NEGATIVE, Biopsy.HSIL_ONLY, Biopsy.NON_VIABLE)


# --- small helpers -----------------------------------------------------------------------


def _nullable(
    strategy: SearchStrategy[_T], *, allow_null: bool = True
) -> SearchStrategy[_T | None]:
    return st.none() | strategy if allow_null else strategy


def _units_of(kind: UnitKind) -> tuple[str, ...]:
    return tuple(text for text, entry in CASE_UNITS.items() if entry.kind is kind)


def _measurements(
    cls: type[_M],
    *,
    low: float,
    high: float,
    low_exclusive: bool = False,
    units: Sequence[str] | None = None,
) -> SearchStrategy[_M]:
    """Measurements of *cls* whose canonical value lies in [low, high] (or (low, high])."""
    allowed = _units_of(cls.KIND)
    chosen = tuple(allowed if units is None else units)
    for unit in chosen:
        if unit not in allowed:
            raise ValueError(f"{unit!r} is not a {cls.KIND} unit of the case format")
    if not low <= high or (low_exclusive and low == high):
        raise ValueError(f"empty range [{low}, {high}]")

    def inside(canonical: float) -> bool:
        above = canonical > low if low_exclusive else canonical >= low
        return above and canonical <= high

    def values_in(unit: str) -> SearchStrategy[_M]:
        factor = CASE_UNITS[unit].to_canonical
        lo, hi = low / factor, high / factor
        numbers: SearchStrategy[float] = st.floats(
            min_value=lo,
            max_value=hi,
            exclude_min=low_exclusive,
            allow_nan=False,
            allow_infinity=False,
        )
        int_lo, int_hi = int(lo) + (0 if float(int(lo)) >= lo else 1), int(hi)
        if int_lo <= int_hi:
            numbers = st.integers(int_lo, int_hi) | numbers
        return numbers.filter(lambda v: inside(v * factor)).map(lambda v: cls(v, unit))

    return st.sampled_from(chosen).flatmap(values_in)


def lengths(
    *, min_cm: float = 0.0, max_cm: float = 250.0, units: Sequence[str] | None = None
) -> SearchStrategy[Length]:
    """Lengths greater than *min_cm* and at most *max_cm*, in any allowed length unit.

    Args:
        min_cm: Exclusive lower bound in cm (lengths in the case format are positive).
        max_cm: Inclusive upper bound in cm.
        units: Restrict the unit strings (default: ``cm``, ``mm``, ``in``, ``[in_i]``).
    """
    return _measurements(Length, low=min_cm, high=max_cm, low_exclusive=True, units=units)


def masses(
    *, min_kg: float = 20.0, max_kg: float = 400.0, units: Sequence[str] | None = None
) -> SearchStrategy[Mass]:
    """Body masses within [*min_kg*, *max_kg*] (the weight bounds by default), any mass unit."""
    return _measurements(Mass, low=min_kg, high=max_kg, units=units)


def creatinines(
    *, min_mg_dl: float = 0.1, max_mg_dl: float = 25.0, units: Sequence[str] | None = None
) -> SearchStrategy[Creatinine]:
    """Serum creatinine within [*min_mg_dl*, *max_mg_dl*] mg/dL, in mg/dL or any µmol/L spelling."""
    return _measurements(Creatinine, low=min_mg_dl, high=max_mg_dl, units=units)


def cell_counts(
    *, min_per_ul: float = 0.0, max_per_ul: float = 5000.0, units: Sequence[str] | None = None
) -> SearchStrategy[CellCount]:
    """CD4 cell counts within [*min_per_ul*, *max_per_ul*] cells/µL, any cell-count unit."""
    return _measurements(CellCount, low=min_per_ul, high=max_per_ul, units=units)


def doses(
    *, min_gy: float = 0.0, max_gy: float = 100.0, units: Sequence[str] | None = None
) -> SearchStrategy[Dose]:
    """Radiation doses greater than *min_gy* and at most *max_gy* Gy, in ``Gy`` or ``cGy``."""
    return _measurements(Dose, low=min_gy, high=max_gy, low_exclusive=True, units=units)


@st.composite
def _course(
    draw: st.DrawFn,
    *,
    max_fractions: int = 40,
    max_total_gy: float = 80.0,
    per_fraction_gy: tuple[float, float] = DOSE_PER_FRACTION_GY,
    units: Sequence[str] | None = None,
) -> tuple[Dose, int]:
    """A total dose (at most *max_total_gy*) and its fractions, dose per fraction in bounds."""
    low, high = per_fraction_gy
    fractions = draw(st.integers(1, max(1, min(max_fractions, int(max_total_gy / low)))))
    top = min(high * fractions, max_total_gy)
    dose = draw(
        _measurements(Dose, low=low * fractions, high=top, units=units).filter(
            lambda d: low <= d.canonical / fractions <= high and d.canonical <= max_total_gy
        )
    )
    return dose, fractions


def _unique_enums(
    values: Sequence[_T], *, max_size: int | None = None
) -> SearchStrategy[tuple[_T, ...]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size).map(tuple)


def case_dates(
    *, min_value: dt.date = MIN_DATE, max_value: dt.date = MAX_DATE
) -> SearchStrategy[dt.date]:
    """Dates within [*min_value*, *max_value*] (1990–2060 by default)."""
    return st.dates(min_value=min_value, max_value=max_value)


# --- patient -----------------------------------------------------------------------------


def hivs(*, full_inputs: bool = False) -> SearchStrategy[Hiv]:
    """HIV status objects; with *full_inputs* the CD4 count and viral load are never null.

    The viral load is recorded only for status ``positive`` (P15), so *full_inputs* implies
    a positive status.
    """
    nullable = not full_inputs
    statuses = (HivStatus.POSITIVE,) if full_inputs else tuple(HivStatus)
    return st.sampled_from(statuses).flatmap(
        lambda status: st.builds(
            Hiv,
            status=st.just(status),
            cd4_count=_nullable(cell_counts(), allow_null=nullable),
            # Viral load is recorded only in HIV infection (P15).
            viral_load_undetectable=(
                _nullable(st.booleans(), allow_null=nullable)
                if status is HivStatus.POSITIVE
                else st.none()
            ),
        )
    )


def patients(
    *, full_inputs: bool = False, unsupported: bool = False, preferences: bool = False
) -> SearchStrategy[Patient]:
    """Valid patients.

    Args:
        full_inputs: Every schema 1 field non-null (optional ones included, and the HIV
            details): the most demanding input for calculators and rules, used by benchmarks.
        unsupported: Also draw the other schema 2 values (new conditions, liver tests,
            measured GFR, dialysis …), and those of *preferences*.
        preferences: Also draw declined modalities, a preference for a clinical trial and the
            clinical frailty scale (clinical pathway v3 §2.3, §2.4), which the engine reads.
    """
    nullable = not full_inputs

    def maybe(strategy: SearchStrategy[_T]) -> SearchStrategy[_T | None]:
        return _nullable(strategy, allow_null=nullable)

    numbers: SearchStrategy[float] = st.integers(0, 100) | st.floats(
        0, 100, allow_nan=False, allow_infinity=False
    )
    # Pregnancy is added with the sex in view (P16).
    conditions = (
        tuple(c for c in Condition if c is not Condition.PREGNANCY)
        if unsupported
        else SCHEMA_1_CONDITIONS
    )
    return (
        st.builds(
            Patient,
            age_years=maybe(st.integers(18, 120)),
            sex=maybe(st.sampled_from(Sex)),
            ecog=st.just(None),
            karnofsky=st.just(None),
            weight=st.just(None),
            height=st.just(None),
            serum_creatinine=maybe(creatinines()),
            fit_for_major_surgery=maybe(st.booleans()),
            accepts_permanent_colostomy=maybe(st.booleans()),
            hiv=hivs(full_inputs=full_inputs),
            pd_l1_cps=maybe(numbers),
            conditions=maybe(_unique_enums(conditions)),
            frail=maybe(st.booleans()),
            declines_active_treatment=maybe(st.booleans()),
        )
        .flatmap(lambda patient: _performance_and_size(patient, nullable=nullable))
        .flatmap(
            lambda patient: _schema_2_patient(
                patient, unsupported=unsupported, preferences=preferences or unsupported
            )
        )
    )


#: Conditions a DPYD activity score rules out (P16), by score.
_DPD_CONDITIONS: Final = (Condition.DPD_DEFICIENCY_COMPLETE, Condition.DPD_DEFICIENCY_PARTIAL)


@st.composite
def _schema_2_patient(
    draw: st.DrawFn, patient: Patient, *, unsupported: bool, preferences: bool
) -> Patient:
    """*patient* with the schema 2 fields drawn, consistent with the schema 1 ones (P16)."""
    conditions = patient.conditions or ()
    if (
        unsupported
        and patient.conditions is not None
        and patient.sex is not Sex.MALE  # P16
        and draw(st.booleans())
    ):
        conditions = (*conditions, Condition.PREGNANCY)
        patient = attrs.evolve(patient, conditions=conditions)
    scores: list[float] = [2.0]
    if unsupported:
        scores = [0.0, 0.5, 1.0, 1.5, 2.0]
    scores = [
        score
        for score in scores
        if not (
            (Condition.DPD_DEFICIENCY_COMPLETE in conditions and score >= 1)
            or (Condition.DPD_DEFICIENCY_PARTIAL in conditions and (score <= 0.5 or score == 2))
        )
    ]
    score = draw(_nullable(st.sampled_from(scores))) if scores and unsupported else None
    scale = draw(_nullable(st.integers(1, 9))) if preferences else None
    contradicts = scale is not None and scale >= FRAIL_CFS and patient.frail is False  # P16
    frail = None if contradicts else patient.frail
    # Tests with their provenance are drawn with the case (their dates depend on it).
    cps = patient.pd_l1_cps
    tests = () if cps is None else (PdL1Test(cps=cps),)  # the upgraded form
    markers = Biomarkers(
        pd_l1=tests,
        hpv=draw(_nullable(st.sampled_from(MarkerStatus))) if unsupported else None,
        p16=draw(_nullable(st.sampled_from(MarkerStatus))) if unsupported else None,
        mmr_msi=draw(_nullable(st.sampled_from(MismatchRepair))) if unsupported else None,
        tmb_mut_per_mb=(
            draw(_nullable(st.floats(0, 1000, allow_nan=False))) if unsupported else None
        ),
    )
    liver = draw(hepatic_functions()) if unsupported else HepaticFunction()
    gfr = draw(_nullable(glomerular_filtration_rates())) if unsupported else None
    return attrs.evolve(
        patient,
        frail=frail,
        dpyd_activity_score=score,
        clinical_frailty_scale=scale,
        declines=draw(_unique_enums(tuple(Modality))) if preferences else (),
        prefers_clinical_trial=draw(_nullable(st.booleans())) if preferences else None,
        measured_gfr=gfr,
        dialysis=draw(_nullable(st.booleans())) if unsupported else None,
        hepatic_function=liver,
        biomarkers=markers,
    )


def pd_l1_tests(
    *, latest: dt.date = MAX_DATE, crt_start: dt.date | None = None
) -> SearchStrategy[PdL1Test]:
    """PD-L1 tests dated at most on *latest*.

    Recurrence and metastasis specimens are dated on or after *crt_start* (P17).
    """
    return _pd_l1_tests(latest=latest, crt_start=crt_start)


def biomarker_panels(*, latest: dt.date = MAX_DATE) -> SearchStrategy[Biomarkers]:
    """Biomarker panels (schema 2).

    Up to three PD-L1 tests dated at most on *latest*; the other markers each possibly null.
    """
    return st.builds(
        Biomarkers,
        pd_l1=st.lists(pd_l1_tests(latest=latest), max_size=3).map(tuple),
        hpv=_nullable(st.sampled_from(MarkerStatus)),
        p16=_nullable(st.sampled_from(MarkerStatus)),
        mmr_msi=_nullable(st.sampled_from(MismatchRepair)),
        tmb_mut_per_mb=_nullable(st.floats(0, 1000, allow_nan=False)),
    )


def hepatic_functions() -> SearchStrategy[HepaticFunction]:
    """Liver tests (schema 2) as multiples of the upper limit of normal, each possibly null."""
    ratio = _nullable(st.floats(0, 50, allow_nan=False) | st.integers(0, 50))
    return st.builds(
        HepaticFunction, bilirubin_x_uln=ratio, ast_x_uln=ratio, alt_x_uln=ratio, alp_x_uln=ratio
    )


def glomerular_filtration_rates() -> SearchStrategy[GlomerularFiltrationRate]:
    """Measured GFR (schema 2), absolute or indexed to 1.73 m², 1–200 in its unit."""
    return _measurements(GlomerularFiltrationRate, low=1, high=200)


def site_findings() -> SearchStrategy[SiteFinding]:
    """Findings at one site of an assessment (schema 2); a nodal station only at pelvic nodes.

    Within a case a site finding must also agree with its assessment (P11): :func:`cases`
    draws them so.
    """
    return st.sampled_from(Site).flatmap(
        lambda site: st.builds(
            SiteFinding,
            site=st.just(site),
            finding=st.sampled_from(LesionFinding),
            biopsy=st.sampled_from(Biopsy),
            laterality=_nullable(st.sampled_from(Laterality)),
            station=(
                _nullable(st.sampled_from(NodalStation)) if site is Site.PELVIC_NODES else st.none()
            ),
        )
    )


def disease_symptoms() -> SearchStrategy[DiseaseSymptom]:
    """A symptom at a site (schema 2).

    Within a case the site must be a listed one (P18): :func:`cases` draws them so.
    """
    return st.builds(DiseaseSymptom, symptom=st.sampled_from(Symptom), site=st.sampled_from(Site))


@st.composite
def _pd_l1_tests(draw: st.DrawFn, *, latest: dt.date, crt_start: dt.date | None) -> PdL1Test:
    specimen = draw(_nullable(st.sampled_from(PdL1Specimen)))
    earliest = MIN_DATE
    if specimen in (PdL1Specimen.RECURRENCE, PdL1Specimen.METASTASIS) and crt_start:
        earliest = crt_start
    date = draw(_nullable(case_dates(min_value=earliest, max_value=latest)))
    return PdL1Test(
        cps=draw(st.integers(0, 100) | st.floats(0, 100, allow_nan=False)),
        assay=draw(_nullable(st.sampled_from(PdL1Assay))),
        specimen=specimen,
        date=date,
    )


@st.composite
def _performance_and_size(draw: st.DrawFn, patient: Patient, *, nullable: bool) -> Patient:
    """ECOG and Karnofsky at most one grade apart (P7); BMI within 10–100 kg/m² (P9)."""
    from ascc_salvage.calculators.performance import ecog_from_karnofsky

    def maybe(strategy: SearchStrategy[_T]) -> SearchStrategy[_T | None]:
        return _nullable(strategy, allow_null=nullable)

    ecog = draw(maybe(st.integers(0, 5)))
    scores = [k * 10 for k in range(11)]
    if ecog is not None:
        scores = [k for k in scores if abs(ecog_from_karnofsky(k) - ecog) < 2]
    height = draw(maybe(_measurements(Length, low=100.0, high=250.0)))
    low_kg, high_kg = 20.0, 400.0
    if height is not None:
        metres = height.canonical / 100.0
        low_bmi, high_bmi = BMI_RANGE
        low_kg, high_kg = max(low_kg, low_bmi * metres**2), min(high_kg, high_bmi * metres**2)
    return attrs.evolve(
        patient,
        ecog=ecog,
        karnofsky=draw(maybe(st.sampled_from(scores))),
        height=height,
        weight=draw(maybe(masses(min_kg=low_kg * 1.001, max_kg=high_kg * 0.999))),
    )


# --- primary -----------------------------------------------------------------------------


def stages() -> SearchStrategy[Stage]:
    """TNM stages at diagnosis (any combination of the vocabularies)."""
    return st.builds(
        Stage,
        t=st.sampled_from(TCategory),
        n=st.sampled_from(NCategory),
        m=st.sampled_from(MCategory),
        prefix=st.sampled_from(StagePrefix),
        edition=st.sampled_from(Edition),
    )


def chemoradiotherapies(
    *,
    start_date: SearchStrategy[dt.date] | None = None,
    max_duration_days: int = 70,
    unsupported: bool = False,
    agents: bool = False,
) -> SearchStrategy[Chemoradiotherapy]:
    """Chemoradiotherapy courses (end ≥ start, dose per fraction 0.5–25 Gy).

    A groin dose is given only when ``groins_irradiated`` is not false, and
    ``groin_fractions`` only together with a groin dose.

    Args:
        start_date: Strategy for the start date (default :func:`case_dates`).
        max_duration_days: Largest number of days from start to end.
        unsupported: Also draw radiosensitising agents and radiotherapy phases (schema 2;
            the phases add up to the course as the case format requires).
        agents: Also draw radiosensitising agents (schema 2; read by the systemic rules).
    """
    return _chemoradiotherapies(
        start_date=start_date,
        max_duration_days=max_duration_days,
        unsupported=unsupported,
        agents=agents,
    )


@st.composite
def _chemoradiotherapies(
    draw: st.DrawFn,
    *,
    start_date: SearchStrategy[dt.date] | None,
    max_duration_days: int,
    unsupported: bool,
    agents: bool = False,
) -> Chemoradiotherapy:
    start = draw(
        start_date if start_date is not None else case_dates(max_value=dt.date(2055, 1, 1))
    )
    days = draw(st.integers(0, min(max_duration_days, MAX_CRT_SPAN_DAYS)))  # P2
    end = start + dt.timedelta(days=days)
    most = min(_bound(Chemoradiotherapy, "fractions"), MAX_FRACTIONS_PER_DAY * (days + 1))  # P1
    dose, fractions = draw(_course(max_fractions=most))
    groins = draw(_nullable(st.booleans()))
    groin_dose: Dose | None = None
    groin_fractions: int | None = None
    if groins is not False and draw(st.booleans()):
        if draw(st.booleans()):
            groin_most = _bound(Chemoradiotherapy, "groin_dose")
            groin_dose, groin_fractions = draw(_course(max_fractions=most, max_total_gy=groin_most))
        else:
            groin_dose = draw(doses(max_gy=_bound(Chemoradiotherapy, "groin_dose")))
    drawn_agents = None
    phases: tuple[RadiotherapyPhase, ...] = ()
    if unsupported or agents:
        drawn_agents = draw(_nullable(_unique_enums(tuple(RadiosensitisingAgent))))
    if unsupported and draw(st.booleans()):
        phases = draw(_phases(dose, fractions, groins=groins is not False and not groin_dose))
    return Chemoradiotherapy(
        start_date=start,
        end_date=end,
        dose=dose,
        fractions=fractions,
        groins_irradiated=groins,
        groin_dose=groin_dose,
        groin_fractions=groin_fractions,
        agents=drawn_agents,
        phases=phases,
    )


def _phase(
    sequence: int, technique: PhaseTechnique, target: PhaseTarget, dose: Dose, fractions: int
) -> RadiotherapyPhase:
    return RadiotherapyPhase(
        sequence=sequence, technique=technique, target=target, dose=dose, fractions=fractions
    )


def radiotherapy_phases(
    dose: Dose, fractions: int, *, groins: bool = False
) -> SearchStrategy[tuple[RadiotherapyPhase, ...]]:
    """Phases of a primary chemoradiotherapy of *dose* in *fractions* (schema 2).

    One or two sequences on the primary add up to the course, as the case format requires.
    The second sequence has its own technique, so an external-beam course with a
    brachytherapy boost is drawn as often as a single technique. Beside the first sequence a
    pelvic-node phase (a simultaneous integrated plan, 0.5–2.5 Gy per fraction) and, with
    *groins*, a groin phase may run.

    Args:
        dose: The course's total dose (the primary phases sum to it).
        fractions: The course's fractions (the primary phases' fractions sum to them).
        groins: Whether a groin phase may be drawn (``groins_irradiated`` not false and no
            ``groin_dose`` to match).
    """
    return _phases(dose, fractions, groins=groins)


def _one_radiotherapy_phase() -> SearchStrategy[RadiotherapyPhase]:
    """One phase of a drawn 1.8 Gy-per-fraction course (``st.from_type(RadiotherapyPhase)``)."""
    return (
        st.integers(15, 33)
        .flatmap(lambda fractions: radiotherapy_phases(Dose(1.8 * fractions, "Gy"), fractions))
        .flatmap(st.sampled_from)
    )


@st.composite
def _phases(
    draw: st.DrawFn, dose: Dose, fractions: int, *, groins: bool
) -> tuple[RadiotherapyPhase, ...]:
    """Phases adding up to *dose* in *fractions* (one or two sequences on the primary)."""
    technique = draw(st.sampled_from(PhaseTechnique))
    first = draw(st.integers(1, fractions))
    first_gy = dose.canonical * first / fractions
    phases = [_phase(1, technique, PhaseTarget.PRIMARY, Dose(first_gy, "Gy"), first)]
    if draw(st.booleans()):
        nodes_gy = draw(st.floats(0.5 * first, 2.5 * first, allow_nan=False))
        phases.append(_phase(1, technique, PhaseTarget.PELVIC_NODES, Dose(nodes_gy, "Gy"), first))
    if groins and draw(st.booleans()):
        groin_gy = draw(st.floats(0.5 * first, 2.5 * first, allow_nan=False))
        phases.append(_phase(1, technique, PhaseTarget.GROINS, Dose(groin_gy, "Gy"), first))
    if first < fractions:
        boost = draw(st.sampled_from(PhaseTechnique))  # e.g. EBRT, then a brachytherapy boost
        rest = Dose(dose.canonical - first_gy, "Gy")
        phases.append(_phase(2, boost, PhaseTarget.PRIMARY, rest, fractions - first))
    return tuple(phases)


def primaries(
    *, chemoradiotherapy: SearchStrategy[Chemoradiotherapy | None] | None = None
) -> SearchStrategy[Primary]:
    """Primary tumours; *chemoradiotherapy* defaults to a course or null (untreated)."""
    crt = chemoradiotherapy if chemoradiotherapy is not None else _nullable(chemoradiotherapies())
    return st.builds(
        Primary, site=st.sampled_from(PrimarySite), stage=stages(), chemoradiotherapy=crt
    )


def assessments(
    *,
    date: SearchStrategy[dt.date] | None = None,
    findings: Sequence[Finding] | None = None,
    biopsies: Sequence[Biopsy] | None = None,
) -> SearchStrategy[Assessment]:
    """Single assessments (for whole timelines in date order use :func:`cases`)."""
    finding_choices = tuple(findings) if findings is not None else tuple(Finding)
    biopsy_choices = tuple(biopsies) if biopsies is not None else tuple(Biopsy)

    @st.composite
    def build(draw: st.DrawFn) -> Assessment:
        finding = draw(st.sampled_from(finding_choices))
        allowed = [b for b in biopsy_choices if _compatible(finding, b)]
        if not allowed:  # pragma: no cover - only complete_response with biopsies=[positive]
            raise ValueError("a complete response cannot have a positive biopsy")
        when = draw(date if date is not None else case_dates())
        return Assessment(date=when, finding=finding, biopsy=draw(st.sampled_from(allowed)))

    return build()


def _compatible(finding: Finding, biopsy: Biopsy) -> bool:
    """A positive biopsy contradicts a complete response (P11)."""
    return not (finding is Finding.COMPLETE_RESPONSE and biopsy is Biopsy.POSITIVE)


# --- current disease ---------------------------------------------------------------------


def disease_sites(
    *, site: Site | None = None, unsupported: bool = False
) -> SearchStrategy[DiseaseSite]:
    """Sites of current disease (a nodal station only for ``pelvic_nodes``).

    Args:
        site: Fix the site (default: any schema 1 site).
        unsupported: Also draw the sites new in schema 2 (``perineum`` …).
    """
    return _disease_sites(site=site, unsupported=unsupported)


@st.composite
def _disease_sites(draw: st.DrawFn, *, site: Site | None, unsupported: bool) -> DiseaseSite:
    choices = tuple(Site) if unsupported else SCHEMA_1_SITES
    chosen = site if site is not None else draw(st.sampled_from(choices))
    station = (
        draw(_nullable(st.sampled_from(NodalStation))) if chosen is Site.PELVIC_NODES else None
    )
    return DiseaseSite(
        site=chosen,
        size=draw(_nullable(lengths(min_cm=0.1, max_cm=30.0))),
        lesions=draw(st.integers(1, 50)),
        laterality=draw(_nullable(st.sampled_from(Laterality))),
        station=station,
    )


def diseases(
    *,
    sites: SearchStrategy[tuple[DiseaseSite, ...]] | None = None,
    max_sites: int = 4,
    unsupported: bool = False,
) -> SearchStrategy[Disease]:
    """Current disease (at least one site).

    Symptoms are null (not recorded) unless *unsupported*, which also draws symptoms (at
    listed sites, P18) and the sites new in schema 2.
    """
    site_tuples = (
        sites
        if sites is not None
        else st.lists(
            disease_sites(unsupported=unsupported),
            min_size=1,
            max_size=max_sites,
            unique_by=lambda s: (s.site, s.laterality, s.station),  # P13
        ).map(tuple)
    )
    return st.builds(
        Disease,
        restaged=_nullable(st.booleans()),
        sites=site_tuples,
        invaded_structures=_unique_enums(tuple(InvadedStructure), max_size=5),
        resectable=_nullable(st.booleans()),
        expected_margin=st.just(None),
        all_lesions_locally_treatable=_nullable(st.booleans()),
    ).flatmap(
        lambda disease: st.tuples(
            _nullable(
                # A margin is expected only for resectable disease (P12).
                st.sampled_from(tuple(Margin) if disease.resectable is not False else (Margin.R2,))
            ),
            _symptoms(disease, unsupported=unsupported),
        ).map(lambda drawn: attrs.evolve(disease, expected_margin=drawn[0], symptoms=drawn[1]))
    )


def _symptoms(
    disease: Disease, *, unsupported: bool
) -> SearchStrategy[tuple[DiseaseSymptom, ...] | None]:
    """Symptoms at the listed sites of *disease*, no pair twice (P18)."""
    if not unsupported:
        return st.none()
    pairs = st.builds(
        DiseaseSymptom,
        symptom=st.sampled_from(Symptom),
        site=st.sampled_from([item.site for item in disease.sites]),
    )
    return _nullable(
        st.lists(pairs, max_size=3, unique_by=lambda x: (x.symptom, x.site)).map(tuple)
    )


# --- history and facility ----------------------------------------------------------------


def prior_salvage_surgeries(
    *, date: SearchStrategy[dt.date] | None = None
) -> SearchStrategy[PriorSalvageSurgery]:
    """Salvage operations in the history."""
    return st.builds(
        PriorSalvageSurgery,
        date=date if date is not None else case_dates(),
        procedure=st.sampled_from(SurgeryProcedure),
        margin=_nullable(st.sampled_from(Margin)),
    )


def prior_systemic_therapies(
    *,
    latest: dt.date = MAX_DATE,
    regimen: OptionId | OtherRegimen | None = None,
    unsupported: bool = False,
    agents: bool = False,
) -> SearchStrategy[PriorSystemicTherapy]:
    """Prior systemic therapies with every date at most *latest*.

    ``end_date`` is null only when the outcome is ``ongoing``; ``platinum_end_date`` lies
    between start and end; ``agents`` are given exactly for the regimen ``"other"``.

    Args:
        latest: Latest date allowed (the evaluation date of the case).
        regimen: Fix the regimen (default: any systemic option id, or with *unsupported*
            also ``"other"``).
        unsupported: Also draw the regimen ``"other"`` (schema 2).
        agents: Also draw the regimen ``"other"``, ``cycles`` and ``best_response`` (schema
            2; read by the systemic rules).
    """
    return _prior_systemic_therapies(
        latest=latest, regimen=regimen, unsupported=unsupported or agents
    )


@st.composite
def _prior_systemic_therapies(
    draw: st.DrawFn, *, latest: dt.date, regimen: OptionId | OtherRegimen | None, unsupported: bool
) -> PriorSystemicTherapy:
    start = draw(case_dates(max_value=latest))
    outcome = draw(st.sampled_from(TherapyOutcome))
    end: dt.date | None = draw(case_dates(min_value=start, max_value=latest))
    if outcome is TherapyOutcome.ONGOING and draw(st.booleans()):
        end = None
    platinum_end = None
    if draw(st.booleans()):
        platinum_end = draw(case_dates(min_value=start, max_value=end or latest))
    regimens: tuple[OptionId | OtherRegimen, ...] = SYSTEMIC_OPTIONS
    if unsupported:
        regimens = (*SYSTEMIC_OPTIONS, OtherRegimen.OTHER)
    chosen = regimen if regimen is not None else draw(st.sampled_from(regimens))
    agents = cycles = best_response = None
    if unsupported:
        cycles = draw(_nullable(st.integers(1, 100)))
        best_response = draw(_nullable(st.sampled_from(BestResponse)))
    if chosen is OtherRegimen.OTHER:
        agents = draw(
            st.lists(st.sampled_from(SystemicAgent), min_size=1, max_size=4, unique=True).map(tuple)
        )
    return PriorSystemicTherapy(
        regimen=chosen,
        setting=draw(st.sampled_from(TherapySetting)),
        start_date=start,
        end_date=end,
        outcome=outcome,
        platinum_end_date=platinum_end,
        agents=agents,
        cycles=cycles,
        best_response=best_response,
    )


def prior_radiotherapies(
    *, latest: dt.date = MAX_DATE, unsupported: bool = False
) -> SearchStrategy[PriorRadiotherapy]:
    """Radiotherapy courses other than the primary CRT, ended at most on *latest*.

    Args:
        latest: Latest end date allowed (the evaluation date of the case).
        unsupported: Also draw techniques other than ``conventional`` (schema 2): SABR,
            brachytherapy, IORT; an LDR course is one fraction of up to 160 Gy (P3).
    """
    return _prior_radiotherapies(latest=latest, unsupported=unsupported)


@st.composite
def _prior_radiotherapies(
    draw: st.DrawFn, *, latest: dt.date, unsupported: bool
) -> PriorRadiotherapy:
    region = draw(st.sampled_from(RadiotherapyRegion))
    technique = draw(_nullable(st.sampled_from(RadiotherapyTechnique))) if unsupported else None
    if technique is RadiotherapyTechnique.LDR_BRACHYTHERAPY:  # P3: one fraction, ≤ 160 Gy
        dose, fractions = draw(doses(max_gy=LDR_MAX_TOTAL_GY)), 1
    else:
        per_fraction = (
            OTHER_DOSE_PER_FRACTION_GY
            if region is RadiotherapyRegion.OTHER
            else DOSE_PER_FRACTION_GY
        )
        dose, fractions = draw(  # P3
            _course(max_total_gy=MAX_PRIOR_TOTAL_GY, per_fraction_gy=per_fraction)
        )
    return PriorRadiotherapy(
        region=region,
        end_date=draw(case_dates(max_value=latest)),
        dose=dose,
        fractions=fractions,
        technique=technique,
    )


def facilities(*, unsupported: bool = False, preferences: bool = False) -> SearchStrategy[Facility]:
    """What the facility offers (each flag true, false or unknown).

    Re-irradiation expertise is unknown (null) unless *unsupported*; trial availability
    (clinical pathway v3 §5.6) unless *unsupported* or *preferences*.
    """
    new = _nullable(st.booleans()) if unsupported else st.none()
    trials = _nullable(st.booleans()) if unsupported or preferences else st.none()
    return st.builds(
        Facility,
        iort_available=_nullable(st.booleans()),
        exenteration_centre=_nullable(st.booleans()),
        clinical_trial_available=trials,
        reirradiation_expertise=new,
    )


# --- timelines and whole cases -----------------------------------------------------------


@st.composite
def _sorted_dates(draw: st.DrawFn, low: dt.date, high: dt.date, count: int) -> list[dt.date]:
    """*count* dates in [low, high] in ascending order (repeats allowed)."""
    span = (high - low).days
    offsets = draw(st.lists(st.integers(0, span), min_size=count, max_size=count))
    return [low + dt.timedelta(days=o) for o in sorted(offsets)]


def _day(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)


_Timeline = tuple[dt.date, list[Assessment], list[PriorSalvageSurgery]]


@st.composite
def _free_timeline(
    draw: st.DrawFn, crt: Chemoradiotherapy | None, *, during_crt: bool = False
) -> _Timeline:
    """Any valid timeline: (evaluation date, assessments, surgeries).

    With *during_crt*, assessments (and the evaluation date) may also fall during CRT.
    """
    if crt is None:
        first = draw(case_dates(max_value=dt.date(2055, 1, 1)))
    elif during_crt and draw(st.booleans()):
        first = crt.start_date
    else:
        first = crt.end_date
    evaluation = first + dt.timedelta(
        days=draw(st.integers(0, 2500) | st.sampled_from((180, 181, 182, 183)))
    )
    count = draw(st.integers(0, 6))
    dates = draw(_sorted_dates(first, evaluation, count))
    items = [draw(assessments(date=st.just(d))) for d in dates]
    # A salvage procedure follows the start of CRT (P10).
    earliest = crt.start_date if crt is not None else MIN_DATE
    surgeries = draw(
        st.lists(
            prior_salvage_surgeries(date=case_dates(min_value=earliest, max_value=evaluation)),
            max_size=2,
        )
    )
    return evaluation, items, surgeries


@st.composite
def _hinted_timeline(draw: st.DrawFn, crt: Chemoradiotherapy, hint: DiseaseStatus) -> _Timeline:
    """A timeline whose disease status (clinical pathway §2) is *hint*."""
    start, end = crt.start_date, crt.end_date
    window = _day(start, ASSESSMENT_WINDOW_DAYS)
    if window <= end:  # pragma: no cover - courses last at most 70 days
        raise ValueError("chemoradiotherapy longer than the assessment window")
    before_window = _day(start, ASSESSMENT_WINDOW_DAYS - 1)
    late = _day(start, 5 * 365)

    def findings(count: int, choices: Sequence[Finding]) -> list[Finding]:
        return [draw(st.sampled_from(choices)) for _ in range(count)]

    def biopsy(finding: Finding) -> Biopsy:
        drawn: Biopsy = draw(st.sampled_from([b for b in Biopsy if _compatible(finding, b)]))
        return drawn

    surgeries: list[PriorSalvageSurgery] = []
    if hint in (DiseaseStatus.TOO_EARLY_TO_ASSESS, DiseaseStatus.ASSESSMENT_DUE):
        count = draw(st.integers(0, 3))
        dates = draw(_sorted_dates(end, before_window, count))
        kinds = findings(count, _NOT_OPENING)
        items = [
            Assessment(date=d, finding=f, biopsy=biopsy(f))
            for d, f in zip(dates, kinds, strict=True)
        ]
        if hint is DiseaseStatus.TOO_EARLY_TO_ASSESS:
            earliest = dates[-1] if dates else end
            evaluation = draw(case_dates(min_value=earliest, max_value=before_window))
        else:
            evaluation = draw(case_dates(min_value=window, max_value=late))
        return evaluation, items, surgeries

    if hint in (DiseaseStatus.EQUIVOCAL, DiseaseStatus.PERSISTENT):
        count = draw(st.integers(0, 3))
        dates = draw(_sorted_dates(end, window, count))
        items = [
            Assessment(date=d, finding=f, biopsy=biopsy(f))
            for d, f in zip(dates, findings(count, _NOT_OPENING), strict=True)
        ]
        last_date = draw(case_dates(min_value=max([window, *dates]), max_value=late))
        if hint is DiseaseStatus.PERSISTENT:
            last = Assessment(
                date=last_date,
                finding=draw(st.sampled_from(_RESIDUAL)),
                biopsy=draw(st.sampled_from((Biopsy.POSITIVE, Biopsy.NOT_DONE))),
            )
        elif draw(st.booleans()):
            last = Assessment(
                date=last_date, finding=Finding.EQUIVOCAL, biopsy=biopsy(Finding.EQUIVOCAL)
            )
        else:
            last = Assessment(
                date=last_date,
                finding=draw(st.sampled_from(_RESIDUAL)),
                biopsy=draw(st.sampled_from(_NON_MALIGNANT_BIOPSY)),
            )
        items.append(last)
        evaluation = draw(case_dates(min_value=last_date, max_value=late))
        return evaluation, items, surgeries

    if hint is DiseaseStatus.COMPLETE_CLINICAL_RESPONSE:
        count = draw(st.integers(0, 4))
        dates = draw(_sorted_dates(end, late, count + 1))
        kinds = [*findings(count, tuple(Finding)), Finding.COMPLETE_RESPONSE]
        items = [
            Assessment(date=d, finding=f, biopsy=biopsy(f))
            for d, f in zip(dates, kinds, strict=True)
        ]
        evaluation = draw(case_dates(min_value=dates[-1], max_value=late))
        return evaluation, items, surgeries

    if hint in (DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT):
        before, after = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        if hint is DiseaseStatus.PROGRESSIVE:
            head = findings(before, _NOT_OPENING)
            opener = Finding.PROGRESSION
        elif draw(st.booleans()):  # recurrence, with or without an earlier CR
            head = findings(before, (*_NOT_OPENING, Finding.COMPLETE_RESPONSE))
            opener = Finding.RECURRENCE
        else:  # progression after a complete response
            head = [*findings(before, _NOT_OPENING), Finding.COMPLETE_RESPONSE]
            opener = Finding.PROGRESSION
        tail = findings(after, (*_NOT_OPENING, *_OPENERS))
        kinds = [*head, opener, *tail]
        dates = draw(_sorted_dates(end, late, len(kinds)))
        items = [
            Assessment(date=d, finding=f, biopsy=biopsy(f))
            for d, f in zip(dates, kinds, strict=True)
        ]
        evaluation = draw(case_dates(min_value=dates[-1], max_value=late))
        return evaluation, items, surgeries

    if hint is DiseaseStatus.NO_EVIDENCE_OF_DISEASE:
        count = draw(st.integers(0, 4))
        dates = draw(_sorted_dates(end, late, count))
        items = [
            Assessment(date=d, finding=f, biopsy=biopsy(f))
            for d, f in zip(dates, findings(count, tuple(Finding)), strict=True)
        ]
        first_free = _day(dates[-1], 1) if dates else end
        surgery_date = draw(case_dates(min_value=first_free, max_value=_day(first_free, 400)))
        surgeries.append(
            PriorSalvageSurgery(
                date=surgery_date,
                procedure=draw(st.sampled_from(SurgeryProcedure)),
                margin=draw(_nullable(st.sampled_from(Margin))),
            )
        )
        evaluation = draw(case_dates(min_value=surgery_date, max_value=_day(surgery_date, 400)))
        return evaluation, items, surgeries

    raise ValueError(f"no timeline for status {hint}")  # pragma: no cover


def _strategy_of(
    value: SearchStrategy[_T] | None, default: SearchStrategy[_T]
) -> SearchStrategy[_T]:
    return value if value is not None else default


def cases(
    *,
    status_hint: DiseaseStatus | None = None,
    patient: SearchStrategy[Patient] | None = None,
    disease: SearchStrategy[Disease | None] | None = None,
    full_inputs: bool = False,
    jurisdiction: SearchStrategy[Jurisdiction | None] | None = None,
    max_history: int = 3,
    calendar: tuple[dt.date, dt.date] | None = None,
    unsupported: bool = False,
    preferences: bool = False,
    site_findings: bool = False,
    systemic_history: bool = True,
) -> SearchStrategy[Case]:
    """Whole valid schema 2 cases, optionally steered to one disease status.

    Cross-field rules hold: CRT start ≤ end ≤ every assessment (in date order) ≤ evaluation
    date; every therapy, radiotherapy and surgery date ≤ evaluation date; dose per fraction
    0.5–25 Gy; no duplicate values in enum lists; station only for pelvic nodes;
    ``end_date`` null only for an ongoing therapy; no groin dose when the groins were not
    irradiated. A drawn disease lists at least one site (``sites: []``, valid and read as no
    disease, is drawn as ``disease: null``).

    Args:
        status_hint: Build the timeline so that :func:`ascc_salvage.assess_status` gives this
            status (clinical pathway §2). Surgery is then recorded only for
            ``no_evidence_of_disease``; the disease is always null for it and for
            ``complete_clinical_response`` (overriding *disease*: any listed site
            contradicts a complete response, §2.1). For the statuses without an episode
            (``too_early_to_assess``, ``assessment_due``, ``equivocal``, ``persistent``)
            the stage at diagnosis is made consistent with the disease, so that the extent
            cross-check (§2.1) finds no new site: M1 when a distant site is listed, and an
            N1 category instead of N0 when a regional node is listed. ``None`` mixes free
            timelines and every status.
        patient: Strategy for the patient (default :func:`patients`).
        disease: Strategy for the current disease, null allowed (default: null or
            :func:`diseases`).
        full_inputs: Every patient field non-null (ignored when *patient* is given).
        jurisdiction: Strategy for the jurisdiction (default: any, or null).
        max_history: Largest number of prior systemic therapies and of prior radiotherapy
            courses.
        calendar: Move the whole case by a drawn number of days so that every date lies
            within these inclusive bounds (``None``: leave the dates where they are, about
            1990–2062). Intervals between dates are unchanged, so the status hint still
            holds. The offset is drawn with a bias to the two extremes, so that the earliest
            date of a case falls on the lower bound or its latest date on the upper one,
            e.g. ``(datetime.date.min, datetime.date.max)`` for the ends of the calendar. A
            drawn case longer than the bounds allow is rejected.
        unsupported: Also draw every other valid value of the schema 2 fields: site findings,
            symptoms, new sites and conditions, PD-L1 tests with provenance, phases,
            regimen ``"other"`` … (the name dates from the versions whose engine refused
            them; the engine reads them all now).
        preferences: Also draw the patient's preferences and clinical frailty scale and the
            trial availability (clinical pathway v3 §2.3, §2.4, §5.6): values the engine
            honours (ignored for the patient when *patient* is given).
        site_findings: Also draw the schema 2 facts of the extent that the engine reads
            (clinical pathway v3 §1, §2.1, §3): zero to three site findings per assessment,
            most of them at a listed disease site (same site, laterality and station), the
            sites ``perineum``, ``ischiorectal_fossa`` and ``presacral``, and, without a
            *status_hint*, assessments and evaluation dates during CRT. With a
            *status_hint* the site findings keep the status: no ``new``, ``progression``
            or ``recurrence`` at a site, and a site biopsy is ``not_done`` or the
            assessment's own.
        systemic_history: Draw the schema 2 facts of the systemic history that the engine
            reads (clinical pathway v3 §5.1): radiosensitising agents, prior regimens
            ``"other"`` with their agents, cycles and best response, PD-L1 tests with their
            provenance, MMR/MSI status and tumour mutational burden. Default true; false
            for schema 1 documents.
    """
    if calendar is not None and calendar[0] > calendar[1]:
        raise ValueError(f"empty calendar {calendar[0]} – {calendar[1]}")
    return _cases(
        unsupported=unsupported,
        preferences=preferences,
        site_findings=site_findings,
        status_hint=status_hint,
        patient=patient,
        disease=disease,
        full_inputs=full_inputs,
        jurisdiction=jurisdiction,
        max_history=max_history,
        calendar=calendar,
        systemic_history=systemic_history,
    )


@st.composite
def _cases(
    draw: st.DrawFn,
    *,
    status_hint: DiseaseStatus | None,
    patient: SearchStrategy[Patient] | None,
    disease: SearchStrategy[Disease | None] | None,
    full_inputs: bool,
    jurisdiction: SearchStrategy[Jurisdiction | None] | None,
    max_history: int,
    calendar: tuple[dt.date, dt.date] | None,
    unsupported: bool,
    preferences: bool,
    site_findings: bool,
    systemic_history: bool = False,
) -> Case:
    hint = status_hint
    if hint is None and draw(st.booleans()):
        hint = draw(st.sampled_from(DiseaseStatus))
    crt: Chemoradiotherapy | None
    if hint is DiseaseStatus.UNTREATED_PRIMARY:
        crt = None
    elif hint is None:
        crt = draw(_nullable(chemoradiotherapies(unsupported=unsupported, agents=systemic_history)))
    else:
        crt = draw(chemoradiotherapies(unsupported=unsupported, agents=systemic_history))

    if hint is None or crt is None:
        evaluation, items, surgeries = draw(_free_timeline(crt, during_crt=site_findings))
    else:
        evaluation, items, surgeries = draw(_hinted_timeline(crt, hint))

    if hint in (DiseaseStatus.NO_EVIDENCE_OF_DISEASE, DiseaseStatus.COMPLETE_CLINICAL_RESPONSE):
        current: Disease | None = None  # any listed site contradicts these (§2.1)
    else:
        default = diseases(unsupported=unsupported)
        if site_findings and not unsupported:
            default = diseases(sites=_v3_site_tuples())
        current = draw(_strategy_of(disease, _nullable(default)))
    current = _no_anus_after_apr(current, surgeries)
    if unsupported:
        items = [draw(_with_site_findings(item)) for item in items]
    elif site_findings:
        keep_status = hint is not None
        items = [draw(_site_findings_of(item, current, keep_status=keep_status)) for item in items]
    primary = draw(primaries(chemoradiotherapy=st.just(crt)))
    if hint in _WITHOUT_EPISODE and current is not None:
        primary = attrs.evolve(primary, stage=_stage_consistent_with(draw, primary.stage, current))

    therapies = draw(
        st.lists(
            prior_systemic_therapies(
                latest=evaluation, unsupported=unsupported, agents=systemic_history
            ),
            max_size=max_history,
        )
    )
    courses = _within_pelvic_budget(
        crt,
        draw(
            st.lists(
                prior_radiotherapies(latest=evaluation, unsupported=unsupported),
                max_size=max_history,
            )
        ),
    )
    drawn_patient = draw(
        _strategy_of(
            patient,
            patients(full_inputs=full_inputs, unsupported=unsupported, preferences=preferences),
        )
    )
    if systemic_history and not unsupported and patient is None:
        markers = attrs.evolve(
            drawn_patient.biomarkers,
            mmr_msi=draw(_nullable(st.sampled_from(MismatchRepair))),
            tmb_mut_per_mb=draw(_nullable(st.floats(0, 1000, allow_nan=False))),
        )
        drawn_patient = attrs.evolve(drawn_patient, biomarkers=markers)
    if (unsupported or systemic_history) and patient is None and draw(st.booleans()):
        crt_start = None if crt is None else crt.start_date
        tests = tuple(
            draw(
                st.lists(
                    pd_l1_tests(latest=evaluation, crt_start=crt_start), min_size=1, max_size=3
                )
            )
        )
        markers = attrs.evolve(drawn_patient.biomarkers, pd_l1=tests)
        effective = markers.effective_pd_l1
        drawn_patient = attrs.evolve(
            drawn_patient,
            pd_l1_cps=None if effective is None else effective.cps,
            biomarkers=markers,
        )
    earliest = min(
        [
            *([crt.start_date] if crt is not None else []),
            *(a.date for a in items),
            *(s.date for s in surgeries),
            *(t.start_date for t in therapies),
            *(c.end_date for c in courses),
            *(t.date for t in drawn_patient.biomarkers.pd_l1 if t.date is not None),
        ],
        default=evaluation,
    )
    case = Case(
        schema_version=CASE_SCHEMA_VERSION,
        evaluation_date=evaluation,
        jurisdiction=draw(_strategy_of(jurisdiction, _nullable(st.sampled_from(Jurisdiction)))),
        patient=_old_enough(drawn_patient, earliest, evaluation, fixed=patient is not None),
        primary=primary,
        assessments=tuple(items),
        disease=current,
        prior_salvage_surgery=tuple(surgeries),
        prior_systemic_therapy=tuple(therapies),
        prior_radiotherapy=tuple(courses),
        facility=draw(facilities(unsupported=unsupported, preferences=preferences)),
    )
    if calendar is None:
        return case
    dates = _case_dates_of(case)
    low = (calendar[0] - min(dates)).days
    high = (calendar[1] - max(dates)).days
    assume(low <= high)  # the case does not fit the calendar
    offset = draw(st.sampled_from((low, high)) | st.integers(low, high))
    return _shift_case(case, offset)


_ANAL_SITES: Final = (Site.ANAL_CANAL, Site.ANAL_MARGIN)


def _no_anus_after_apr(
    disease: Disease | None, surgeries: Sequence[PriorSalvageSurgery]
) -> Disease | None:
    """*disease* without anal sites once an APR or extended resection excised the anus (P6).

    Dropping every site leaves no evaluable disease (null).
    """
    excised = (SurgeryProcedure.SALVAGE_APR, SurgeryProcedure.EXTENDED_RESECTION)
    if disease is None or not any(s.procedure in excised for s in surgeries):
        return disease
    sites = tuple(item for item in disease.sites if item.site not in _ANAL_SITES)
    if not sites:
        return None
    symptoms = disease.symptoms  # P18: symptoms only at listed sites
    kept = None if symptoms is None else tuple(x for x in symptoms if x.site not in _ANAL_SITES)
    return attrs.evolve(disease, sites=sites, symptoms=kept)


@st.composite
def _with_site_findings(draw: st.DrawFn, assessment: Assessment) -> Assessment:
    """*assessment* with per-site findings (schema 2); a complete response only CR (P11)."""
    complete = assessment.finding is Finding.COMPLETE_RESPONSE
    findings = (LesionFinding.COMPLETE_RESPONSE,) if complete else tuple(LesionFinding)
    site = draw(st.sampled_from(Site))
    item = SiteFinding(
        site=site,
        finding=draw(st.sampled_from(findings)),
        biopsy=draw(st.sampled_from(Biopsy)),
        laterality=draw(_nullable(st.sampled_from(Laterality))),
        station=(
            draw(_nullable(st.sampled_from(NodalStation))) if site is Site.PELVIC_NODES else None
        ),
    )
    if draw(st.booleans()):
        return assessment
    return attrs.evolve(assessment, site_findings=(item,))


def _v3_site_tuples() -> SearchStrategy[tuple[DiseaseSite, ...]]:
    """One to four distinct disease sites, the schema 2 sites included (P13)."""
    return st.lists(
        disease_sites(unsupported=True),
        min_size=1,
        max_size=4,
        unique_by=lambda s: (s.site, s.laterality, s.station),
    ).map(tuple)


#: Site findings that never change the status of a hinted timeline (no upgrade, §2.1).
_KEEPING: Final = (
    LesionFinding.COMPLETE_RESPONSE,
    LesionFinding.REGRESSING,
    LesionFinding.STABLE,
    LesionFinding.EQUIVOCAL,
)


@st.composite
def _site_findings_of(
    draw: st.DrawFn, assessment: Assessment, disease: Disease | None, *, keep_status: bool
) -> Assessment:
    """*assessment* with zero to three site findings, mostly at a listed site (schema 2).

    A complete response has only complete responses at its sites (P11). With *keep_status*
    no site finding upgrades the assessment and no site biopsy changes its biopsy.
    """
    listed = () if disease is None else disease.sites
    complete = assessment.finding is Finding.COMPLETE_RESPONSE
    if complete:
        findings: tuple[LesionFinding, ...] = (LesionFinding.COMPLETE_RESPONSE,)
    else:
        findings = _KEEPING if keep_status else tuple(LesionFinding)
    biopsies = (Biopsy.NOT_DONE, assessment.biopsy) if keep_status or complete else tuple(Biopsy)
    made: list[SiteFinding] = []
    for _ in range(draw(st.integers(0, 3))):
        if listed and draw(st.integers(0, 3)) > 0:
            at = draw(st.sampled_from(listed))
            site, laterality, station = at.site, at.laterality, at.station
        else:
            site = draw(st.sampled_from(Site))
            laterality = draw(_nullable(st.sampled_from(Laterality)))
            station = (
                draw(_nullable(st.sampled_from(NodalStation)))
                if site is Site.PELVIC_NODES
                else None
            )
        made.append(
            SiteFinding(
                site=site,
                finding=draw(st.sampled_from(findings)),
                biopsy=draw(st.sampled_from(biopsies)),
                laterality=laterality,
                station=station,
            )
        )
    if not made:
        return assessment
    return attrs.evolve(assessment, site_findings=tuple(made))


def _bound(cls: type, name: str) -> Any:
    """The upper bound the case model declares for a field (one source of truth)."""
    return attrs.fields_dict(cls)[name].metadata["bounds"].high


def _within_pelvic_budget(
    crt: Chemoradiotherapy | None, courses: list[PriorRadiotherapy]
) -> list[PriorRadiotherapy]:
    """Drop pelvic courses beyond a cumulative pelvic dose of 200 Gy (P4)."""
    total = 0.0 if crt is None else crt.dose.canonical
    kept = []
    for course in courses:
        if course.region is RadiotherapyRegion.PELVIS:
            if total + course.dose.canonical > MAX_CUMULATIVE_PELVIC_GY:
                continue
            total += course.dose.canonical
        kept.append(course)
    return kept


def _old_enough(
    patient: Patient, earliest: dt.date, evaluation: dt.date, *, fixed: bool
) -> Patient:
    """Raise the age so that no date precedes the birth (P5); unknown beyond 120 years.

    A patient the caller fixed is kept as given: a timeline it cannot have lived is rejected.
    """
    if patient.age_years is None:
        return patient
    needed = evaluation.year - earliest.year  # born at the latest on the earliest date
    if patient.age_years >= needed:
        return patient
    assume(not fixed)
    return attrs.evolve(patient, age_years=needed if needed <= 120 else None)


#: Hinted statuses without an open episode: no listed site may be new by §2.1.
_WITHOUT_EPISODE: Final = (
    DiseaseStatus.TOO_EARLY_TO_ASSESS,
    DiseaseStatus.ASSESSMENT_DUE,
    DiseaseStatus.EQUIVOCAL,
    DiseaseStatus.PERSISTENT,
)
_NODAL_AFTER_N0: Final = (NCategory.N1, NCategory.N1A, NCategory.N1B, NCategory.N1C)


def _stage_consistent_with(draw: st.DrawFn, stage: Stage, disease: Disease) -> Stage:
    """*stage* changed so that no site of *disease* is new by §2.1 (N2, N3)."""
    from ascc_salvage.status import is_distant_site, is_regional_nodal_site

    if any(is_distant_site(s) for s in disease.sites):
        stage = attrs.evolve(stage, m=MCategory.M1)
    if stage.n is NCategory.N0 and any(is_regional_nodal_site(s) for s in disease.sites):
        stage = attrs.evolve(stage, n=draw(st.sampled_from(_NODAL_AFTER_N0)))
    return stage


def _case_dates_of(case: Case) -> list[dt.date]:
    crt = case.primary.chemoradiotherapy
    dates: list[dt.date | None] = [case.evaluation_date]
    if crt is not None:
        dates += [crt.start_date, crt.end_date]
    dates += [a.date for a in case.assessments]
    dates += [s.date for s in case.prior_salvage_surgery]
    for therapy in case.prior_systemic_therapy:
        dates += [therapy.start_date, therapy.end_date, therapy.platinum_end_date]
    dates += [r.end_date for r in case.prior_radiotherapy]
    dates += [t.date for t in case.patient.biomarkers.pd_l1]
    return [d for d in dates if d is not None]


def _shift_case(case: Case, days: int) -> Case:
    """*case* with every date moved by *days* (the result must stay in the calendar)."""
    delta = dt.timedelta(days=days)

    def move(date: dt.date | None) -> dt.date | None:
        return None if date is None else date + delta

    crt = case.primary.chemoradiotherapy
    primary = case.primary
    if crt is not None:
        primary = attrs.evolve(
            primary,
            chemoradiotherapy=attrs.evolve(
                crt, start_date=crt.start_date + delta, end_date=crt.end_date + delta
            ),
        )
    patient = case.patient
    if any(t.date is not None for t in patient.biomarkers.pd_l1):
        tests = tuple(attrs.evolve(t, date=move(t.date)) for t in patient.biomarkers.pd_l1)
        patient = attrs.evolve(patient, biomarkers=attrs.evolve(patient.biomarkers, pd_l1=tests))
    return attrs.evolve(
        case,
        evaluation_date=case.evaluation_date + delta,
        patient=patient,
        primary=primary,
        assessments=tuple(attrs.evolve(a, date=a.date + delta) for a in case.assessments),
        prior_salvage_surgery=tuple(
            attrs.evolve(s, date=s.date + delta) for s in case.prior_salvage_surgery
        ),
        prior_systemic_therapy=tuple(
            attrs.evolve(
                t,
                start_date=t.start_date + delta,
                end_date=move(t.end_date),
                platinum_end_date=move(t.platinum_end_date),
            )
            for t in case.prior_systemic_therapy
        ),
        prior_radiotherapy=tuple(
            attrs.evolve(r, end_date=r.end_date + delta) for r in case.prior_radiotherapy
        ),
    )


# --- schema 1 documents --------------------------------------------------------------------


def schema_1_documents(**kwargs: Any) -> SearchStrategy[dict[str, Any]]:
    """Valid schema 1 case documents (for the upgrade path), JSON-ready.

    Drawn as :func:`cases` (keyword arguments are passed on; *unsupported* and *preferences*
    are not allowed: their values have no schema 1 form) and written without the schema 2
    keys; the schema 1 optional keys that are null are sometimes omitted.
    """
    if kwargs.get("unsupported") or kwargs.get("preferences") or kwargs.get("site_findings"):
        raise ValueError("schema 1 documents cannot hold schema 2 values")
    kwargs = {**kwargs, "systemic_history": False}
    return st.tuples(cases(**kwargs), st.booleans()).map(
        lambda drawn: _schema_1_document(drawn[0], omit_nulls=drawn[1])
    )


def _schema_1_document(case: Case, *, omit_nulls: bool) -> dict[str, Any]:
    from ascc_salvage.io import dump_case

    document = _schema_1_keys(dump_case(case), Case, omit_nulls=omit_nulls)
    document["schema_version"] = 1
    return document


def _schema_1_keys(document: dict[str, Any], cls: type, *, omit_nulls: bool) -> dict[str, Any]:
    """*document* (a *cls* object) without its schema 2 keys, recursively."""
    from ascc_salvage._modelcheck import field_specs

    fields = attrs.fields_dict(cls)
    kept: dict[str, Any] = {}
    for spec in field_specs(cls):
        field = fields[spec.name]
        value = document[spec.name]
        if field.metadata["since"] > 1 or (
            omit_nulls and field.metadata["optional"] and value is None
        ):
            continue
        if spec.kind == "object" and attrs.has(spec.target) and isinstance(value, dict):
            value = _schema_1_keys(value, spec.target, omit_nulls=omit_nulls)
        elif spec.kind == "list" and attrs.has(spec.target):
            value = [_schema_1_keys(v, spec.target, omit_nulls=omit_nulls) for v in value]
        kept[spec.name] = value
    return kept
