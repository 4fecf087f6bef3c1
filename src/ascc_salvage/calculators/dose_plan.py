"""Dose plans for this patient: systemic regimens and the salvage radiotherapy schedules.

Clinical pathway §10: body surface area by Mosteller on actual weight; creatinine clearance by
Cockcroft–Gault on actual weight with the knowledge base's creatinine floor; carboplatin by
Calvert with the knowledge base's GFR cap; per-m² doses × BSA, per-kg doses × actual weight,
flat doses as given. Each drug gets its dose per administration, its days, and its total per
cycle (per cycle in which it is given). Missing inputs give an :class:`UndeterminedDosePlan`
naming only the fields that regimen needs — never a guessed dose.

Regimens and schedules are the knowledge base's (``regimens.toml``, ``radiotherapy.toml``).
:func:`plan_from_floats` is the float-level entry point for the recommendation engine;
:meth:`DosePlan.to_dict` writes the ``dose_plan`` object of ``case-format.md`` directly from
floats (UCUM unit strings, unrounded values).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from typing import Final, TypeAlias

import attrs

from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import (
    UNIT_DAY,
    UNIT_GY,
    UNIT_M2,
    UNIT_MG,
    UNIT_ML_MIN,
    positive,
    quantity,
)
from ascc_salvage.calculators.adjustments import (
    DIALYSIS_FLAGS,
    GfrSource,
    HepaticAdjustment,
    HepaticOutcome,
    calvert_gfr_ml_min,
    docetaxel_hepatic_floats,
    fluorouracil_fraction_floats,
    paclitaxel_hepatic_floats,
)
from ascc_salvage.calculators.body_size import (
    MOSTELLER_DIVISOR,
    BsaFormula,
    adjusted_body_weight_kg,
)
from ascc_salvage.calculators.carboplatin import calvert_mg
from ascc_salvage.calculators.radiobiology import LQ_NOMINAL_DOSE_PER_FRACTION_GY
from ascc_salvage.calculators.reirradiation import OrganDose, ReirradiationAssessment
from ascc_salvage.calculators.renal import WeightBasis, cockcroft_gault_ml_min
from ascc_salvage.case import Patient
from ascc_salvage.knowledge import (
    AUC_RANGE,
    DoseRule,
    DrugDose,
    KnowledgeBase,
    Regimen,
    RegimenVariant,
    bundled,
)
from ascc_salvage.units import Kinds, Quantity
from ascc_salvage.vocabulary import Condition, Sex

__all__ = [
    "AUC_RANGE",
    "RADIOTHERAPY_PLAN_OPTIONS",
    "AnyDosePlan",
    "DosePlan",
    "DrugPlan",
    "PlanAdjustments",
    "RadiotherapyPlan",
    "RegimenExcludedError",
    "UndeterminedDosePlan",
    "dose_plan",
    "plan_from_floats",
]


#: Options whose plan is a radiotherapy schedule rather than a drug regimen.
RADIOTHERAPY_PLAN_OPTIONS: Final = frozenset({"reirradiation", "groin_radiotherapy", "iort"})

#: Case fields a plan may need, in the order they are reported.
FIELD_WEIGHT: Final = "patient.weight"
FIELD_HEIGHT: Final = "patient.height"
FIELD_CREATININE: Final = "patient.serum_creatinine"
FIELD_AGE: Final = "patient.age_years"
FIELD_SEX: Final = "patient.sex"
_FIELD_ORDER: Final = (FIELD_WEIGHT, FIELD_HEIGHT, FIELD_CREATININE, FIELD_AGE, FIELD_SEX)

#: Fields each dose rule needs.
_RULE_NEEDS: Final[dict[DoseRule, frozenset[str]]] = {
    DoseRule.PER_M2: frozenset({FIELD_WEIGHT, FIELD_HEIGHT}),
    DoseRule.PER_KG: frozenset({FIELD_WEIGHT}),
    DoseRule.FLAT: frozenset(),
    DoseRule.AUC: frozenset({FIELD_WEIGHT, FIELD_CREATININE, FIELD_AGE, FIELD_SEX}),
}


_PER_M2: Final = DoseRule.PER_M2
_PER_KG: Final = DoseRule.PER_KG
_FLAT: Final = DoseRule.FLAT
_MOSTELLER: Final = BsaFormula.MOSTELLER.value
_ACTUAL: Final = WeightBasis.ACTUAL.value


#: The pint spelling of each dose rule's UCUM unit (:attr:`DrugPlan.rule_unit`).
_RULE_UNITS: Final = {"mg/m2": "mg/m**2", "mg/kg": "mg/kg", "mg": "mg", "mg.min/mL": "mg*min/mL"}


def _q(value: float, unit: str) -> dict[str, object]:
    return {"value": value, "unit": unit}


@attrs.frozen
class DrugPlan:
    """One drug of a dose plan.

    Attributes:
        drug: Drug name (lower-case INN).
        rule: Dose rule: ``per_m2``, ``per_kg``, ``flat`` or ``auc``.
        rule_dose: The regimen's dose in the rule's unit (e.g. 80 for 80 mg/m²).
        rule_unit: UCUM unit of *rule_dose* (``mg/m2``, ``mg/kg``, ``mg``, ``mg.min/mL``).
        route: Route of administration.
        days: Days of the cycle on which it is given.
        per_administration_mg: Dose per administration (per day for infusions), mg.
        per_cycle_mg: Total per cycle in which it is given, mg.
        every_n_cycles: Given every n-th cycle (1 = every cycle).
        max_cycles: Cycles after which this drug stops, if earlier than the regimen.
    """

    drug: str
    rule: str
    rule_dose: float
    rule_unit: str
    route: str
    days: tuple[int, ...]
    per_administration_mg: float
    per_cycle_mg: float
    every_n_cycles: int = 1
    max_cycles: int | None = None

    @property
    def per_administration(self) -> Quantity:
        """Dose per administration (mg quantity)."""
        return quantity(self.per_administration_mg, UNIT_MG)

    @property
    def per_cycle(self) -> Quantity:
        """Total per cycle (mg quantity)."""
        return quantity(self.per_cycle_mg, UNIT_MG)

    @property
    def rule_dose_quantity(self) -> Quantity:
        """The regimen's dose in the rule's unit as a quantity (``80 mg/m²``, ``5 mg·min/mL``)."""
        from ascc_salvage.units import Q_

        return Q_(self.rule_dose, _RULE_UNITS[self.rule_unit])

    def to_dict(self) -> dict[str, object]:
        """The drug entry of the ``dose_plan`` JSON object."""
        return {
            "drug": self.drug,
            "rule": self.rule,
            "rule_dose": _q(self.rule_dose, self.rule_unit),
            "route": self.route,
            "days": list(self.days),
            "per_administration": _q(self.per_administration_mg, "mg"),
            "per_cycle": _q(self.per_cycle_mg, "mg"),
        }


@attrs.frozen
class UndeterminedDosePlan:
    """A plan that cannot be computed because inputs are missing.

    Attributes:
        regimen: The regimen (or radiotherapy option) id.
        missing: Case fields that are needed and missing, e.g. ``patient.weight``.
        variant: The variant id, if the regimen has several.
        agent: The checkpoint-inhibitor agent, if any.
    """

    regimen: str
    missing: tuple[str, ...]
    variant: str | None = None
    agent: str | None = None

    #: Always ``True``: the plan could not be computed.
    undetermined: bool = attrs.field(default=True, init=False)

    def to_dict(self) -> dict[str, object]:
        """``{"undetermined": [field, …]}`` (``case-format.md``)."""
        return {"undetermined": list(self.missing)}


@attrs.frozen
class DosePlan:
    """A computed systemic dose plan.

    Attributes:
        regimen: Regimen id (the systemic option id).
        variant: Variant id when the regimen has several (``modified``/``standard`` for DCF,
            the agent schedule for anti-PD-1 monotherapy), else ``None``.
        agent: The checkpoint-inhibitor agent the variant is named for, if any.
        bsa_m2: Body surface area used (Mosteller, actual weight), m²; ``None`` if unused.
        bsa_formula: ``"mosteller"`` when a BSA was used, else ``None``.
        creatinine_clearance_ml_min: Cockcroft–Gault clearance used for carboplatin, mL/min.
        weight_basis: ``"actual"`` when a clearance was used, else ``None``.
        creatinine_floor_applied: Whether the creatinine floor applied (``None`` if unused).
        gfr_capped: Whether the Calvert GFR cap applied (``None`` without carboplatin).
        cycle_length_days: Cycle length, days.
        cycles: Planned number of cycles, or ``None`` (to progression or by duration).
        drugs: The drugs.
        alternatives: Other agents' plans (anti-PD-1 monotherapy; approved agents first).
        supportive_care: Mandatory supportive care (e.g. G-CSF primary prophylaxis).
        adjusted: Whether the plan was computed with :class:`PlanAdjustments` (case schema 2);
            only then does ``to_dict`` write the schema-2 ``basis`` keys below.
        gfr_source: ``measured``, ``cockcroft_gault`` or ``dialysis`` for carboplatin plans
            computed with adjustments, else ``None``.
        fluorouracil_fraction: Fraction applied to fluorouracil (1.0 unreduced).
        paclitaxel_fraction: Fraction applied to paclitaxel (1.0 unreduced).
        hepatic_adjustment: ``"none"``, ``"reduced"``, or ``None`` when the liver tests the
            regimen needs are not recorded.
        flags: Flags the plan carries for its option (``dose_after_dialysis``,
            ``verify_carboplatin_dose_with_pharmacy``, ``dpd_reduced_starting_dose``,
            ``hepatic_dose_reduction``, ``check_hepatic_function``).
    """

    regimen: str
    variant: str | None
    agent: str | None
    bsa_m2: float | None
    bsa_formula: str | None
    creatinine_clearance_ml_min: float | None
    weight_basis: str | None
    creatinine_floor_applied: bool | None
    gfr_capped: bool | None
    cycle_length_days: int
    cycles: int | None
    drugs: tuple[DrugPlan, ...]
    alternatives: tuple[DosePlan | UndeterminedDosePlan, ...] = ()
    supportive_care: tuple[str, ...] = ()
    adjusted: bool = False
    gfr_source: str | None = None
    fluorouracil_fraction: float = 1.0
    paclitaxel_fraction: float = 1.0
    hepatic_adjustment: str | None = None
    flags: tuple[str, ...] = ()

    #: Always ``False``: the plan was computed.
    undetermined: bool = attrs.field(default=False, init=False)

    @property
    def bsa(self) -> Quantity | None:
        """Body surface area used (m² quantity), if any."""
        return None if self.bsa_m2 is None else quantity(self.bsa_m2, UNIT_M2)

    @property
    def creatinine_clearance(self) -> Quantity | None:
        """Creatinine clearance used (mL/min quantity), if any."""
        if self.creatinine_clearance_ml_min is None:
            return None
        return quantity(self.creatinine_clearance_ml_min, UNIT_ML_MIN)

    @property
    def cycle_length(self) -> Quantity:
        """Cycle length (day quantity)."""
        return quantity(self.cycle_length_days, UNIT_DAY)

    def drug(self, name: str) -> DrugPlan:
        """Return the plan of one drug by name.

        Raises:
            KeyError: The regimen has no such drug.
        """
        for drug in self.drugs:
            if drug.drug == name:
                return drug
        raise KeyError(f"{self.regimen} has no drug {name!r}")

    def to_dict(self) -> dict[str, object]:
        """The ``dose_plan`` JSON object of ``case-format.md`` (unrounded floats).

        A plan computed with :class:`PlanAdjustments` adds the schema-2 ``basis`` keys
        ``gfr_source``, ``fluorouracil_fraction``, ``paclitaxel_fraction`` and
        ``hepatic_adjustment``; any other plan is written exactly as in schema 1.
        """
        basis: dict[str, object] = {
            "bsa": None if self.bsa_m2 is None else _q(self.bsa_m2, "m2"),
            "bsa_formula": self.bsa_formula,
            "creatinine_clearance": (
                None
                if self.creatinine_clearance_ml_min is None
                else _q(self.creatinine_clearance_ml_min, "mL/min")
            ),
            "weight_basis": self.weight_basis,
            "creatinine_floor_applied": self.creatinine_floor_applied,
            "gfr_capped": self.gfr_capped,
        }
        if self.adjusted:
            basis["gfr_source"] = self.gfr_source
            basis["fluorouracil_fraction"] = self.fluorouracil_fraction
            basis["paclitaxel_fraction"] = self.paclitaxel_fraction
            basis["hepatic_adjustment"] = self.hepatic_adjustment
        return {
            "regimen": self.regimen,
            "variant": self.variant,
            "basis": basis,
            "cycle_length": _q(self.cycle_length_days, "d"),
            "cycles": self.cycles,
            "drugs": [drug.to_dict() for drug in self.drugs],
            "alternatives": [plan.to_dict() for plan in self.alternatives],
        }


@attrs.frozen
class RadiotherapyPlan:
    """A radiotherapy plan for ``reirradiation``, ``groin_radiotherapy`` or ``iort``.

    Attributes:
        option: The option id.
        total_dose_gy: Total dose, Gy.
        fractions: Number of fractions.
        dose_per_fraction_gy: Dose per fraction, Gy.
        cumulative_eqd2: Per-organ cumulative EQD2 and limits (re-irradiation screen; empty
            otherwise).
        nominal: Whether EQD2 values rest on the LQ model outside its trusted range (single
            large fractions such as IORT).
    """

    option: str
    total_dose_gy: float
    fractions: int
    dose_per_fraction_gy: float
    cumulative_eqd2: tuple[OrganDose, ...] = ()
    nominal: bool = False

    #: Always ``False``: the plan was computed.
    undetermined: bool = attrs.field(default=False, init=False)

    @property
    def total_dose(self) -> Quantity:
        """Total dose (Gy quantity)."""
        return quantity(self.total_dose_gy, UNIT_GY)

    @property
    def dose_per_fraction(self) -> Quantity:
        """Dose per fraction (Gy quantity)."""
        return quantity(self.dose_per_fraction_gy, UNIT_GY)

    def to_dict(self) -> dict[str, object]:
        """The radiotherapy ``dose_plan`` JSON object of ``case-format.md``."""
        return {
            "total_dose": _q(self.total_dose_gy, "Gy"),
            "fractions": self.fractions,
            "dose_per_fraction": _q(self.dose_per_fraction_gy, "Gy"),
            "cumulative_eqd2": [organ.to_dict() for organ in self.cumulative_eqd2],
            "nominal": self.nominal,
        }


#: Any dose plan :func:`dose_plan` returns.
AnyDosePlan: TypeAlias = DosePlan | UndeterminedDosePlan | RadiotherapyPlan


@attrs.frozen
class PlanAdjustments:
    """The schema-2 patient facts a dose plan reads (clinical pathway §5.1, §10).

    Hashable, so that :func:`plan_from_floats` caches a plan per distinct value. Build one
    from a patient with :meth:`from_patient`.

    Attributes:
        dialysis: On maintenance dialysis: carboplatin by Calvert with GFR 0.
        measured_gfr: Measured GFR (``mL/min``, or per 1.73 m² when *measured_gfr_indexed*).
        measured_gfr_indexed: Whether *measured_gfr* is indexed to 1.73 m².
        dpyd_activity_score: CPIC DPYD activity score.
        dpd_partial: Condition ``dpd_deficiency_partial``.
        dpd_complete: Condition ``dpd_deficiency_complete``.
        bilirubin_x_uln: Total bilirubin × ULN.
        ast_x_uln: AST × ULN.
        alt_x_uln: ALT × ULN.
        alp_x_uln: Alkaline phosphatase × ULN.
    """

    dialysis: bool = False
    measured_gfr: float | None = None
    measured_gfr_indexed: bool = False
    dpyd_activity_score: float | None = None
    dpd_partial: bool = False
    dpd_complete: bool = False
    bilirubin_x_uln: float | None = None
    ast_x_uln: float | None = None
    alt_x_uln: float | None = None
    alp_x_uln: float | None = None

    @classmethod
    def from_patient(cls, patient: Patient) -> PlanAdjustments | None:
        """The patient's adjustments, or ``None`` when no fact a plan reads is given.

        ``None`` keeps the schema-1 plan (and its JSON) unchanged. A complete DPD deficiency
        (a schema 1 condition) counts: it excludes every fluorouracil regimen, as an activity
        score of 0 does, so that no plan ever doses a drug the patient must not receive.
        """
        liver = patient.hepatic_function
        gfr = patient.measured_gfr
        recorded = patient.conditions or ()
        # None when every field below would keep its default.
        if (
            patient.dialysis is not True
            and gfr is None
            and patient.dpyd_activity_score is None
            and liver.bilirubin_x_uln is None
            and liver.ast_x_uln is None
            and liver.alt_x_uln is None
            and liver.alp_x_uln is None
            and Condition.DPD_DEFICIENCY_PARTIAL not in recorded
            and Condition.DPD_DEFICIENCY_COMPLETE not in recorded
        ):
            return None
        conditions = {str(condition) for condition in recorded}
        return cls(
            dialysis=patient.dialysis is True,
            measured_gfr=None if gfr is None else gfr.canonical,
            measured_gfr_indexed=gfr is not None and gfr.indexed,
            dpyd_activity_score=patient.dpyd_activity_score,
            dpd_partial="dpd_deficiency_partial" in conditions,
            dpd_complete="dpd_deficiency_complete" in conditions,
            bilirubin_x_uln=liver.bilirubin_x_uln,
            ast_x_uln=liver.ast_x_uln,
            alt_x_uln=liver.alt_x_uln,
            alp_x_uln=liver.alp_x_uln,
        )


class RegimenExcludedError(ValueError):
    """The patient's schema-2 facts exclude the regimen: no plan exists (pathway §5.1).

    Attributes:
        regimen: The regimen id.
        threshold: The knowledge-base threshold that excludes it.
    """

    def __init__(self, regimen: str, threshold: str) -> None:
        super().__init__(f"{regimen} is excluded for this patient (threshold {threshold})")
        self.regimen = regimen
        self.threshold = threshold


def _cisplatin_clearance(
    weight_kg: float | None,
    height_cm: float | None,
    creatinine_mg_dl: float | None,
    age_years: int | None,
    sex: Sex | str | None,
    kb: KnowledgeBase | None,
) -> tuple[float | None, str | None, bool | None]:
    """The clearance that decides cisplatin eligibility (§5.1), for the plan's ``basis`` (§10).

    Cockcroft–Gault with the creatinine floor on actual weight and, at BMI ≥ 30, on adjusted
    weight, the lower value: ``(mL/min, weight basis, floor applied)``, or ``None`` values
    when an input is missing.
    """
    if weight_kg is None or creatinine_mg_dl is None or age_years is None or sex is None:
        return None, None, None
    floor = _kb.creatinine_floor_mg_dl(kb)
    creatinine = max(float(creatinine_mg_dl), floor)
    clearance = cockcroft_gault_ml_min(age_years, weight_kg, creatinine, sex)  # type: ignore[arg-type]
    basis = _ACTUAL
    bmi_min = _kb.threshold("bmi_adjusted_weight_min", kb)
    if height_cm is not None and weight_kg / (height_cm / 100) ** 2 >= bmi_min:
        adjusted_weight = adjusted_body_weight_kg(height_cm, weight_kg, sex)  # type: ignore[arg-type]
        lower = cockcroft_gault_ml_min(age_years, adjusted_weight, creatinine, sex)  # type: ignore[arg-type]
        # the lower of the two (§5.1 cisplatin eligibility)
        clearance, basis = min((clearance, basis), (lower, WeightBasis.ADJUSTED.value))
    return clearance, basis, float(creatinine_mg_dl) < floor


def _regimen(regimen_id: str, kb: KnowledgeBase) -> Regimen:
    try:
        return _kb.regimen(regimen_id, kb)
    except KeyError:
        raise ValueError(f"no regimen {regimen_id!r} in the knowledge base") from None


def _needs(regimen: Regimen, variant_id: str) -> tuple[str, ...]:
    variant = regimen.variant(variant_id)
    needed: set[str] = set()
    for drug in variant.drugs:
        needed |= _RULE_NEEDS[drug.rule]
    return tuple(field for field in _FIELD_ORDER if field in needed)


def _choose_variant(
    regimen: Regimen, variant: str | None, agent: str | None, approved_agents: Sequence[str]
) -> RegimenVariant:
    if agent is not None:
        candidates = regimen.variants_for_agent(agent)
        if not candidates:
            raise ValueError(f"regimen {regimen.id!r} has no variant for agent {agent!r}")
        if variant is None:
            return candidates[0]
        for candidate in candidates:
            if candidate.id == variant:
                return candidate
        raise ValueError(f"variant {variant!r} of {regimen.id!r} is not a {agent} schedule")
    if variant is not None:
        try:
            return regimen.variant(variant)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
    for approved in approved_agents:
        found = regimen.variants_for_agent(approved)
        if found:
            return found[0]
    return regimen.default


def _agent_order(regimen: Regimen, chosen: str | None, approved: Sequence[str]) -> list[str]:
    agents = regimen.agents
    ordered = [a for a in dict.fromkeys(approved) if a in agents]
    ordered += [a for a in agents if a not in ordered]
    return [a for a in ordered if a != chosen]


@attrs.frozen
class _Compiled:
    """A resolved regimen variant, ready for arithmetic (cached per argument combination)."""

    regimen_id: str
    label: str | None
    agent: str | None
    variant: RegimenVariant
    needs: tuple[str, ...]
    #: Whether any variant of the regimen reads each input of ``_FIELD_ORDER``.
    reads: tuple[bool, ...]
    has_auc: bool
    other_agents: tuple[str, ...]
    drugs: tuple[tuple[DoseRule, float, DrugDose], ...]


@functools.lru_cache(maxsize=1024)
def _compile(
    regimen_id: str,
    variant: str | None,
    agent: str | None,
    approved_agents: tuple[str, ...],
    kb: KnowledgeBase,
) -> _Compiled:
    regimen = _regimen(regimen_id, kb)
    chosen = _choose_variant(regimen, variant, agent, approved_agents)
    needs = _needs(regimen, chosen.id)
    read = {field for v in regimen.variants for drug in v.drugs for field in _RULE_NEEDS[drug.rule]}
    return _Compiled(
        regimen_id=regimen.id,
        label=chosen.id if len(regimen.variants) > 1 else None,
        agent=chosen.agent,
        variant=chosen,
        needs=needs,
        reads=tuple(field in read for field in _FIELD_ORDER),
        has_auc=any(drug.rule is DoseRule.AUC for drug in chosen.drugs),
        other_agents=(
            tuple(_agent_order(regimen, chosen.agent, approved_agents))
            if len(regimen.agents) > 1
            else ()
        ),
        drugs=tuple((DoseRule(drug.rule), float(drug.dose), drug) for drug in chosen.drugs),
    )


def plan_from_floats(
    regimen_id: str,
    *,
    weight_kg: float | None,
    height_cm: float | None,
    creatinine_mg_dl: float | None,
    age_years: int | None,
    sex: Sex | None,
    variant: str | None = None,
    agent: str | None = None,
    approved_agents: Sequence[str] = (),
    auc: float | None = None,
    alternatives: bool = True,
    knowledge: KnowledgeBase | None = None,
    adjustments: PlanAdjustments | None = None,
) -> DosePlan | UndeterminedDosePlan:
    """Compute a systemic dose plan from canonical floats (the engine's fast path).

    Args:
        regimen_id: Systemic option id.
        weight_kg: Actual body weight (kg) or ``None``.
        height_cm: Height (cm) or ``None``.
        creatinine_mg_dl: Serum creatinine (mg/dL) or ``None``.
        age_years: Age or ``None``.
        sex: Sex or ``None``.
        variant: Variant id (default: the regimen's default, or the first approved agent's).
        agent: Checkpoint-inhibitor agent whose schedule to plan.
        approved_agents: Agents approved for this indication, in preference order: the first
            one present is planned by default and they lead the alternatives.
        auc: Target carboplatin AUC (mg·min/mL) replacing the regimen's.
        alternatives: Whether to plan the other agents' schedules as alternatives.
        knowledge: The knowledge base whose regimens and thresholds to use (default: the
            bundled one).
        adjustments: The schema-2 facts to apply (clinical pathway v3 §10); ``None`` gives
            the schema-1 plan. Part of the cache key.

    Returns:
        The plan, or an undetermined plan naming the missing fields.

    Raises:
        RegimenExcludedError: *adjustments* exclude the regimen (DPYD poor metabolizer or
            complete DPD deficiency for fluorouracil; the hepatic exclusions of a taxane).
        ValueError: Unknown regimen, variant or agent, or *auc* for a regimen without an
            AUC-dosed drug or outside ``dose_plan.AUC_RANGE``.
    """
    kb = bundled() if knowledge is None else knowledge
    approved = tuple(approved_agents)
    compiled = _compile(regimen_id, variant, agent, approved, kb)
    if auc is not None and not compiled.has_auc:
        raise ValueError(f"regimen {compiled.regimen_id!r} has no AUC-dosed drug")
    if auc is not None and not AUC_RANGE[0] <= auc <= AUC_RANGE[1]:
        low, high = AUC_RANGE
        raise ValueError(f"auc must be {low:g} to {high:g} mg*min/mL (library policy), got {auc:g}")
    # A plan depends only on the inputs that the regimen's dose rules read (any variant's,
    # so the alternatives' too): the others are left out of the cache key, so a flat-dose
    # regimen is planned once, and a per-m² one once per height and weight.
    reads = compiled.reads
    if any(drug.drug == "cisplatin" for *_, drug in compiled.drugs):
        # A cisplatin plan reports the clearance that decides eligibility (§5.1, §10), with
        # or without adjustments: the same patient gets the same plan by every entry point.
        reads = (True, True, True, True, True)
    return _plan(
        regimen_id,
        variant,
        agent,
        approved,
        kb,
        auc,
        alternatives,
        weight_kg if reads[0] else None,
        height_cm if reads[1] else None,
        creatinine_mg_dl if reads[2] else None,
        age_years if reads[3] else None,
        sex if reads[4] else None,
        adjustments,
    )


def _hepatic(drugs: set[str], adjustments: PlanAdjustments) -> HepaticAdjustment | None:
    """The taxane's hepatic adjustment (``None`` for a regimen without a taxane)."""
    a = adjustments
    if "paclitaxel" in drugs:
        return paclitaxel_hepatic_floats(a.bilirubin_x_uln, a.ast_x_uln, a.alt_x_uln)
    if "docetaxel" in drugs:
        return docetaxel_hepatic_floats(a.bilirubin_x_uln, a.ast_x_uln, a.alt_x_uln, a.alp_x_uln)
    return None


_HEPATIC_TEXT: Final = {HepaticOutcome.NONE: "none", HepaticOutcome.REDUCED: "reduced"}
#: The schema-1 plan: no schema-2 fact applies (``adjustments=None``).
_UNADJUSTED: Final = PlanAdjustments()


# Plans are immutable, so results may share them.
@functools.lru_cache(maxsize=4096, typed=True)
def _plan(
    regimen_id: str,
    variant: str | None,
    agent: str | None,
    approved_agents: tuple[str, ...],
    kb: KnowledgeBase,
    auc: float | None,
    alternatives: bool,
    weight_kg: float | None,
    height_cm: float | None,
    creatinine_mg_dl: float | None,
    age_years: int | None,
    sex: Sex | None,
    adjustments: PlanAdjustments | None = None,
) -> DosePlan | UndeterminedDosePlan:
    """The one plan builder: the schema-1 plan, with the v3 §10 rules when *adjustments*.

    Without adjustments the plan is the schema-1 plan (no schema-2 ``basis`` keys, no
    flags); the arithmetic is the same, since every adjustment is then neutral.
    """
    compiled = _compile(regimen_id, variant, agent, approved_agents, kb)
    chosen = compiled.variant
    adjusted = adjustments is not None
    a = _UNADJUSTED if adjustments is None else adjustments
    names = {drug.drug for _, _, drug in compiled.drugs}
    fu_fraction = 1.0
    hepatic: HepaticAdjustment | None = None
    if adjusted:
        if "fluorouracil" in names:
            found, threshold = fluorouracil_fraction_floats(
                a.dpyd_activity_score, a.dpd_partial, a.dpd_complete
            )
            if found is None:
                raise RegimenExcludedError(compiled.regimen_id, str(threshold))
            fu_fraction = found
        hepatic = _hepatic(names, a)
        if hepatic is not None and hepatic.outcome is HepaticOutcome.EXCLUDED:
            raise RegimenExcludedError(compiled.regimen_id, str(hepatic.threshold))

    values = {
        FIELD_WEIGHT: weight_kg,
        FIELD_HEIGHT: height_cm,
        FIELD_CREATININE: creatinine_mg_dl,
        FIELD_AGE: age_years,
        FIELD_SEX: sex,
    }
    needs = compiled.needs
    if a.dialysis or a.measured_gfr is not None:
        # Calvert does not read Cockcroft–Gault then; an indexed measured GFR needs the BSA.
        needed: set[str] = set()
        for rule, _, _ in compiled.drugs:
            if rule is not DoseRule.AUC:
                needed |= _RULE_NEEDS[rule]
            elif not a.dialysis and a.measured_gfr_indexed:
                needed |= _RULE_NEEDS[DoseRule.PER_M2]
        needs = tuple(field for field in _FIELD_ORDER if field in needed)
    missing = tuple(field for field in needs if values[field] is None)
    if hepatic is not None and hepatic.outcome is HepaticOutcome.UNDETERMINED:
        missing += hepatic.missing
    if missing:
        return UndeterminedDosePlan(compiled.regimen_id, missing, compiled.label, compiled.agent)

    flags: list[str] = []
    bsa: float | None = None
    crcl: float | None = None
    floor_applied: bool | None = None
    capped: bool | None = None
    source: GfrSource | None = None
    drugs: list[DrugPlan] = []
    for rule, rule_dose, drug in compiled.drugs:
        if rule is _PER_M2:
            if bsa is None:
                bsa = math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)  # type: ignore[operator]
            per_administration = rule_dose * bsa
        elif rule is _PER_KG:
            per_administration = rule_dose * weight_kg  # type: ignore[operator]
        elif rule is _FLAT:
            per_administration = rule_dose
        else:
            if auc is not None:
                rule_dose = auc
            if None not in (creatinine_mg_dl, age_years, weight_kg, sex):
                floor = _kb.creatinine_floor_mg_dl(kb)
                creatinine = float(creatinine_mg_dl)  # type: ignore[arg-type]
                floor_applied = creatinine < floor
                crcl = cockcroft_gault_ml_min(
                    age_years,  # type: ignore[arg-type]
                    weight_kg,  # type: ignore[arg-type]
                    max(creatinine, floor),
                    sex,  # type: ignore[arg-type]
                )
            if bsa is None and a.measured_gfr_indexed and not a.dialysis:
                # the BSA that de-indexes the GFR (height and weight are needed then)
                bsa = math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)  # type: ignore[operator]
            gfr, source = calvert_gfr_ml_min(  # type: ignore[misc] # inputs checked above
                dialysis=a.dialysis,
                measured_ml_min=a.measured_gfr,
                measured_indexed=a.measured_gfr_indexed,
                bsa_m2=bsa,
                creatinine_clearance_ml_min=crcl,
            )
            cap = _kb.threshold(
                "measured_gfr_calvert" if source is GfrSource.MEASURED else "carboplatin_gfr_cap",
                kb,
            )
            per_administration, capped = calvert_mg(rule_dose, gfr, cap)
            if source is GfrSource.DIALYSIS:
                flags += DIALYSIS_FLAGS
        if drug.drug == "fluorouracil" and fu_fraction < 1.0:
            per_administration *= fu_fraction
        elif drug.drug == "paclitaxel" and hepatic is not None and hepatic.fraction is not None:
            per_administration *= hepatic.fraction
        drugs.append(
            DrugPlan(
                drug.drug,
                rule.value,
                rule_dose,
                drug.dose_unit,
                drug.route,
                drug.days,
                per_administration,
                per_administration * len(drug.days),
                drug.every_n_cycles,
                drug.max_cycles,
            )
        )
    weight_basis = None if crcl is None else _ACTUAL
    if crcl is None and "cisplatin" in names:  # it decides cisplatin eligibility (§5.1)
        crcl, weight_basis, floor_applied = _cisplatin_clearance(
            weight_kg, height_cm, creatinine_mg_dl, age_years, sex, kb
        )
    if fu_fraction < 1.0:
        flags.append("dpd_reduced_starting_dose")
    hepatic_text: str | None = None
    if hepatic is not None:
        flags += hepatic.flags
        hepatic_text = _HEPATIC_TEXT.get(hepatic.outcome)
    elif None not in (a.bilirubin_x_uln, a.ast_x_uln, a.alt_x_uln):
        hepatic_text = "none"
    others: tuple[DosePlan | UndeterminedDosePlan, ...] = ()
    if alternatives and compiled.other_agents:
        others = tuple(
            plan_from_floats(
                compiled.regimen_id,
                weight_kg=weight_kg,
                height_cm=height_cm,
                creatinine_mg_dl=creatinine_mg_dl,
                age_years=age_years,
                sex=sex,
                agent=other,
                alternatives=False,
                knowledge=kb,
                adjustments=adjustments,
            )
            for other in compiled.other_agents
        )
    return DosePlan(
        regimen=compiled.regimen_id,
        variant=compiled.label,
        agent=compiled.agent,
        bsa_m2=bsa,
        bsa_formula=None if bsa is None else _MOSTELLER,
        creatinine_clearance_ml_min=crcl,
        weight_basis=weight_basis,
        creatinine_floor_applied=floor_applied,
        gfr_capped=capped,
        cycle_length_days=chosen.cycle_length_days,
        cycles=chosen.cycles,
        drugs=tuple(drugs),
        alternatives=others,
        supportive_care=chosen.supportive_care,
        adjusted=adjusted,
        gfr_source=None if source is None or not adjusted else source.value,
        fluorouracil_fraction=fu_fraction,
        paclitaxel_fraction=(
            hepatic.fraction
            if hepatic is not None and hepatic.fraction is not None and "paclitaxel" in names
            else 1.0
        ),
        hepatic_adjustment=hepatic_text,
        flags=tuple(dict.fromkeys(flags)),
    )


