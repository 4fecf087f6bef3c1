"""The exceptions: invalid input, with every problem by field path."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["CaseValidationError", "Problem"]


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
