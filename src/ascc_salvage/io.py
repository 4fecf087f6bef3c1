"""Reading and writing case documents: ``load_case``, ``dump_case`` and the input digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any, Final

import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ascc_salvage import case as model
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.validation import MAX_DOCUMENT_BYTES, build_case, validate_document

__all__ = ["CaseSource", "case_digest", "converter", "dump_case", "load_case", "parse_json"]

#: What :func:`load_case` accepts.
CaseSource = str | bytes | bytearray | os.PathLike[str] | Mapping[str, Any]

#: The cattrs converter that unstructures model objects into JSON-ready values.
converter: Final = cattrs.Converter()
converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
converter.register_unstructure_hook_func(
    lambda tp: isinstance(tp, type) and issubclass(tp, model.Measurement),
    lambda m: {"value": m.value, "unit": m.unit},
)


def _register_model(cls: type) -> None:
    import attrs

    overrides = {
        field.name: override(omit_if_default=True)
        for field in attrs.fields(cls)
        if field.metadata.get("optional")
    }
    converter.register_unstructure_hook(
        cls,
        make_dict_unstructure_fn(cls, converter, **overrides),  # type: ignore[arg-type]
    )


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
    tree, problems = validate_document(document)
    if tree is None:
        raise CaseValidationError(problems)
    return build_case(tree)


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
