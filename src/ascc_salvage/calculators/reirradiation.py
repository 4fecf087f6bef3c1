"""Feasibility screen for re-irradiation (clinical pathway §6, points 1–5).

The screen is the library's policy, written from ``clinical-pathway.md`` §6; every number it
uses comes from the knowledge base (``thresholds()`` and the ``reirradiation`` radiotherapy
schedule):

1. **Status**: only ``recurrent`` disease after a documented complete response qualifies.
2. **Interval** from the end of the last course to the same region to the evaluation date,
   in whole calendar months: under 6 → not feasible; 6–11 → limits without recovery;
   12 or more → limits with recovery.
3. **Pelvis**: worst-case cumulative EQD2 per organ at risk (every previous pelvic course's
   full prescription plus the planned course; α/β 3 Gy for bowel, rectum and bladder, 2 Gy for
   the sacral plexus) against the cumulative limits. If the default plan (39 Gy in 26 × 1.5 Gy)
   exceeds a limit, the largest whole number of 1.5 Gy fractions that fits every limit is
   planned; under 30 Gy the option is not feasible. *(v3)* A primary chemoradiotherapy with
   ``phases`` enters phase by phase (per ``sequence``, its highest-dose pelvic phase at its
   own dose per fraction; brachytherapy at its prescription); a prior LDR brachytherapy
   course counts its prescription as EQD2 (nominal); when the tumour abuts the sacral plexus
   the plexus limit without recovery applies whatever the interval.
4. **Groin**: no consensus limits; feasible only with an interval of at least 12 months and
   the prior groin dose recorded (unknown dose → undetermined; shorter interval → not
   feasible). *(v3)* The cumulative EQD2 of the femoral head and neck (α/β 3 Gy) and the
   femoral nerve (α/β 2 Gy) is reported with no limit (``groin_organs`` of
   ``thresholds.toml``).
5. **ECOG** at most 2.

:attr:`ReirradiationAssessment.rule` names the point (``"6.1"``–``"6.5"``) that decided a
verdict other than feasible.

Unknown inputs never produce a guess: the verdict is then ``undetermined`` and
:attr:`ReirradiationAssessment.missing` names the fields. A definite reason for
``not_feasible`` outranks missing information.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from ascc_salvage._dates import whole_months_between as calendar_months_between
from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import (
    UNIT_GY,
    boolean,
    integer,
    member,
    positive,
    quantity,
)
from ascc_salvage.calculators.radiobiology import (
    LQ_NOMINAL_DOSE_PER_FRACTION_GY,
    eqd2_gy,
    max_total_gy,
)
from ascc_salvage.knowledge import KnowledgeBase
from ascc_salvage.units import Kinds, Quantity, magnitude
from ascc_salvage.vocabulary import PhaseTarget, RadiotherapyRegion, RadiotherapyTechnique

__all__ = [
    "OrganDose",
    "RadiotherapyCourse",
    "ReirradiationAssessment",
    "ReirradiationVerdict",
    "calendar_months_between",
    "groin_irradiated",
    "radiotherapy_courses",
    "reirradiation_feasibility",
]

#: Field named when the disease status is unknown.
STATUS_FIELD: Final = "disease_status"
#: Field named when ECOG is unknown.
ECOG_FIELD: Final = "patient.ecog"
#: Field named when the prior groin dose is unknown.
GROIN_DOSE_FIELD: Final = "primary.chemoradiotherapy.groin_dose"
#: Field named when it is unknown whether the primary chemoradiotherapy treated the groins.
GROINS_IRRADIATED_FIELD: Final = "primary.chemoradiotherapy.groins_irradiated"

#: Tolerance for comparing cumulative doses with limits (Gy) and fraction counts.
_EPSILON: Final = 1e-9

#: The organ whose limit without recovery applies whatever the interval when the tumour abuts
#: it (clinical pathway §6.3, v3: consensus exists only for that limit).
SACRAL_PLEXUS: Final = "sacral_plexus"

#: Phase targets that enter the pelvic screen (clinical pathway §6.3).
_PELVIC_TARGETS: Final = frozenset({PhaseTarget.PRIMARY, PhaseTarget.PELVIC_NODES})


class ReirradiationVerdict(enum.StrEnum):
    """Outcome of the re-irradiation screen."""

    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"
    UNDETERMINED = "undetermined"


@attrs.frozen
class RadiotherapyCourse:
    """A previous radiotherapy course.

    Attributes:
        region: ``pelvis``, ``groin`` or ``other``.
        end_date: Date of the last fraction.
        total_dose: Total prescribed dose (a Gy quantity), or ``None`` if not recorded.
        fractions: Number of fractions, or ``None`` if not recorded.
        dose_field: Case field holding the dose, named when the dose is unknown
            (e.g. ``primary.chemoradiotherapy.groin_dose``).
        technique: The technique (``None``: not recorded, conventional). An
            ``ldr_brachytherapy`` course counts its prescription as EQD2 (nominal).
    """

    region: RadiotherapyRegion = attrs.field(converter=RadiotherapyRegion)
    end_date: _dt.date
    total_dose: Quantity | None
    fractions: int | None
    dose_field: str = ""
    technique: RadiotherapyTechnique | None = None


@attrs.frozen
class OrganDose:
    """Cumulative worst-case EQD2 of one organ at risk.

    Attributes:
        organ: Organ code (``small_bowel``, ``colon_rectum``, ``bladder``, ``sacral_plexus``).
        alpha_beta_gy: α/β ratio used (Gy).
        previous_eqd2_gy: EQD2 of the previous courses alone (Gy).
        cumulative_eqd2_gy: EQD2 of the previous courses plus the planned course (Gy).
        limit_gy: The cumulative limit that applies for the interval (Gy); ``None`` for the
            groin organs, which have no consensus limit (§6.4).
    """

    organ: str
    alpha_beta_gy: float
    previous_eqd2_gy: float
    cumulative_eqd2_gy: float
    limit_gy: float | None

    @property
    def alpha_beta(self) -> Quantity:
        """α/β ratio (Gy quantity)."""
        return quantity(self.alpha_beta_gy, UNIT_GY)

    @property
    def previous_eqd2(self) -> Quantity:
        """EQD2 of the previous courses alone (Gy quantity)."""
        return quantity(self.previous_eqd2_gy, UNIT_GY)

    @property
    def cumulative_eqd2(self) -> Quantity:
        """Cumulative EQD2 including the planned course (Gy quantity)."""
        return quantity(self.cumulative_eqd2_gy, UNIT_GY)

    @property
    def limit(self) -> Quantity | None:
        """Cumulative limit (Gy quantity), ``None`` when no limit exists."""
        return None if self.limit_gy is None else quantity(self.limit_gy, UNIT_GY)

    @property
    def within_limit(self) -> bool | None:
        """Whether the cumulative EQD2 is at most the limit (``None``: no limit exists)."""
        if self.limit_gy is None:
            return None
        return self.cumulative_eqd2_gy <= self.limit_gy + _EPSILON

    def to_dict(self) -> dict[str, object]:
        """The ``cumulative_eqd2`` entry of a radiotherapy dose plan (``case-format.md``).

        ``limit`` is null for an organ without a limit (schema 2).
        """
        return {
            "organ": self.organ,
            "alpha_beta": {"value": self.alpha_beta_gy, "unit": "Gy"},
            "value": {"value": self.cumulative_eqd2_gy, "unit": "Gy"},
            "limit": None if self.limit_gy is None else {"value": self.limit_gy, "unit": "Gy"},
        }


@attrs.frozen
class ReirradiationAssessment:
    """Result of :func:`reirradiation_feasibility`.

    Attributes:
        verdict: ``feasible``, ``not_feasible`` or ``undetermined``.
        region: The region to be re-irradiated.
        interval_months: Whole calendar months from the end of the last course to the same
            region to the evaluation date (``None``: no previous course to the region).
        recovery: Whether the limits with recovery apply (interval ≥ 12 months); ``None``
            without a previous course to the region.
        organs: Per-organ cumulative EQD2 and limits: the pelvic organs, or the groin
            organs without limits (empty when a previous dose is unknown).
        planned_total_dose_gy: Planned total dose (Gy): the default schedule, or the largest
            whole number of fractions that fits every limit when the default does not.
        planned_fractions: Planned number of fractions.
        dose_per_fraction_gy: Planned dose per fraction (Gy).
        largest_feasible_total_dose_gy: Largest total dose at that dose per fraction within
            every limit (Gy; continuous, before rounding to whole fractions), or ``None``
            when not computed.
        reasons: Plain-language reasons for the verdict.
        missing: Fields whose absence made the verdict undetermined.
        nominal: Whether an EQD2 value involves a dose per fraction above the range where the
            LQ model is trusted (single large fractions, IORT), or an LDR prescription taken
            as EQD2: such values are nominal.
        rule: The §6 point that decided a verdict other than feasible (``"6.1"`` status,
            ``"6.2"`` interval, ``"6.3"`` pelvic dose, ``"6.4"`` groin, ``"6.5"`` ECOG): the
            first blocking point, else the first undetermined one; ``None`` when feasible.
    """

    verdict: ReirradiationVerdict
    region: RadiotherapyRegion
    interval_months: int | None
    recovery: bool | None
    organs: tuple[OrganDose, ...]
    planned_total_dose_gy: float
    planned_fractions: int
    dose_per_fraction_gy: float
    largest_feasible_total_dose_gy: float | None
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    nominal: bool
    rule: str | None = None

    @property
    def planned_total_dose(self) -> Quantity:
        """Planned total dose (Gy quantity)."""
        return quantity(self.planned_total_dose_gy, UNIT_GY)

    @property
    def dose_per_fraction(self) -> Quantity:
        """Planned dose per fraction (Gy quantity)."""
        return quantity(self.dose_per_fraction_gy, UNIT_GY)

    @property
    def largest_feasible_total_dose(self) -> Quantity | None:
        """Largest total dose within every limit (Gy quantity), if computed."""
        if self.largest_feasible_total_dose_gy is None:
            return None
        return quantity(self.largest_feasible_total_dose_gy, UNIT_GY)


@attrs.frozen
class _Course:
    region: RadiotherapyRegion
    end_date: _dt.date
    total_gy: float | None
    fractions: int | None
    dose_field: str
    prescription_is_eqd2: bool


def _course_from(course: object, index: int) -> _Course:
    """Read one course object: a :class:`RadiotherapyCourse` or a case ``PriorRadiotherapy``."""
    where = f"previous_courses[{index}]"
    try:
        region = course.region  # type: ignore[attr-defined]
        end_date = course.end_date  # type: ignore[attr-defined]
        fractions = course.fractions  # type: ignore[attr-defined]
    except AttributeError:
        raise TypeError(
            f"{where} must have .region, .end_date, .total_dose (or .dose) and .fractions"
        ) from None
    if not isinstance(end_date, _dt.date):
        raise TypeError(f"{where}.end_date must be a date")
    dose = getattr(course, "total_dose", None)
    if dose is None and hasattr(course, "dose"):
        measured = course.dose
        dose = getattr(measured, "quantity", measured)
    total = None if dose is None else magnitude(dose, Kinds.DOSE, f"{where}.total_dose")
    n = None if fractions is None else integer(fractions, f"{where}.fractions", minimum=1)
    field = getattr(course, "dose_field", "") or f"{where}.total_dose"
    technique = getattr(course, "technique", None)
    ldr = (
        technique is not None
        and member(technique, RadiotherapyTechnique, f"{where}.technique")
        is RadiotherapyTechnique.LDR_BRACHYTHERAPY
    )
    return _Course(
        member(region, RadiotherapyRegion, f"{where}.region"), end_date, total, n, field, ldr
    )


def _course_eqd2(course: CourseTuple, alpha_beta_gy: float) -> float:
    """EQD2 (Gy) of one course with known dose and fractions (LDR: its prescription)."""
    total, fractions = float(course[2]), int(course[3])  # type: ignore[arg-type]
    if course[5]:
        return total
    return eqd2_gy(total, total / fractions, alpha_beta_gy)


def _course_nominal(course: CourseTuple) -> bool:
    """Whether a course's EQD2 is nominal: LDR, or above the LQ dose-per-fraction range."""
    return course[5] or float(course[2]) / int(course[3]) > LQ_NOMINAL_DOSE_PER_FRACTION_GY  # type: ignore[arg-type]


