"""Schema-2 dose adjustments: Calvert GFR, DPD fraction, taxane hepatic rules, phase EQD2."""

from __future__ import annotations

import pytest

from ascc_salvage.calculators import (
    GfrSource,
    HepaticOutcome,
    _kb,
    calvert_gfr,
    carboplatin_dose,
    docetaxel_hepatic,
    fluorouracil_fraction,
    paclitaxel_hepatic,
    phases_eqd2,
)
from ascc_salvage.case import RadiotherapyPhase
from ascc_salvage.units import Q_

AUC5 = Q_(5, "mg*min/mL")
INDEXED = "mL/min/standard_body_surface_area"


def test_dialysis_gives_gfr_zero_and_auc_times_25() -> None:
    gfr = calvert_gfr(
        dialysis=True, measured_gfr=Q_(20, "mL/min"), creatinine_clearance=Q_(9, "mL/min")
    )
    assert gfr.source is GfrSource.DIALYSIS
    assert gfr.flags == ("dose_after_dialysis", "verify_carboplatin_dose_with_pharmacy")
    assert carboplatin_dose(auc=AUC5, gfr=gfr.value).value.m_as("mg") == 125.0


def test_measured_gfr_replaces_cockcroft_gault_and_keeps_the_cap() -> None:
    absolute = calvert_gfr(measured_gfr=Q_(70, "mL/min"), creatinine_clearance=Q_(90, "mL/min"))
    assert (absolute.value.m_as("mL/min"), absolute.source, absolute.flags) == (
        70.0,
        GfrSource.MEASURED,
        (),
    )
    indexed = calvert_gfr(measured_gfr=Q_(100, INDEXED), bsa=Q_(2.595, "m**2"))
    assert indexed.value.m_as("mL/min") == pytest.approx(150.0)
    dose = carboplatin_dose(auc=AUC5, gfr=indexed.value)
    assert (dose.value.m_as("mg"), dose.gfr_capped) == (750.0, True)


