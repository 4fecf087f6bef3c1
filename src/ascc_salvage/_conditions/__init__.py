"""The named conditions and routines that the rule tables of the knowledge base may use.

A rule table (``knowledge/data/rules/*.toml``) states each row's situation as named
conditions, ``when = { metastatic = false, sphincter_not_invaded = true }``. Each name is
registered here with the function that evaluates it on the engine's facts, the case fields it
reads and whether it can be unknown. A condition returns a :class:`ConditionValue`: ``True``,
``False`` or ``None`` (unknown), the explanation shown when it is reported as a criterion,
and the fields that would decide it when unknown.

A row may also hand over to a *routine*: a rule that combines rather than tabulates (the
first-line systemic pathway) and stays Python. Routines are declared here by name with their
documentation; the engine registers the implementation under the same name.

This module is read by the knowledge-base loader (to reject unknown names) and by the engine
(to evaluate them), so it imports neither at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, NamedTuple

import attrs

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts

__all__ = [
    "CONDITIONS",
    "ROUTINES",
    "ConditionSpec",
    "ConditionValue",
    "declare_conditions",
    "declare_routines",
]


class ConditionValue(NamedTuple):
    """A condition evaluated on one case (a named tuple: built on the hot path).

    Attributes:
        value: ``True``, ``False`` or ``None`` when unknown.
        explanation: The value in words (the criterion's explanation).
        missing: Case fields that would decide an unknown value.
        applies: Whether the condition concerns this case at all; one that does not (HIV
            control for a patient without HIV) is not reported as a criterion.
    """

    value: bool | None
    explanation: str
    missing: tuple[str, ...] = ()
    applies: bool = True


@attrs.frozen
class ConditionSpec:
    """A registered condition.

    Attributes:
        name: The name rule tables use (also the id of the criterion it reports).
        description: What the condition states, for reviewers and the generated docs.
        fields: The case fields it reads.
        three_valued: Whether it can be unknown (only then may a row ask for ``"unknown"``).
        evaluate: The function computing it on the engine's facts.
        criterion: The id of the criterion it reports, when not its name: two conditions
            may state one criterion differently in different sections (``""``: its name).
    """

    name: str
    description: str
    fields: tuple[str, ...]
    three_valued: bool
    evaluate: Callable[[Facts], ConditionValue] = attrs.field(repr=False)
    criterion: str = attrs.field(default="", kw_only=True)

    @property
    def criterion_id(self) -> str:
        """The id of the criterion this condition reports."""
        return self.criterion or self.name


#: Every condition a rule table may name (filled by the section modules below).
CONDITIONS: Final[dict[str, ConditionSpec]] = {}

#: Routines a rule row may hand over to (name → what it does); the engine implements them.
ROUTINES: Final[dict[str, str]] = {}


def declare_conditions(*specs: ConditionSpec) -> None:
    """Register conditions under their names (each name once)."""
    for spec in specs:
        assert spec.name not in CONDITIONS, f"condition {spec.name!r} declared twice"
        CONDITIONS[spec.name] = spec


def declare_routines(**routines: str) -> None:
    """Declare routines by name with what they do (each name once)."""
    for name, description in routines.items():
        assert name not in ROUTINES, f"routine {name!r} declared twice"
        ROUTINES[name] = description


# One module per pathway part declares its conditions and routines. Imported last: they
# import the classes above.
from ascc_salvage._conditions import (  # noqa: E402, F401
    assessment,
    locoregional,
    primary,
    radiotherapy,
    systemic,
)
