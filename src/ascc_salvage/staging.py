"""TNM categories and stage grouping for anal carcinoma (AJCC 8/9, UICC 8/9).

The grouping table is ``calculators.md`` §Staging. Sub-categories N1a/N1b/N1c count as N1.
Combinations with TX, T0 or NX and no M1 have no group: :class:`NotGroupable` is returned,
never a guess. AJCC version 9 does not stage Tis (stage 0 was dropped, JANCZEWSKI_2023).
"""

from __future__ import annotations

import enum
from typing import Final, TypeVar

import attrs

from ascc_salvage.units import Kinds

__all__ = [
    "Edition",
    "MCategory",
    "NCategory",
    "NotGroupable",
    "StageGroup",
    "StagePrefix",
    "TCategory",
    "stage_group",
    "t_category_from_size",
]


class TCategory(enum.StrEnum):
    """Primary tumour category."""

    TX = "TX"
    T0 = "T0"
    TIS = "Tis"
    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"


class NCategory(enum.StrEnum):
    """Regional node category."""

    NX = "NX"
    N0 = "N0"
    N1 = "N1"
    N1A = "N1a"
    N1B = "N1b"
    N1C = "N1c"


class MCategory(enum.StrEnum):
    """Distant metastasis category."""

    M0 = "M0"
    M1 = "M1"


class StagePrefix(enum.StrEnum):
    """TNM prefix: clinical, pathological, post-therapy, recurrence, autopsy."""

    C = "c"
    P = "p"
    Y = "y"
    R = "r"
    A = "a"


class Edition(enum.StrEnum):
    """Staging system edition."""

    AJCC8 = "AJCC8"
    UICC8 = "UICC8"
    AJCC9 = "AJCC9"
    UICC9 = "UICC9"


class StageGroup(enum.StrEnum):
    """Anatomic stage group."""

    STAGE_0 = "0"
    I = "I"  # noqa: E741 - the stage label itself
    IIA = "IIA"
    IIB = "IIB"
    IIIA = "IIIA"
    IIIB = "IIIB"
    IIIC = "IIIC"
    IV = "IV"


@attrs.frozen
class NotGroupable:
    """Explicit result for a T/N/M combination that has no stage group.

    Attributes:
        reason: Why no group applies.
    """

    reason: str

    def __str__(self) -> str:
        return f"not groupable: {self.reason}"


_T_GROUPS_8: Final = {
    (TCategory.TIS, "N0"): StageGroup.STAGE_0,
    (TCategory.T1, "N0"): StageGroup.I,
    (TCategory.T2, "N0"): StageGroup.IIA,
    (TCategory.T3, "N0"): StageGroup.IIB,
    (TCategory.T1, "N1"): StageGroup.IIIA,
    (TCategory.T2, "N1"): StageGroup.IIIA,
    (TCategory.T4, "N0"): StageGroup.IIIB,
    (TCategory.T3, "N1"): StageGroup.IIIC,
    (TCategory.T4, "N1"): StageGroup.IIIC,
}

_T_GROUPS_9: Final = {
    (TCategory.T1, "N0"): StageGroup.I,
    (TCategory.T2, "N0"): StageGroup.IIA,
    (TCategory.T1, "N1"): StageGroup.IIB,
    (TCategory.T2, "N1"): StageGroup.IIB,
    (TCategory.T3, "N0"): StageGroup.IIIA,
    (TCategory.T3, "N1"): StageGroup.IIIA,
    (TCategory.T4, "N0"): StageGroup.IIIB,
    (TCategory.T4, "N1"): StageGroup.IIIC,
}

_GROUPING: Final = {
    Edition.AJCC8: _T_GROUPS_8,
    Edition.UICC8: _T_GROUPS_8,
    Edition.AJCC9: _T_GROUPS_9,
    Edition.UICC9: {**_T_GROUPS_9, (TCategory.TIS, "N0"): StageGroup.STAGE_0},
}


_E = TypeVar("_E", bound=enum.StrEnum)


def _coerce(value: _E | str, enum_type: type[_E], what: str) -> _E:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise ValueError(f"{value!r} is not a {what} (expected one of {allowed})") from None


def stage_group(
    t: TCategory | str,
    n: NCategory | str,
    m: MCategory | str,
    *,
    edition: Edition | str = Edition.AJCC8,
) -> StageGroup | NotGroupable:
    """Group T, N and M categories into an anatomic stage.

    Args:
        t: T category (``"T3"`` or :class:`TCategory`).
        n: N category; N1a/N1b/N1c count as N1.
        m: M category.
        edition: Staging edition.

    Returns:
        The stage group, or :class:`NotGroupable` with the reason.

    Raises:
        ValueError: A category or the edition is not in the vocabulary.

    >>> stage_group("T3", "N1a", "M0")
    <StageGroup.IIIC: 'IIIC'>
    >>> stage_group("T3", "N1a", "M0", edition="AJCC9")
    <StageGroup.IIIA: 'IIIA'>
    >>> str(stage_group("TX", "N0", "M0"))
    'not groupable: TX has no stage group without M1'
    """
    t_cat = _coerce(t, TCategory, "T category")
    n_cat = _coerce(n, NCategory, "N category")
    m_cat = _coerce(m, MCategory, "M category")
    ed = _coerce(edition, Edition, "staging edition")
    if m_cat is MCategory.M1:
        return StageGroup.IV
    if t_cat in (TCategory.TX, TCategory.T0):
        return NotGroupable(f"{t_cat} has no stage group without M1")
    if n_cat is NCategory.NX:
        return NotGroupable("NX has no stage group without M1")
    n_key = "N0" if n_cat is NCategory.N0 else "N1"
    group = _GROUPING[ed].get((t_cat, n_key))
    if group is None:
        return NotGroupable(f"{t_cat} {n_cat} M0 is not staged in {ed}")
    return group


#: Upper size bounds of T1 and T2 (cm), AJCC 8 anus chapter.
T1_MAX_CM: Final = 2.0
T2_MAX_CM: Final = 5.0


def t_category_from_size(size: object, *, invades_adjacent_organ: bool) -> TCategory:
    """Derive the T category from the greatest tumour dimension (AJCC 8 anus chapter).

    T1 ≤ 2 cm, T2 > 2 and ≤ 5 cm, T3 > 5 cm, T4 any size invading adjacent organ(s) such as
    vagina, urethra or bladder (rectal wall, perianal skin, subcutaneous tissue or sphincter
    invasion alone is not T4).

    Args:
        size: Greatest dimension as a length quantity.
        invades_adjacent_organ: Whether an adjacent organ is invaded.

    Raises:
        TypeError: *size* is not a quantity.
        ValueError: *size* is not a positive length.

    >>> from ascc_salvage.units import Q_
    >>> t_category_from_size(Q_(20, "mm"), invades_adjacent_organ=False)
    <TCategory.T1: 'T1'>
    """
    cm = Kinds.LENGTH.magnitude(size, "size")
    if cm <= 0:
        raise ValueError("size must be positive")
    if invades_adjacent_organ:
        return TCategory.T4
    if cm <= T1_MAX_CM:
        return TCategory.T1
    if cm <= T2_MAX_CM:
        return TCategory.T2
    return TCategory.T3