def test_cockcroft_gault_when_nothing_else() -> None:
    gfr = calvert_gfr(creatinine_clearance=Q_(88.889, "mL/min"))
    assert (gfr.value.m_as("mL/min"), gfr.source) == (88.889, GfrSource.COCKCROFT_GAULT)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measured_gfr": Q_(60, INDEXED)}, "indexed measured_gfr needs bsa"),
        ({}, "give creatinine_clearance"),
        ({"measured_gfr": Q_(60, "mg")}, "indexed clearance"),
        ({"measured_gfr": Q_(0, "mL/min")}, "greater than zero"),
    ],
)
def test_calvert_gfr_refuses(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calvert_gfr(**kwargs)


def test_calvert_gfr_types() -> None:
    with pytest.raises(TypeError):
        calvert_gfr(dialysis="yes")
    with pytest.raises(TypeError):
        calvert_gfr(measured_gfr=60)


@pytest.mark.parametrize(
    ("score", "partial", "complete", "expected"),
    [
        (None, False, False, (1.0, False, None, ())),
        (2, False, False, (1.0, False, None, ())),
        (1.5, False, False, (0.5, False, "dpyd_intermediate_dose", ("dpd_reduced_starting_dose",))),
        (1, True, False, (0.5, False, "dpyd_intermediate_dose", ("dpd_reduced_starting_dose",))),
        (2, True, False, (0.5, False, "dpyd_intermediate_dose", ("dpd_reduced_starting_dose",))),
        (None, True, False, (0.5, False, "dpyd_partial_no_score", ("dpd_reduced_starting_dose",))),
        (0.5, False, False, (None, True, "dpyd_poor_metabolizer", ())),
        (0, False, False, (None, True, "dpyd_poor_metabolizer", ())),
        (None, False, True, (None, True, "dpyd_poor_metabolizer", ())),
    ],
)
def test_fluorouracil_fraction(
    score: float | None, partial: bool, complete: bool, expected: tuple[object, ...]
) -> None:
    found = fluorouracil_fraction(
        activity_score=score, partial_deficiency=partial, complete_deficiency=complete
    )
    assert (found.fraction, found.excluded, found.threshold, found.flags) == expected


def test_fluorouracil_fraction_refuses() -> None:
    with pytest.raises(TypeError, match="activity_score"):
        fluorouracil_fraction(activity_score=True)
    with pytest.raises(TypeError, match="activity_score"):
        fluorouracil_fraction(activity_score="1")
    with pytest.raises(ValueError, match=r"0, 0\.5, 1, 1\.5 or 2"):
        fluorouracil_fraction(activity_score=0.7)
    with pytest.raises(TypeError, match="partial_deficiency"):
        fluorouracil_fraction(partial_deficiency=1)


@pytest.mark.parametrize(
    ("values", "outcome", "fraction", "threshold"),
    [
        ((1.25, 9.9, 9.9), HepaticOutcome.NONE, 1.0, None),
        ((1.26, 1, 1), HepaticOutcome.REDUCED, 135 / 175, "paclitaxel_hepatic_reduced_1"),
        ((2.0, 1, 1), HepaticOutcome.REDUCED, 135 / 175, "paclitaxel_hepatic_reduced_1"),
        ((2.01, 1, 1), HepaticOutcome.REDUCED, 90 / 175, "paclitaxel_hepatic_reduced_2"),
        ((5.0, 1, 1), HepaticOutcome.REDUCED, 90 / 175, "paclitaxel_hepatic_reduced_2"),
        ((5.01, 1, 1), HepaticOutcome.EXCLUDED, None, "paclitaxel_hepatic_exclusion"),
        ((1, 10, 1), HepaticOutcome.EXCLUDED, None, "paclitaxel_hepatic_exclusion"),
        ((None, 1, 10), HepaticOutcome.EXCLUDED, None, "paclitaxel_hepatic_exclusion"),
        ((None, 1, 1), HepaticOutcome.NOT_RECORDED, 1.0, "hepatic_values_missing"),
    ],
)
def test_paclitaxel_hepatic(
    values: tuple[float | None, ...],
    outcome: HepaticOutcome,
    fraction: float | None,
    threshold: str | None,
) -> None:
    bilirubin, ast, alt = values
    found = paclitaxel_hepatic(bilirubin_x_uln=bilirubin, ast_x_uln=ast, alt_x_uln=alt)
    assert (found.outcome, found.fraction, found.threshold) == (outcome, fraction, threshold)
    if outcome is HepaticOutcome.REDUCED:
        assert found.flags == ("hepatic_dose_reduction",)
    if outcome is HepaticOutcome.NOT_RECORDED:
        assert found.flags == ("check_hepatic_function",)
        assert found.missing == ("patient.hepatic_function.bilirubin_x_uln",)


@pytest.mark.parametrize(
    ("values", "outcome", "missing"),
    [
        ((1.0, 1.5, 1.5, None), HepaticOutcome.NONE, ()),
        ((1.01, 1, 1, 1), HepaticOutcome.EXCLUDED, ()),
        ((0.5, 1.6, 1, 2.6), HepaticOutcome.EXCLUDED, ()),
        ((0.5, 1, 1.6, 2.5), HepaticOutcome.NONE, ()),
        ((0.5, 1.6, 1, None), HepaticOutcome.UNDETERMINED, ("patient.hepatic_function.alp_x_uln",)),
        (
            (None, None, 1, None),
            HepaticOutcome.NOT_RECORDED,
            ("patient.hepatic_function.bilirubin_x_uln", "patient.hepatic_function.ast_x_uln"),
        ),
    ],
)
def test_docetaxel_hepatic(
    values: tuple[float | None, ...], outcome: HepaticOutcome, missing: tuple[str, ...]
) -> None:
    bilirubin, ast, alt, alp = values
    found = docetaxel_hepatic(
        bilirubin_x_uln=bilirubin, ast_x_uln=ast, alt_x_uln=alt, alp_x_uln=alp
    )
    assert (found.outcome, found.missing) == (outcome, missing)
    assert found.fraction == (
        1.0 if outcome in (HepaticOutcome.NONE, HepaticOutcome.NOT_RECORDED) else None
    )


def test_hepatic_values_are_checked() -> None:
    with pytest.raises(TypeError, match="bilirubin_x_uln"):
        paclitaxel_hepatic(bilirubin_x_uln="1", ast_x_uln=1, alt_x_uln=1)
    with pytest.raises(TypeError, match="ast_x_uln"):
        paclitaxel_hepatic(bilirubin_x_uln=1, ast_x_uln=True, alt_x_uln=1)
    with pytest.raises(ValueError, match="between 0 and 50"):
        docetaxel_hepatic(bilirubin_x_uln=1, ast_x_uln=1, alt_x_uln=1, alp_x_uln=51)


def test_fraction_of_a_threshold_without_one() -> None:
    with pytest.raises(ValueError, match="sets no dose fraction"):
        _kb.fraction("paclitaxel_hepatic_full_dose")


def _phase(
    sequence: int, target: str, dose: float, fractions: int, technique: str = "ebrt"
) -> RadiotherapyPhase:
    return RadiotherapyPhase(
        sequence=sequence,
        technique=technique,
        target=target,
        dose=(dose, "Gy"),
        fractions=fractions,
    )


def test_phases_eqd2_takes_the_highest_pelvic_phase_per_sequence() -> None:
    phases = [
        _phase(1, "pelvic_nodes", 30.6, 17),
        _phase(1, "primary", 30.6, 17),
        _phase(1, "groins", 45.0, 17),
        _phase(2, "primary", 19.8, 11),
        _phase(3, "primary", 10.0, 2, "brachytherapy"),
    ]
    # 50.4 Gy at 1.8 Gy: 48.384 Gy (α/β 3); brachytherapy 2 × 5 Gy at its prescription: 16 Gy.
    assert phases_eqd2(phases, alpha_beta=Q_(3, "Gy")).m_as("Gy") == pytest.approx(64.384)
    assert phases_eqd2([_phase(1, "groins", 50.0, 25)], alpha_beta=Q_(3, "Gy")).m_as("Gy") == 0.0


def test_phases_eqd2_sequence_with_different_doses() -> None:
    phases = [_phase(1, "pelvic_nodes", 36.0, 20), _phase(1, "primary", 50.0, 20)]
    assert phases_eqd2(phases, alpha_beta=Q_(2, "Gy")).m_as("Gy") == pytest.approx(
        50.0 * (2.5 + 2) / 4
    )


def test_phases_eqd2_refuses_wrong_shapes() -> None:
    with pytest.raises(TypeError, match=r"phases\[0\] must have"):
        phases_eqd2([(Q_(50, "Gy"), 25)], alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match="greater than zero"):
        phases_eqd2([_Plain(1, "primary", Q_(0, "Gy"), 2)], alpha_beta=Q_(3, "Gy"))


class _Plain:
    def __init__(self, sequence: int, target: str, dose: object, fractions: int) -> None:
        self.sequence, self.target, self.dose, self.fractions = sequence, target, dose, fractions
