"""Time each calculator per call (timeit, best of 5) and print a table.

Run on purpose, never as a test: ``python benchmarks/bench_calculators.py``.
The float-level entry points (``*_floats``/``plan_from_floats``) are what the recommendation
engine calls; the public quantity API checks and converts its arguments with pint.
"""

from __future__ import annotations

import datetime as dt
import timeit
from collections.abc import Callable

from ascc_salvage.calculators import (
    RadiotherapyCourse,
    body_surface_area,
    carboplatin_dose,
    creatinine_clearance,
    cumulative_eqd2,
    dose_plan,
    ecog_from_karnofsky,
    egfr_ckd_epi_2021,
    eqd2,
    ideal_body_weight,
    max_total_dose_within_budget,
    pd_l1_cps,
    plan_from_floats,
    reirradiation_feasibility,
)
from ascc_salvage.calculators.reirradiation import assess_floats
from ascc_salvage.case import Creatinine, Hiv, Length, Mass, Patient
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import HivStatus, RadiotherapyRegion, Sex

HEIGHT, WEIGHT, SCR = Q_(170, "cm"), Q_(70, "kg"), Q_(1.0, "mg/dL")
AUC, GFR, AB = Q_(5, "mg*min/mL"), Q_(88.9, "mL/min"), Q_(3, "Gy")
D504, D39, D35, D15 = Q_(50.4, "Gy"), Q_(39, "Gy"), Q_(35, "Gy"), Q_(1.5, "Gy")
PATIENT = Patient(
    age_years=60,
    sex=Sex.MALE,
    ecog=1,
    karnofsky=None,
    weight=Mass(70, "kg"),
    height=Length(170, "cm"),
    serum_creatinine=Creatinine(1.0, "mg/dL"),
    fit_for_major_surgery=True,
    accepts_permanent_colostomy=True,
    hiv=Hiv(status=HivStatus.NEGATIVE),
    pd_l1_cps=None,
    conditions=(),
)
EVALUATION = dt.date(2026, 11, 26)
COURSE = RadiotherapyCourse("pelvis", dt.date(2025, 2, 14), Q_(50.4, "Gy"), 28)
COURSE_TUPLE = (
    RadiotherapyRegion.PELVIS,
    dt.date(2025, 2, 14),
    50.4,
    28,
    "primary.chemoradiotherapy.dose",
)
FLOATS = {
    "weight_kg": 70.0,
    "height_cm": 170.0,
    "creatinine_mg_dl": 1.0,
    "age_years": 60,
    "sex": Sex.MALE,
}

CASES: list[tuple[str, Callable[[], object]]] = [
    ("body_surface_area", lambda: body_surface_area(height=HEIGHT, weight=WEIGHT)),
    ("ideal_body_weight", lambda: ideal_body_weight(height=HEIGHT, sex="male")),
    (
        "creatinine_clearance",
        lambda: creatinine_clearance(age_years=60, weight=WEIGHT, serum_creatinine=SCR, sex="male"),
    ),
    (
        "egfr_ckd_epi_2021",
        lambda: egfr_ckd_epi_2021(age_years=60, serum_creatinine=SCR, sex="male"),
    ),
    ("carboplatin_dose", lambda: carboplatin_dose(auc=AUC, gfr=GFR)),
    ("eqd2", lambda: eqd2(total_dose=D504, fractions=28, alpha_beta=AB)),
    (
        "cumulative_eqd2 (2 courses)",
        lambda: cumulative_eqd2([(D504, 28), (D39, 26)], alpha_beta=AB),
    ),
    (
        "max_total_dose_within_budget",
        lambda: max_total_dose_within_budget(budget_eqd2=D35, dose_per_fraction=D15, alpha_beta=AB),
    ),
    ("ecog_from_karnofsky", lambda: ecog_from_karnofsky(70)),
    (
        "pd_l1_cps",
        lambda: pd_l1_cps(
            positive_tumour_cells=3, positive_immune_cells=2, viable_tumour_cells=200
        ),
    ),
    (
        "reirradiation_feasibility",
        lambda: reirradiation_feasibility(
            region="pelvis",
            previous_courses=[COURSE],
            evaluation_date=EVALUATION,
            recurrent_after_complete_response=True,
            ecog=1,
        ),
    ),
    (
        "assess_floats (engine path)",
        lambda: assess_floats(
            region=RadiotherapyRegion.PELVIS,
            courses=[COURSE_TUPLE],
            evaluation_date=EVALUATION,
            recurrent_after_complete_response=True,
            ecog=1,
        ),
    ),
    (
        "dose_plan carboplatin_paclitaxel",
        lambda: dose_plan("carboplatin_paclitaxel", patient=PATIENT),
    ),
    (
        "dose_plan DCF (modified)",
        lambda: dose_plan("docetaxel_cisplatin_fluorouracil", patient=PATIENT),
    ),
    (
        "dose_plan anti_pd1 (+2 alternatives)",
        lambda: dose_plan("anti_pd1_monotherapy", patient=PATIENT),
    ),
    ("dose_plan reirradiation", lambda: dose_plan("reirradiation", patient=PATIENT)),
    (
        "plan_from_floats carboplatin_paclitaxel",
        lambda: plan_from_floats("carboplatin_paclitaxel", **FLOATS),
    ),
    (
        "plan_from_floats CP + .to_dict()",
        lambda: plan_from_floats("carboplatin_paclitaxel", **FLOATS).to_dict(),  # type: ignore[union-attr]
    ),
    (
        "all 6 systemic plans + to_dict (engine)",
        lambda: [
            plan_from_floats(regimen, **FLOATS).to_dict()  # type: ignore[union-attr]
            for regimen in (
                "carboplatin_paclitaxel",
                "carboplatin_paclitaxel_retifanlimab",
                "cisplatin_fluorouracil",
                "docetaxel_cisplatin_fluorouracil",
                "anti_pd1_monotherapy",
                "nivolumab_ipilimumab",
            )
        ],
    ),
]


def main() -> None:
    """Warm the caches, time each call and print a table of µs per call."""
    for _, call in CASES:
        call()  # load the knowledge base and fill the caches
    width = max(len(name) for name, _ in CASES)
    print(f"{'calculator':<{width}}  {'µs/call':>9}  {'calls/s':>10}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 10}")
    for name, call in CASES:
        timer = timeit.Timer(call)
        number, _ = timer.autorange()
        best = min(timer.repeat(repeat=5, number=number)) / number
        print(f"{name:<{width}}  {best * 1e6:9.1f}  {1 / best:10,.0f}")


if __name__ == "__main__":
    main()
