"""Facts derived once per case: performance status, fitness, extent, history, renal function.

Every fact is three-valued where an input may be missing (``None`` = unknown), and each
unknown fact knows the case field that would decide it. The rules read facts, never the raw
case, so that a routing input can be replaced (:func:`attrs.evolve`) when the engine
evaluates both branches of an unknown input.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Generic, TypeVar, overload

import attrs

from ascc_salvage._dates import add_days
from ascc_salvage.calculators.adjustments import (
    HepaticAdjustment,
    HepaticOutcome,
    docetaxel_hepatic_floats,
    fluorouracil_fraction_floats,
    paclitaxel_hepatic_floats,
)
from ascc_salvage.calculators.body_size import MOSTELLER_DIVISOR, adjusted_body_weight_kg
from ascc_salvage.calculators.dose_plan import PlanAdjustments
from ascc_salvage.calculators.reirradiation import groin_irradiated
from ascc_salvage.calculators.renal import STANDARD_BSA_M2, cockcroft_gault_ml_min
from ascc_salvage.case import Case, DiseaseSite
from ascc_salvage.engine._prior_therapy import (
    PLATINUM,
    PriorTherapy,
    classes_of,
    course_agents,
    derive_prior_therapy,
)
from ascc_salvage.knowledge import KnowledgeBase, bundled
from ascc_salvage.status import StatusAssessment, is_distant_site
from ascc_salvage.validation import FRAIL_CFS
from ascc_salvage.vocabulary import (
    Condition,
    DiseaseStatus,
    Finding,
    HivStatus,
    InvadedStructure,
    Margin,
    Modality,
    NodalStation,
    OptionId,
    Site,
    SurgeryProcedure,
    TherapyOutcome,
    TherapySetting,
)

_T = TypeVar("_T")


class _fact(Generic[_T]):  # noqa: N801 - used as a decorator, like functools.cached_property
    """A fact computed on first read and kept in the instance's ``__dict__``.

    :class:`functools.cached_property` does the same, but on Python 3.11 it takes a lock on
    every first read, and on a slotted attrs class it goes through a generated
    ``__getattr__``. :class:`Facts` is built once per case and most facts are read once or
    twice, so first reads are what count (≈ 4 µs of ``recommend``). :class:`Facts` is frozen:
    the value goes into its ``__dict__`` directly, never through ``__setattr__``; an
    :func:`attrs.evolve` copy starts without the cached values.
    """

    def __init__(self, compute: Callable[[Facts], _T]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _fact[_T]: ...

    @overload
    def __get__(self, instance: Facts, owner: type | None = None) -> _T: ...

    def __get__(self, instance: Facts | None, owner: type | None = None) -> _fact[_T] | _T:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._compute(instance)
        return value


#: The adjustments of a patient recording none of the §10 facts (one object for all).
_UNADJUSTED = PlanAdjustments()


def ecog_from_karnofsky(karnofsky: int, knowledge: KnowledgeBase | None = None) -> int:
    """Map Karnofsky to ECOG by the knowledge-base table (default: the bundled one)."""
    kb = bundled() if knowledge is None else knowledge
    for row in kb.thresholds.karnofsky_to_ecog:
        if row.karnofsky_min <= karnofsky <= row.karnofsky_max:
            return row.ecog
    raise ValueError(f"Karnofsky {karnofsky} is not in the mapping table")  # pragma: no cover


# Not slotted: each fact is computed on first read and kept in the instance's __dict__.
@attrs.frozen(slots=False)
class Facts:
    """What the rules know about a case.

    The routing inputs (``ecog``, ``fit_for_major_surgery``, ``resectable``,
    ``expected_margin``, ``accepts_colostomy``, ``groins_irradiated``) are plain fields so
    that the engine can evaluate each value of an unknown one.
    """

    case: Case
    status: StatusAssessment
    ecog: int | None
    fit_for_major_surgery: bool | None
    resectable: bool | None
    expected_margin: Margin | None
    accepts_colostomy: bool | None
    groins_irradiated: bool | None
    ecog_missing_field: str = "patient.ecog"
    #: Prior-therapy exposure assumed in one branch of an unknown value (§0.1), else ``None``.
    assumed_ici_exposed: bool | None = attrs.field(default=None, kw_only=True)
    assumed_platinum_pretreated: bool | None = attrs.field(default=None, kw_only=True)
    assumed_cisplatin_eligible: bool | None = attrs.field(default=None, kw_only=True)
    #: The knowledge base every rule reads (thresholds, regimens, approvals, evidence).
    kb: KnowledgeBase = attrs.field(factory=bundled, kw_only=True)

    #: Route local or regional disease as inoperable because the patient declines surgery
    #: (§2.3): approvals count it as inoperable, with flag ``label_interpretation``.
    inoperable_by_choice: bool = attrs.field(default=False, kw_only=True)

    # --- patient --------------------------------------------------------------------
    @property
    def frail(self) -> bool:
        """Effective frailty (§2.4): recorded true, or clinical frailty scale ≥ 6.

        Null does not block (§4): the clinician's fitness judgement covers it.
        """
        patient = self.case.patient
        scale = patient.clinical_frailty_scale
        return patient.frail is True or (scale is not None and scale >= FRAIL_CFS)

    @_fact
    def declines(self) -> frozenset[Modality]:
        """The modalities the patient declines (§2.3)."""
        return frozenset(self.case.patient.declines)

    @property
    def declines_chemotherapy_only(self) -> bool:
        """Chemotherapy declined, immunotherapy not (§2.3).

        At first line this counts as "no platinum doublet possible" (§5.2f): the fact the
        §5.2f row reads; §2.3 then rejects the declined regimens that row offers.
        """
        return Modality.CHEMOTHERAPY in self.declines and Modality.IMMUNOTHERAPY not in (
            self.declines
        )

    @property
    def fitness(self) -> bool | None:
        """Fit for major pelvic surgery (§4): ``None`` when undecided."""
        ecog_limit = self.kb.thresholds.ecog_max_major_surgery.value
        if self.fit_for_major_surgery is False or self.frail:
            return False
        if self.ecog is not None and self.ecog > ecog_limit:
            return False
        if self.fit_for_major_surgery is True and self.ecog is not None:
            return True
        return None

    @_fact
    def conditions(self) -> frozenset[Condition] | None:
        """Recorded conditions, or ``None`` when not recorded."""
        recorded = self.case.patient.conditions
        return None if recorded is None else frozenset(recorded)

    def has_condition(self, condition: Condition) -> bool | None:
        """Three-valued: ``None`` when conditions were not recorded."""
        return None if self.conditions is None else condition in self.conditions

    def has_any(self, conditions: frozenset[Condition]) -> bool | None:
        """Three-valued: any of *conditions* recorded."""
        return None if self.conditions is None else bool(self.conditions & conditions)

    @property
    def colostomy_consent_assumed(self) -> bool:
        """Consent to a colostomy not recorded, counted as given: a stoma is present (§4)."""
        patient = self.case.patient
        return patient.accepts_permanent_colostomy is None and (
            Condition.EXISTING_COLOSTOMY in (patient.conditions or ())
        )

    @property
    def hiv_positive(self) -> bool:
        """HIV status positive."""
        return self.case.patient.hiv.status is HivStatus.POSITIVE

    # --- renal function and body size -----------------------------------------------
    @_fact
    def creatinine_clearance(self) -> tuple[float | None, tuple[str, ...]]:
        """Cockcroft–Gault clearance for eligibility (§5.1), with the missing fields.

        Actual weight with the creatinine floor; if BMI ≥ 30 also adjusted weight (needs
        height), using the lower value.
        """
        patient = self.case.patient
        missing = [
            path
            for path, value in (
                ("patient.age_years", patient.age_years),
                ("patient.weight", patient.weight),
                ("patient.serum_creatinine", patient.serum_creatinine),
                ("patient.sex", patient.sex),
            )
            if value is None
        ]
        if missing:
            return None, tuple(missing)
        assert patient.age_years is not None
        assert patient.weight is not None
        assert patient.serum_creatinine is not None
        assert patient.sex is not None
        floor = float(self.kb.thresholds.creatinine_floor.value)
        creatinine = max(patient.serum_creatinine.canonical, floor)
        weight = patient.weight.canonical
        clearance = cockcroft_gault_ml_min(patient.age_years, weight, creatinine, patient.sex)
        if patient.height is None:
            # BMI cannot be computed: the adjusted-weight comparison needs height.
            return None, ("patient.height",)
        height_m = patient.height.canonical / 100
        bmi = weight / (height_m * height_m)
        if bmi >= float(self.kb.thresholds.bmi_adjusted_weight_min.value):
            adjusted = adjusted_body_weight_kg(patient.height.canonical, weight, patient.sex)
            clearance = min(
                clearance,
                cockcroft_gault_ml_min(patient.age_years, adjusted, creatinine, patient.sex),
            )
        return clearance, ()

    @_fact
    def measured_gfr(self) -> tuple[float | None, tuple[str, ...]]:
        """Measured GFR in mL/min (§5.1 cisplatin, §10), with the fields an indexed one needs.

        Read only when a GFR was measured. A value indexed to 1.73 m² is de-indexed by the
        Mosteller BSA (actual weight), so it needs height and weight.
        """
        patient = self.case.patient
        gfr = patient.measured_gfr
        assert gfr is not None, "read only when patient.measured_gfr is recorded"
        if not gfr.indexed:
            return gfr.canonical, ()
        if patient.weight is None or patient.height is None:
            missing = [("patient.weight", patient.weight), ("patient.height", patient.height)]
            return None, tuple(path for path, value in missing if value is None)
        bsa = math.sqrt(patient.height.canonical * patient.weight.canonical / MOSTELLER_DIVISOR)
        return gfr.canonical * bsa / STANDARD_BSA_M2, ()

    @property
    def dialysis(self) -> bool:
        """On maintenance dialysis (``patient.dialysis`` true; null counts as not on it)."""
        return self.case.patient.dialysis is True

    @_fact
    def plan_adjustments(self) -> PlanAdjustments:
        """The §10 facts the dose plans apply (result schema 2: every drug plan reports them).

        A case recording none of them (measured GFR, dialysis, DPYD score below 2, a DPD
        condition, a liver test) gets the unadjusted doses, with the ``basis`` keys of §10
        (``gfr_source`` ``cockcroft_gault``, fractions 1.0, ``hepatic_adjustment`` null) and
        flag ``check_hepatic_function`` on taxane plans (§5.1 hepatic: a value the rule needs
        is not recorded), whatever its document version: a schema 1 document and its schema 2
        equivalent give the same result.
        """
        return PlanAdjustments.from_patient(self.case.patient) or _UNADJUSTED

    @_fact
    def fluorouracil_fraction(self) -> tuple[float | None, str | None]:
        """Fluorouracil starting-dose fraction (``None``: excluded) and its threshold id.

        Reads the DPYD activity score and the DPD conditions (§5.1 fluoropyrimidines).
        """
        conditions = self.conditions or frozenset()
        return fluorouracil_fraction_floats(
            self.case.patient.dpyd_activity_score,
            Condition.DPD_DEFICIENCY_PARTIAL in conditions,
            Condition.DPD_DEFICIENCY_COMPLETE in conditions,
        )

    @property
    def liver_tests_recorded(self) -> bool:
        """At least one liver test (× ULN) is recorded."""
        liver = self.case.patient.hepatic_function
        return any(
            value is not None
            for value in (liver.bilirubin_x_uln, liver.ast_x_uln, liver.alt_x_uln, liver.alp_x_uln)
        )

    @_fact
    def paclitaxel_liver(self) -> HepaticAdjustment:
        """Paclitaxel by the liver tests (§5.1 hepatic: full, reduced, excluded, not recorded)."""
        liver = self.case.patient.hepatic_function
        return paclitaxel_hepatic_floats(liver.bilirubin_x_uln, liver.ast_x_uln, liver.alt_x_uln)

    @property
    def paclitaxel_excluded_by_liver(self) -> bool:
        """The liver tests exclude paclitaxel (§5.1 hepatic: taxane regimens excluded)."""
        return self.paclitaxel_liver.outcome is HepaticOutcome.EXCLUDED

    @_fact
    def docetaxel_liver(self) -> HepaticAdjustment:
        """Docetaxel (DCF) by the liver tests (§5.1 hepatic)."""
        liver = self.case.patient.hepatic_function
        return docetaxel_hepatic_floats(
            liver.bilirubin_x_uln, liver.ast_x_uln, liver.alt_x_uln, liver.alp_x_uln
        )

    # --- extent of current disease (§3) ---------------------------------------------
    @_fact
    def sites(self) -> tuple[DiseaseSite, ...]:
        """Sites of current disease."""
        return () if self.case.disease is None else self.case.disease.sites

    @_fact
    def invaded(self) -> frozenset[InvadedStructure]:
        """Invaded structures (complete when restaged)."""
        disease = self.case.disease
        return frozenset() if disease is None else frozenset(disease.invaded_structures)

    @_fact
    def local_sites(self) -> tuple[DiseaseSite, ...]:
        """Anal canal and anal margin sites."""
        return tuple(s for s in self.sites if s.site in self.kb.site_sets.local_sites)

    @property
    def local(self) -> bool:
        """Local disease present."""
        return bool(self.local_sites)

    @property
    def inguinal(self) -> bool:
        """Inguinal nodal disease present."""
        return any(s.site is Site.INGUINAL_NODES for s in self.sites)

    @_fact
    def regional_pelvic_sites(self) -> tuple[DiseaseSite, ...]:
        """Pelvic nodes at regional stations (unknown station counts as lateral)."""
        return tuple(
            s for s in self.sites if s.site is Site.PELVIC_NODES and not is_distant_site(s)
        )

    @property
    def lateral_nodes(self) -> bool:
        """Lateral pelvic nodes present (internal iliac, obturator, external iliac, unknown)."""
        lateral = self.kb.site_sets.lateral_pelvic_stations
        return any(s.station is None or s.station in lateral for s in self.regional_pelvic_sites)

    @property
    def external_iliac_only_pelvic(self) -> bool:
        """Every regional pelvic site is external iliac (for an ilio-inguinal dissection)."""
        sites = self.regional_pelvic_sites
        return bool(sites) and all(s.station is NodalStation.EXTERNAL_ILIAC for s in sites)

    @_fact
    def distant_sites(self) -> tuple[DiseaseSite, ...]:
        """Distant (M1) sites."""
        return tuple(s for s in self.sites if is_distant_site(s))

    @property
    def distant(self) -> bool:
        """Distant disease present."""
        return bool(self.distant_sites)

    @property
    def distant_lesions(self) -> int:
        """Number of distant lesions."""
        return sum(s.lesions for s in self.distant_sites)

    @property
    def oligometastatic(self) -> bool | None:
        """1–5 distant lesions at counted sites, each locally treatable (§3)."""
        if not self.distant:
            return False
        limit = int(self.kb.thresholds.oligometastatic_max_lesions.value)
        counted = self.kb.site_sets.oligometastatic_sites
        if any(
            s.site not in counted and s.site is not Site.PELVIC_NODES for s in self.distant_sites
        ):
            return False
        if self.distant_lesions > limit:
            return False
        return (
            None if self.case.disease is None else self.case.disease.all_lesions_locally_treatable
        )

    @property
    def adjacent_organ_invasion(self) -> bool:
        """An adjacent organ needing multivisceral resection is invaded."""
        return bool(self.invaded & self.kb.site_sets.adjacent_organs)

    @property
    def presumed_unresectable_structures(self) -> frozenset[InvadedStructure]:
        """Invaded structures that make disease presumed unresectable."""
        return self.invaded & self.kb.site_sets.presumed_unresectable

    @property
    def largest_local_size_cm(self) -> float | None:
        """Largest recorded local site size (``None`` when any size is missing)."""
        sizes = [s.size.canonical if s.size is not None else None for s in self.local_sites]
        if not sizes or any(size is None for size in sizes):
            return None
        return max(size for size in sizes if size is not None)

    # --- history ------------------------------------------------------------------------
    @property
    def after_major_resection(self) -> bool:
        """A salvage APR or extended resection is recorded."""
        return self.status.after_salvage_surgery

    @property
    def prior_local_excision(self) -> bool:
        """A local excision is recorded."""
        return any(
            s.procedure is SurgeryProcedure.LOCAL_EXCISION for s in self.case.prior_salvage_surgery
        )

    @property
    def recurrent_after_complete_response(self) -> bool:
        """Recurrent disease after a documented complete response."""
        return (
            self.status.status is DiseaseStatus.RECURRENT
            and self.status.complete_response_documented
        )

    @_fact
    def prior(self) -> PriorTherapy:
        """The exposure derived from the prior therapy (§5.1, rule 5.1.prior_therapy)."""
        return derive_prior_therapy(self.case, self.status, self.kb)

    @property
    def prior_checkpoint_inhibitor(self) -> bool | None:
        """ICI exposure (§5.1): routes to §5.4; ``None`` when an investigational drug decides."""
        if self.assumed_ici_exposed is not None:
            return self.assumed_ici_exposed
        return self.prior.ici_exposed

    @property
    def platinum_pretreated(self) -> bool | None:
        """Platinum for advanced disease, or within the window in another setting (§5.1)."""
        if self.assumed_platinum_pretreated is not None:
            return self.assumed_platinum_pretreated
        return self.prior.platinum_pretreated

    def used(self, option: OptionId) -> bool:
        """Whether an advanced course held *option*'s defining pair (chemotherapy used, §5.1)."""
        return option in self.prior.used

    @_fact
    def ongoing_line(self) -> bool:
        """A systemic line is ongoing with no progression recorded after its start (§2)."""
        for therapy in self.case.prior_systemic_therapy:
            if therapy.outcome is not TherapyOutcome.ONGOING:
                continue
            if therapy.setting is TherapySetting.OTHER_CANCER:
                continue
            progressed = any(
                a.date > therapy.start_date
                and a.finding in (Finding.PROGRESSION, Finding.RECURRENCE)
                for a in self.case.assessments
            )
            if not progressed:
                return True
        return False

    def platinum_free_interval(self) -> tuple[int | None, bool, tuple[str, ...]]:
        """Platinum-free interval in days, platinum-refractoriness, missing fields (§5.4).

        From the last platinum dose, over every course with a platinum agent (§5.1 classes,
        ``regimen: "other"`` included), to the progression that followed it.
        """
        kb = self.kb
        platinum = [
            t
            for t in self.case.prior_systemic_therapy
            if PLATINUM in classes_of(course_agents(kb, t))
        ]
        if not platinum:
            return None, False, ()
        last = max(platinum, key=lambda t: t.start_date)
        weeks = int(kb.thresholds.platinum_combination_assumed_weeks.value)
        if last.platinum_end_date is not None:
            last_dose = last.platinum_end_date
        elif last.end_date is not None:
            only_platinum = (
                classes_of(course_agents(kb, last)) == {PLATINUM}
                and len(course_agents(kb, last)) == 1
            )
            last_dose = (
                last.end_date
                if only_platinum
                else min(last.end_date, add_days(last.start_date, 7 * weeks))
            )
        else:  # an ongoing course: its end date, or the last platinum dose, decides
            index = next(i for i, t in enumerate(self.case.prior_systemic_therapy) if t is last)
            return None, False, (f"prior_systemic_therapy[{index}].end_date",)
        if last.outcome is TherapyOutcome.PROGRESSION and last.end_date is not None:
            if last.end_date <= last_dose:
                return 0, True, ()
            progression: dt.date | None = last.end_date
        else:
            candidates = [
                a.date
                for a in self.case.assessments
                if a.date > last_dose and a.finding in (Finding.PROGRESSION, Finding.RECURRENCE)
            ]
            candidates += [
                t.end_date
                for t in self.case.prior_systemic_therapy
                if t.outcome is TherapyOutcome.PROGRESSION
                and t.end_date is not None
                and t.end_date > last_dose
            ]
            progression = min(candidates) if candidates else None
        if progression is None:
            return None, False, ("assessments (progression after the last platinum dose)",)
        return (progression - last_dose).days, False, ()


def derive_facts(
    case: Case, status: StatusAssessment, knowledge: KnowledgeBase | None = None
) -> Facts:
    """Derive the facts of *case* (rules read *knowledge*, default the bundled one)."""
    kb = bundled() if knowledge is None else knowledge
    patient = case.patient
    ecog = patient.ecog
    if ecog is None and patient.karnofsky is not None:
        ecog = ecog_from_karnofsky(patient.karnofsky, kb)
    disease = case.disease
    crt = case.primary.chemoradiotherapy
    accepts_colostomy = patient.accepts_permanent_colostomy
    if accepts_colostomy is None and Condition.EXISTING_COLOSTOMY in (patient.conditions or ()):
        # §4 (v3): with a stoma already present, the APR's colostomy is not a new stoma: an
        # unrecorded consent counts as accepted (the resection is flagged to revisit it).
        accepts_colostomy = True
    return Facts(
        case=case,
        status=status,
        ecog=ecog,
        fit_for_major_surgery=patient.fit_for_major_surgery,
        resectable=None if disease is None else disease.resectable,
        expected_margin=None if disease is None else disease.expected_margin,
        accepts_colostomy=accepts_colostomy,
        groins_irradiated=None if crt is None else groin_irradiated(case),
        kb=kb,
    )
