"""Validation of raw case documents in one pass that reports every problem by path.

Why not cattrs alone: when one field fails to structure, sibling validators never run, and
cattrs coerces ``2.5`` → 2 or ``"61"`` → 61. So the raw document is walked first against a
schema derived from the attrs model (:mod:`ascc_salvage.case` field metadata is the one
source of truth), accumulating :class:`~ascc_salvage.errors.Problem` objects; then the
cross-field rules run on every field that parsed; only a clean document is built into
model objects.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import re
import types
import typing
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any, Final

import attrs

from ascc_salvage import case as model
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.units import CANONICAL_UNIT, CASE_UNITS
from ascc_salvage.vocabulary import SYSTEMIC_OPTIONS, Site, TherapyOutcome

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_LIST_ENTRIES",
    "build_case",
    "check_limits",
    "validate_document",
]

#: Largest case document accepted, in bytes (1 MiB).
MAX_DOCUMENT_BYTES: Final = 1024 * 1024
#: Largest list accepted anywhere in a case document.
MAX_LIST_ENTRIES: Final = 500
#: Deepest nesting the schema has (root → disease → sites → site → size).
MAX_DEPTH: Final = 5

#: Dose per fraction accepted for a radiotherapy course, Gy (case format).
_DOSE_PER_FRACTION_GY: Final = (0.5, 25.0)

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_INVALID: Final = object()

#: Fields whose enum is restricted to a subset of its members.
_CHOICES: Final[Mapping[tuple[type, str], tuple[enum.StrEnum, ...]]] = {
    (model.PriorSystemicTherapy, "regimen"): SYSTEMIC_OPTIONS,
}

_UNIT_LABEL: Final = {
    "cm": "cm",
    "kg": "kg",
    "mg/dL": "mg/dL",
    "1/uL": "cells/µL",
    "Gy": "Gy",
}


@attrs.frozen
class _Spec:
    """How one field of the document is checked and built."""

    kind: str  # int, float, bool, date, enum, measurement, object, list
    target: Any = None  # enum class, measurement class, attrs class, or item _Spec
    nullable: bool = False
    optional: bool = False
    bounds: model.Bounds | None = None
    choices: tuple[enum.StrEnum, ...] | None = None
    #: For enums: JSON value → member, built once (searching an enum per value is slow).
    lookup: dict[str, enum.StrEnum] = attrs.field(factory=dict, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.kind == "enum":
            members = self.choices or tuple(self.target)
            self.lookup.update({member.value: member for member in members})


def _spec_for_type(tp: Any, **meta: Any) -> _Spec:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return _spec_for_type(inner, **meta)
    if typing.get_origin(tp) is tuple:
        return _Spec("list", _spec_for_type(args[0]), **meta)
    if tp is bool:
        return _Spec("bool", **meta)
    if tp is int:
        return _Spec("int", **meta)
    if tp is float:
        return _Spec("float", **meta)
    if tp is dt.date:
        return _Spec("date", **meta)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _Spec("enum", tp, **meta)
    if isinstance(tp, type) and issubclass(tp, model.Measurement):
        return _Spec("measurement", tp, **meta)
    if attrs.has(tp):
        return _Spec("object", tp, **meta)
    raise TypeError(f"no document rule for type {tp!r}")  # pragma: no cover - model bug


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, _Spec], ...]:
    hints = typing.get_type_hints(cls)
    specs = []
    for field in attrs.fields(cls):
        meta = field.metadata
        specs.append(
            (
                field.name,
                _spec_for_type(
                    hints[field.name],
                    nullable=bool(meta.get("nullable")),
                    optional=bool(meta.get("optional")),
                    bounds=meta.get("bounds"),
                    choices=_CHOICES.get((cls, field.name)),
                ),
            )
        )
    return tuple(specs)


@functools.cache
def _key_sets(cls: type) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """Required keys of *cls*'s document object (in field order and as a set), optional keys."""
    fields = _fields(cls)
    required = tuple(name for name, spec in fields if not spec.optional)
    return required, frozenset(required), frozenset(n for n, spec in fields if spec.optional)


