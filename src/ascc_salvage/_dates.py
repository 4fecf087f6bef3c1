"""Calendar arithmetic shared by the status, the engine and the calculators.

One implementation of each date concept the pathway uses:

* **Days and weeks from a start date** (the 26-week clock of clinical pathway §2 counts from
  the *start* of chemoradiotherapy): :func:`days_from` and :func:`weeks_from`.
* **Adding days.** Inside a rule a date saturates at the ends of the calendar (§5.4: a date
  beyond 9999-12-31 counts as 9999-12-31): :func:`add_days`. A date the library *reports*
  (``next_assessment_date``) is ``None`` when it falls outside the calendar rather than a
  saturated date that never existed: :func:`add_days_or_none`.
* **Calendar months.** :func:`add_months` keeps the day of the month, clamped to the month's
  last day (31 January + 1 month = 28 or 29 February; 29 February + 12 months = 28 February),
  and saturates at the ends of the calendar like :func:`add_days`.
  :func:`whole_months_between` counts whole calendar months **by the same calendar**: the
  largest ``n`` with ``add_months(start, n) <= end``. Every month interval of the library (the
  re-irradiation interval of §6, the platinum-free interval of §5.4, "platinum within
  6 months" of §5.1) uses this pair, so "within *n* months" and "an interval of at least *n*
  months" can never disagree: ``whole_months_between(a, b) >= n`` exactly when
  ``add_months(a, n) <= b``.

Properties of the calendar-month pair (tested with Hypothesis), for ``a <= b`` and ``n >= 0``
while ``add_months(a, n)`` stays inside the calendar:

* ``whole_months_between(a, add_months(a, n)) == n`` (so in particular ``>= n``);
* ``whole_months_between(a, b) >= n`` if and only if ``add_months(a, n) <= b``;
* with ``m = whole_months_between(a, b)``: ``add_months(a, m) <= b < add_months(a, m + 1)``
  (the right-hand side unless ``a + m + 1`` months is beyond the calendar);
* ``whole_months_between`` rises with the end date and falls with the start date.

It is **not** additive: 31 January → 28 February is 1 month and 28 February → 28 March is
1 month, but 31 January → 28 March is 1 month, not 2.
"""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = [
    "add_days",
    "add_days_or_none",
    "add_months",
    "days_from",
    "weeks_from",
    "whole_months_between",
]


def days_from(start: dt.date, date: dt.date) -> int:
    """Days from *start* to *date* (``date − start``; negative when *date* is earlier).

    >>> days_from(dt.date(2025, 1, 6), dt.date(2025, 7, 7))
    182
    """
    return (date - start).days


def weeks_from(start: dt.date, date: dt.date) -> float:
    """Weeks from *start* to *date* (days / 7, rounded to 0.1 as results report them).

    >>> weeks_from(dt.date(2025, 1, 6), dt.date(2025, 7, 7))
    26.0
    """
    return round(days_from(start, date) / 7, 1)


def add_days(date: dt.date, days: int) -> dt.date:
    """Return *date* plus *days*, saturated at the calendar (``date.min`` … ``date.max``).

    Date arithmetic inside a rule is total (clinical pathway §5.4): a date beyond 9999-12-31
    counts as 9999-12-31, one before 0001-01-01 as 0001-01-01.

    >>> add_days(dt.date(9999, 12, 1), 126)
    datetime.date(9999, 12, 31)
    """
    try:
        return date + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def add_days_or_none(date: dt.date, days: int) -> dt.date | None:
    """Return *date* plus *days*, or ``None`` when that falls outside the calendar.

    For dates the library reports (``next_assessment_date``): a saturated date would be a
    date that was never computed.

    >>> add_days_or_none(dt.date(9999, 12, 1), 182) is None
    True
    """
    try:
        return date + dt.timedelta(days=days)
    except OverflowError:
        return None


def add_months(date: dt.date, months: int) -> dt.date:
    """Return *date* plus calendar *months* (clamped to the month's last day).

    Saturated at the calendar like :func:`add_days`.

    >>> add_months(dt.date(2025, 3, 31), 6)
    datetime.date(2025, 9, 30)
    >>> add_months(dt.date(2024, 2, 29), 12)
    datetime.date(2025, 2, 28)
    """
    years, month_index = divmod(date.month - 1 + months, 12)
    year = date.year + years
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    month = month_index + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from *start* to *end*.

    The largest ``n`` with ``add_months(start, n) <= end``, where adding months keeps the day
    of the month, clamped to the month's last day (31 January + 1 month = 28 or 29 February).
    The library counts every month interval this way: the re-irradiation interval (clinical
    pathway §6) and the platinum-free interval (§5.4) agree on every pair of dates.

    Raises:
        ValueError: *end* is before *start*.

    >>> whole_months_between(dt.date(2025, 3, 31), dt.date(2025, 9, 30))
    6
    >>> whole_months_between(dt.date(2025, 2, 14), dt.date(2026, 2, 13))
    11
    >>> whole_months_between(dt.date(2025, 1, 31), dt.date(2025, 2, 28))
    1
    """
    if end < start:
        raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
    months = (end.year - start.year) * 12 + end.month - start.month
    # add_months(start, months) lands in end's month, so it never leaves the calendar.
    if add_months(start, months) > end:
        months -= 1
    return months
