"""Patient-specific dose adjustments of clinical pathway v3 (case schema 2).

* :func:`calvert_gfr` — the GFR that enters Calvert: GFR 0 on dialysis, else a measured GFR
  (de-indexed by BSA when indexed to 1.73 m²), else the Cockcroft–Gault clearance
  (clinical pathway §5.1 renal and cisplatin eligibility, §10; thresholds
  ``carboplatin_dialysis_dose`` — *secondary* — and ``measured_gfr_calvert`` — *library
  policy*).
* :func:`fluorouracil_fraction` — the fluorouracil starting-dose fraction by DPYD activity
  score or DPD deficiency (§5.1 fluoropyrimidines, §10; ``dpyd_poor_metabolizer`` —
  *verified*, ``dpyd_intermediate_dose`` — *secondary*, ``dpyd_partial_no_score`` —
  *library policy*).
* :func:`paclitaxel_hepatic` and :func:`docetaxel_hepatic` — dose fraction or exclusion of a
  taxane by liver tests as multiples of the upper limit of normal (§5.1 hepatic, §10;
  ``paclitaxel_hepatic_*`` — *unverified* (Taxol US label table not seen),
  ``docetaxel_hepatic_exclusion`` — *verified*, ``docetaxel_alp_missing`` and
  ``hepatic_values_missing`` — *library policy*).
* :func:`phases_eqd2` — the cumulative EQD2 of the primary radiotherapy over its phases
  (§6.3 "Phases"; a library screening policy).

Every cut-off and fraction is a threshold of the knowledge base (``thresholds.toml``), read
through the calculators' adapter; none is a literal here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import (
    UNIT_GY,
    UNIT_ML_MIN,
    boolean,
    integer,
    positive,
    quantity,
)
from ascc_salvage.calculators.radiobiology import _alpha_beta, eqd2_gy
from ascc_salvage.calculators.renal import STANDARD_BSA_M2
from ascc_salvage.units import Kinds, Quantity, as_quantity

__all__ = [
    "CalvertGfr",
    "DoseFraction",
    "GfrSource",
    "HepaticAdjustment",
    "HepaticOutcome",
    "calvert_gfr",
    "docetaxel_hepatic",
    "fluorouracil_fraction",
    "paclitaxel_hepatic",
    "phases_eqd2",
]


class GfrSource(enum.StrEnum):
    """Where the GFR in Calvert came from (the dose plan's ``basis.gfr_source``)."""

    MEASURED = "measured"
    COCKCROFT_GAULT = "cockcroft_gault"
    DIALYSIS = "dialysis"


@attrs.frozen
class CalvertGfr:
    """Result of :func:`calvert_gfr`.

    Attributes:
        value: The GFR for Calvert (mL/min), before the cap (see
            :func:`~ascc_salvage.calculators.carboplatin_dose`).
        source: Where it came from.
        flags: Flags the choice carries (``dose_after_dialysis`` and
            ``verify_carboplatin_dose_with_pharmacy`` on dialysis).
    """

    value: Quantity
    source: GfrSource
    flags: tuple[str, ...] = ()


#: Flags of a carboplatin dose on dialysis (clinical pathway §5.1 renal, §10).
DIALYSIS_FLAGS = ("dose_after_dialysis", "verify_carboplatin_dose_with_pharmacy")


def calvert_gfr_ml_min(
    *,
    dialysis: bool,
    measured_ml_min: float | None,
    measured_indexed: bool,
    bsa_m2: float | None,
    creatinine_clearance_ml_min: float | None,
) -> tuple[float, GfrSource] | None:
    """The Calvert GFR and its source from canonical floats (``None``: inputs missing).

    >>> calvert_gfr_ml_min(dialysis=False, measured_ml_min=62.0, measured_indexed=False,
    ...     bsa_m2=None, creatinine_clearance_ml_min=90.0)
    (62.0, <GfrSource.MEASURED: 'measured'>)
    """
    if dialysis:
        return _kb.threshold("carboplatin_dialysis_dose"), GfrSource.DIALYSIS
    if measured_ml_min is not None:
        if not measured_indexed:
            return measured_ml_min, GfrSource.MEASURED
        if bsa_m2 is None:
            return None
        return measured_ml_min * bsa_m2 / STANDARD_BSA_M2, GfrSource.MEASURED
    if creatinine_clearance_ml_min is None:
        return None
    return creatinine_clearance_ml_min, GfrSource.COCKCROFT_GAULT


def calvert_gfr(
    *,
    creatinine_clearance: object = None,
    measured_gfr: object = None,
    bsa: object = None,
    dialysis: object = False,
) -> CalvertGfr:
    """The GFR that enters the Calvert formula (clinical pathway §10, v3 additions).

    On dialysis the GFR is 0 (threshold ``carboplatin_dialysis_dose``, *secondary*: the dose
    is AUC × 25 mg, given after the session); it takes precedence over a measured GFR. Else a
    measured GFR replaces Cockcroft–Gault (``measured_gfr_calvert``, *library policy*); a
    value indexed to 1.73 m² is de-indexed by the patient's BSA. The 125 mL/min cap is
    applied by :func:`~ascc_salvage.calculators.carboplatin_dose`, as for any GFR.

    Args:
        creatinine_clearance: Cockcroft–Gault clearance (a ``mL/min`` quantity), used when
            neither dialysis nor a measured GFR applies.
        measured_gfr: Measured GFR, absolute (``mL/min``) or indexed
            (``mL/min/standard_body_surface_area``).
        bsa: Body surface area (an area quantity); needed for an indexed measured GFR.
        dialysis: Whether the patient is on maintenance dialysis.

    Returns:
        The GFR, its source and the flags the choice carries.

    Raises:
        TypeError: An argument is not a quantity, or *dialysis* not a bool.
        ValueError: Wrong kind, a non-positive value, an indexed GFR without a BSA, or no
            GFR at all.

    >>> from ascc_salvage.units import Q_
    >>> calvert_gfr(dialysis=True).value
    <Quantity(0.0, 'milliliter / minute')>
    >>> gfr = calvert_gfr(measured_gfr=Q_(60, "mL/min/standard_body_surface_area"),
    ...     bsa=Q_(2.076, "m**2"), creatinine_clearance=Q_(90, "mL/min"))
    >>> round(gfr.value.m_as("mL/min"), 3), gfr.source.value
    (72.0, 'measured')
    """
    on_dialysis = boolean(dialysis, "dialysis")
    measured: float | None = None
    indexed = False
    if measured_gfr is not None:
        given = as_quantity(measured_gfr, "measured_gfr")
        indexed = not given.is_compatible_with(UNIT_ML_MIN)
        kind = Kinds.INDEXED_CLEARANCE if indexed else Kinds.CLEARANCE
        measured = positive(given, kind, "measured_gfr")
    bsa_m2 = None if bsa is None else positive(bsa, Kinds.AREA, "bsa")
    clearance = (
        None
        if creatinine_clearance is None
        else positive(creatinine_clearance, Kinds.CLEARANCE, "creatinine_clearance")
    )
    found = calvert_gfr_ml_min(
        dialysis=on_dialysis,
        measured_ml_min=measured,
        measured_indexed=indexed,
        bsa_m2=bsa_m2,
        creatinine_clearance_ml_min=clearance,
    )
    if found is None:
        raise ValueError(
            "an indexed measured_gfr needs bsa"
            if measured is not None
            else "give creatinine_clearance, measured_gfr or dialysis=True"
        )
    value, source = found
    flags = DIALYSIS_FLAGS if source is GfrSource.DIALYSIS else ()
    return CalvertGfr(quantity(value, UNIT_ML_MIN), source, flags)


@attrs.frozen
class DoseFraction:
    """Result of :func:`fluorouracil_fraction`.

    Attributes:
        fraction: Starting-dose fraction (1.0 unreduced, 0.5 reduced); ``None`` when the
            drug is excluded.
        excluded: Whether the regimens containing the drug are not recommended.
        threshold: Id of the knowledge-base threshold that decided (``None``: no rule
            applied).
        flags: Flags the adjustment carries (``dpd_reduced_starting_dose``).
    """

    fraction: float | None
    excluded: bool
    threshold: str | None
    flags: tuple[str, ...] = ()


def fluorouracil_fraction_floats(
    activity_score: float | None, partial: bool, complete: bool
) -> tuple[float | None, str | None]:
    """Fluorouracil fraction (``None``: excluded) and the deciding threshold id.

    >>> fluorouracil_fraction_floats(1.0, False, False)
    (0.5, 'dpyd_intermediate_dose')
    """
    poor = _kb.threshold("dpyd_poor_metabolizer")
    if complete or (activity_score is not None and activity_score <= poor):
        return None, "dpyd_poor_metabolizer"
    if activity_score is not None and activity_score <= _kb.threshold("dpyd_intermediate_dose"):
        return _kb.fraction("dpyd_intermediate_dose"), "dpyd_intermediate_dose"
    if partial:
        name = "dpyd_partial_no_score" if activity_score is None else "dpyd_intermediate_dose"
        return _kb.fraction(name), name
    return 1.0, None


def fluorouracil_fraction(
    *,
    activity_score: object = None,
    partial_deficiency: object = False,
    complete_deficiency: object = False,
) -> DoseFraction:
    """Fluorouracil starting-dose fraction by DPD status (clinical pathway §5.1, §10).

    * Activity score ≤ 0.5 (poor metabolizer) or complete deficiency: excluded (threshold
      ``dpyd_poor_metabolizer``, *verified*, CPIC 2017).
    * Activity score 1 or 1.5, or condition ``dpd_deficiency_partial``: × 0.5
      (``dpyd_intermediate_dose``, *secondary*; with no activity score recorded
      ``dpyd_partial_no_score``, *library policy*); flag ``dpd_reduced_starting_dose``.
    * Otherwise (activity score 2, or nothing recorded): 1.0.

    Args:
        activity_score: CPIC DPYD activity score (0, 0.5, 1, 1.5 or 2) or ``None``.
        partial_deficiency: Condition ``dpd_deficiency_partial``.
        complete_deficiency: Condition ``dpd_deficiency_complete``.

    Returns:
        The fraction, or the exclusion, with the deciding threshold.

    Raises:
        TypeError: The score is not a number or a condition not a bool.
        ValueError: The score is not one of the CPIC values.

    >>> fluorouracil_fraction(activity_score=1.5).fraction
    0.5
    >>> fluorouracil_fraction(partial_deficiency=True).threshold
    'dpyd_partial_no_score'
    >>> fluorouracil_fraction(activity_score=0.5).excluded
    True
    """
    score: float | None = None
    if activity_score is not None:
        if isinstance(activity_score, bool) or not isinstance(activity_score, int | float):
            raise TypeError("activity_score must be a number or None")
        score = float(activity_score)
        if score not in (0.0, 0.5, 1.0, 1.5, 2.0):
            raise ValueError(f"activity_score must be 0, 0.5, 1, 1.5 or 2, got {score:g}")
    fraction, threshold = fluorouracil_fraction_floats(
        score,
        boolean(partial_deficiency, "partial_deficiency"),
        boolean(complete_deficiency, "complete_deficiency"),
    )
    flags = ("dpd_reduced_starting_dose",) if fraction is not None and fraction < 1.0 else ()
    return DoseFraction(fraction, fraction is None, threshold, flags)


class HepaticOutcome(enum.StrEnum):
    """What the liver tests do to a taxane (``basis.hepatic_adjustment`` and more)."""

    NONE = "none"
    REDUCED = "reduced"
    EXCLUDED = "excluded"
    UNDETERMINED = "undetermined"
    NOT_RECORDED = "not_recorded"


@attrs.frozen
class HepaticAdjustment:
    """Result of :func:`paclitaxel_hepatic` and :func:`docetaxel_hepatic`.

    Attributes:
        outcome: ``none`` (full dose), ``reduced``, ``excluded`` (regimen not recommended),
            ``undetermined`` (a missing value decides) or ``not_recorded`` (full-dose plan
            with flag ``check_hepatic_function``).
        fraction: Dose fraction of the drug (1.0 unless reduced); ``None`` when excluded or
            undetermined.
        threshold: Id of the deciding knowledge-base threshold (``None``: full dose).
        missing: Case fields whose absence decided (``patient.hepatic_function.…``).
        flags: ``hepatic_dose_reduction`` or ``check_hepatic_function`` when they apply.
    """

    outcome: HepaticOutcome
    fraction: float | None
    threshold: str | None
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


_LIVER_FIELD = "patient.hepatic_function."


def _ratio(value: object, argument: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{argument} must be a number (a multiple of the ULN) or None")
    if not 0.0 <= float(value) <= 50.0:
        raise ValueError(f"{argument} must be between 0 and 50 times the ULN, got {value:g}")
    return float(value)


def paclitaxel_hepatic_floats(
    bilirubin: float | None, ast: float | None, alt: float | None
) -> HepaticAdjustment:
    """:func:`paclitaxel_hepatic` on floats (no checks)."""
    limit = _kb.threshold("paclitaxel_hepatic_exclusion")
    if (bilirubin is not None and bilirubin > _kb.threshold("paclitaxel_hepatic_reduced_2")) or any(
        value is not None and value >= limit for value in (ast, alt)
    ):
        return HepaticAdjustment(HepaticOutcome.EXCLUDED, None, "paclitaxel_hepatic_exclusion")
    missing = tuple(
        _LIVER_FIELD + name
        for name, value in (("bilirubin_x_uln", bilirubin), ("ast_x_uln", ast), ("alt_x_uln", alt))
        if value is None
    )
    if missing:
        return HepaticAdjustment(
            HepaticOutcome.NOT_RECORDED,
            _kb.fraction("hepatic_values_missing"),
            "hepatic_values_missing",
            missing,
            ("check_hepatic_function",),
        )
    assert bilirubin is not None
    if bilirubin <= _kb.threshold("paclitaxel_hepatic_full_dose"):
        return HepaticAdjustment(HepaticOutcome.NONE, 1.0, None)
    name = (
        "paclitaxel_hepatic_reduced_1"
        if bilirubin <= _kb.threshold("paclitaxel_hepatic_reduced_1")
        else "paclitaxel_hepatic_reduced_2"
    )
    return HepaticAdjustment(
        HepaticOutcome.REDUCED, _kb.fraction(name), name, (), ("hepatic_dose_reduction",)
    )


def paclitaxel_hepatic(
    *, bilirubin_x_uln: object, ast_x_uln: object, alt_x_uln: object
) -> HepaticAdjustment:
    """Paclitaxel dose fraction or exclusion by liver tests (clinical pathway §5.1 hepatic).

    Values are multiples of the upper limit of normal. Bilirubin ≤ 1.25 and AST, ALT < 10:
    full dose; bilirubin 1.26–2.0: × 135/175; 2.01–5.0: × 90/175 (flag
    ``hepatic_dose_reduction``); bilirubin > 5 or AST or ALT ≥ 10: taxane regimens excluded.
    A needed value missing: full dose with flag ``check_hepatic_function``. Thresholds
    ``paclitaxel_hepatic_*`` are *unverified* (Taxol US label table, not seen in this
    revision; applying its ratios to weekly 80 mg/m² is library policy);
    ``hepatic_values_missing`` is *library policy*.

    Args:
        bilirubin_x_uln: Total bilirubin × ULN, or ``None``.
        ast_x_uln: AST × ULN, or ``None``.
        alt_x_uln: ALT × ULN, or ``None``.

    Returns:
        The adjustment.

    Raises:
        TypeError: A value is not a number.
        ValueError: A value is outside 0–50.

    >>> paclitaxel_hepatic(bilirubin_x_uln=1.5, ast_x_uln=2, alt_x_uln=2).fraction == 135 / 175
    True
    >>> paclitaxel_hepatic(bilirubin_x_uln=1, ast_x_uln=12, alt_x_uln=2).outcome.value
    'excluded'
    """
    return paclitaxel_hepatic_floats(
        _ratio(bilirubin_x_uln, "bilirubin_x_uln"),
        _ratio(ast_x_uln, "ast_x_uln"),
        _ratio(alt_x_uln, "alt_x_uln"),
    )


def docetaxel_hepatic_floats(
    bilirubin: float | None, ast: float | None, alt: float | None, alp: float | None
) -> HepaticAdjustment:
    """:func:`docetaxel_hepatic` on floats (no checks)."""
    aminotransferase_limit = _kb.threshold("docetaxel_alp_missing")
    raised = any(value is not None and value > aminotransferase_limit for value in (ast, alt))
    if bilirubin is not None and bilirubin > _kb.threshold("docetaxel_hepatic_exclusion"):
        return HepaticAdjustment(HepaticOutcome.EXCLUDED, None, "docetaxel_hepatic_exclusion")
    if raised and alp is not None and alp > _kb.threshold("docetaxel_hepatic_alp_limit"):
        return HepaticAdjustment(HepaticOutcome.EXCLUDED, None, "docetaxel_hepatic_exclusion")
    if raised and alp is None:
        return HepaticAdjustment(
            HepaticOutcome.UNDETERMINED,
            None,
            "docetaxel_alp_missing",
            (_LIVER_FIELD + "alp_x_uln",),
        )
    missing = tuple(
        _LIVER_FIELD + name
        for name, value in (("bilirubin_x_uln", bilirubin), ("ast_x_uln", ast), ("alt_x_uln", alt))
        if value is None
    )
    if missing:
        return HepaticAdjustment(
            HepaticOutcome.NOT_RECORDED,
            _kb.fraction("hepatic_values_missing"),
            "hepatic_values_missing",
            missing,
            ("check_hepatic_function",),
        )
    return HepaticAdjustment(HepaticOutcome.NONE, 1.0, None)


def docetaxel_hepatic(
    *, bilirubin_x_uln: object, ast_x_uln: object, alt_x_uln: object, alp_x_uln: object = None
) -> HepaticAdjustment:
    """Docetaxel (DCF) exclusion by liver tests (clinical pathway §5.1 hepatic).

    Bilirubin > 1 × ULN, or AST or ALT > 1.5 × ULN together with alkaline phosphatase
    > 2.5 × ULN: DCF not recommended (``docetaxel_hepatic_exclusion``, *verified*, docetaxel
    US label boxed warning). AST or ALT > 1.5 × ULN with alkaline phosphatase not recorded:
    undetermined (``docetaxel_alp_missing``, *library policy*). A value needed for the
    full-dose check missing: full dose with flag ``check_hepatic_function``
    (``hepatic_values_missing``, *library policy*). Docetaxel has no reduced-dose row.

    Args:
        bilirubin_x_uln: Total bilirubin × ULN, or ``None``.
        ast_x_uln: AST × ULN, or ``None``.
        alt_x_uln: ALT × ULN, or ``None``.
        alp_x_uln: Alkaline phosphatase × ULN, or ``None``.

    Returns:
        The adjustment (outcome ``none``, ``excluded``, ``undetermined`` or
        ``not_recorded``).

    Raises:
        TypeError: A value is not a number.
        ValueError: A value is outside 0–50.

    >>> docetaxel_hepatic(bilirubin_x_uln=0.8, ast_x_uln=2, alt_x_uln=1).missing
    ('patient.hepatic_function.alp_x_uln',)
    """
    return docetaxel_hepatic_floats(
        _ratio(bilirubin_x_uln, "bilirubin_x_uln"),
        _ratio(ast_x_uln, "ast_x_uln"),
        _ratio(alt_x_uln, "alt_x_uln"),
        _ratio(alp_x_uln, "alp_x_uln"),
    )


#: Phase targets that enter the pelvic cumulative screen (clinical pathway §6.3).
PELVIC_TARGETS = frozenset({"primary", "pelvic_nodes"})


def phases_eqd2(phases: Iterable[object], *, alpha_beta: object) -> Quantity:
    """Cumulative EQD2 of the primary radiotherapy over its phases (clinical pathway §6.3).

    For each ``sequence`` the phase with the highest dose among targets ``primary`` and
    ``pelvic_nodes`` is taken, its EQD2 computed with its own dose per fraction, and the
    sequences summed. Brachytherapy phases count at their prescription (worst case: the organ
    received the full prescription), like external-beam phases. Groin phases do not enter
    this pelvic screen. A library screening policy [SLEVIN_2021 limits].

    Args:
        phases: The case's ``RadiotherapyPhase`` objects, or objects with ``.sequence``,
            ``.target``, ``.dose`` (a Gy quantity, or a case ``Dose``) and ``.fractions``.
        alpha_beta: α/β of the tissue (a Gy quantity).

    Returns:
        The cumulative EQD2 in Gy (0 Gy when no phase targets the pelvis).

    Raises:
        TypeError: A phase has the wrong shape.
        ValueError: Wrong kind, a non-positive dose or fewer than one fraction.

    >>> from ascc_salvage.case import RadiotherapyPhase
    >>> phases = [
    ...     RadiotherapyPhase(sequence=1, technique="ebrt", target="primary",
    ...         dose=(30.6, "Gy"), fractions=17),
    ...     RadiotherapyPhase(sequence=1, technique="ebrt", target="pelvic_nodes",
    ...         dose=(30.6, "Gy"), fractions=17),
    ...     RadiotherapyPhase(sequence=2, technique="ebrt", target="primary",
    ...         dose=(19.8, "Gy"), fractions=11)]
    >>> from ascc_salvage.units import Q_
    >>> round(phases_eqd2(phases, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 3)
    48.384
    """
    ab = _alpha_beta(alpha_beta)
    best: dict[int, tuple[float, int]] = {}
    for index, phase in enumerate(phases):
        where = f"phases[{index}]"
        try:
            sequence = getattr(phase, "sequence")  # noqa: B009
            target = str(getattr(phase, "target"))  # noqa: B009
            measured = getattr(phase, "dose")  # noqa: B009
            count = getattr(phase, "fractions")  # noqa: B009
        except AttributeError:
            raise TypeError(f"{where} must have .sequence, .target, .dose and .fractions") from None
        order = integer(sequence, f"{where}.sequence", minimum=1)
        fractions = integer(count, f"{where}.fractions", minimum=1)
        dose = positive(getattr(measured, "quantity", measured), Kinds.DOSE, f"{where}.dose")
        if target not in PELVIC_TARGETS:
            continue
        if order not in best or dose > best[order][0]:
            best[order] = (dose, fractions)
    total = sum(eqd2_gy(dose, dose / n, ab) for dose, n in best.values())
    return quantity(float(total), UNIT_GY)