def _type_name(value: object) -> str:
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


class _Walker:
    """Walks a raw document, converting valid leaves and recording problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def value(self, raw: object, spec: _Spec, path: str) -> Any:
        if raw is None:
            if spec.nullable:
                return None
            self.add(path, "null is not allowed here")
            return _INVALID
        result: Any = _DISPATCH[spec.kind](self, raw, spec, path)
        return result

    def _bool(self, raw: object, spec: _Spec, path: str) -> Any:
        if isinstance(raw, bool):
            return raw
        self.add(path, f"expected true or false, got {_type_name(raw)}")
        return _INVALID

    def _int(self, raw: object, spec: _Spec, path: str) -> Any:
        if type(raw) is not int:
            self.add(path, f"expected an integer, got {_describe(raw)}")
            return _INVALID
        return self._bounded(raw, spec, path, "")

    def _float(self, raw: object, spec: _Spec, path: str) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.add(path, f"expected a number, got {_type_name(raw)}")
            return _INVALID
        if not _is_finite(raw):
            self.add(path, f"expected a finite number, got {_describe_number(raw)}")
            return _INVALID
        return self._bounded(raw, spec, path, "")

    def _bounded(self, raw: float, spec: _Spec, path: str, unit: str) -> Any:
        # Every int and float model field declares bounds today; a field without is valid.
        if spec.bounds is not None:  # pragma: no branch - no unbounded numeric field yet
            if not _is_finite(raw):
                self.add(path, f"expected a finite number, got {_describe_number(raw)}")
                return _INVALID
            message = spec.bounds.problem(float(raw), unit)
            if message is not None:
                self.add(path, message)
                return _INVALID
        return raw

    def _date(self, raw: object, spec: _Spec, path: str) -> Any:
        if not isinstance(raw, str):
            self.add(path, f"expected a date string YYYY-MM-DD, got {_type_name(raw)}")
            return _INVALID
        if _DATE_RE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.add(path, f"{_short(raw)} is not a valid date (YYYY-MM-DD)")
        return _INVALID

    def _enum(self, raw: object, spec: _Spec, path: str) -> Any:
        if isinstance(raw, str):
            member = spec.lookup.get(raw)
            if member is not None:
                return member
        allowed = ", ".join(spec.lookup)
        shown = _short(raw) if isinstance(raw, str) else _type_name(raw)
        self.add(path, f"{shown} is not one of: {allowed}")
        return _INVALID

    def _measurement(self, raw: object, spec: _Spec, path: str) -> Any:
        cls: type[model.Measurement] = spec.target
        if not isinstance(raw, dict):
            self.add(path, f'expected an object {{"value", "unit"}}, got {_type_name(raw)}')
            return _INVALID
        ok = self._keys(raw, ("value", "unit"), (), path)
        value, unit = raw.get("value", _INVALID), raw.get("unit", _INVALID)
        factor = None
        if unit is not _INVALID:
            entry = CASE_UNITS.get(unit) if isinstance(unit, str) else None
            if entry is None or entry.kind is not cls.KIND:
                noun = str(cls.KIND).replace("_", " ")
                shown = _short(unit) if isinstance(unit, str) else _type_name(unit)
                article = "an" if noun[0] in "aeiou" else "a"
                self.add(f"{path}.unit", f"{shown} is not {article} {noun} unit")
                ok = False
            else:
                factor = entry.to_canonical
        if value is not _INVALID:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add(f"{path}.value", f"expected a number, got {_type_name(value)}")
                ok = False
            elif not _is_finite(value) or not _is_finite(value * (factor or 1.0)):
                self.add(
                    f"{path}.value", f"expected a finite number, got {_describe_number(value)}"
                )
                ok = False
            elif factor is not None and spec.bounds is not None:
                label = _UNIT_LABEL[CANONICAL_UNIT[cls.KIND]]
                message = spec.bounds.problem(value * factor, label)
                if message is not None:
                    self.add(f"{path}.value", message)
                    ok = False
        if not ok:
            return _INVALID
        return cls(value, unit)

    def _list(self, raw: object, spec: _Spec, path: str) -> Any:
        if not isinstance(raw, list):
            self.add(path, f"expected a list, got {_type_name(raw)}")
            return _INVALID
        item_spec: _Spec = spec.target
        items = [self.value(item, item_spec, f"{path}[{i}]") for i, item in enumerate(raw)]
        if item_spec.kind == "enum":
            seen: set[object] = set()
            for i, item in enumerate(items):
                if item is _INVALID:
                    continue
                if item in seen:
                    self.add(f"{path}[{i}]", f"duplicate value {str(item)!r}")
                seen.add(item)
        return items

    def _object(self, raw: object, spec: _Spec, path: str) -> Any:
        return self.object(raw, spec.target, path)

    def object(self, raw: object, cls: type, path: str) -> Any:
        if not isinstance(raw, dict):
            self.add(path, f"expected an object, got {_type_name(raw)}")
            return _INVALID
        fields = _fields(cls)
        required, required_set, optional = _key_sets(cls)
        if raw.keys() != required_set:  # usual case: all required keys and nothing else
            self._keys(raw, required, optional, path)
        out: dict[str, Any] = {}
        for name, spec in fields:
            if name in raw:
                out[name] = self.value(raw[name], spec, _join(path, name))
        return out

    def _keys(
        self,
        raw: dict[str, Any],
        required: tuple[str, ...],
        optional: Collection[str],
        path: str,
    ) -> bool:
        """Report unknown keys (document order) and missing keys (field order)."""
        ok = True
        for key in raw:
            if key not in required and key not in optional:
                self.add(_join(path, _key_text(key)), "unknown key")
                ok = False
        for key in required:
            if key not in raw:
                self.add(_join(path, key), "required key is missing")
                ok = False
        return ok


_DISPATCH: Final[Mapping[str, Callable[[_Walker, object, _Spec, str], Any]]] = {
    kind: getattr(_Walker, f"_{kind}")
    for kind in ("bool", "int", "float", "date", "enum", "measurement", "list", "object")
}


def _is_finite(number: float) -> bool:
    """``math.isfinite`` that is False (not OverflowError) for ints too large for a float."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _describe_number(number: float) -> str:
    return "an integer too large for a float" if isinstance(number, int) else str(number)


