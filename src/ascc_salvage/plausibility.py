"""Implausible but possible values of a case: the ``implausible_value`` warnings.

The case format (``case-format.md``, "Plausibility") separates *impossible* values, which
validation rejects, from values that are *possible but unusual*: a CD4 count below
200 cells/µL without HIV, a 28 Gy chemoradiotherapy course, a BMI of 62 kg/m². Those are
often entry or unit errors, yet each can be real, so they are reported and used as given:
:func:`ascc_salvage.recommend` raises one warning ``implausible_value`` per field, and no
tier changes.

:func:`implausible_values` applies every row of the plausibility table:

* **W1** HIV status ``negative`` or ``unknown`` with ``cd4_count`` below 200 cells/µL;
* **W2** CRT ``dose`` below 30 Gy or above 65 Gy;
* **W3** CRT overall time ((end − start) + 1 calendar days) above 70 days;
* **W4** BMI below 15 or above 60 kg/m² (reported at ``patient.weight``);
* **W5** the latest dated record — CRT end, assessment, salvage surgery, end of a prior
  systemic therapy or prior radiotherapy — more than 730 days before the evaluation date
  (reported at that record's date; a systemic therapy without an end date is still running,
  so the record is current);
* **W6** clinical frailty scale 7 or more with ECOG (or Karnofsky mapped to ECOG) at most 1
  (clinical pathway §2.4: the ECOG ≥ 3 override applies all the same);
* **W7** ``serum_creatinine`` above 10 mg/dL with ``dialysis`` not true; ``dialysis`` true
  with ``measured_gfr`` above 30 mL/min (compared as recorded, indexed or not);
* **W8** a ``radiosensitising`` prior systemic therapy starting more than 30 days before the
  CRT start, or after the CRT end;
* **W9** ``age_years`` above 100; the condition ``pregnancy`` at an age above 55 years
  (reported at the condition, ``patient.conditions[i]``);
* **W10** the PD-L1 test whose CPS is used (the effective test, clinical pathway §5.1) dated
  more than two calendar years before the evaluation date (reported at its ``date``).

Every cut-off is a threshold of the knowledge base (``plausible_*`` in
:func:`ascc_salvage.knowledge.thresholds`). A value exactly at a cut-off is plausible. The
rows that read fields new in schema 2 (the clinical frailty scale, dialysis, measured GFR,
dated PD-L1 tests) never fire on a schema 1 document, which records none of them.

>>> import attrs
>>> from ascc_salvage.examples import example
>>> case = example("persistent_resectable").load()
>>> implausible_values(case)
()
>>> older = attrs.evolve(case, patient=attrs.evolve(case.patient, age_years=102))
>>> [(item.path, item.value, item.rules) for item in implausible_values(older)]
[('patient.age_years', '102', ('W9',))]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

import attrs

from ascc_salvage._dates import add_months
from ascc_salvage.case import Case, Measurement
from ascc_salvage.knowledge import KnowledgeBase, Thresholds, thresholds
from ascc_salvage.vocabulary import Condition, HivStatus, TherapySetting

__all__ = ["ImplausibleValue", "implausible_values"]

_CRT: Final = "primary.chemoradiotherapy"


@attrs.frozen
class ImplausibleValue:
    """One field of a case whose value is possible but unusual.

    Attributes:
        path: The field's case path, as in the case format (``patient.hiv.cd4_count``,
            ``primary.chemoradiotherapy.dose``, ``prior_systemic_therapy[2].start_date``);
            an unusual BMI is reported at ``patient.weight``.
        value: The field's value as shown in the warning: a quantity with the unit as
            received (``2800 cGy``), a date in ISO form, a number.
        rules: The plausibility rules that flag the field (``"W1"`` … ``"W10"``), in table
            order; usually one.
        reasons: For each rule, why the value is unusual and why it can still be real.
    """

    path: str
    value: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        """Warning message naming the field, its value and every reason.

        >>> ImplausibleValue("patient.age_years", "102", ("W9",), ("above 100 years",)).message
        'patient.age_years 102: above 100 years (W9); check it (the value is used as given)'
        """
        because = "; ".join(
            f"{reason} ({rule})" for rule, reason in zip(self.rules, self.reasons, strict=True)
        )
        return f"{self.path} {self.value}: {because}; check it (the value is used as given)"


class _Hit(NamedTuple):
    path: str
    value: str
    rule: str
    reason: str


def implausible_values(
    case: Case, *, knowledge: KnowledgeBase | None = None
) -> tuple[ImplausibleValue, ...]:
    """Return every implausible but possible value of *case*, one record per field.

    Pure: reads the case and the knowledge-base thresholds only. When two rules flag the
    same field (a CRT end date both late, W3, and the latest record, W5), the record names
    both.

    Args:
        case: A validated case.
        knowledge: The knowledge base of the cut-offs (default: the bundled one).

    Returns:
        One :class:`ImplausibleValue` per flagged field, in the order of the plausibility
        table (by the first rule that flags the field); empty when every value is plausible.
    """
    by_path: dict[str, tuple[str, list[str], list[str]]] = {}
    cut_offs = thresholds() if knowledge is None else knowledge.thresholds
    for hit in _hits(case, cut_offs):
        _, rules, reasons = by_path.setdefault(hit.path, (hit.value, [], []))
        rules.append(hit.rule)
        reasons.append(hit.reason)
    return tuple(
        ImplausibleValue(path, value, tuple(rules), tuple(reasons))
        for path, (value, rules, reasons) in by_path.items()
    )


def _hits(case: Case, t: Thresholds) -> list[_Hit]:
    hits: list[_Hit] = []
    for check in _CHECKS:
        check(case, t, hits)
    return hits


# --- the rules (case-format.md, "Plausibility") ----------------------------------------


def _w1_cd4_without_hiv(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    hiv = case.patient.hiv
    if hiv.cd4_count is None or hiv.status is HivStatus.POSITIVE:
        return
    limit = float(t.plausible_cd4_min_without_hiv.value)
    cd4 = hiv.cd4_count.canonical
    if cd4 < limit:
        hits.append(
            _Hit(
                "patient.hiv.cd4_count",
                _shown(hiv.cd4_count),
                "W1",
                f"{_number(cd4, limit)} cells/µL is below {limit:g} cells/µL with HIV status "
                f"{hiv.status}; chemotherapy and pelvic radiotherapy cause lymphopenia",
            )
        )


def _w2_crt_dose(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    low = float(t.plausible_crt_dose_min.value)
    high = float(t.plausible_crt_dose_max.value)
    dose = crt.dose.canonical
    if dose < low:
        reason = f"{_number(dose, low)} Gy is below {low:g} Gy; an interrupted course?"
    elif dose > high:
        reason = f"{_number(dose, high)} Gy is above {high:g} Gy; a dose-escalated boost?"
    else:
        return
    hits.append(_Hit(f"{_CRT}.dose", _shown(crt.dose), "W2", reason))


def _w3_crt_overall_time(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    limit = int(t.plausible_crt_overall_time_max.value)
    days = (crt.end_date - crt.start_date).days + 1
    if days > limit:
        hits.append(
            _Hit(
                f"{_CRT}.end_date",
                crt.end_date.isoformat(),
                "W3",
                f"CRT overall time {days} days from {crt.start_date.isoformat()} is longer than "
                f"{limit} days (50.4 Gy in 28 fractions takes about 38); treatment gaps?",
            )
        )


def _w4_bmi(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    patient = case.patient
    if patient.weight is None or patient.height is None:
        return
    height_m = patient.height.canonical / 100
    bmi = patient.weight.canonical / (height_m * height_m)
    low = float(t.plausible_bmi_min.value)
    high = float(t.plausible_bmi_max.value)
    if bmi < low:
        beyond, explanation = f"below {low:g}", "cachexia?"
        shown = _number(bmi, low)
    elif bmi > high:
        beyond, explanation = f"above {high:g}", "severe obesity?"
        shown = _number(bmi, high)
    else:
        return
    hits.append(
        _Hit(
            "patient.weight",
            _shown(patient.weight),
            "W4",
            f"BMI {shown} kg/m² (height {_shown(patient.height)}) is {beyond} kg/m²; {explanation}",
        )
    )


def _w5_stale_record(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    if any(course.end_date is None for course in case.prior_systemic_therapy):
        return  # a course without an end date is still running: the record is current
    # The dates decide; the path of the latest record is looked up only when it warns.
    crt = case.primary.chemoradiotherapy
    dates = [] if crt is None else [crt.end_date]
    dates += [assessment.date for assessment in case.assessments]
    dates += [surgery.date for surgery in case.prior_salvage_surgery]
    dates += [course.end_date for course in case.prior_systemic_therapy if course.end_date]
    dates += [radiotherapy.end_date for radiotherapy in case.prior_radiotherapy]
    if not dates:
        return
    gap = (case.evaluation_date - max(dates)).days
    limit = int(t.plausible_record_gap_max.value)
    if gap > limit:
        # The latest date; on a tie the first record in document order.
        latest, path, index = max(_dated_records(case), key=lambda record: record[0])
        hits.append(
            _Hit(
                path.format(index),
                latest.isoformat(),
                "W5",
                f"the latest dated record is {gap} days (more than {limit}) before the evaluation "
                f"date {case.evaluation_date.isoformat()}; long surveillance without recorded "
                "visits, or stale data?",
            )
        )


def _dated_records(case: Case) -> Iterator[tuple[_dt.date, str, int]]:
    """CRT end, assessments, salvage surgery, therapy ends, in document order.

    Each record is its date and its path as a template and index (the path of the latest
    record only is written). Read only when every systemic course has ended.
    """
    crt = case.primary.chemoradiotherapy
    if crt is not None:
        yield crt.end_date, f"{_CRT}.end_date", 0
    for i, assessment in enumerate(case.assessments):
        yield assessment.date, "assessments[{}].date", i
    for i, surgery in enumerate(case.prior_salvage_surgery):
        yield surgery.date, "prior_salvage_surgery[{}].date", i
    for i, course in enumerate(case.prior_systemic_therapy):
        assert course.end_date is not None, "W5 returns before it reads a running course"
        yield course.end_date, "prior_systemic_therapy[{}].end_date", i
    for i, radiotherapy in enumerate(case.prior_radiotherapy):
        yield radiotherapy.end_date, "prior_radiotherapy[{}].end_date", i


def _w6_frailty_scale(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    patient = case.patient
    scale = patient.clinical_frailty_scale
    if scale is None or scale < int(t.cfs_best_supportive_care_min.value):
        return
    ecog = patient.ecog
    if ecog is None and patient.karnofsky is not None:
        ecog = next(
            row.ecog
            for row in t.karnofsky_to_ecog
            if row.karnofsky_min <= patient.karnofsky <= row.karnofsky_max
        )
    limit = int(t.plausible_ecog_max_when_dependent.value)
    if ecog is not None and ecog <= limit:
        hits.append(
            _Hit(
                "patient.clinical_frailty_scale",
                str(scale),
                "W6",
                f"dependent for personal care with ECOG {ecog}: cognitive dependence with "
                "preserved physical function; the ECOG ≥ 3 override applies",
            )
        )


def _w7_kidney_function(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    """A high creatinine without dialysis; a high measured GFR on dialysis (schema 2).

    ``patient.dialysis`` null (always so in schema 1) counts as not on dialysis.
    """
    patient = case.patient
    on_dialysis = patient.dialysis is True
    if patient.serum_creatinine is not None and not on_dialysis:
        limit = float(t.plausible_creatinine_max_without_dialysis.value)
        creatinine = patient.serum_creatinine.canonical
        if creatinine > limit:
            hits.append(
                _Hit(
                    "patient.serum_creatinine",
                    _shown(patient.serum_creatinine),
                    "W7",
                    f"{_number(creatinine, limit)} mg/dL is above {limit:g} mg/dL without recorded "
                    "dialysis; undialysed end-stage kidney disease?",
                )
            )
    gfr = patient.measured_gfr
    if gfr is not None and on_dialysis:
        # Compared as recorded, indexed or not: de-indexing needs height and weight, and
        # either form far above the cut-off on dialysis is the unusual finding.
        limit = float(t.plausible_gfr_max_on_dialysis.value)
        if gfr.canonical > limit:
            hits.append(
                _Hit(
                    "patient.measured_gfr",
                    _shown(gfr),
                    "W7",
                    f"{_number(gfr.canonical, limit)} {gfr.unit} is above {limit:g} mL/min on "
                    "maintenance dialysis; residual kidney function?",
                )
            )


def _w8_radiosensitising_timing(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    limit = int(t.plausible_radiosensitising_lead_max.value)
    for i, course in enumerate(case.prior_systemic_therapy):
        if course.setting is not TherapySetting.RADIOSENSITISING:
            continue
        lead = (crt.start_date - course.start_date).days
        if lead > limit:
            when = f"{lead} days (more than {limit}) before the CRT start"
        elif course.start_date > crt.end_date:
            when = f"after the CRT end {crt.end_date.isoformat()}"
        else:
            continue
        hits.append(
            _Hit(
                f"prior_systemic_therapy[{i}].start_date",
                course.start_date.isoformat(),
                "W8",
                f"a radiosensitising course starting {when}; induction chemotherapy, or a "
                "sequencing error?",
            )
        )


def _w9_age(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    """An age above 100 years; pregnancy above 55 years (at the condition, schema 2)."""
    patient = case.patient
    age = patient.age_years
    limit = int(t.plausible_age_max.value)
    if age is not None and age > limit:
        reason = f"above {limit} years; rare but real"
        hits.append(_Hit("patient.age_years", str(age), "W9", reason))
    conditions = patient.conditions or ()
    if age is not None and Condition.PREGNANCY in conditions:
        pregnancy_limit = int(t.plausible_pregnancy_age_max.value)
        if age > pregnancy_limit:
            hits.append(
                _Hit(
                    f"patient.conditions[{conditions.index(Condition.PREGNANCY)}]",
                    str(Condition.PREGNANCY),
                    "W9",
                    f"pregnancy at age {age} (above {pregnancy_limit} years); rare but real",
                )
            )


def _w10_pd_l1_test_age(case: Case, t: Thresholds, hits: list[_Hit]) -> None:
    """The PD-L1 test whose CPS counts dated over two calendar years before the evaluation.

    A patient's ``pd_l1_cps`` equals the CPS of that test when both are given (validation).
    """
    biomarkers = case.patient.biomarkers
    test = biomarkers.effective_pd_l1
    if test is None or test.date is None:
        return
    years = int(t.plausible_pd_l1_test_age_max.value)
    evaluation = case.evaluation_date
    # The same day *years* earlier (29 February falls back to the 28th in a common year).
    earliest = add_months(evaluation, -12 * years)
    if test.date < earliest:
        index = next(i for i, item in enumerate(biomarkers.pd_l1) if item is test)
        hits.append(
            _Hit(
                f"patient.biomarkers.pd_l1[{index}].date",
                test.date.isoformat(),
                "W10",
                f"the test whose CPS is used is more than {years} years older than the evaluation "
                f"date {evaluation.isoformat()}; archival tissue?",
            )
        )


#: The rows of the plausibility table in order; each appends its findings.
_CHECKS: Final[tuple[Callable[[Case, Thresholds, list[_Hit]], None], ...]] = (
    _w1_cd4_without_hiv,
    _w2_crt_dose,
    _w3_crt_overall_time,
    _w4_bmi,
    _w5_stale_record,
    _w6_frailty_scale,
    _w7_kidney_function,
    _w8_radiosensitising_timing,
    _w9_age,
    _w10_pd_l1_test_age,
)


# --- formatting -----------------------------------------------------------------------


def _shown(measurement: Measurement) -> str:
    """The measurement as received: ``2800 cGy``, ``0.9 mg/dL``."""
    value = measurement.value
    text = str(int(value)) if float(value).is_integer() else str(value)
    return f"{text} {measurement.unit}"


def _number(value: float, limit: float) -> str:
    """*value* rounded for display, with enough decimals not to read as *limit*."""
    for digits in range(1, 7):
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        if float(text) != limit:
            return text
    return repr(value)
