"""The shared calendar (``ascc_salvage._dates``): days, weeks, saturation and calendar months.

The calendar-month pair is ``add_months`` (the day of the month, clamped to the month's last
day) and ``whole_months_between`` (the largest ``n`` with ``add_months(start, n) <= end``).
The properties below are exactly those the module docstring states.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage._dates import (
    add_days,
    add_days_or_none,
    add_months,
    days_from,
    weeks_from,
    whole_months_between,
)

DATES = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
MONTH_ENDS = st.sampled_from(
    [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 30),
        dt.date(2025, 8, 31),
        dt.date(2025, 12, 31),
        dt.date(2100, 2, 28),  # not a leap year
    ]
)


def _inside(start: dt.date, months: int) -> bool:
    """Whether ``start`` + *months* calendar months stays inside the calendar."""
    return start.year + (start.month - 1 + months) // 12 <= dt.MAXYEAR


def test_days_and_weeks_from_crt_start() -> None:
    start = dt.date(2025, 1, 6)
    assert days_from(start, dt.date(2025, 7, 7)) == 182
    assert days_from(start, dt.date(2025, 1, 5)) == -1
    assert weeks_from(start, dt.date(2025, 7, 7)) == 26.0
    assert weeks_from(start, dt.date(2025, 3, 24)) == 11.0
    assert weeks_from(start, dt.date(2025, 3, 27)) == 11.4


def test_add_days_saturates_but_reported_dates_do_not() -> None:
    assert add_days(dt.date.max, 1) == dt.date.max
    assert add_days(dt.date.min, -1) == dt.date.min
    assert add_days(dt.date(2025, 1, 6), 126) == dt.date(2025, 5, 12)
    assert add_days_or_none(dt.date.max, 1) is None
    assert add_days_or_none(dt.date(2099, 12, 31), 182) == dt.date(2100, 7, 1)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2025, 3, 31), 6, dt.date(2025, 9, 30)),  # 30-day month
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),  # across the year, 28 February
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 28)),
        (dt.date(2025, 2, 28), 1, dt.date(2025, 3, 28)),  # not "the last day" again
        (dt.date(2026, 1, 15), -12, dt.date(2025, 1, 15)),
        (dt.date(9999, 7, 31), 6, dt.date.max),  # saturates
        (dt.date(1, 3, 31), -6, dt.date.min),
    ],
)
def test_add_months(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2025, 3, 31), dt.date(2025, 9, 30), 6),  # the calendars used to disagree
        (dt.date(2025, 3, 31), dt.date(2025, 9, 29), 5),
        (dt.date(2025, 8, 31), dt.date(2026, 2, 28), 6),
        (dt.date(2025, 8, 31), dt.date(2026, 2, 27), 5),
        (dt.date(2023, 8, 31), dt.date(2024, 2, 29), 6),
        (dt.date(2023, 8, 31), dt.date(2024, 2, 28), 5),
        (dt.date(2024, 2, 29), dt.date(2025, 2, 28), 12),
        (dt.date(2025, 1, 31), dt.date(2025, 2, 28), 1),
        (dt.date(2025, 1, 30), dt.date(2025, 4, 30), 3),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 31), 1),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 30), 0),
        (dt.date(2025, 2, 14), dt.date(2026, 2, 13), 11),
        (dt.date(9999, 12, 31), dt.date(9999, 12, 31), 0),
    ],
)
def test_whole_months_between_at_month_ends(start: dt.date, end: dt.date, months: int) -> None:
    assert whole_months_between(start, end) == months


def test_whole_months_between_refuses_a_reversed_interval() -> None:
    with pytest.raises(ValueError, match="before"):
        whole_months_between(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_whole_months_are_not_additive() -> None:
    """31 Jan → 28 Feb and 28 Feb → 28 Mar are a month each; 31 Jan → 28 Mar is one."""
    a, b, c = dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 28)
    assert whole_months_between(a, b) + whole_months_between(b, c) == 2
    assert whole_months_between(a, c) == 1


@given(start=DATES | MONTH_ENDS, months=st.integers(0, 1200))
@example(start=dt.date(2025, 3, 31), months=6)
@example(start=dt.date(2024, 2, 29), months=12)
def test_adding_n_months_is_n_whole_months(start: dt.date, months: int) -> None:
    end = add_months(start, months)
    if _inside(start, months):
        assert whole_months_between(start, end) == months
    else:  # saturated at 9999-12-31: fewer months fit
        assert end == dt.date.max
        assert whole_months_between(start, end) <= months


@given(start=DATES | MONTH_ENDS, days=st.integers(0, 40000), months=st.integers(0, 1300))
@example(start=dt.date(2025, 3, 31), days=183, months=6)  # 30 September
@example(start=dt.date(2025, 3, 31), days=182, months=6)  # 29 September
def test_within_n_months_and_at_least_n_months_agree(
    start: dt.date, days: int, months: int
) -> None:
    """``whole_months_between(a, b) >= n`` exactly when ``add_months(a, n) <= b``."""
    end = add_days(start, days)
    if not _inside(start, months):
        return
    assert (whole_months_between(start, end) >= months) is (add_months(start, months) <= end)


@given(start=DATES | MONTH_ENDS, days=st.integers(0, 40000))
def test_whole_months_bracket_the_end(start: dt.date, days: int) -> None:
    end = add_days(start, days)
    months = whole_months_between(start, end)
    assert months >= 0
    assert add_months(start, months) <= end
    if _inside(start, months + 1):
        assert end < add_months(start, months + 1)
    # A month is 28 to 31 days.
    span = days_from(start, end)
    assert months * 28 <= span < (months + 1) * 31


@given(a=DATES, b=DATES, c=DATES)
def test_whole_months_rise_with_the_end_and_fall_with_the_start(
    a: dt.date, b: dt.date, c: dt.date
) -> None:
    first, middle, last = sorted((a, b, c))
    assert whole_months_between(first, middle) <= whole_months_between(first, last)
    assert whole_months_between(middle, last) <= whole_months_between(first, last)
