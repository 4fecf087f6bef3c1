"""Body surface area and body-weight scalars (ideal and adjusted body weight).

Formula constants are part of each formula's definition and carry their source here:

* Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098.
* Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and
  weight be known. Arch Intern Med 1916;17:863–871.
* Haycock GB, Schwartz GJ, Wisotsky DH. Geometric method for measuring body surface area.
  J Pediatr 1978;93:62–66.
* Gehan EA, George SL. Estimation of human body surface area from height and weight.
  Cancer Chemother Rep 1970;54:225–235.
* Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650–655 (ideal body weight).
* Adjusted body weight with a correction factor of 0.4 (Bauer LA. Applied Clinical
  Pharmacokinetics; the factor used for aminoglycoside and carboplatin dosing).
"""

from __future__ import annotations

import enum
import math
from typing import Final

import attrs

from ascc_salvage.calculators._common import (
    UNIT_KG,
    UNIT_M2,
    member,
    parse_sex,
    positive,
    quantity,
)
from ascc_salvage.units import Kinds, Quantity
from ascc_salvage.vocabulary import Sex

__all__ = [
    "BodySurfaceArea",
    "BodyWeight",
    "BsaFormula",
    "adjusted_body_weight",
    "body_surface_area",
    "ideal_body_weight",
]


class BsaFormula(enum.StrEnum):
    """Body-surface-area formulas (``calculators.md``); Mosteller is the default."""

    MOSTELLER = "mosteller"
    DUBOIS = "dubois"
    HAYCOCK = "haycock"
    GEHAN_GEORGE = "gehan_george"


#: Mosteller: BSA (m²) = √(height (cm) × weight (kg) / 3600) [Mosteller 1987].
MOSTELLER_DIVISOR: Final = 3600.0

#: Power-law formulas BSA = c × weight^a × height^b (kg, cm) as (c, a, b) [sources above].
POWER_LAW_COEFFICIENTS: Final = {
    BsaFormula.DUBOIS: (0.007184, 0.425, 0.725),
    BsaFormula.HAYCOCK: (0.024265, 0.5378, 0.3964),
    BsaFormula.GEHAN_GEORGE: (0.0235, 0.51456, 0.42246),
}

#: Devine base weight, kg, at 60 inches: male 50 kg, female 45.5 kg [Devine 1974].
DEVINE_BASE_KG: Final = {Sex.MALE: 50.0, Sex.FEMALE: 45.5}

#: Devine increment per inch of height over 60 inches, kg [Devine 1974].
DEVINE_KG_PER_INCH: Final = 2.3

#: Height from which the Devine increment counts, inches [Devine 1974].
DEVINE_BASE_HEIGHT_IN: Final = 60.0

#: Centimetres per inch (exact, international inch).
CM_PER_INCH: Final = 2.54

#: Fraction of the excess over ideal weight counted by the adjusted body weight [Bauer].
ADJUSTED_WEIGHT_FACTOR: Final = 0.4


