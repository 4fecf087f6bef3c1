from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import bed, cumulative_eqd2, eqd2, max_total_dose_within_budget
from ascc_salvage.units import Q_

from ._support import approx

alpha_betas = st.floats(0.5, 20)


def test_eqd2_worked_values() -> None:
    assert approx(
        eqd2(total_dose=Q_(50.4, "Gy"), fractions=28, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 48.384
    )
    assert approx(
        eqd2(total_dose=Q_(50.4, "Gy"), fractions=28, alpha_beta=Q_(2, "Gy")).m_as("Gy"), 47.880
    )
    assert approx(
        eqd2(total_dose=Q_(39, "Gy"), fractions=26, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 35.100
    )
    total = cumulative_eqd2(
        [(Q_(50.4, "Gy"), 28), (Q_(39, "Gy"), 26)], alpha_beta=Q_(3, "Gy")
    ).m_as("Gy")
    assert approx(total, 83.484)


def test_bed() -> None:
    assert approx(
        bed(total_dose=Q_(50.4, "Gy"), fractions=28, alpha_beta=Q_(3, "Gy")).m_as("Gy"),
        50.4 * (1 + 1.8 / 3),
    )
    assert approx(
        bed(total_dose=Q_(5040, "cGy"), fractions=28, alpha_beta=Q_(300, "cGy")).m_as("Gy"),
        80.64,
    )


def test_cumulative_accepts_course_objects() -> None:
    courses = [
        SimpleNamespace(total_dose=Q_(50.4, "Gy"), fractions=28),
        SimpleNamespace(dose=Q_(39, "Gy"), fractions=26),
        [Q_(0, "Gy"), 1],
    ]
    assert approx(cumulative_eqd2(courses, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 83.484)
    assert cumulative_eqd2([], alpha_beta=Q_(3, "Gy")).m_as("Gy") == 0.0


def test_cumulative_accepts_case_model_courses() -> None:
    import datetime

    from ascc_salvage.case import Dose, PriorRadiotherapy
    from ascc_salvage.vocabulary import RadiotherapyRegion

    course = PriorRadiotherapy(
        region=RadiotherapyRegion.PELVIS,
        end_date=datetime.date(2025, 1, 1),
        dose=Dose(3900, "cGy"),
        fractions=26,
    )
    assert approx(cumulative_eqd2([course], alpha_beta=Q_(3, "Gy")).m_as("Gy"), 35.1)


def test_radiobiology_errors() -> None:
    with pytest.raises(ValueError, match="total_dose"):
        eqd2(total_dose=Q_(50, "Sv"), fractions=25, alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match="alpha_beta"):
        eqd2(total_dose=Q_(50, "Gy"), fractions=25, alpha_beta=Q_(3, "Sv"))
    with pytest.raises(ValueError, match="alpha_beta"):
        bed(total_dose=Q_(50, "Gy"), fractions=25, alpha_beta=Q_(0, "Gy"))
    with pytest.raises(TypeError, match="total_dose"):
        eqd2(total_dose=50, fractions=25, alpha_beta=Q_(3, "Gy"))
    with pytest.raises(TypeError, match="fractions"):
        eqd2(total_dose=Q_(50, "Gy"), fractions=25.0, alpha_beta=Q_(3, "Gy"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fractions"):
        eqd2(total_dose=Q_(50, "Gy"), fractions=True, alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match="fractions"):
        eqd2(total_dose=Q_(50, "Gy"), fractions=0, alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match="total_dose"):
        eqd2(total_dose=Q_(-1, "Gy"), fractions=1, alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match=r"courses\[0\]"):
        cumulative_eqd2([(Q_(50, "Gy"), 25, 1)], alpha_beta=Q_(3, "Gy"))
    with pytest.raises(TypeError, match=r"courses\[1\]"):
        cumulative_eqd2([(Q_(50, "Gy"), 25), "50 Gy"], alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match=r"courses\[0\].total_dose"):
        cumulative_eqd2([(Q_(50, "Sv"), 25)], alpha_beta=Q_(3, "Gy"))
    with pytest.raises(ValueError, match="dose_per_fraction"):
        max_total_dose_within_budget(
            budget_eqd2=Q_(10, "Gy"), dose_per_fraction=Q_(0, "Gy"), alpha_beta=Q_(3, "Gy")
        )
    with pytest.raises(TypeError, match="budget_eqd2"):
        max_total_dose_within_budget(
            budget_eqd2=10, dose_per_fraction=Q_(1.5, "Gy"), alpha_beta=Q_(3, "Gy")
        )


@given(n=st.integers(1, 60), alpha_beta=alpha_betas)
@example(n=1, alpha_beta=0.5)
@example(n=25, alpha_beta=10.0)
def test_eqd2_of_2_gy_fractions_is_the_physical_dose(n: int, alpha_beta: float) -> None:
    value = eqd2(total_dose=Q_(2.0 * n, "Gy"), fractions=n, alpha_beta=Q_(alpha_beta, "Gy"))
    assert value.m_as("Gy") == pytest.approx(2.0 * n, rel=1e-12)


@given(n=st.integers(1, 60), per_fraction=st.floats(0.5, 8), alpha_beta=alpha_betas)
@example(n=26, per_fraction=1.5, alpha_beta=3.0)
@example(n=1, per_fraction=8.0, alpha_beta=2.0)
def test_budget_solver_inverts_eqd2(n: int, per_fraction: float, alpha_beta: float) -> None:
    total = n * per_fraction
    budget = eqd2(total_dose=Q_(total, "Gy"), fractions=n, alpha_beta=Q_(alpha_beta, "Gy"))
    found = max_total_dose_within_budget(
        budget_eqd2=budget,
        dose_per_fraction=Q_(per_fraction, "Gy"),
        alpha_beta=Q_(alpha_beta, "Gy"),
    )
    assert found.m_as("Gy") == pytest.approx(total, rel=1e-9)


@given(budget=st.floats(-100, 0), alpha_beta=alpha_betas)
@example(budget=0.0, alpha_beta=3.0)
def test_budget_solver_non_positive_budget_gives_zero(budget: float, alpha_beta: float) -> None:
    found = max_total_dose_within_budget(
        budget_eqd2=Q_(budget, "Gy"),
        dose_per_fraction=Q_(1.5, "Gy"),
        alpha_beta=Q_(alpha_beta, "Gy"),
    )
    assert found.m_as("Gy") == 0.0


@given(total=st.floats(0, 80), n=st.integers(1, 40), alpha_beta=alpha_betas)
def test_eqd2_in_cgy_equals_gy(total: float, n: int, alpha_beta: float) -> None:
    gy = eqd2(total_dose=Q_(total, "Gy"), fractions=n, alpha_beta=Q_(alpha_beta, "Gy"))
    cgy = eqd2(total_dose=Q_(total * 100, "cGy"), fractions=n, alpha_beta=Q_(alpha_beta, "Gy"))
    assert cgy.m_as("Gy") == pytest.approx(gy.m_as("Gy"), rel=1e-9, abs=1e-12)
