"""Reading and writing case documents: ``load_case``, ``dump_case`` and the input digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ascc_salvage import case as model
from ascc_salvage._modelcheck import (
    check_values,
    field_specs,
    key_text,
    prefixed,
    type_name,
)
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.validation import MAX_DOCUMENT_BYTES, check_limits

__all__ = ["CaseSource", "case_digest", "converter", "dump_case", "load_case", "parse_json"]

#: What :func:`load_case` accepts.
CaseSource = str | bytes | bytearray | os.PathLike[str] | Mapping[str, Any]

#: The library's cattrs converter: case documents in (strict, every problem by path) and out.
converter: Final = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
converter.register_unstructure_hook_func(
    lambda tp: isinstance(tp, type) and issubclass(tp, model.Measurement),
    lambda m: {"value": m.value, "unit": m.unit},
)


def _register_model(cls: type) -> None:
    overrides = {
        field.name: override(omit_if_default=True)
        for field in attrs.fields(cls)
        if field.metadata.get("optional")
    }
    converter.register_unstructure_hook(
        cls,
        make_dict_unstructure_fn(cls, converter, **overrides),  # type: ignore[arg-type]
    )


def _is_case_class(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, model._CaseObject)


def _is_nested(tp: Any) -> bool:
    """Whether a field of type *tp* holds case objects (structured by their own hooks)."""
    args = [a for a in typing.get_args(tp) if a is not type(None) and a is not Ellipsis]
    return _is_case_class(tp) or any(_is_nested(a) for a in args)


def _raw(value: Any, _: Any) -> Any:
    """Leaves pass through: the case class checks and converts them when it is built."""
    return value


def _class_hook(cls: type) -> Callable[[Any, Any], Any]:
    """Structure hook of a case class: nested objects by cattrs, leaves by the class."""
    hints = typing.get_type_hints(cls)
    nested = {name: tp for name, tp in hints.items() if _is_nested(tp)}
    leaves: dict[str, Any] = {
        spec.name: override(struct_hook=_raw)
        for spec in field_specs(cls)
        if spec.name not in nested
    }
    generated: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        **leaves,
    )

    def structure(raw: Any, _: Any) -> Any:
        if not isinstance(raw, dict):
            raise CaseValidationError([Problem("$", f"expected an object, got {type_name(raw)}")])
        try:
            return generated(raw, cls)
        except ClassValidationError as exc:
            raise CaseValidationError(_partial_problems(cls, raw, exc, nested)) from None

    return structure


def _partial_problems(
    cls: type, raw: dict[str, Any], exc: ClassValidationError, nested: dict[str, Any]
) -> Sequence[Problem]:
    """Problems of an object some of whose keys or nested objects failed.

    The object's own field checks and the rules that do not read a failed field still run,
    so that every problem is reported at once.
    """
    problems: list[Problem] = []
    unknown: list[Problem] = []
    failed: set[str] = set()
    for error in exc.exceptions:
        if isinstance(error, ForbiddenExtraKeysError):
            unknown = [Problem(key_text(k), "unknown key") for k in raw if k in error.extra_fields]
            continue
        names = [n.name for n in getattr(error, "__notes__", ()) if hasattr(n, "name")]
        if not names and isinstance(error, CaseValidationError):
            return error.errors  # raised by the constructor: every field structured
        name = names[0]
        failed.add(name)
        if isinstance(error, KeyError):
            problems.append(Problem(name, "required key is missing"))
        elif isinstance(error, CaseValidationError):
            problems.extend(prefixed(error.errors, name))
        else:  # pragma: no cover - every hook raises CaseValidationError
            problems.append(Problem(name, str(error)))
    values: dict[str, Any] = {}
    for spec in field_specs(cls):
        if spec.name in failed:
            continue
        if spec.name not in raw:  # an omitted optional key (a missing required one failed)
            values[spec.name] = None
        elif spec.name in nested:
            values[spec.name] = converter.structure(raw[spec.name], nested[spec.name])
        else:
            values[spec.name] = raw[spec.name]
    _, own = check_values(cls, values, frozenset(failed))
    return unknown + problems + own


def _items_hook(tp: Any) -> Callable[[Any, Any], Any]:
    """Structure hook of a list of case objects: every item's problems, by index."""
    (item_type, _) = typing.get_args(tp)

    def structure(raw: Any, _: Any) -> tuple[Any, ...]:
        if not isinstance(raw, list):
            raise CaseValidationError([Problem("$", f"expected a list, got {type_name(raw)}")])
        items: list[Any] = []
        problems: list[Problem] = []
        for i, value in enumerate(raw):
            try:
                items.append(converter.structure(value, item_type))
            except CaseValidationError as exc:
                problems.extend(prefixed(exc.errors, f"[{i}]"))
        if problems:
            raise CaseValidationError(problems)
        return tuple(items)

    return structure