def _join(path: str, name: str) -> str:
    return name if path == "$" else f"{path}.{name}"


def _key_text(key: object) -> str:
    """A document key as written in a problem path, with unprintable characters escaped.

    Keys are untrusted input: a newline would split one problem line into two, an escape
    sequence would reach the terminal, and a lone surrogate (legal in JSON text as an
    escaped code point) cannot be encoded as UTF-8, so writing the path crashed. Printable keys
    are kept as they are. The empty key is written ``""`` so that its path is not empty
    (``""`` at the root, ``patient.""`` below it).
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


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _describe(raw: object) -> str:
    if isinstance(raw, float):
        return f"the number {raw}"
    if isinstance(raw, str):
        return f"the string {_short(raw)}"
    return _type_name(raw)


def check_limits(document: object) -> list[Problem]:
    """Refuse documents nested deeper than the schema or with over-long lists, early.

    Iterative, so that adversarial nesting cannot exhaust the Python stack. Paths are built
    only to describe a violation (a second walk), not for every node.
    """
    level: list[Any] = [document]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return [Problem("$", _limit_message(document))]
        below: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                values: Iterable[Any] = node.values()
            elif len(node) > MAX_LIST_ENTRIES:
                return [Problem("$", _limit_message(document))]
            else:
                values = node
            below += [v for v in values if isinstance(v, dict | list)]
        level, depth = below, depth + 1
    return []


def _limit_message(document: object) -> str:
    """Describe the first limit violation of *document*, with its path."""
    stack: list[tuple[object, int, str]] = [(document, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            children: Iterator[tuple[object, str]] = (
                (v, _join(path, _key_text(k))) for k, v in node.items()
            )
        elif isinstance(node, list):
            if len(node) > MAX_LIST_ENTRIES:
                return f"list at {path} has more than {MAX_LIST_ENTRIES} entries"
            children = ((v, f"{path}[{i}]") for i, v in enumerate(node))
        else:
            continue
        if depth > MAX_DEPTH:
            return f"document is nested deeper than the schema allows (at {path})"
        stack.extend((child, depth + 1, child_path) for child, child_path in children)
    raise AssertionError("no limit violation")  # pragma: no cover - caller found one


def validate_document(document: object) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Check a parsed case document against the schema and the cross-field rules.

    Returns:
        The converted field tree (only when there are no problems) and the problems.
    """
    if not isinstance(document, dict):
        return None, [Problem("$", f"a case must be a JSON object, got {_type_name(document)}")]
    limit_problems = check_limits(document)
    if limit_problems:
        return None, limit_problems
    walker = _Walker()
    tree = walker.object(document, model.Case, "$")
    for rule in _CROSS_FIELD_RULES:
        rule(tree, walker.add)
    return (tree if not walker.problems else None), walker.problems


