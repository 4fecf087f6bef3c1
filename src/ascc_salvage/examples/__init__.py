"""Bundled example cases (JSON), used by ``ascc-salvage recommend --example NAME``.

Each example is a valid case document (``case-format.md``) evaluated on 2026-11-26 and named
for the pathway it shows; ``index.toml`` in this package lists them in pathway order with a
one-line description. They ship inside the wheel and are read through the package's loader
(also from a zip archive).

>>> [example.name for example in examples()][:3]
['too_early', 'complete_response', 'persistent_resectable']
>>> example("after_platinum").load().primary.site
<PrimarySite.ANAL_CANAL: 'anal_canal'>
"""

from __future__ import annotations

import difflib
import functools
import tomllib
from typing import TYPE_CHECKING

import attrs

from ascc_salvage._resources import read_package_file

if TYPE_CHECKING:
    from ascc_salvage.case import Case

__all__ = ["Example", "UnknownExampleError", "example", "examples"]


class UnknownExampleError(KeyError):
    """No bundled example has that name (a :class:`KeyError`; the message suggests names)."""

    def __str__(self) -> str:
        return str(self.args[0])


@attrs.frozen
class Example:
    """One bundled example case.

    Attributes:
        name: The example's name (its file is ``<name>.json`` in this package).
        description: One line: the situation and the pathway it shows.
    """

    name: str
    description: str

    def text(self) -> str:
        """Return the case document as JSON text."""
        return read_package_file(__name__, f"{self.name}.json").decode("utf-8")

    def load(self) -> Case:
        """Load and validate the case.

        Returns:
            The case (:class:`ascc_salvage.case.Case`).
        """
        from ascc_salvage.io import load_case

        return load_case(self.text())


@functools.cache
def examples() -> tuple[Example, ...]:
    """Return every bundled example, in pathway order (as listed in ``index.toml``)."""
    index = read_package_file(__name__, "index.toml").decode("utf-8")
    return tuple(
        Example(name=entry["name"], description=entry["description"])
        for entry in tomllib.loads(index)["example"]
    )


def example(name: str) -> Example:
    """Return one bundled example by name.

    Args:
        name: The example's name, e.g. ``"persistent_resectable"``.

    Raises:
        UnknownExampleError: No example has that name; the message suggests close names.

    >>> try:
    ...     example("persistent")
    ... except UnknownExampleError as error:
    ...     print(error)
    no bundled example 'persistent'; did you mean persistent_resectable?
    """
    for candidate in examples():
        if candidate.name == name:
            return candidate
    names = [candidate.name for candidate in examples()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; choose one of {', '.join(names)}"
    raise UnknownExampleError(f"no bundled example {name!r}{hint}")
