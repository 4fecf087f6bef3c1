"""Linear-quadratic radiobiology: BED, EQD2, cumulative EQD2 and the remaining-budget solver.

BED = n·d·(1 + d/(α/β)); EQD2 = BED / (1 + 2/(α/β)) = D·(d + α/β)/(2 + α/β)
[Fowler JF. The linear-quadratic formula and progress in fractionated radiotherapy.
Br J Radiol 1989;62:679–694; Withers HR et al. Int J Radiat Oncol Biol Phys 1983;9:1797].
The LQ model is unreliable for single large fractions (IORT): such EQD2 values are nominal
(see :data:`LQ_NOMINAL_DOSE_PER_FRACTION_GY`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Protocol

from ascc_salvage.calculators._common import UNIT_GY, integer, non_negative, positive, quantity
from ascc_salvage.units import Kinds, Quantity, magnitude

__all__ = [
    "LQ_NOMINAL_DOSE_PER_FRACTION_GY",
    "CourseLike",
    "bed",
    "cumulative_eqd2",
    "eqd2",
    "max_total_dose_within_budget",
]

#: Reference dose per fraction of EQD2, Gy (definition of EQD2).
REFERENCE_DOSE_PER_FRACTION_GY: Final = 2.0

#: Above this dose per fraction (Gy) EQD2 values are reported as nominal: the LQ model is
#: considered reasonable up to about 8–10 Gy per fraction [Brenner DJ. Semin Radiat Oncol
#: 2008;18:234–239; Kirkpatrick JP et al. Semin Radiat Oncol 2008;18:240–243].
LQ_NOMINAL_DOSE_PER_FRACTION_GY: Final = 10.0


class CourseLike(Protocol):
    """A radiotherapy course: a total dose (a Gy quantity) and a number of fractions."""

    @property
    def total_dose(self) -> object:
        """Total dose of the course (a quantity in Gy)."""

    @property
    def fractions(self) -> int:
        """Number of fractions."""


def bed_gy(total_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """BED in Gy from floats (no checks).

    >>> round(bed_gy(50.4, 28, 3.0), 3)
    80.64
    """
    return total_gy * (1.0 + total_gy / fractions / alpha_beta_gy)


def eqd2_gy(total_gy: float, dose_per_fraction_gy: float, alpha_beta_gy: float) -> float:
    """EQD2 in Gy from total dose and dose per fraction (floats, no checks).

    >>> round(eqd2_gy(39.0, 1.5, 3.0), 3)
    35.1
    """
    return (
        total_gy
        * (dose_per_fraction_gy + alpha_beta_gy)
        / (REFERENCE_DOSE_PER_FRACTION_GY + alpha_beta_gy)
    )


def max_total_gy(budget_gy: float, dose_per_fraction_gy: float, alpha_beta_gy: float) -> float:
    """Largest total dose (Gy) at a fixed dose per fraction within an EQD2 budget (floats).

    D = B × (2 + α/β) / (d + α/β); a negative budget gives 0.

    >>> round(max_total_gy(35.1, 1.5, 3.0), 6)
    39.0
    """
    if budget_gy <= 0.0:
        return 0.0
    return (
        budget_gy
        * (REFERENCE_DOSE_PER_FRACTION_GY + alpha_beta_gy)
        / (dose_per_fraction_gy + alpha_beta_gy)
    )


def _course(total_dose: object, fractions: object) -> tuple[float, int]:
    return (
        non_negative(total_dose, Kinds.DOSE, "total_dose"),
        integer(fractions, "fractions", minimum=1),
    )


def _alpha_beta(value: object) -> float:
    return positive(value, Kinds.DOSE, "alpha_beta")


def bed(*, total_dose: object, fractions: int, alpha_beta: object) -> Quantity:
    """Biologically effective dose, n·d·(1 + d/(α/β)).

    Args:
        total_dose: Total physical dose (a Gy quantity).
        fractions: Number of fractions (an int ≥ 1).
        alpha_beta: α/β ratio of the tissue (a Gy quantity).

    Returns:
        The BED in Gy.

    Raises:
        TypeError: A dose is not a quantity or *fractions* not an int.
        ValueError: Wrong kind (e.g. Sv), a negative dose, fewer than one fraction or a
            non-positive α/β.

    >>> from ascc_salvage.units import Q_
    >>> round(bed(total_dose=Q_(50.4, "Gy"), fractions=28, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 2)
    80.64
    """
    total, n = _course(total_dose, fractions)
    return quantity(bed_gy(total, n, _alpha_beta(alpha_beta)), UNIT_GY)


def eqd2(*, total_dose: object, fractions: int, alpha_beta: object) -> Quantity:
    """Equivalent dose in 2 Gy fractions, BED / (1 + 2/(α/β)).

    Args:
        total_dose: Total physical dose (a Gy quantity).
        fractions: Number of fractions (an int ≥ 1).
        alpha_beta: α/β ratio of the tissue (a Gy quantity).

    Returns:
        The EQD2 in Gy.

    Raises:
        TypeError: A dose is not a quantity or *fractions* not an int.
        ValueError: Wrong kind, a negative dose, fewer than one fraction or a
            non-positive α/β.

    >>> from ascc_salvage.units import Q_
    >>> round(eqd2(total_dose=Q_(50.4, "Gy"), fractions=28, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 3)
    48.384
    """
    total, n = _course(total_dose, fractions)
    return quantity(eqd2_gy(total, total / n, _alpha_beta(alpha_beta)), UNIT_GY)


def _course_floats(course: object, index: int) -> tuple[float, int]:
    """Total dose (Gy) and fractions of one course given as a pair or an object."""
    if isinstance(course, tuple | list):
        if len(course) != 2:
            raise ValueError(f"courses[{index}] must be a (total_dose, fractions) pair")
        total_dose, fractions = course
    elif hasattr(course, "fractions") and (
        hasattr(course, "total_dose") or hasattr(course, "dose")
    ):
        fractions = getattr(course, "fractions")  # noqa: B009 - any object with the attribute
        total_dose = getattr(course, "total_dose", None)
        if total_dose is None:
            # Case-model courses (PriorRadiotherapy, Chemoradiotherapy) hold a Dose measurement.
            measured = getattr(course, "dose")  # noqa: B009
            total_dose = getattr(measured, "quantity", measured)
    else:
        raise TypeError(
            f"courses[{index}] must be a (total_dose, fractions) pair or have "
            f".total_dose and .fractions, not {type(course).__name__}"
        )
    return (
        non_negative(total_dose, Kinds.DOSE, f"courses[{index}].total_dose"),
        integer(fractions, f"courses[{index}].fractions", minimum=1),
    )


def cumulative_eqd2(courses: Iterable[object], *, alpha_beta: object) -> Quantity:
    """Sum of the EQD2 of several courses at one α/β.

    Args:
        courses: Courses as ``(total_dose, fractions)`` pairs, or objects with
            ``.total_dose`` (a Gy quantity) and ``.fractions`` — the case model's
            ``PriorRadiotherapy`` and ``Chemoradiotherapy`` (``.dose``) are accepted too.
        alpha_beta: α/β ratio of the tissue (a Gy quantity).

    Returns:
        The cumulative EQD2 in Gy (0 Gy for no courses).

    Raises:
        TypeError: A course has the wrong shape, a dose is not a quantity or a number of
            fractions not an int.
        ValueError: Wrong kind, a negative dose, fewer than one fraction or a
            non-positive α/β.

    >>> from ascc_salvage.units import Q_
    >>> courses = [(Q_(50.4, "Gy"), 28), (Q_(39, "Gy"), 26)]
    >>> round(cumulative_eqd2(courses, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 3)
    83.484
    """
    ab = _alpha_beta(alpha_beta)
    total = 0.0
    for index, course in enumerate(courses):
        dose, n = _course_floats(course, index)
        total += eqd2_gy(dose, dose / n, ab)
    return quantity(total, UNIT_GY)


def max_total_dose_within_budget(
    *, budget_eqd2: object, dose_per_fraction: object, alpha_beta: object
) -> Quantity:
    """Largest total dose at a fixed dose per fraction whose EQD2 fits a remaining budget.

    D = B × (2 + α/β) / (d + α/β), the inverse of :func:`eqd2` at fixed d; a negative budget
    (the limit is already exceeded) gives 0 Gy.

    Args:
        budget_eqd2: Remaining EQD2 budget (a Gy quantity; may be negative).
        dose_per_fraction: Planned dose per fraction (a Gy quantity > 0).
        alpha_beta: α/β ratio of the tissue (a Gy quantity).

    Returns:
        The largest total dose in Gy.

    Raises:
        TypeError: An argument is not a quantity.
        ValueError: Wrong kind, a non-positive dose per fraction or α/β.

    >>> from ascc_salvage.units import Q_
    >>> round(max_total_dose_within_budget(budget_eqd2=Q_(35.1, "Gy"),
    ...     dose_per_fraction=Q_(1.5, "Gy"), alpha_beta=Q_(3, "Gy")).m_as("Gy"), 6)
    39.0
    """
    budget = magnitude(budget_eqd2, Kinds.DOSE, "budget_eqd2")
    per_fraction = positive(dose_per_fraction, Kinds.DOSE, "dose_per_fraction")
    return quantity(max_total_gy(budget, per_fraction, _alpha_beta(alpha_beta)), UNIT_GY)