def radiotherapy_plan(
    option: str,
    *,
    reirradiation: ReirradiationAssessment | None = None,
    knowledge: KnowledgeBase | None = None,
) -> RadiotherapyPlan:
    """The radiotherapy plan of ``reirradiation``, ``groin_radiotherapy`` or ``iort``.

    Args:
        option: One of ``RADIOTHERAPY_PLAN_OPTIONS``.
        reirradiation: For ``reirradiation``, the screen whose planned dose and cumulative
            EQD2 the plan reports; without it the knowledge base's default schedule is
            planned without a cumulative screen.
        knowledge: The knowledge base whose schedule to plan (default: the bundled one).

    Returns:
        The plan.

    Raises:
        ValueError: *option* has no radiotherapy plan, or *reirradiation* is given for
            another option.
    """
    if option not in RADIOTHERAPY_PLAN_OPTIONS:
        raise ValueError(f"{option!r} has no radiotherapy plan")
    if reirradiation is not None:
        if option != "reirradiation":
            raise ValueError("a re-irradiation screen belongs to the reirradiation option")
        return RadiotherapyPlan(
            option=option,
            total_dose_gy=reirradiation.planned_total_dose_gy,
            fractions=reirradiation.planned_fractions,
            dose_per_fraction_gy=reirradiation.dose_per_fraction_gy,
            cumulative_eqd2=reirradiation.organs,
            nominal=reirradiation.nominal,
        )
    total, fractions = _kb.schedule(option, knowledge)
    per_fraction = total / fractions
    return RadiotherapyPlan(
        option=option,
        total_dose_gy=total,
        fractions=fractions,
        dose_per_fraction_gy=per_fraction,
        nominal=per_fraction > LQ_NOMINAL_DOSE_PER_FRACTION_GY,
    )


