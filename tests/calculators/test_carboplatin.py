from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import carboplatin_dose
from ascc_salvage.units import Q_

from ._support import approx


def test_calvert_worked_values() -> None:
    dose = carboplatin_dose(auc=Q_(5, "mg*min/mL"), gfr=Q_(88.889, "mL/min"))
    assert approx(dose.value.m_as("mg"), 569.44)
    assert dose.gfr_capped is False
    capped = carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(169.64, "mL/min"))
    assert capped.value.m_as("mg") == 750.0
    assert capped.gfr_capped is True
    assert capped.gfr.m_as("mL/min") == 125.0
    assert capped.auc.m_as("mg*min/mL") == 5.0


@pytest.mark.parametrize(("gfr", "capped"), [(124.9, False), (125.0, False), (125.1, True)])
def test_cap_at_the_cut_off(gfr: float, capped: bool) -> None:
    assert carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(gfr, "mL/min")).gfr_capped is capped


def test_cap_can_be_switched_off() -> None:
    dose = carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(169.64, "mL/min"), cap_gfr=False)
    assert approx(dose.value.m_as("mg"), 5 * (169.64 + 25))
    assert dose.gfr_capped is False


def test_carboplatin_errors() -> None:
    with pytest.raises(TypeError, match="auc"):
        carboplatin_dose(auc=5, gfr=Q_(80, "mL/min"))
    with pytest.raises(ValueError, match="gfr"):
        carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(80, "mL/min/standard_body_surface_area"))
    with pytest.raises(ValueError, match="gfr"):
        carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(-1, "mL/min"))
    with pytest.raises(ValueError, match="auc"):
        carboplatin_dose(auc=Q_(0, "mg.min/mL"), gfr=Q_(80, "mL/min"))
    with pytest.raises(TypeError, match="cap_gfr"):
        carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=Q_(80, "mL/min"), cap_gfr="yes")  # type: ignore[arg-type]


@given(auc=st.floats(0.5, 10), gfr=st.floats(0, 400))
@example(auc=5.0, gfr=125.0)
@example(auc=5.0, gfr=0.0)
def test_calvert_cap_bound(auc: float, gfr: float) -> None:
    dose = carboplatin_dose(auc=Q_(auc, "mg.min/mL"), gfr=Q_(gfr, "mL/min"))
    assert dose.value.m_as("mg") <= auc * 150 * (1 + 1e-12)
    assert dose.gfr_capped == (gfr > 125)
    # Units: L/h gives the same dose as mL/min.
    again = carboplatin_dose(auc=Q_(auc, "mg.min/mL"), gfr=Q_(gfr * 0.06, "L/h"))
    assert again.value.m_as("mg") == pytest.approx(dose.value.m_as("mg"), rel=1e-9, abs=1e-9)
