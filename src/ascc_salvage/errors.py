"""The exceptions: invalid input (every problem by field path), and unsupported input.

:class:`UnsupportedCaseError` is raised for a valid case that the recommendation engine
cannot honour yet.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["CaseValidationError", "Problem", "UnsupportedCaseError"]


@attrs.frozen
class Problem:
    """One problem in an input document.

    Attributes:
        path: Dotted field path with ``[i]`` for list items (``assessments[0].finding``);
            ``$`` is the document root.
        message: What is wrong, in plain language.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CaseValidationError(ValueError):
    """An invalid case: :attr:`errors` lists every problem found, each with its path.

    >>> error = CaseValidationError([Problem("patient.ecog", "must be at most 5")])
    >>> print(error)
    patient.ecog: must be at most 5
    """

    errors: tuple[Problem, ...]

    def __init__(self, errors: Iterable[Problem]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(problem) for problem in self.errors))

    def __reduce__(self) -> tuple[type[CaseValidationError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.errors,))


class UnsupportedCaseError(NotImplementedError):
    """A valid case using schema 2 values the recommendation engine does not honour yet.

    :func:`~ascc_salvage.recommend` implements clinical pathway v2, which reads only the
    schema 1 fields. Rather than ignore a schema 2 value that changes a recommendation under
    pathway v3 (a declined modality, a site finding, dialysis …), it raises this error;
    schema 2 fields at their defaults (null, ``[]``) are accepted and change nothing.
    :attr:`fields` lists the case paths of the values that were refused.

    >>> error = UnsupportedCaseError(["patient.dialysis", "patient.declines"])
    >>> error.fields
    ('patient.dialysis', 'patient.declines')
    """

    fields: tuple[str, ...]

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        super().__init__(
            "the recommendation engine (clinical pathway v2) cannot honour these schema 2 "
            "values yet: " + ", ".join(self.fields)
        )

    def __reduce__(self) -> tuple[type[UnsupportedCaseError], tuple[tuple[str, ...]]]:
        return (type(self), (self.fields,))