def build_case(tree: Mapping[str, Any]) -> model.Case:
    """Build a :class:`~ascc_salvage.case.Case` from a tree that passed validation."""
    try:
        case: model.Case = _build(model.Case, tree)
    except (TypeError, ValueError) as exc:  # pragma: no cover - validation should catch all
        raise CaseValidationError([Problem("$", f"invalid case: {exc}")]) from exc
    return case


def _build(cls: type, tree: Mapping[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, spec in _fields(cls):
        kwargs[name] = _build_value(tree.get(name), spec)
    return cls(**kwargs)


def _build_value(value: Any, spec: _Spec) -> Any:
    if value is None:
        return None
    if spec.kind == "object":
        return _build(spec.target, value)
    if spec.kind == "list":
        return tuple(_build_value(item, spec.target) for item in value)
    return value


# --- cross-field rules -------------------------------------------------------------------

_Add = Callable[[str, str], None]


def _get(node: Any, *keys: str) -> Any:
    """Return a converted value from the tree, or ``None`` when absent or invalid."""
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
        if node is _INVALID:
            return None
    return node


def _items(node: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = _get(node, key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _not_after(add: _Add, path: str, date: Any, limit: Any, what: str) -> None:
    if isinstance(date, dt.date) and isinstance(limit, dt.date) and date > limit:
        add(path, f"{date.isoformat()} is after {what} ({limit.isoformat()})")


def _dose_per_fraction(add: _Add, path: str, dose: Any, fractions: Any) -> None:
    if isinstance(dose, model.Dose) and isinstance(fractions, int) and fractions >= 1:
        per_fraction = dose.canonical / fractions
        low, high = _DOSE_PER_FRACTION_GY
        if not low <= per_fraction <= high:
            add(
                path,
                f"dose per fraction {per_fraction:.3g} Gy is outside {low:g}–{high:g} Gy",
            )


def _rule_chemoradiotherapy(tree: dict[str, Any], add: _Add) -> None:
    crt = _get(tree, "primary", "chemoradiotherapy")
    if not isinstance(crt, dict):
        return
    base = "primary.chemoradiotherapy"
    start, end = _get(crt, "start_date"), _get(crt, "end_date")
    evaluation = _get(tree, "evaluation_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        add(f"{base}.end_date", "must not be before start_date")
    _not_after(add, f"{base}.end_date", end, evaluation, "the evaluation date")
    _not_after(add, f"{base}.start_date", start, evaluation, "the evaluation date")
    _dose_per_fraction(add, f"{base}.dose", _get(crt, "dose"), _get(crt, "fractions"))
    groin_dose, groin_fractions = _get(crt, "groin_dose"), _get(crt, "groin_fractions")
    if groin_fractions is not None:
        _dose_per_fraction(add, f"{base}.groin_dose", groin_dose, groin_fractions)
        if crt.get("groin_dose") is None:  # absent or null; an invalid one is already reported
            add(f"{base}.groin_fractions", "given without groin_dose")
    if groin_dose is not None and _get(crt, "groins_irradiated") is False:
        add(f"{base}.groin_dose", "groin dose given but groins_irradiated is false")


def _rule_assessments(tree: dict[str, Any], add: _Add) -> None:
    evaluation = _get(tree, "evaluation_date")
    crt_end = _get(tree, "primary", "chemoradiotherapy", "end_date")
    previous: dt.date | None = None
    for i, item in _items(tree, "assessments"):
        date = _get(item, "date")
        path = f"assessments[{i}].date"
        if not isinstance(date, dt.date):
            continue
        _not_after(add, path, date, evaluation, "the evaluation date")
        if isinstance(crt_end, dt.date) and date < crt_end:
            add(path, f"{date.isoformat()} is before the end of chemoradiotherapy")
        if previous is not None and date < previous:
            add(path, "assessments must be in date order")
        previous = date


def _rule_history(tree: dict[str, Any], add: _Add) -> None:
    evaluation = _get(tree, "evaluation_date")
    for i, item in _items(tree, "prior_salvage_surgery"):
        _not_after(
            add,
            f"prior_salvage_surgery[{i}].date",
            _get(item, "date"),
            evaluation,
            "the evaluation date",
        )
    for i, item in _items(tree, "prior_systemic_therapy"):
        base = f"prior_systemic_therapy[{i}]"
        start, end = _get(item, "start_date"), _get(item, "end_date")
        platinum_end = _get(item, "platinum_end_date")
        for name, date in (
            ("start_date", start),
            ("end_date", end),
            ("platinum_end_date", platinum_end),
        ):
            _not_after(add, f"{base}.{name}", date, evaluation, "the evaluation date")
        if isinstance(start, dt.date):
            for name, date in (("end_date", end), ("platinum_end_date", platinum_end)):
                if isinstance(date, dt.date) and date < start:
                    add(f"{base}.{name}", "must not be before start_date")
        if isinstance(platinum_end, dt.date) and isinstance(end, dt.date) and platinum_end > end:
            add(f"{base}.platinum_end_date", "must not be after end_date")
        if "end_date" in item and item["end_date"] is None:
            outcome = _get(item, "outcome")
            if isinstance(outcome, TherapyOutcome) and outcome is not TherapyOutcome.ONGOING:
                add(f"{base}.end_date", "may be null only when the outcome is ongoing")
    for i, item in _items(tree, "prior_radiotherapy"):
        base = f"prior_radiotherapy[{i}]"
        _not_after(
            add, f"{base}.end_date", _get(item, "end_date"), evaluation, "the evaluation date"
        )
        _dose_per_fraction(add, f"{base}.dose", _get(item, "dose"), _get(item, "fractions"))


def _rule_disease(tree: dict[str, Any], add: _Add) -> None:
    disease = _get(tree, "disease")
    if not isinstance(disease, dict):
        return
    sites = _get(disease, "sites")
    if isinstance(sites, list) and not sites:
        add("disease.sites", "must list at least one site (use disease: null for none)")
    for i, item in _items(disease, "sites"):
        station = _get(item, "station")
        site = _get(item, "site")
        if station is not None and isinstance(site, Site) and site is not Site.PELVIC_NODES:
            add(f"disease.sites[{i}].station", "a nodal station applies to pelvic_nodes only")


_CROSS_FIELD_RULES: Final = (
    _rule_chemoradiotherapy,
    _rule_assessments,
    _rule_history,
    _rule_disease,
)