CourseTuple = tuple[RadiotherapyRegion, _dt.date, float | None, int | None, str, bool]
"""A previous course on floats: ``(region, end_date, total_gy, fractions, dose_field,
prescription_is_eqd2)``; ``total_gy``/``fractions`` ``None`` when not recorded, and
``prescription_is_eqd2`` true for LDR brachytherapy (its prescription counts as EQD2)."""

#: The order of the §6 points, for :attr:`ReirradiationAssessment.rule`.
_POINTS: Final = ("6.1", "6.2", "6.3", "6.4", "6.5")


def assess_floats(
    *,
    region: RadiotherapyRegion,
    courses: Sequence[CourseTuple],
    evaluation_date: _dt.date,
    recurrent_after_complete_response: bool | None,
    ecog: int | None,
    prior_groin_dose_recorded: bool | None = None,
    limits: Sequence[tuple[str, float, float, float]] | None = None,
    planned_total_gy: float | None = None,
    planned_fractions: int | None = None,
    plexus_abutted: bool = False,
    knowledge: KnowledgeBase | None = None,
) -> ReirradiationAssessment:
    """The screen on canonical floats (the engine's fast path; arguments are not checked).

    Args:
        region: Region to re-irradiate (pelvis or groin).
        courses: Previous courses (``CourseTuple``).
        evaluation_date: The evaluation date.
        recurrent_after_complete_response: Status gate (``None``: unknown).
        ecog: ECOG grade (``None``: unknown).
        prior_groin_dose_recorded: Groin only; ``None`` derives it from the groin courses.
        limits: Organ limits ``(organ, alpha_beta_gy, no_recovery_gy, recovery_gy)``;
            ``None`` takes the knowledge base's.
        planned_total_gy: Planned total dose; ``None`` takes the knowledge base's schedule.
        planned_fractions: Planned fractions; ``None`` takes the knowledge base's schedule.
        plexus_abutted: The tumour abuts the sacral plexus (sacrum, coccyx or sciatic nerve
            invaded): the plexus limit without recovery applies whatever the interval.
        knowledge: The knowledge base of the thresholds, limits and schedule (default: the
            bundled one).

    Returns:
        The assessment.
    """
    reasons: list[str] = []
    missing: list[str] = []
    blocked_at: list[str] = []
    unknown_at: list[str] = []
    default_total, default_fractions = _kb.schedule("reirradiation", knowledge)
    total_gy = default_total if planned_total_gy is None else planned_total_gy
    n_plan = default_fractions if planned_fractions is None else planned_fractions
    per_fraction = total_gy / n_plan

    # 1. Status.
    if recurrent_after_complete_response is None:
        missing.append(STATUS_FIELD)
        unknown_at.append("6.1")
        reasons.append("disease status unknown: re-irradiation needs recurrence after a response")
    elif not recurrent_after_complete_response:
        blocked_at.append("6.1")
        reasons.append("no documented complete response to the first course")

    # 5. Performance status.
    ecog_max = int(_kb.threshold("ecog_max_reirradiation", knowledge))
    if ecog is None:
        missing.append(ECOG_FIELD)
        unknown_at.append("6.5")
        reasons.append("ECOG performance status unknown")
    elif ecog > ecog_max:
        blocked_at.append("6.5")
        reasons.append(f"ECOG {ecog} is above {ecog_max}")

    # 2. Interval to the same region.
    same_region = [c for c in courses if c[0] is region]
    interval: int | None = None
    recovery: bool | None = None
    organs: tuple[OrganDose, ...] = ()
    largest: float | None = None
    nominal = per_fraction > LQ_NOMINAL_DOSE_PER_FRACTION_GY
    if not same_region:
        reasons.append(
            f"no previous course to the {region} is recorded: the re-irradiation screen "
            "does not apply"
        )
    else:
        last_end = max(c[1] for c in same_region)
        # A course still running at the evaluation date (during CRT, §1) is 0 months ago.
        interval = calendar_months_between(min(last_end, evaluation_date), evaluation_date)
        minimum = int(_kb.threshold("reirradiation_min_interval_months", knowledge))
        if region is RadiotherapyRegion.GROIN:
            groin_minimum = int(_kb.threshold("groin_reirradiation_min_interval_months", knowledge))
            recovery = interval >= groin_minimum
            if interval < groin_minimum:
                blocked_at.append("6.2" if interval < minimum else "6.4")
                reasons.append(
                    f"{interval} months since the last groin course: groin re-irradiation "
                    f"needs at least {groin_minimum} months"
                )
            unknown = [c[4] for c in same_region if c[2] is None or c[3] is None]
            if prior_groin_dose_recorded is None:
                missing.extend(unknown)
                recorded = not unknown
            else:
                recorded = prior_groin_dose_recorded
                if not recorded:
                    missing.append(GROIN_DOSE_FIELD)
            if not recorded:
                unknown_at.append("6.4")
                reasons.append("the prior groin dose is not recorded")
            else:
                reasons.append(
                    "no consensus cumulative limits exist for the groin: individualised "
                    "cumulative dose plan required"
                )
            if not unknown:
                nominal = nominal or any(_course_nominal(c) for c in same_region)
                organs = tuple(
                    OrganDose(
                        organ,
                        ab,
                        prior := sum(_course_eqd2(c, ab) for c in same_region),
                        prior + eqd2_gy(total_gy, per_fraction, ab),
                        None,
                    )
                    for organ, ab in _kb.groin_organs(knowledge)
                )
        else:
            recovery_months = int(
                _kb.threshold("reirradiation_recovery_interval_months", knowledge)
            )
            recovery = interval >= recovery_months
            if interval < minimum:
                blocked_at.append("6.2")
                reasons.append(
                    f"{interval} months since the last pelvic course: at least {minimum} "
                    "months are required"
                )
            unknown = [c[4] for c in same_region if c[2] is None or c[3] is None]
            if unknown:
                missing.extend(unknown)
                unknown_at.append("6.3")
                reasons.append("a previous pelvic dose is not recorded: no cumulative screen")
            else:
                nominal = nominal or any(_course_nominal(c) for c in same_region)
                table = _kb.organ_limits(knowledge) if limits is None else limits
                previous = [
                    (
                        organ,
                        ab,
                        sum(_course_eqd2(c, ab) for c in same_region),
                        rec if recovery and not (plexus_abutted and organ == SACRAL_PLEXUS) else no,
                    )
                    for organ, ab, no, rec in table
                ]
                largest = min(
                    (
                        max_total_gy(limit - prior, per_fraction, ab)
                        for _, ab, prior, limit in previous
                    ),
                    default=math.inf,
                )
                fits = all(
                    prior + eqd2_gy(total_gy, per_fraction, ab) <= limit + _EPSILON
                    for _, ab, prior, limit in previous
                )
                if not fits:
                    n_plan = math.floor(largest / per_fraction + _EPSILON)
                    reduced = n_plan * per_fraction
                    minimum_dose = _kb.threshold("reirradiation_min_total_dose", knowledge)
                    if reduced < minimum_dose - _EPSILON:
                        blocked_at.append("6.3")
                        n_plan = (
                            default_fractions if planned_fractions is None else planned_fractions
                        )
                        reasons.append(
                            f"the cumulative limits allow at most {largest:.1f} Gy at "
                            f"{per_fraction:g} Gy per fraction, under the {minimum_dose:g} Gy "
                            "minimum"
                        )
                    else:
                        total_gy = reduced
                        reasons.append(
                            f"the default plan exceeds a cumulative limit: planned "
                            f"{total_gy:g} Gy in {n_plan} fractions instead"
                        )
                else:
                    reasons.append("the planned course fits every cumulative limit")
                organs = tuple(
                    OrganDose(organ, ab, prior, prior + eqd2_gy(total_gy, per_fraction, ab), limit)
                    for organ, ab, prior, limit in previous
                )
                if largest == math.inf:
                    largest = None
    rule: str | None = None
    if blocked_at:
        verdict = ReirradiationVerdict.NOT_FEASIBLE
        rule = min(blocked_at, key=_POINTS.index)
    elif missing:
        verdict = ReirradiationVerdict.UNDETERMINED
        rule = min(unknown_at, key=_POINTS.index)
    else:
        verdict = ReirradiationVerdict.FEASIBLE
    return ReirradiationAssessment(
        verdict=verdict,
        region=region,
        interval_months=interval,
        recovery=recovery,
        organs=organs,
        planned_total_dose_gy=total_gy,
        planned_fractions=n_plan,
        dose_per_fraction_gy=per_fraction,
        largest_feasible_total_dose_gy=largest,
        reasons=tuple(reasons),
        missing=tuple(missing),
        nominal=nominal,
        rule=rule,
    )