def _optional_str(value: object, argument: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{argument} must be a string or None, not {type(value).__name__}")
    return None if value is None else str(value)


def dose_plan(
    regimen_id: str,
    *,
    patient: Patient,
    variant: str | None = None,
    agent: str | None = None,
    approved_agents: Iterable[str] = (),
    auc: object = None,
    reirradiation: ReirradiationAssessment | None = None,
) -> AnyDosePlan:
    """The dose plan of a systemic regimen or a salvage radiotherapy option for a patient.

    Systemic regimens: BSA by Mosteller on actual weight, creatinine clearance by
    Cockcroft–Gault on actual weight with the creatinine floor, carboplatin by Calvert with the
    GFR cap; per administration and per cycle. DCF defaults to the modified variant.
    ``anti_pd1_monotherapy`` plans one agent (the first of *approved_agents* it offers, else
    retifanlimab) and lists the other agents' default schedules in ``alternatives``, approved
    agents first. ``reirradiation``, ``groin_radiotherapy`` and ``iort`` give a
    :class:`RadiotherapyPlan`.

    Args:
        regimen_id: A systemic option id (e.g. ``carboplatin_paclitaxel``) or a radiotherapy
            option id.
        patient: The patient (:class:`ascc_salvage.case.Patient`).
        variant: Variant id (``modified``/``standard`` for DCF; an agent schedule such as
            ``nivolumab_480mg_q4w`` for anti-PD-1 monotherapy).
        agent: Checkpoint-inhibitor agent to plan (``retifanlimab``, ``nivolumab``,
            ``pembrolizumab``).
        approved_agents: Agents approved for this indication and jurisdiction, in order.
        auc: Target carboplatin AUC (a ``mg*min/mL`` quantity, 1 to 10) replacing the
            regimen's.
        reirradiation: For ``reirradiation``: the screen from
            :func:`~ascc_salvage.calculators.reirradiation_feasibility`.

    Returns:
        A :class:`DosePlan`, an :class:`UndeterminedDosePlan` naming the missing patient
        fields, or a :class:`RadiotherapyPlan`. Each has ``to_dict()``.

    Raises:
        TypeError: *patient* is not a Patient, or an argument has the wrong type.
        ValueError: Unknown regimen, variant or agent; a wrong kind of AUC, or one outside
            ``dose_plan.AUC_RANGE`` (1 to 10 mg·min/mL).

    >>> from ascc_salvage.model import Hiv, Patient
    >>> patient = Patient(age_years=60, sex="male", weight=(70, "kg"), height=(170, "cm"),
    ...     serum_creatinine=(1.0, "mg/dL"), hiv=Hiv(status="negative"))
    >>> plan = dose_plan("carboplatin_paclitaxel", patient=patient)
    >>> round(plan.drug("paclitaxel").per_administration_mg, 2)
    145.45
    >>> round(plan.drug("paclitaxel").per_cycle_mg, 2)
    436.35
    >>> dcf = dose_plan("docetaxel_cisplatin_fluorouracil", patient=patient)
    >>> dcf.variant, dcf.cycle_length_days, dcf.cycles
    ('modified', 14, 8)
    """
    if not isinstance(regimen_id, str):
        raise TypeError(f"regimen_id must be a string, not {type(regimen_id).__name__}")
    if not isinstance(patient, Patient):
        raise TypeError(
            f"patient must be an ascc_salvage.case.Patient, not {type(patient).__name__}"
        )
    chosen_variant = _optional_str(variant, "variant")
    chosen_agent = _optional_str(agent, "agent")
    if isinstance(approved_agents, str):
        raise TypeError("approved_agents must be an iterable of agent names, not a string")
    approved = tuple(approved_agents)
    for name in approved:
        if not isinstance(name, str):
            raise TypeError("approved_agents must hold strings")
    if reirradiation is not None and not isinstance(reirradiation, ReirradiationAssessment):
        raise TypeError("reirradiation must be a ReirradiationAssessment")
    if regimen_id in RADIOTHERAPY_PLAN_OPTIONS:
        if chosen_variant is not None or chosen_agent is not None or auc is not None:
            raise ValueError(f"{regimen_id!r} takes no variant, agent or auc")
        return radiotherapy_plan(str(regimen_id), reirradiation=reirradiation)
    if reirradiation is not None:
        raise ValueError("a re-irradiation screen belongs to the reirradiation option")
    target = None if auc is None else positive(auc, Kinds.AUC, "auc")
    return plan_from_floats(
        str(regimen_id),
        weight_kg=None if patient.weight is None else patient.weight.canonical,
        height_cm=None if patient.height is None else patient.height.canonical,
        creatinine_mg_dl=(
            None if patient.serum_creatinine is None else patient.serum_creatinine.canonical
        ),
        age_years=patient.age_years,
        sex=None if patient.sex is None else Sex(patient.sex),
        variant=chosen_variant,
        agent=chosen_agent,
        approved_agents=approved,
        auc=target,
        adjustments=PlanAdjustments.from_patient(patient),
    )
