"""Construction-time checks shared by every case class: the one place each field rule lives.

Every case class calls :func:`validate_instance` from ``__attrs_post_init__``, so an object is
valid however it was made (Python keywords, ``attrs.evolve`` or the JSON converter in
:mod:`ascc_salvage.io`). Field rules come from the attrs field metadata and type annotations
(nullable, bounds, enum, measurement kind); cross-field rules are registered per class with
:func:`rule` (they live in :mod:`ascc_salvage.validation`). All problems of one object are
collected and raised together as one :class:`~ascc_salvage.errors.CaseValidationError`, with
paths relative to the object being built (``$`` is the object itself).

Conversions accept what a Python caller or a JSON document naturally gives: an enum's string
value becomes the member, an ISO date string a date, a list a tuple, a pint quantity (or a
``{"value", "unit"}`` mapping) a case measurement. Nothing else is coerced: ``"61"`` is not an
integer, ``2.0`` is not an integer, ``"yes"`` is not a boolean.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

import attrs

from ascc_salvage.errors import CaseValidationError, Problem

__all__ = [
    "DATE_MAX",
    "DATE_MIN",
    "INVALID",
    "MAX_LIST_ENTRIES",
    "Bounds",
    "FieldSpec",
    "check_values",
    "describe",
    "describe_number",
    "field_specs",
    "is_finite",
    "join",
    "key_path",
    "key_text",
    "plain_number",
    "prefixed",
    "rule",
    "short",
    "type_name",
    "validate_instance",
]

#: Largest list accepted anywhere in a case, in a document or a Python object (case format).
MAX_LIST_ENTRIES: Final = 500
#: Earliest and latest date a case may hold (case format; guards calendar arithmetic).
DATE_MIN: Final = dt.date(1900, 1, 1)
DATE_MAX: Final = dt.date(2099, 12, 31)

_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INDEX: Final = re.compile(r"\[[0-9]+\]")
_DATE_RANGE: Final = f"{DATE_MIN.isoformat()}–{DATE_MAX.isoformat()}"


class _Invalid:
    """Marks a field value that failed its check (rules reading it are skipped)."""

    def __repr__(self) -> str:
        return "<invalid>"


#: Sentinel for a field that failed its check or could not be structured.
INVALID: Final = _Invalid()


@attrs.frozen
class Bounds:
    """Inclusive numeric bounds (``low_exclusive`` makes the lower bound strict)."""

    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    step: float | None = None

    def problem(self, value: float, unit: str = "") -> str | None:
        """Return a message if *value* is outside the bounds, else ``None``."""
        suffix = f" {unit}" if unit else ""
        if self.low is not None:
            if self.low_exclusive and not value > self.low:
                return f"must be greater than {_num(self.low)}{suffix}"
            if not self.low_exclusive and value < self.low:
                return f"must be at least {_num(self.low)}{suffix}"
        if self.high is not None and value > self.high:
            return f"must be at most {_num(self.high)}{suffix}"
        if self.step is not None and value % self.step != 0:
            return f"must be a multiple of {_num(self.step)}"
        return None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- field specifications ------------------------------------------------------------------


@attrs.frozen
class FieldSpec:
    """How one field of a case class is checked and converted.

    Attributes:
        name: The attribute name (also the document key).
        kind: ``int``, ``float``, ``bool``, ``date``, ``enum``, ``measurement``, ``object``
            or ``list``.
        target: The enum class, measurement class or case class (``item`` for lists).
        nullable: ``None`` is allowed.
        optional: The document key may be omitted.
        bounds: Numeric bounds (canonical unit for measurements).
        item: The spec of a list's items.
    """

    name: str
    kind: str
    target: Any = None
    nullable: bool = False
    optional: bool = False
    bounds: Bounds | None = None
    item: FieldSpec | None = None
    #: Enum look-up: JSON value → member (built once; searching an enum per value is slow).
    lookup: Mapping[str, enum.Enum] = attrs.field(factory=dict, eq=False)
    #: The check-and-convert function of the kind (looked up once).
    convert: Callable[[FieldSpec, Any, str, list[Problem]], Any] = attrs.field(
        init=False, eq=False, repr=False
    )

    #: The enum members the field accepts (for the fast path of already converted values).
    members: frozenset[Any] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "convert", _CONVERTERS[self.kind])
        object.__setattr__(self, "members", frozenset(self.lookup.values()))


def _spec(
    name: str,
    tp: Any,
    *,
    nullable: bool,
    optional: bool,
    bounds: Bounds | None,
    choices: tuple[enum.Enum, ...] | None = None,
) -> FieldSpec:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inners = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inners) > 1:  # a union of enums: the members listed in choices
            assert choices is not None, f"{name}: a union of enums needs choices"
            lookup = {member.value: member for member in choices}
            return FieldSpec(
                name, "enum", inners[0], lookup=lookup, nullable=nullable, optional=optional
            )
        (inner,) = inners
        return _spec(
            name, inner, nullable=nullable, optional=optional, bounds=bounds, choices=choices
        )
    common: dict[str, Any] = {"nullable": nullable, "optional": optional, "bounds": bounds}
    if typing.get_origin(tp) is tuple:
        item = _spec(name, typing.get_args(tp)[0], nullable=False, optional=False, bounds=None)
        return FieldSpec(name, "list", item.target, item=item, **common)
    if tp in (bool, int, float):
        return FieldSpec(name, tp.__name__, **common)
    if tp is dt.date:
        return FieldSpec(name, "date", **common)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        lookup = {member.value: member for member in (choices or tuple(tp))}
        return FieldSpec(name, "enum", tp, lookup=lookup, **common)
    if isinstance(tp, type) and hasattr(tp, "KIND"):
        return FieldSpec(name, "measurement", tp, **common)
    if attrs.has(tp):
        return FieldSpec(name, "object", tp, **common)
    raise TypeError(f"no field rule for type {tp!r}")  # pragma: no cover - model bug


@functools.cache
def field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """The field specs of a case class, in field order (from attrs metadata and annotations)."""
    hints = typing.get_type_hints(cls)
    return tuple(
        _spec(
            field.name,
            hints[field.name],
            nullable=bool(field.metadata.get("nullable")),
            optional=bool(field.metadata.get("optional")),
            bounds=field.metadata.get("bounds"),
            choices=field.metadata.get("choices"),
        )
        for field in attrs.fields(cls)
        if field.init
    )


# --- cross-field rules ---------------------------------------------------------------------

#: A rule reads an object (or a partial view of one) and yields problems with relative paths.
RuleFunction = Callable[[Any], Iterable[Problem]]


@attrs.frozen
class _Rule:
    reads: frozenset[str]
    check: RuleFunction


_RULES: Final[dict[type, list[_Rule]]] = {}


def rule(cls: type, *reads: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a cross-field rule of *cls* that reads the fields *reads*.

    The rule runs whenever every field it reads passed its own checks, so a document with
    a bad ECOG still has its dates compared.
    """

    def register(check: RuleFunction) -> RuleFunction:
        _RULES.setdefault(cls, []).append(_Rule(frozenset(reads), check))
        return check

    return register