class _Recorded(enum.Enum):
    """Sentinel: take ``groins_irradiated`` as recorded in the case."""

    RECORDED = enum.auto()


def crt_groins_irradiated(crt: object) -> bool | None:
    """Whether the primary chemoradiotherapy *crt* treated the groins (``None``: unknown).

    True when a phase targets ``groins`` (clinical pathway §6.3), else the recorded
    ``groins_irradiated``.
    """
    if any(p.target is PhaseTarget.GROINS for p in getattr(crt, "phases", ())):
        return True
    return crt.groins_irradiated  # type: ignore[attr-defined, no-any-return]


def groin_irradiated(case: object) -> bool | None:
    """Whether the groins count as irradiated (clinical pathway §4.4, v3); ``None``: unknown.

    True when ``groins_irradiated`` is true, a phase of the primary chemoradiotherapy targets
    ``groins``, or a ``prior_radiotherapy`` course has region ``groin``; otherwise the
    recorded ``groins_irradiated`` (false, or unknown). Unilateral treatment is not
    distinguished. Without a chemoradiotherapy only a prior groin course tells (else unknown).
    """
    crt = case.primary.chemoradiotherapy  # type: ignore[attr-defined]
    if any(c.region is RadiotherapyRegion.GROIN for c in case.prior_radiotherapy):  # type: ignore[attr-defined]
        return True
    return None if crt is None else crt_groins_irradiated(crt)


