"""Conditions and routines of the §3 and §4 rule tables (locoregional failure).

Some conditions read a *routing input* (ECOG, fitness for major surgery, resectability, the
expected margin, groin irradiation): when it is missing they raise
:class:`~ascc_salvage.engine._inputs.UnknownInput` through
:func:`~ascc_salvage.engine._inputs.require`, and the engine evaluates the whole pathway for
each value of the input and merges (clinical pathway §0, "routing inputs"). The order in which
a table evaluates them is therefore the order in which unknown inputs are branched: the rows
name them in the order of the pathway (fitness, resectability, margin, groin irradiation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ascc_salvage._conditions import (
    ConditionSpec,
    ConditionValue,
    declare_conditions,
    declare_routines,
)
from ascc_salvage.vocabulary import DiseaseStatus, InvadedStructure, Margin, Site

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts


# Enum members bound once: attribute access on an enum class is slow on the hot path.
_ANAL_MARGIN: Final = Site.ANAL_MARGIN
_PERINEUM: Final = Site.PERINEUM
_PRESACRAL: Final = Site.PRESACRAL
_FEMORAL: Final = InvadedStructure.FEMORAL_VESSELS
_SPHINCTER: Final = InvadedStructure.SPHINCTER
_PERSISTENT: Final = DiseaseStatus.PERSISTENT
_R0: Final = Margin.R0
_R2: Final = Margin.R2
_REQUIRE: list[Callable[[Facts, str], Any]] = []


def _pair(when_true: str, when_false: str | None = None) -> tuple[ConditionValue, ...]:
    """The two values of a condition with a fixed explanation, built once (index by bool)."""
    return ConditionValue(False, when_false or when_true), ConditionValue(True, when_true)


def _require(f: Facts, name: str) -> Any:
    if not _REQUIRE:  # imported on first use: the engine imports this package
        from ascc_salvage.engine._inputs import require

        _REQUIRE.append(require)
    return _REQUIRE[0](f, name)


_THRESHOLD_TEXT: list[Callable[..., str]] = []


def _threshold(f: Facts, name: str) -> str:
    if not _THRESHOLD_TEXT:  # imported on first use, like require
        from ascc_salvage.knowledge import threshold_text

        _THRESHOLD_TEXT.append(threshold_text)
    return _THRESHOLD_TEXT[0](name, f.kb)


# --- routing by site (§4) ---------------------------------------------------------------


_RE_RECURRENCE: Final = _pair("local or pelvic nodal disease after a salvage resection")
_LOCAL: Final = _pair(
    "local disease (anal canal or margin, perineum, ischiorectal fossa, presacral)"
)
_ISOLATED_INGUINAL: Final = _pair("inguinal nodes, with pelvic nodes at most external iliac")


def _re_recurrence_in_operated_field(f: Facts) -> ConditionValue:
    return _RE_RECURRENCE[f.after_major_resection and bool(f.local or f.regional_pelvic_sites)]


def _local_disease(f: Facts) -> ConditionValue:
    return _LOCAL[f.local]


def _isolated_inguinal(f: Facts) -> ConditionValue:
    inguinal = f.inguinal and (not f.regional_pelvic_sites or f.external_iliac_only_pelvic)
    return _ISOLATED_INGUINAL[inguinal]


_FIT: Final = _pair("fit for major surgery", "unfit for major surgery")


def _fit_for_major_surgery(f: Facts) -> ConditionValue:
    # ECOG is required first, even when a recorded unfitness decides (the v2 order).
    _require(f, "ecog")
    fitness = f.fitness
    if fitness is None:
        _require(f, "fit_for_major_surgery")
    assert fitness is not None
    return _FIT[fitness]


# --- unfit (§4.3) -----------------------------------------------------------------------


_FRAIL: Final = _pair("frailty recorded", "no frailty recorded")


def _frail(f: Facts) -> ConditionValue:
    return _FRAIL[f.frail]


def _ecog(f: Facts) -> int:
    ecog: int = _require(f, "ecog")
    return ecog


def _ecog_best_supportive_care(f: Facts) -> ConditionValue:
    limit = int(f.kb.thresholds.ecog_best_supportive_care_min.value)
    ecog = _ecog(f)
    return ConditionValue(ecog >= limit, f"ECOG {ecog} (best supportive care from ECOG {limit})")


def _ecog_outside_trial_populations(f: Facts) -> ConditionValue:
    limit = int(f.kb.thresholds.ecog_max_trial_population.value)
    ecog = _ecog(f)
    return ConditionValue(ecog > limit, f"ECOG {ecog} (trial populations up to ECOG {limit})")


# --- resectability (§3) -----------------------------------------------------------------


def _presumed(f: Facts) -> bool:
    return bool(f.presumed_unresectable_structures - {_FEMORAL})


_PRESUMED: Final = _pair("structures presumed unresectable are invaded")


def _presumed_unresectable(f: Facts) -> ConditionValue:
    return _PRESUMED[_presumed(f)]


_NO_OPINION = (
    "structures presumed unresectable are invaded and no exenteration-centre opinion is recorded"
)


def _exenteration_centre_opinion(f: Facts) -> ConditionValue:
    if not _presumed(f):
        return ConditionValue(False, "no structure presumed unresectable is invaded")
    if f.resectable is None:
        return ConditionValue(None, _NO_OPINION, ("disease.resectable",))
    return ConditionValue(f.resectable, f"exenteration-centre opinion: resectable {f.resectable}")


def _salvage_resectable(f: Facts) -> ConditionValue:
    if _presumed(f):
        return _exenteration_centre_opinion(f)
    if not _require(f, "resectable"):
        return ConditionValue(False, "unresectable (MDT judgement)")
    margin = _require(f, "expected_margin")
    return ConditionValue(margin is not _R2, f"resectable, expected margin {margin.value}")


def _resectable(f: Facts) -> ConditionValue:
    value = bool(_require(f, "resectable"))
    return ConditionValue(value, f"resectable {value} (MDT judgement)")


# --- selection of the resection (§4.1 rows a–d) ----------------------------------------


_ANAL_MARGIN_ONLY: Final = _pair("all current disease at the anal margin")


def _anal_margin_only(f: Facts) -> ConditionValue:
    return _ANAL_MARGIN_ONLY[bool(f.local_sites) and all(s.site is _ANAL_MARGIN for s in f.sites)]


def _size_at_most_2_cm(f: Facts) -> ConditionValue:
    size = f.largest_local_size_cm
    if size is None:
        return ConditionValue(
            None, "size of the anal-margin lesion not recorded", ("disease.sites.size",)
        )
    limit = float(f.kb.thresholds.local_excision_max_size.value)
    limit_text = _threshold(f, "local_excision_max_size")
    return ConditionValue(size <= limit, f"largest size {size:g} cm (limit {limit_text})")


def _size_at_most_5_cm(f: Facts) -> ConditionValue:
    size = f.largest_local_size_cm
    if size is None:
        return ConditionValue(
            None, "size of the anal-margin lesion not recorded", ("disease.sites.size",)
        )
    limit = float(f.kb.thresholds.local_excision_alternative_max_size.value)
    limit_text = _threshold(f, "local_excision_alternative_max_size")
    return ConditionValue(size <= limit, f"largest size {size:g} cm (limit {limit_text})")


_NOTHING_INVADED: Final = _pair("no invaded structure recorded", "invaded structures recorded")


def _nothing_invaded(f: Facts) -> ConditionValue:
    return _NOTHING_INVADED[not f.invaded]


_PRESACRAL_VALUE: Final = _pair("presacral disease")


def _presacral_disease(f: Facts) -> ConditionValue:
    return _PRESACRAL_VALUE[any(s.site is _PRESACRAL for s in f.sites)]


def _isolated_perineal_recurrence(f: Facts) -> ConditionValue:
    sites = f.sites
    if not sites or any(s.site is not _PERINEUM for s in sites):
        return ConditionValue(False, "disease beyond the perineum")
    lesions = sum(s.lesions for s in sites)
    if lesions != 1:
        return ConditionValue(False, f"{lesions} perineal lesions (one allowed)")
    if f.invaded:
        return ConditionValue(False, "invaded structures recorded")
    size = f.largest_local_size_cm
    if size is None:
        return ConditionValue(
            None, "size of the perineal lesion not recorded", ("disease.sites.size",)
        )
    limit = float(f.kb.thresholds.perineal_excision_max_size.value)
    limit_text = _threshold(f, "perineal_excision_max_size")
    return ConditionValue(
        size <= limit, f"a single perineal lesion of {size:g} cm (limit {limit_text})"
    )


_SPHINCTER_FREE: Final = _pair("sphincter not invaded", "sphincter invasion recorded")


def _sphincter_invasion_not_recorded(f: Facts) -> ConditionValue:
    return _SPHINCTER_FREE[_SPHINCTER not in f.invaded]


def _expected_margin_r0(f: Facts) -> ConditionValue:
    margin = _require(f, "expected_margin")
    return ConditionValue(margin is _R0, "expected margin " + margin.value)


_NO_EXCISION: Final = _pair("no earlier local excision", "earlier local excision recorded")
_AFTER_CR: Final = _pair("recurrent after a documented complete response")
_PERSISTENT_VALUE: Final = _pair("persistent disease")
_ADJACENT: Final = _pair("an adjacent organ is invaded")
_CENTRE: Final = _pair("the facility is an exenteration centre")


def _no_previous_local_excision(f: Facts) -> ConditionValue:
    return _NO_EXCISION[not f.prior_local_excision]


def _recurrent_after_complete_response(f: Facts) -> ConditionValue:
    return _AFTER_CR[f.recurrent_after_complete_response]


def _persistent(f: Facts) -> ConditionValue:
    return _PERSISTENT_VALUE[f.status.status is _PERSISTENT]


def _adjacent_organ_invasion(f: Facts) -> ConditionValue:
    return _ADJACENT[f.adjacent_organ_invasion]


def _exenteration_centre(f: Facts) -> ConditionValue:
    return _CENTRE[f.case.facility.exenteration_centre is True]


# --- inguinal and pelvic nodes (§4.4, §4.5) --------------------------------------------


def _groin_resectable(f: Facts) -> ConditionValue:
    if _FEMORAL in f.invaded and f.resectable is not True:
        if f.resectable is None:
            return ConditionValue(
                None,
                "femoral vessel involvement: resectability presumed absent; an MDT opinion "
                "is not recorded",
                ("disease.resectable",),
            )
        return ConditionValue(False, "fixed to the femoral vessels: not resectable")
    value = bool(_require(f, "resectable"))
    return ConditionValue(value, f"resectable {value} (MDT judgement)")


def _groins_irradiated(f: Facts) -> ConditionValue:
    value = bool(_require(f, "groins_irradiated"))
    return ConditionValue(value, f"groins irradiated {value}")


_EXTERNAL_ILIAC: Final = _pair("every pelvic nodal site is external iliac")
_LATERAL: Final = _pair("lateral pelvic nodes (or an unknown station)")


def _external_iliac_only(f: Facts) -> ConditionValue:
    return _EXTERNAL_ILIAC[f.external_iliac_only_pelvic]


def _lateral_nodes(f: Facts) -> ConditionValue:
    return _LATERAL[f.lateral_nodes]


_RESECTABLE = ("disease.resectable",)
_MARGIN = ("disease.expected_margin",)

declare_conditions(
    ConditionSpec(
        "re_recurrence_in_operated_field",
        "A salvage APR or extended resection is recorded and the current disease is local or "
        "at pelvic nodes (the operated field).",
        ("prior_salvage_surgery", "disease.sites"),
        False,
        _re_recurrence_in_operated_field,
    ),
    ConditionSpec(
        "local_disease",
        "Local disease: anal canal or margin, perineum, ischiorectal fossa or presacral "
        "(clinical pathway §3).",
        ("disease.sites",),
        False,
        _local_disease,
    ),
    ConditionSpec(
        "isolated_inguinal",
        "Inguinal nodal disease without pelvic nodes, or with external-iliac pelvic nodes only.",
        ("disease.sites",),
        False,
        _isolated_inguinal,
    ),
    ConditionSpec(
        "fit_for_major_surgery",
        "Fit for major pelvic surgery: the clinician's judgement, ECOG within "
        "``ecog_max_major_surgery`` and not frail. Reads the routing inputs ECOG and fitness "
        "(a missing one is branched by the engine, ECOG first).",
        ("patient.ecog", "patient.fit_for_major_surgery", "patient.frail"),
        False,
        _fit_for_major_surgery,
    ),
    ConditionSpec(
        "frail",
        "Effective frailty (§2.4): recorded true, or clinical frailty scale 6 or more (a "
        "missing value does not count).",
        ("patient.frail", "patient.clinical_frailty_scale"),
        False,
        _frail,
    ),
    ConditionSpec(
        "ecog_best_supportive_care",
        "ECOG at least ``ecog_best_supportive_care_min`` (a routing input).",
        ("patient.ecog",),
        False,
        _ecog_best_supportive_care,
    ),
    ConditionSpec(
        "ecog_outside_trial_populations",
        "ECOG above ``ecog_max_trial_population``, outside most trial populations (a routing "
        "input).",
        ("patient.ecog",),
        False,
        _ecog_outside_trial_populations,
    ),
    ConditionSpec(
        "presumed_unresectable",
        "A structure presumed unresectable for pelvic disease (pelvic sidewall, external iliac "
        "vessels, sciatic nerve, high sacrum) is invaded.",
        ("disease.invaded_structures",),
        False,
        _presumed_unresectable,
    ),
    ConditionSpec(
        "exenteration_centre_opinion",
        "With structures presumed unresectable invaded, the MDT (an exenteration-centre "
        "opinion) judges the disease resectable; unknown while no opinion is recorded.",
        _RESECTABLE,
        True,
        _exenteration_centre_opinion,
    ),
    ConditionSpec(
        "salvage_resectable",
        "Resectable with an R0 or R1 margin expected (§3). With structures presumed "
        "unresectable: the exenteration-centre opinion (unknown without one). Otherwise the "
        "routing inputs resectability, then the expected margin (R2 is unresectable).",
        ("disease.invaded_structures", "disease.resectable", "disease.expected_margin"),
        True,
        _salvage_resectable,
    ),
    ConditionSpec(
        "resectable",
        "The MDT judges the disease resectable (a routing input).",
        _RESECTABLE,
        False,
        _resectable,
    ),
    ConditionSpec(
        "anal_margin_only",
        "Every current disease site is at the anal margin.",
        ("disease.sites",),
        False,
        _anal_margin_only,
    ),
    ConditionSpec(
        "size_at_most_2_cm",
        "The largest local lesion is at most ``local_excision_max_size``; unknown when a "
        "local size is not recorded.",
        ("disease.sites.size",),
        True,
        _size_at_most_2_cm,
    ),
    ConditionSpec(
        "sphincter_invasion_not_recorded",
        "No sphincter invasion is recorded (reported as the criterion "
        "``sphincter_not_invaded``; unlike the §7 condition, an extent that is not restaged "
        "counts as not invaded: the confirmation gate holds the option until restaged).",
        ("disease.invaded_structures",),
        False,
        _sphincter_invasion_not_recorded,
        criterion="sphincter_not_invaded",
    ),
    ConditionSpec(
        "size_at_most_5_cm",
        "The largest local lesion is at most ``local_excision_alternative_max_size`` (row "
        "a2); unknown when a local size is not recorded.",
        ("disease.sites.size",),
        True,
        _size_at_most_5_cm,
    ),
    ConditionSpec(
        "nothing_invaded",
        "No invaded structure is recorded (row a2).",
        ("disease.invaded_structures",),
        False,
        _nothing_invaded,
    ),
    ConditionSpec(
        "presacral_disease",
        "A presacral site is listed (without a prior APR it needs an extended resection).",
        ("disease.sites",),
        False,
        _presacral_disease,
    ),
    ConditionSpec(
        "isolated_perineal_recurrence",
        "Every site is perineal, one lesion in total, nothing invaded, and the lesion is at "
        "most ``perineal_excision_max_size`` (§4.6 wide local excision); unknown when its "
        "size is not recorded.",
        ("disease.sites", "disease.invaded_structures", "disease.sites.size"),
        True,
        _isolated_perineal_recurrence,
    ),
    ConditionSpec(
        "expected_margin_r0",
        "An R0 margin is expected (a routing input).",
        _MARGIN,
        False,
        _expected_margin_r0,
    ),
    ConditionSpec(
        "no_previous_local_excision",
        "No local excision is recorded among the prior salvage procedures.",
        ("prior_salvage_surgery",),
        False,
        _no_previous_local_excision,
    ),
    ConditionSpec(
        "recurrent_after_complete_response",
        "Recurrent disease after a documented complete response.",
        ("assessments",),
        False,
        _recurrent_after_complete_response,
    ),
    ConditionSpec(
        "persistent",
        "Disease status persistent.",
        ("assessments",),
        False,
        _persistent,
    ),
    ConditionSpec(
        "adjacent_organ_invasion",
        "An adjacent organ needing a multivisceral resection is invaded (vagina, uterus, "
        "prostate, bladder, urethra, coccyx, low sacrum).",
        ("disease.invaded_structures",),
        False,
        _adjacent_organ_invasion,
    ),
    ConditionSpec(
        "exenteration_centre",
        "The facility is recorded as an exenteration centre.",
        ("facility.exenteration_centre",),
        False,
        _exenteration_centre,
    ),
    ConditionSpec(
        "groin_resectable",
        "The groin disease is resectable. With the femoral vessels invaded it is presumed "
        "unresectable unless the MDT marks it resectable (unknown while not recorded); "
        "otherwise the routing input resectability.",
        ("disease.invaded_structures", "disease.resectable"),
        True,
        _groin_resectable,
    ),
    ConditionSpec(
        "groins_irradiated",
        "The groins were irradiated with the primary chemoradiotherapy (a routing input).",
        ("primary.chemoradiotherapy.groins_irradiated",),
        False,
        _groins_irradiated,
    ),
    ConditionSpec(
        "external_iliac_only",
        "Pelvic nodal disease is present and every pelvic nodal site is external iliac (an "
        "ilio-inguinal dissection removes it).",
        ("disease.sites",),
        False,
        _external_iliac_only,
    ),
    ConditionSpec(
        "lateral_nodes",
        "Lateral pelvic nodes: internal iliac, obturator, external iliac or an unknown station.",
        ("disease.sites",),
        False,
        _lateral_nodes,
    ),
)

declare_routines(
    systemic_inoperable=(
        "The systemic pathway (§5) for inoperable disease; reads ECOG (a routing input)."
    ),
    systemic_shared_decision=(
        "The systemic pathway (§5) for inoperable disease, every offered option flagged "
        "shared_decision (ECOG outside most trial populations)."
    ),
    systemic_alternatives_shared_decision=(
        "The systemic options §5 allows, as alternatives only, flagged shared_decision."
    ),
    systemic_alternatives=("The systemic options §5 allows, as alternatives only."),
    systemic_reassess_resectability=(
        "The systemic pathway (§5) for inoperable disease, the preferred option(s) flagged "
        "reassess_resectability_after_response."
    ),
    systemic_label_interpretation=(
        "The systemic pathway (§5); inoperability is an interpretation, so approved agents "
        "are flagged label_interpretation."
    ),
    iort_by_margin=(
        "IORT (§6) beside the preferred resection: an alternative when R1 is expected, "
        "otherwise not recommended; reads the expected margin (a routing input)."
    ),
    resection_modifiers=(
        "§4.1 modifiers e–h, then the declined colostomy, on the resection the row made "
        "preferred: h lateral pelvic nodes (extended resection instead of the APR); e R1 "
        "expected (IORT, pre-operative re-irradiation if §6 allows, systemic induction as "
        "alternatives) — otherwise IORT and pelvic re-irradiation not recommended; f inguinal "
        "nodes (groin dissection; groin radiotherapy if the groin was not irradiated, "
        "otherwise groin re-irradiation if §6 allows); a declined permanent colostomy keeps "
        "the resection preferred (flags declined_by_patient, revisit_patient_decision) and "
        "opens non-curative alternatives. Reads groin irradiation and stoma consent (routing "
        "inputs)."
    ),
    pelvic_node_modifiers=(
        "§4.5 modifiers: pre-operative pelvic re-irradiation when R1 is expected (if §6 "
        "allows and not already offered), then §4.1 modifier f (inguinal nodes) and the "
        "declined colostomy, as in resection_modifiers."
    ),
)