def bsa_m2(height_cm: float, weight_kg: float, formula: BsaFormula = BsaFormula.MOSTELLER) -> float:
    """Body surface area in m² from canonical floats (no checks; the engine's fast path).

    >>> round(bsa_m2(170.0, 70.0), 4)
    1.8181
    """
    if formula is BsaFormula.MOSTELLER:
        return math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)
    c, a, b = POWER_LAW_COEFFICIENTS[formula]
    return float(c * weight_kg**a * height_cm**b)


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine ideal body weight in kg from canonical floats (no checks).

    Heights of 60 inches or less give the base weight: the formula adds weight only
    *over* 60 inches (``calculators.md``) and never subtracts.

    >>> round(ideal_body_weight_kg(175.0, Sex.MALE), 3)
    70.465
    """
    inches_over = max(0.0, height_cm / CM_PER_INCH - DEVINE_BASE_HEIGHT_IN)
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * inches_over


def adjusted_body_weight_kg(height_cm: float, weight_kg: float, sex: Sex) -> float:
    """Adjusted body weight in kg, IBW + 0.4 × (actual − IBW), from canonical floats."""
    ibw = ideal_body_weight_kg(height_cm, sex)
    return ibw + ADJUSTED_WEIGHT_FACTOR * (weight_kg - ibw)


@attrs.frozen
class BodySurfaceArea:
    """Result of :func:`body_surface_area`.

    Attributes:
        value: Body surface area used for dosing (m²), after any cap.
        formula: The formula used.
        capped: Whether the requested cap lowered the value.
        cap: The cap requested (m²), or ``None`` for no cap (the default).
        uncapped: The body surface area before any cap (m²).
    """

    value: Quantity
    formula: BsaFormula
    capped: bool
    cap: Quantity | None
    uncapped: Quantity


@attrs.frozen
class BodyWeight:
    """Result of :func:`ideal_body_weight` and :func:`adjusted_body_weight`.

    Attributes:
        value: The body weight (kg).
        method: ``"ideal"`` (Devine) or ``"adjusted"`` (IBW + 0.4 × excess).
    """

    value: Quantity
    method: str


def body_surface_area(
    *,
    height: object,
    weight: object,
    formula: BsaFormula | str = BsaFormula.MOSTELLER,
    cap: object = None,
) -> BodySurfaceArea:
    """Body surface area by Mosteller (default), DuBois, Haycock or Gehan–George.

    No cap applies by default: ASCO guidance (2012, 2021) is to dose obese patients on actual
    body weight. An explicit cap may be requested; the result then says whether it applied.

    Args:
        height: Body height (a length quantity).
        weight: Body weight (a mass quantity).
        formula: ``"mosteller"``, ``"dubois"``, ``"haycock"`` or ``"gehan_george"``
            (or a :class:`BsaFormula`).
        cap: Optional largest body surface area to use (an area quantity, e.g. ``Q_(2, "m**2")``).

    Returns:
        The body surface area with its formula and cap status.

    Raises:
        TypeError: A quantity argument is not a quantity, or *formula* is not a string.
        ValueError: Wrong kind or a non-positive value, or an unknown formula.

    >>> from ascc_salvage.units import Q_
    >>> bsa = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"))
    >>> round(bsa.value.m_as("m**2"), 4), str(bsa.formula), bsa.capped
    (1.8181, 'mosteller', False)
    >>> body_surface_area(height=Q_(180, "cm"), weight=Q_(90, "kg"), cap=Q_(2, "m**2")).capped
    True
    """
    height_cm = positive(height, Kinds.LENGTH, "height")
    weight_kg = positive(weight, Kinds.MASS, "weight")
    chosen = member(formula, BsaFormula, "formula")
    raw = bsa_m2(height_cm, weight_kg, chosen)
    if not math.isfinite(raw):  # finite inputs whose product overflows (1e300 cm × 1e300 kg)
        raise ValueError(
            f"height {height_cm:g} cm and weight {weight_kg:g} kg give no finite body surface area"
        )
    cap_quantity: Quantity | None = None
    value = raw
    if cap is not None:
        cap_m2 = positive(cap, Kinds.AREA, "cap")
        cap_quantity = quantity(cap_m2, UNIT_M2)
        value = min(raw, cap_m2)
    return BodySurfaceArea(
        value=quantity(value, UNIT_M2),
        formula=chosen,
        capped=value < raw,
        cap=cap_quantity,
        uncapped=quantity(raw, UNIT_M2),
    )


def ideal_body_weight(*, height: object, sex: Sex | str) -> BodyWeight:
    """Ideal body weight by Devine: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 60.

    Args:
        height: Body height (a length quantity).
        sex: ``"female"`` or ``"male"``.

    Returns:
        The ideal body weight in kg (``method == "ideal"``).

    Raises:
        TypeError: *height* is not a quantity or *sex* not a string.
        ValueError: Wrong kind, a non-positive height, or an unknown sex.

    >>> from ascc_salvage.units import Q_
    >>> round(ideal_body_weight(height=Q_(70, "in"), sex="male").value.m_as("kg"), 3)
    73.0
    """
    height_cm = positive(height, Kinds.LENGTH, "height")
    return BodyWeight(quantity(ideal_body_weight_kg(height_cm, parse_sex(sex)), UNIT_KG), "ideal")


def adjusted_body_weight(*, height: object, weight: object, sex: Sex | str) -> BodyWeight:
    """Adjusted body weight: IBW + 0.4 × (actual − IBW), IBW by Devine.

    The formula is applied as written also when the actual weight is below the ideal weight
    (the result then lies between the two).

    Args:
        height: Body height (a length quantity).
        weight: Actual body weight (a mass quantity).
        sex: ``"female"`` or ``"male"``.

    Returns:
        The adjusted body weight in kg (``method == "adjusted"``).

    Raises:
        TypeError: A quantity argument is not a quantity or *sex* not a string.
        ValueError: Wrong kind, a non-positive value, or an unknown sex.

    >>> from ascc_salvage.units import Q_
    >>> round(adjusted_body_weight(height=Q_(70, "in"), weight=Q_(100, "kg"), sex="male")
    ...       .value.m_as("kg"), 3)
    83.8
    """
    height_cm = positive(height, Kinds.LENGTH, "height")
    weight_kg = positive(weight, Kinds.MASS, "weight")
    value = adjusted_body_weight_kg(height_cm, weight_kg, parse_sex(sex))
    return BodyWeight(quantity(value, UNIT_KG), "adjusted")
