"""Medications as EHRs send them: doses grouped into courses, courses into lines.

A *dose* is one ``MedicationAdministration``, one ``MedicationStatement`` (older senders), or
one ``MedicationRequest`` for which the bundle holds no administration. Administrations that
name the same request (``MedicationAdministration.request``) form one *course*; administrations
without a request form one course per drug while consecutive doses are at most
``max_gap_days`` apart (data file, with its reason). Courses whose periods overlap form one
*line* (a regimen): three day-1 cycles of carboplatin and paclitaxel are two courses in one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import attrs

__all__ = ["Course", "Dose", "group_courses", "group_lines"]


@attrs.frozen
class Dose:
    """One medication resource reduced to what the grouping needs.

    Attributes:
        key: ``ResourceType/id``.
        drug: Ingredient name.
        start: First day given.
        end: Last day given (``None`` while ongoing).
        request: Key of the MedicationRequest it fulfils, or ``None``.
        outcome: ``ongoing``, ``completed``, ``progression``, ``intolerance`` or ``None``
            (stopped without a mapped reason).
        intent: SNOMED CT treatment intent code, if any.
        owner: The condition it treats (``primary`` or another cancer's key), or ``None``.
        order: Position in the bundle.
        coded: Whether the drug was identified by a verified RxNorm code (not only by name).
    """

    key: str
    drug: str
    start: dt.date
    end: dt.date | None
    request: str | None
    outcome: str | None
    intent: str | None
    owner: str | None
    order: int
    coded: bool = False


@attrs.frozen
class Course:
    """Consecutive doses of one drug.

    Attributes:
        drug: Ingredient name.
        doses: The doses, in date order.
        outcome: The request's outcome, else the last dose's.
    """

    drug: str
    doses: tuple[Dose, ...]
    outcome: str | None

    @property
    def start(self) -> dt.date:
        """First day of the course."""
        return self.doses[0].start

    @property
    def end(self) -> dt.date | None:
        """Last day of the course, ``None`` while ongoing."""
        if self.outcome == "ongoing":
            return None
        return max((d.end or d.start) for d in self.doses)

    @property
    def order(self) -> int:
        """Bundle position of its first resource."""
        return min(d.order for d in self.doses)


def _course(doses: Sequence[Dose], outcomes: Mapping[str, str | None]) -> Course:
    ordered = tuple(sorted(doses, key=lambda d: (d.start, d.order)))
    request = ordered[0].request
    if request is not None and request in outcomes:
        outcome = outcomes[request]
    elif any(d.outcome == "ongoing" for d in ordered):
        outcome = "ongoing"
    else:
        outcome = ordered[-1].outcome
    return Course(ordered[0].drug, ordered, outcome)


def group_courses(
    doses: Iterable[Dose], *, max_gap_days: int, request_outcomes: Mapping[str, str | None]
) -> list[Course]:
    """Group doses into courses (by request, else by drug and gap).

    *request_outcomes* gives the outcome a request's status implies; a course fulfilling a
    request takes it, other courses take their last dose's.
    """
    by_request: dict[str, list[Dose]] = {}
    loose: dict[str, list[Dose]] = {}
    for dose in doses:
        if dose.request is not None:
            by_request.setdefault(dose.request, []).append(dose)
        else:
            loose.setdefault(dose.drug, []).append(dose)
    courses = [_course(group, request_outcomes) for group in by_request.values()]
    for group in loose.values():
        group.sort(key=lambda d: (d.start, d.order))
        current: list[Dose] = [group[0]]
        for dose in group[1:]:
            last = max((d.end or d.start) for d in current)
            if (dose.start - last).days > max_gap_days:
                courses.append(_course(current, request_outcomes))
                current = []
            current.append(dose)
        courses.append(_course(current, request_outcomes))
    return courses


def group_lines(courses: Iterable[Course], *, evaluation_date: dt.date) -> list[list[Course]]:
    """Group courses whose periods overlap into lines, in bundle order of their first resource."""
    lines: list[list[Course]] = []
    for course in sorted(courses, key=lambda c: (c.start, c.drug)):
        if lines and course.start <= max((c.end or evaluation_date) for c in lines[-1]):
            lines[-1].append(course)
        else:
            lines.append([course])
    lines.sort(key=lambda line: min(c.order for c in line))
    return lines