def _phase_courses(
    crt: object, targets: frozenset[PhaseTarget], region: RadiotherapyRegion
) -> list[CourseTuple]:
    """One course per ``sequence``: its highest-dose phase among *targets* (§6.3)."""
    best: dict[int, tuple[int, object]] = {}
    for index, phase in enumerate(getattr(crt, "phases", ())):
        if phase.target not in targets:
            continue
        kept = best.get(phase.sequence)
        if kept is None or phase.dose.canonical > kept[1].dose.canonical:  # type: ignore[attr-defined]
            best[phase.sequence] = (index, phase)
    return [
        (
            region,
            crt.end_date,  # type: ignore[attr-defined]
            phase.dose.canonical,  # type: ignore[attr-defined]
            phase.fractions,  # type: ignore[attr-defined]
            f"primary.chemoradiotherapy.phases[{index}].dose",
            False,
        )
        for _, (index, phase) in sorted(best.items())
    ]


def case_courses(
    case: object, *, groins_irradiated: bool | _Recorded | None = _Recorded.RECORDED
) -> tuple[CourseTuple, ...]:
    """Previous radiotherapy courses of a case as float tuples (the one case adapter).

    Both :func:`radiotherapy_courses` and the engine's §6 screen read a case through this
    function, so a case gives the same courses to each.

    * The primary chemoradiotherapy counts as a pelvic course with its full prescription
      (worst case). *(v3)* With ``phases``, it counts as one pelvic course per ``sequence``:
      the phase with the highest dose among targets ``primary`` and ``pelvic_nodes``, at its
      own dose per fraction (brachytherapy at its prescription, like external beam).
    * When it treated the groins (``groins_irradiated`` true, or a phase targets ``groins``)
      it is also a groin course: one per groin phase, else one whose dose is ``groin_dose``
      (``None`` if not recorded, named ``primary.chemoradiotherapy.groin_dose``) and whose
      fractions are ``groin_fractions``, else the course's ``fractions``.
    * When ``groins_irradiated`` is **unknown** (and no phase targets the groins) the groin
      course is kept with an unknown dose named ``primary.chemoradiotherapy.groins_irradiated``.
      An unknown groin irradiation is never taken as "not irradiated" (clinical pathway §6
      point 4: groin re-irradiation needs the prior groin dose recorded, an unknown prior
      dose is undetermined), so a groin screen is ``undetermined`` and names that field,
      never feasible by default.
    * When it is false there is no groin course.

    Every ``prior_radiotherapy`` entry follows (an ``ldr_brachytherapy`` course counts its
    prescription as EQD2).

    Args:
        case: An :class:`ascc_salvage.case.Case`.
        groins_irradiated: Replaces whether the chemoradiotherapy treated the groins (the
            engine passes the value of the branch it evaluates when the case leaves it
            unknown); by default the recorded value.

    Returns:
        Tuples ``(region, end_date, total_gy, fractions, dose_field, prescription_is_eqd2)``.
    """
    courses: list[CourseTuple] = []
    crt = case.primary.chemoradiotherapy  # type: ignore[attr-defined]
    if crt is not None:
        base = "primary.chemoradiotherapy"
        if getattr(crt, "phases", ()):
            courses += _phase_courses(crt, _PELVIC_TARGETS, RadiotherapyRegion.PELVIS)
        else:
            courses.append(
                (
                    RadiotherapyRegion.PELVIS,
                    crt.end_date,
                    crt.dose.canonical,
                    crt.fractions,
                    f"{base}.dose",
                    False,
                )
            )
        groins = (
            crt_groins_irradiated(crt)
            if groins_irradiated is _Recorded.RECORDED
            else groins_irradiated
        )
        groin_phases = _phase_courses(
            crt, frozenset({PhaseTarget.GROINS}), RadiotherapyRegion.GROIN
        )
        if groins is None:
            courses.append(
                (RadiotherapyRegion.GROIN, crt.end_date, None, None, GROINS_IRRADIATED_FIELD, False)
            )
        elif groins and groin_phases:
            courses += groin_phases
        elif groins:
            groin_dose = None if crt.groin_dose is None else crt.groin_dose.canonical
            fractions = crt.groin_fractions if crt.groin_fractions is not None else crt.fractions
            courses.append(
                (
                    RadiotherapyRegion.GROIN,
                    crt.end_date,
                    groin_dose,
                    fractions,
                    GROIN_DOSE_FIELD,
                    False,
                )
            )
    for index, prior in enumerate(case.prior_radiotherapy):  # type: ignore[attr-defined]
        courses.append(
            (
                prior.region,
                prior.end_date,
                prior.dose.canonical,
                prior.fractions,
                f"prior_radiotherapy[{index}].dose",
                getattr(prior, "technique", None) is RadiotherapyTechnique.LDR_BRACHYTHERAPY,
            )
        )
    return tuple(courses)