# --- checking ------------------------------------------------------------------------------


def validate_instance(instance: Any) -> None:
    """Check and convert the fields of a freshly built case object, then run its rules.

    Converted values (enum members, dates, tuples, measurements) replace what was passed.

    Raises:
        CaseValidationError: Every problem of the object, with paths relative to it.
    """
    cls: type = type(instance)
    problems: list[Problem] = []
    bad: set[str] = set()
    for spec in field_specs(cls):
        name = spec.name
        raw = getattr(instance, name)
        if raw is None and spec.nullable:
            continue
        # Fast paths for the usual values (each gives what its converter gives); anything
        # else goes through the converter, which writes the problems.
        kind = spec.kind
        if kind == "enum" and type(raw) is str:
            value = spec.lookup.get(raw, INVALID)
            if value is INVALID:
                value = _convert(spec, raw, name, problems)
        elif (kind == "bool" and (raw is True or raw is False)) or (
            kind == "object" and isinstance(raw, spec.target)
        ):
            continue
        else:
            value = _convert(spec, raw, name, problems)
        if value is INVALID:
            bad.add(name)
        if value is not raw:
            object.__setattr__(instance, name, value)
    # The rules read the object itself (converted values in place, INVALID where a check
    # failed, as in check_values); a rejected object is never returned to the caller.
    _run_rules(cls, instance, bad, problems)
    if problems:
        raise CaseValidationError(problems)


