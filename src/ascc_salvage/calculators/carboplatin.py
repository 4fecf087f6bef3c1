"""Carboplatin dose by the Calvert formula.

Calvert AH et al. Carboplatin dosage: prospective evaluation of a simple formula based on
renal function. J Clin Oncol 1989;7:1748–1756: dose (mg) = target AUC (mg·min/mL) ×
(GFR (mL/min) + 25). The GFR cap (125 mL/min, so at most AUC × 150 mg) is clinical policy
and comes from the knowledge base.
"""

from __future__ import annotations

from typing import Final

import attrs

from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import (
    UNIT_AUC,
    UNIT_MG,
    UNIT_ML_MIN,
    boolean,
    non_negative,
    positive,
    quantity,
)
from ascc_salvage.units import Kinds, Quantity

__all__ = ["CarboplatinDose", "carboplatin_dose"]

#: Non-renal clearance term of the Calvert formula, mL/min [Calvert 1989].
CALVERT_NON_RENAL_CLEARANCE: Final = 25.0


@attrs.frozen
class CarboplatinDose:
    """Result of :func:`carboplatin_dose`.

    Attributes:
        value: Carboplatin dose per administration (mg).
        gfr_capped: Whether the GFR was lowered to the cap.
        gfr: The GFR used (mL/min), after any cap.
        auc: The target AUC (mg·min/mL).
    """

    value: Quantity
    gfr_capped: bool
    gfr: Quantity
    auc: Quantity


def calvert_mg(auc: float, gfr_ml_min: float, cap_ml_min: float | None) -> tuple[float, bool]:
    """Calvert dose in mg and whether the cap applied, from canonical floats (no checks).

    >>> calvert_mg(5.0, 169.64, 125.0)
    (750.0, True)
    """
    capped = cap_ml_min is not None and gfr_ml_min > cap_ml_min
    gfr = cap_ml_min if capped and cap_ml_min is not None else gfr_ml_min
    return auc * (gfr + CALVERT_NON_RENAL_CLEARANCE), capped


def carboplatin_dose(*, auc: object, gfr: object, cap_gfr: bool = True) -> CarboplatinDose:
    """Carboplatin dose by Calvert: target AUC × (GFR + 25), GFR capped at 125 mL/min.

    With the cap (the default, from the knowledge base) the largest dose is AUC × 150 mg
    (750 mg at AUC 5); the result says whether the cap applied.

    Args:
        auc: Target AUC (a ``mg*min/mL`` quantity), greater than zero.
        gfr: Glomerular filtration rate or creatinine clearance (a ``mL/min`` quantity, not
            indexed to body surface area; see :func:`~ascc_salvage.calculators.deindex_egfr`).
        cap_gfr: Whether to cap the GFR.

    Returns:
        The dose with the GFR used and the cap status.

    Raises:
        TypeError: An argument is not a quantity, or *cap_gfr* not a bool.
        ValueError: Wrong kind, a non-positive AUC or a negative GFR.

    >>> from ascc_salvage.units import Q_
    >>> dose = carboplatin_dose(auc=Q_(5, "mg*min/mL"), gfr=Q_(88.889, "mL/min"))
    >>> round(dose.value.m_as("mg"), 2), dose.gfr_capped
    (569.44, False)
    >>> carboplatin_dose(auc=Q_(5, "mg*min/mL"), gfr=Q_(169.64, "mL/min")).value
    <Quantity(750.0, 'milligram')>
    """
    auc_value = positive(auc, Kinds.AUC, "auc")
    gfr_value = non_negative(gfr, Kinds.CLEARANCE, "gfr")
    cap = _kb.carboplatin_gfr_cap_ml_min() if boolean(cap_gfr, "cap_gfr") else None
    dose, capped = calvert_mg(auc_value, gfr_value, cap)
    used = cap if capped and cap is not None else gfr_value
    return CarboplatinDose(
        value=quantity(dose, UNIT_MG),
        gfr_capped=capped,
        gfr=quantity(used, UNIT_ML_MIN),
        auc=quantity(auc_value, UNIT_AUC),
    )
