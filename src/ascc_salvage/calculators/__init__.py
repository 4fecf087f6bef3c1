"""Clinical calculators: body size, renal function, carboplatin, radiobiology, scores, dose plans.

Every public calculator takes keyword-only arguments; measured values are pint quantities of
:data:`ascc_salvage.units.ureg` (``Q_(70, "kg")``), ``fractions`` and ``age_years`` plain ints,
``sex`` ``"female"``/``"male"`` and ``alpha_beta`` a quantity in Gy. A non-quantity where a
quantity is expected raises :class:`TypeError`; a wrong dimension or kind (a weight passed as
a height, Sv passed as Gy) raises :class:`ValueError`; pint's own exceptions never escape.

Arithmetic is done on canonical floats; quantities are built only for results. Formula
constants live with their formulas (source in each module's docstring); clinical thresholds
and regimens come from :mod:`ascc_salvage.knowledge`.

>>> from ascc_salvage.units import Q_
>>> bsa = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"))
>>> round(bsa.value.m_as("m**2"), 4)
1.8181
"""

from __future__ import annotations

from ascc_salvage.calculators.adjustments import (
    CalvertGfr,
    DoseFraction,
    GfrSource,
    HepaticAdjustment,
    HepaticOutcome,
    calvert_gfr,
    docetaxel_hepatic,
    fluorouracil_fraction,
    paclitaxel_hepatic,
    phases_eqd2,
)
from ascc_salvage.calculators.body_size import (
    BodySurfaceArea,
    BodyWeight,
    BsaFormula,
    adjusted_body_weight,
    body_surface_area,
    ideal_body_weight,
)
from ascc_salvage.calculators.carboplatin import CarboplatinDose, carboplatin_dose
from ascc_salvage.calculators.dose_plan import (
    AnyDosePlan,
    DosePlan,
    DrugPlan,
    PlanAdjustments,
    RadiotherapyPlan,
    RegimenExcludedError,
    UndeterminedDosePlan,
    dose_plan,
    plan_from_floats,
    radiotherapy_plan,
)
from ascc_salvage.calculators.pdl1 import pd_l1_cps, pd_l1_tps
from ascc_salvage.calculators.performance import ecog_from_karnofsky
from ascc_salvage.calculators.radiobiology import (
    bed,
    cumulative_eqd2,
    eqd2,
    max_total_dose_within_budget,
)
from ascc_salvage.calculators.reirradiation import (
    OrganDose,
    RadiotherapyCourse,
    ReirradiationAssessment,
    ReirradiationVerdict,
    calendar_months_between,
    radiotherapy_courses,
    reirradiation_feasibility,
)
from ascc_salvage.calculators.renal import (
    CreatinineClearance,
    EstimatedGfr,
    WeightBasis,
    creatinine_clearance,
    deindex_egfr,
    egfr_ckd_epi_2021,
)

__all__ = [
    "AnyDosePlan",
    "BodySurfaceArea",
    "BodyWeight",
    "BsaFormula",
    "CalvertGfr",
    "CarboplatinDose",
    "CreatinineClearance",
    "DoseFraction",
    "DosePlan",
    "DrugPlan",
    "EstimatedGfr",
    "GfrSource",
    "HepaticAdjustment",
    "HepaticOutcome",
    "OrganDose",
    "PlanAdjustments",
    "RadiotherapyCourse",
    "RadiotherapyPlan",
    "RegimenExcludedError",
    "ReirradiationAssessment",
    "ReirradiationVerdict",
    "UndeterminedDosePlan",
    "WeightBasis",
    "adjusted_body_weight",
    "bed",
    "body_surface_area",
    "calendar_months_between",
    "calvert_gfr",
    "carboplatin_dose",
    "creatinine_clearance",
    "cumulative_eqd2",
    "deindex_egfr",
    "docetaxel_hepatic",
    "dose_plan",
    "ecog_from_karnofsky",
    "egfr_ckd_epi_2021",
    "eqd2",
    "fluorouracil_fraction",
    "ideal_body_weight",
    "max_total_dose_within_budget",
    "paclitaxel_hepatic",
    "pd_l1_cps",
    "pd_l1_tps",
    "phases_eqd2",
    "plan_from_floats",
    "radiotherapy_courses",
    "radiotherapy_plan",
    "reirradiation_feasibility",
]