def radiotherapy_courses(case: object) -> tuple[RadiotherapyCourse, ...]:
    """Previous radiotherapy courses of a case, for :func:`reirradiation_feasibility`.

    The primary chemoradiotherapy is a pelvic course and, when ``groins_irradiated`` is true
    or unknown, a groin course; an unknown groin irradiation gives a groin course of unknown
    dose named ``primary.chemoradiotherapy.groins_irradiated``, so that a groin screen is
    undetermined rather than feasible (never assume the groins were spared, §6 point 4).
    With ``phases`` the chemoradiotherapy gives one course per sequence (see
    ``case_courses``). ``prior_radiotherapy`` courses follow; an LDR brachytherapy course
    keeps its technique (its prescription counts as EQD2).

    Args:
        case: An :class:`ascc_salvage.case.Case`.

    Returns:
        The courses, primary chemoradiotherapy first.
    """
    return tuple(
        RadiotherapyCourse(
            region=region,
            end_date=end,
            total_dose=None if total is None else quantity(total, UNIT_GY),
            fractions=fractions,
            dose_field=field,
            technique=RadiotherapyTechnique.LDR_BRACHYTHERAPY if ldr else None,
        )
        for region, end, total, fractions, field, ldr in case_courses(case)
    )


def _optional_bool(value: object, argument: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{argument} must be True, False or None, not {type(value).__name__}")
    return value


def _limits(value: Iterable[object]) -> tuple[tuple[str, float, float, float], ...]:
    rows: list[tuple[str, float, float, float]] = []
    for index, limit in enumerate(value):
        try:
            organ = str(limit.organ)  # type: ignore[attr-defined]
            numbers = (
                float(limit.alpha_beta_gy),  # type: ignore[attr-defined]
                float(limit.no_recovery_gy),  # type: ignore[attr-defined]
                float(limit.recovery_gy),  # type: ignore[attr-defined]
            )
        except (AttributeError, TypeError, ValueError):
            raise TypeError(
                f"limits[{index}] must have .organ, .alpha_beta_gy, .no_recovery_gy and "
                ".recovery_gy (an OrganLimit)"
            ) from None
        if not all(math.isfinite(x) and x > 0 for x in numbers):
            raise ValueError(f"limits[{index}] must hold positive finite numbers")
        rows.append((organ, *numbers))
    return tuple(rows)


def reirradiation_feasibility(
    *,
    region: RadiotherapyRegion | str,
    previous_courses: Iterable[object],
    evaluation_date: _dt.date,
    recurrent_after_complete_response: bool | None,
    ecog: int | None = None,
    prior_groin_dose_recorded: bool | None = None,
    limits: Iterable[object] | None = None,
    planned_total_dose: object = None,
    planned_fractions: int | None = None,
    tumour_abuts_sacral_plexus: bool = False,
) -> ReirradiationAssessment:
    """Screen curative re-irradiation of the pelvis or a groin (clinical pathway §6).

    Args:
        region: ``"pelvis"`` or ``"groin"``.
        previous_courses: Previous courses: :class:`RadiotherapyCourse` objects (see
            :func:`radiotherapy_courses`) or any objects with ``.region``, ``.end_date``,
            ``.total_dose`` (or a case-model ``.dose``) and ``.fractions``.
        evaluation_date: The evaluation date.
        recurrent_after_complete_response: ``True`` for recurrent disease after a documented
            complete response, ``False`` for persistent or progressive disease, ``None`` if
            unknown.
        ecog: ECOG performance status (0–5), or ``None`` if unknown.
        prior_groin_dose_recorded: Groin only: whether the prior groin dose is recorded;
            ``None`` derives it from the groin courses' doses.
        limits: Organ limits (objects like :class:`ascc_salvage.knowledge.OrganLimit`);
            ``None`` uses the knowledge base's table.
        planned_total_dose: Planned total dose (a Gy quantity); default the knowledge base's
            ``reirradiation`` schedule (39 Gy).
        planned_fractions: Planned fractions; default the schedule's (26).
        tumour_abuts_sacral_plexus: The tumour invades the sacrum, coccyx or sciatic nerve:
            the sacral plexus limit without recovery applies whatever the interval (§6.3).

    Returns:
        The assessment with its verdict, interval, per-organ doses, plan, reasons and the
        missing fields.

    Raises:
        TypeError: An argument has the wrong type (a dose without a unit, an ECOG float …).
        ValueError: Wrong kind of dose, an unknown or ``other`` region, an ECOG outside 0–5,
            or a course ending after the evaluation date.

    >>> import datetime as dt
    >>> from ascc_salvage.units import Q_
    >>> crt = RadiotherapyCourse("pelvis", dt.date(2024, 2, 14), Q_(50.4, "Gy"), 28)
    >>> result = reirradiation_feasibility(
    ...     region="pelvis", previous_courses=[crt], evaluation_date=dt.date(2025, 11, 26),
    ...     recurrent_after_complete_response=True, ecog=1)
    >>> str(result.verdict), result.interval_months, result.recovery
    ('feasible', 21, True)
    >>> [(o.organ, round(o.cumulative_eqd2_gy, 3)) for o in result.organs][:2]
    [('small_bowel', 83.484), ('colon_rectum', 83.484)]
    """
    where = member(region, RadiotherapyRegion, "region")
    if where is RadiotherapyRegion.OTHER:
        raise ValueError("region must be 'pelvis' or 'groin': §6 has no rule for other regions")
    if not isinstance(evaluation_date, _dt.date):
        raise TypeError("evaluation_date must be a datetime.date")
    courses = [_course_from(course, index) for index, course in enumerate(previous_courses)]
    for index, course in enumerate(courses):
        if course.end_date > evaluation_date:
            raise ValueError(f"previous_courses[{index}] ends after the evaluation date")
    status = _optional_bool(recurrent_after_complete_response, "recurrent_after_complete_response")
    groin_recorded = _optional_bool(prior_groin_dose_recorded, "prior_groin_dose_recorded")
    grade = None if ecog is None else integer(ecog, "ecog", minimum=0, maximum=5)
    table = None if limits is None else _limits(limits)
    total = (
        None
        if planned_total_dose is None
        else positive(planned_total_dose, Kinds.DOSE, "planned_total_dose")
    )
    n = (
        None
        if planned_fractions is None
        else integer(planned_fractions, "planned_fractions", minimum=1)
    )
    return assess_floats(
        region=where,
        courses=[
            (c.region, c.end_date, c.total_gy, c.fractions, c.dose_field, c.prescription_is_eqd2)
            for c in courses
        ],
        evaluation_date=evaluation_date,
        recurrent_after_complete_response=status,
        ecog=grade,
        prior_groin_dose_recorded=groin_recorded,
        limits=table,
        planned_total_gy=total,
        planned_fractions=n,
        plexus_abutted=boolean(tumour_abuts_sacral_plexus, "tumour_abuts_sacral_plexus"),
    )