converter.register_structure_hook_factory(_is_case_class, _class_hook)


def _is_case_list(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and bool(args) and _is_case_class(args[0])


converter.register_structure_hook_factory(_is_case_list, _items_hook)


for _cls in (
    model.Hiv,
    model.Patient,
    model.Stage,
    model.Chemoradiotherapy,
    model.Primary,
    model.Assessment,
    model.DiseaseSite,
    model.Disease,
    model.PriorSalvageSurgery,
    model.PriorSystemicTherapy,
    model.PriorRadiotherapy,
    model.Facility,
    model.Case,
):
    _register_model(_cls)


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def parse_json(text: str | bytes | bytearray) -> Any:
    """Parse JSON text for a case, refusing oversized, duplicate-key or malformed input.

    Raises:
        CaseValidationError: With one problem at ``$``.
    """
    if _size_in_bytes(text) > MAX_DOCUMENT_BYTES:
        raise CaseValidationError(
            [Problem("$", f"document is larger than {MAX_DOCUMENT_BYTES} bytes")]
        )
    try:
        if not isinstance(text, str):
            # Decode here, strictly: json.loads would guess UTF-16/UTF-32 from the first
            # bytes and decode UTF-8 with "surrogatepass". A UTF-8 byte order mark is
            # tolerated (RFC 8259 §8.1), as json.loads did.
            text = bytes(text).decode("utf-8-sig")
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKeyError as exc:
        raise CaseValidationError([Problem("$", f"duplicate key {exc.args[0]!r}")]) from None
    except RecursionError:
        raise CaseValidationError(
            [Problem("$", "document is nested deeper than the schema allows")]
        ) from None
    except UnicodeDecodeError as exc:
        raise CaseValidationError([Problem("$", f"not UTF-8 text: {exc.reason}")]) from None
    except json.JSONDecodeError as exc:
        raise CaseValidationError(
            [Problem("$", f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")]
        ) from None
    except ValueError as exc:  # e.g. an integer literal over the int/str conversion limit
        raise CaseValidationError([Problem("$", f"invalid JSON: {exc}")]) from None


def _size_in_bytes(text: str | bytes | bytearray) -> int:
    """Size of the document in bytes (``str`` counts as its UTF-8 encoding)."""
    if not isinstance(text, str) or len(text) > MAX_DOCUMENT_BYTES:
        return len(text)  # a str never has fewer UTF-8 bytes than characters
    return len(text.encode("utf-8", "surrogatepass"))


def load_case(source: CaseSource) -> model.Case:
    """Load and validate a case.

    Args:
        source: JSON text (``str``/``bytes``), a path to a UTF-8 JSON file, or a parsed
            document (mapping).

    Returns:
        The validated, immutable case.

    Raises:
        CaseValidationError: Listing every problem by field path.
        OSError: Only when opening a path fails.

    >>> load_case('{"schema_version": 1}')
    Traceback (most recent call last):
    ...
    ascc_salvage.errors.CaseValidationError: evaluation_date: required key is missing
    ...
    """
    document: Any
    if isinstance(source, str | bytes | bytearray):
        document = parse_json(source)
    elif isinstance(source, os.PathLike):
        with open(source, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
        document = parse_json(data)
    elif isinstance(source, Mapping):
        document = dict(source)
    else:
        raise CaseValidationError(
            [Problem("$", f"cannot read a case from {type(source).__name__}")]
        )
    if not isinstance(document, dict):
        raise CaseValidationError(
            [Problem("$", f"a case must be a JSON object, got {type_name(document)}")]
        )
    problems = check_limits(document)
    if problems:
        raise CaseValidationError(problems)
    case: model.Case = converter.structure(document, model.Case)
    return case


def dump_case(case: model.Case) -> dict[str, Any]:
    """Return the JSON-ready document of *case* (the exact inverse of :func:`load_case`).

    Measurements keep their value and unit as received; optional keys that are null are
    omitted (omitted and null mean the same).
    """
    document: dict[str, Any] = converter.unstructure(case, model.Case)
    return document


#: Canonical JSON for the digest: ``json.dumps(..., sort_keys=True, separators=(",", ":"),
#: ensure_ascii=False, allow_nan=False)``, built once (the documents are never circular).
_CANONICAL: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
)


def case_digest(case: model.Case) -> str:
    """Return ``"sha256:<hex>"`` of the canonical JSON of *case* (no personal data kept)."""
    text = _CANONICAL.encode(dump_case(case))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