def check_values(
    cls: type, values: Mapping[str, Any], failed: frozenset[str]
) -> tuple[dict[str, Any], list[Problem]]:
    """Check the field *values* of *cls* and run the rules that can run.

    Used for objects that cannot be built because some fields failed elsewhere.

    Args:
        cls: A case class.
        values: Field name → value as given (absent names are not checked).
        failed: Fields already reported elsewhere (rules reading them are skipped).

    Returns:
        The converted values (``INVALID`` where a check failed) and the problems.
    """
    problems: list[Problem] = []
    converted: dict[str, Any] = {}
    bad = set(failed)
    for spec in field_specs(cls):
        if spec.name not in values:
            continue
        value = _convert(spec, values[spec.name], spec.name, problems)
        converted[spec.name] = value
        if value is INVALID:
            bad.add(spec.name)
    _run_rules(cls, types.SimpleNamespace(**converted), bad, problems)
    return converted, problems


def _run_rules(cls: type, view: Any, bad: set[str], problems: list[Problem]) -> None:
    for item in _RULES.get(cls, ()):
        if not bad or item.reads.isdisjoint(bad):
            problems.extend(item.check(view))


def _convert(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if raw is None:
        if spec.nullable:
            return None
        problems.append(Problem(path, "null is not allowed here"))
        return INVALID
    return spec.convert(spec, raw, path, problems)


def _bool(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, bool):
        return raw
    problems.append(Problem(path, f"expected true or false, got {type_name(raw)}"))
    return INVALID


def _int(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if type(raw) is int and spec.bounds is not None and spec.bounds.problem(raw) is None:
        return raw  # the usual case
    if type(raw) is not int:
        problems.append(Problem(path, f"expected an integer, got {describe(raw)}"))
        return INVALID
    return _bounded(spec, raw, path, problems)


def _float(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.append(Problem(path, f"expected a number, got {type_name(raw)}"))
        return INVALID
    return _bounded(spec, raw, path, problems)


def _bounded(spec: FieldSpec, raw: float, path: str, problems: list[Problem]) -> Any:
    if not is_finite(raw):
        problems.append(Problem(path, f"expected a finite number, got {describe_number(raw)}"))
        return INVALID
    if spec.bounds is not None:  # pragma: no branch - every numeric field declares bounds
        message = spec.bounds.problem(float(raw))
        if message is not None:
            problems.append(Problem(path, message))
            return INVALID
    return plain_number(raw)


#: Valid date strings already read (documents repeat their dates); bounded.
_DATES: Final[dict[str, dt.date]] = {}
_DATES_KEPT: Final = 4096


def _date(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if type(raw) is dt.date and DATE_MIN <= raw <= DATE_MAX:
        return raw
    if type(raw) is str:
        known = _DATES.get(raw)
        if known is not None:
            return known
        value = _parse_date(raw, path, problems)
        if value is not INVALID:
            if len(_DATES) >= _DATES_KEPT:
                _DATES.clear()
            _DATES[raw] = value
        return value
    return _parse_date(raw, path, problems)


def _parse_date(raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, str):
        # YYYY-MM-DD only: fromisoformat alone would also take 20250106 or 2025-W02-1.
        if len(raw) == 10 and raw[4] == raw[7] == "-" and _DATE_RE.fullmatch(raw):
            with contextlib.suppress(ValueError):
                raw = dt.date.fromisoformat(raw)
        if isinstance(raw, str):
            problems.append(Problem(path, f"{short(raw)} is not a valid date (YYYY-MM-DD)"))
            return INVALID
    elif not isinstance(raw, dt.date) or isinstance(raw, dt.datetime):
        problems.append(Problem(path, f"expected a date string YYYY-MM-DD, got {type_name(raw)}"))
        return INVALID
    if not DATE_MIN <= raw <= DATE_MAX:
        problems.append(Problem(path, f"{raw.isoformat()} is outside {_DATE_RANGE}"))
        return INVALID
    return raw


def _enum(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if type(raw) is spec.target and raw in spec.members:  # already a member (hashable)
        return raw
    if isinstance(raw, str):  # a JSON value, or a member of another enum of a union
        member = spec.lookup.get(raw)
        if member is not None:
            return member
    allowed = ", ".join(spec.lookup)
    shown = short(raw) if isinstance(raw, str) else type_name(raw)
    problems.append(Problem(path, f"{shown} is not one of: {allowed}"))
    return INVALID


def _measurement(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    cls = spec.target
    if type(raw) is cls:
        measurement = raw
    else:
        before = len(problems)
        measurement = cls.from_input(raw, path, problems)
        if len(problems) > before:
            return INVALID
    if spec.bounds is not None:  # pragma: no branch - every measurement field declares bounds
        message = spec.bounds.problem(measurement.canonical, cls.CANONICAL_LABEL)
        if message is not None:
            # At the quantity's path, as the case format names it (P2, P3, P8).
            problems.append(Problem(path, message))
            return INVALID
    return measurement


def _object(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, spec.target):
        return raw
    problems.append(Problem(path, f"expected {spec.target.__name__}, got {type_name(raw)}"))
    return INVALID


def _list(spec: FieldSpec, raw: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, list | tuple):
        problems.append(Problem(path, f"expected a list, got {type_name(raw)}"))
        return INVALID
    if len(raw) > MAX_LIST_ENTRIES:  # a document meets this limit before any object is built
        problems.append(Problem(path, f"more than {MAX_LIST_ENTRIES} entries"))
        return INVALID
    item = spec.item
    assert item is not None
    if not raw:  # the usual empty list
        return raw if isinstance(raw, tuple) else ()
    if item.kind == "object" and all(isinstance(value, item.target) for value in raw):
        return raw if isinstance(raw, tuple) else tuple(raw)  # objects already built
    items = [_convert(item, value, f"{path}[{i}]", problems) for i, value in enumerate(raw)]
    if any(value is INVALID for value in items):
        return INVALID
    if item.kind == "enum":  # pragma: no branch - passing object items took the fast path
        seen: set[object] = set()
        for i, value in enumerate(items):
            if value in seen:
                problems.append(Problem(f"{path}[{i}]", f"duplicate value {str(value)!r}"))
                return INVALID
            seen.add(value)
    # Identity, not equality: an enum member equals its string value, which must still be
    # replaced by the member.
    unchanged = isinstance(raw, tuple) and all(a is b for a, b in zip(items, raw, strict=True))
    return raw if unchanged else tuple(items)


_CONVERTERS: Final[Mapping[str, Callable[[FieldSpec, Any, str, list[Problem]], Any]]] = {
    "bool": _bool,
    "int": _int,
    "float": _float,
    "date": _date,
    "enum": _enum,
    "measurement": _measurement,
    "object": _object,
    "list": _list,
}


# --- messages and paths --------------------------------------------------------------------


def is_finite(number: float) -> bool:
    """``math.isfinite`` that is False (not OverflowError) for ints too large for a float."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def describe_number(number: float) -> str:
    """Describe a non-finite or huge number for a message."""
    return "an integer too large for a float" if isinstance(number, int) else str(number)


def plain_number(value: int | float) -> int | float:
    """*value* as a built-in ``int`` or ``float``.

    A subclass (``numpy.float64`` is a ``float``) is converted, so that what a case holds
    compares, serialises and pickles as the same number read from JSON would (numpy's
    comparisons return ``numpy.bool``, which no JSON encoder writes).
    """
    kind = type(value)
    if kind is float or kind is int:
        return value
    return int(value) if isinstance(value, int) else float(value)


def type_name(value: object) -> str:
    """The JSON-ish name of *value*'s type, for messages (``a string``, ``null`` …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def describe(raw: object) -> str:
    """Describe a value that is not an integer, for messages."""
    if isinstance(raw, float):
        return f"the number {raw}"
    if isinstance(raw, str):
        return f"the string {short(raw)}"
    return type_name(raw)


def short(text: str, limit: int = 40) -> str:
    """Quote *text* for a message, cut at *limit* characters."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def join(path: str, name: str) -> str:
    """Join a relative *name* onto *path*.

    *name* is ``$`` (the object itself), a field name (``x``, ``x.y``), a list index
    (``[0].x``) or a document key marked by a leading dot (:func:`key_path`), whose text may
    itself start with ``[`` and must not be read as an index.
    """
    if name == "$":
        return path
    if name.startswith("."):
        return name[1:] if path == "$" else f"{path}{name}"
    if path == "$":
        return name
    return f"{path}{name}" if _INDEX.match(name) else f"{path}.{name}"


def key_path(key: object) -> str:
    """The relative path of a document key (see :func:`join`), its text escaped."""
    return "." + key_text(key)


def key_text(key: object) -> str:
    """A document key as written in a problem path, with unprintable characters escaped.

    Keys are untrusted input: a newline would split one problem line into two, an escape
    sequence would reach the terminal, and a lone surrogate (legal in JSON text as an
    escaped code point) cannot be encoded as UTF-8. Printable keys are kept as they are. The
    empty key is written ``""`` so that its path is not empty.
    """
    text = str(key)
    if not text:
        return '""'
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def prefixed(problems: Iterable[Problem], path: str) -> Iterator[Problem]:
    """*problems* with their relative paths placed under *path*."""
    for problem in problems:
        yield Problem(join(path, problem.path), problem.message)
