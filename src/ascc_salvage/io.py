"""Reading and writing case and result documents, and the input digest.

Both kinds of document are read by the library's one cattrs converter, :data:`converter`,
which also reads the knowledge base; it is defined, with its strict leaf hooks, in
``ascc_salvage._convert`` (whose docstring says how it serves all three) and re-exported
here. This module registers the case hooks (each case class is structured through its
constructor: nested objects by cattrs, every leaf field passed through to the class's own
checks, so the strict leaf hooks never see a case value) and the result hooks (one
hand-written hook per result and plan class, with the result format's own rules).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import math
import os
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

import attrs
import orjson
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ascc_salvage import _convert
from ascc_salvage import case as model
from ascc_salvage import result as res
from ascc_salvage._convert import is_integer, is_number
from ascc_salvage._fastcase import canonical_writer, load_text, structure_case
from ascc_salvage._modelcheck import (
    _DATE_RE,
    check_values,
    field_specs,
    join,
    key_path,
    prefixed,
    short,
    type_name,
)
from ascc_salvage.calculators.dose_plan import (
    RADIOTHERAPY_PLAN_OPTIONS,
    AnyDosePlan,
    DosePlan,
    DrugPlan,
    RadiotherapyPlan,
    UndeterminedDosePlan,
)
from ascc_salvage.calculators.radiobiology import eqd2_gy
from ascc_salvage.calculators.reirradiation import OrganDose
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.knowledge import DOSE_RULE_UNITS, DoseRule
from ascc_salvage.validation import MAX_DOCUMENT_BYTES, check_limits
from ascc_salvage.vocabulary import (
    CriterionResult,
    DiseaseStatus,
    Flag,
    Intent,
    Jurisdiction,
    OptionId,
    Tier,
    WarningCode,
)

__all__ = [
    "CaseSource",
    "ResultSource",
    "case_digest",
    "converter",
    "dump_case",
    "load_case",
    "load_result",
    "parse_json",
]

#: What :func:`load_case` accepts.
CaseSource = str | bytes | bytearray | os.PathLike[str] | Mapping[str, Any]

#: The library's cattrs converter: case documents, result documents and knowledge-base items
#: in (strict, every problem by path), cases and results out. One object, shared with the
#: knowledge-base loader.
converter: Final = _convert.converter
converter.register_unstructure_hook_func(
    lambda tp: isinstance(tp, type) and issubclass(tp, model.Measurement),
    lambda m: {"value": m.value, "unit": m.unit},
)


def _register_model(cls: type) -> None:
    # Every key is written, optional ones included (null, [] or the default), in field order.
    # The function is generated on first use (dump_case, a digest the fast writer cannot
    # give): importing the library for a recommendation does not pay for it (≈ 13 ms for the
    # 19 classes). A subclass is written as its model class, as by a class hook.
    converter.register_unstructure_hook_factory(
        lambda tp: isinstance(tp, type) and issubclass(tp, cls),
        lambda _: _unstructure_function(cls),
    )


@functools.cache
def _unstructure_function(cls: type) -> Callable[[Any], dict[str, Any]]:
    """The unstructure function cattrs generates for the case class *cls* (made once)."""
    return make_dict_unstructure_fn(cls, converter)


def _default_of(cls: type, name: str) -> Any:
    """The value an omitted optional key takes (its field default)."""
    return attrs.fields_dict(cls)[name].default


def _is_case_class(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, model._CaseObject)


def _is_nested(tp: Any) -> bool:
    """Whether a field of type *tp* holds case objects (structured by their own hooks)."""
    args = [a for a in typing.get_args(tp) if a is not type(None) and a is not Ellipsis]
    return _is_case_class(tp) or any(_is_nested(a) for a in args)


def _raw(value: Any, _: Any) -> Any:
    """Leaves pass through: the case class checks and converts them when it is built."""
    return value


def _required_with_default(cls: type) -> frozenset[str]:
    """Keys a document must hold although the constructor has a default for them.

    The constructors default nullable fields to ``None`` and ``schema_version`` to the
    current version, but a case document must still spell those keys out (only the optional
    keys of the case format may be omitted); cattrs would take the default, so they are
    checked here.
    """
    return frozenset(
        field.name
        for field in attrs.fields(cls)
        if field.init and not field.metadata["optional"] and field.default is not attrs.NOTHING
    )


def _class_hook(cls: type) -> Callable[[Any, Any], Any]:
    """Structure hook of a case class: nested objects by cattrs, leaves by the class."""
    hints = typing.get_type_hints(cls)
    nested = {name: tp for name, tp in hints.items() if _is_nested(tp)}
    required = _required_with_default(cls)
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
        absent = frozenset() if required <= raw.keys() else required - raw.keys()
        try:
            built = generated(raw, cls)
        except ClassValidationError as exc:
            raise CaseValidationError(_partial_problems(cls, raw, exc, nested, absent)) from None
        if absent:
            raise CaseValidationError(_partial_problems(cls, raw, None, nested, absent))
        return built

    return structure


def _partial_problems(
    cls: type,
    raw: dict[str, Any],
    exc: ClassValidationError | None,
    nested: dict[str, Any],
    absent: frozenset[str] = frozenset(),
) -> Sequence[Problem]:
    """Problems of an object some of whose keys or nested objects failed.

    *absent* are required keys missing from *raw* that cattrs filled with the constructor's
    default (see :func:`_required_with_default`). The object's own field checks and the rules
    that do not read a failed field still run, so that every problem is reported at once.
    """
    by_field: dict[str, list[Problem]] = {
        name: [Problem(name, "required key is missing")] for name in absent
    }
    unknown: list[Problem] = []
    failed: set[str] = set(absent)
    for error in () if exc is None else exc.exceptions:
        if isinstance(error, ForbiddenExtraKeysError):
            unknown = [Problem(key_path(k), "unknown key") for k in raw if k in error.extra_fields]
            continue
        names = [n.name for n in getattr(error, "__notes__", ()) if hasattr(n, "name")]
        if not names:  # raised by the constructor: every field structured
            if isinstance(error, CaseValidationError):
                if absent:  # built with a default in place of a missing key: checked below
                    continue
                return error.errors
            raise error  # pragma: no cover - a constructor bug, not a problem of the document
        name = names[0]
        failed.add(name)
        if isinstance(error, KeyError):
            by_field[name] = [Problem(name, "required key is missing")]
        elif isinstance(error, CaseValidationError):
            by_field[name] = list(prefixed(error.errors, name))
        else:  # pragma: no cover - every hook raises CaseValidationError
            by_field[name] = [Problem(name, str(error))]
    # In field order, as cattrs reports them.
    problems = [problem for field in attrs.fields(cls) for problem in by_field.get(field.name, ())]
    values: dict[str, Any] = {}
    for spec in field_specs(cls):
        if spec.name in failed:
            continue
        if spec.name not in raw:  # an omitted optional key (a missing required one failed)
            values[spec.name] = _default_of(cls, spec.name)
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
    model.HepaticFunction,
    model.PdL1Test,
    model.Biomarkers,
    model.Patient,
    model.Stage,
    model.RadiotherapyPhase,
    model.Chemoradiotherapy,
    model.Primary,
    model.SiteFinding,
    model.Assessment,
    model.DiseaseSite,
    model.DiseaseSymptom,
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
    result = dict(pairs)
    if len(result) == len(pairs):  # the usual case, checked in C
        return result
    seen: set[str] = set()
    for key, _ in pairs:  # pragma: no branch - a key repeats (the lengths differ)
        if key in seen:
            raise _DuplicateKeyError(key)
        seen.add(key)
    raise AssertionError("unreachable")  # pragma: no cover


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
        source: JSON text (``str``/``bytes``), a path to a UTF-8 JSON file (a
            :class:`pathlib.Path` or another ``os.PathLike``; a ``str`` is always JSON text),
            or a parsed document (mapping).

    Returns:
        The validated, immutable case.

    Raises:
        CaseValidationError: Listing every problem by field path. A ``str`` that is not
            a case document but names a file (it ends in ``.json`` or the file exists) gets
            one problem at ``$`` saying to pass ``pathlib.Path(...)``.
        OSError: Only when opening a path fails.

    >>> load_case('{"schema_version": 1}')
    Traceback (most recent call last):
    ...
    ascc_salvage.errors.CaseValidationError: evaluation_date: required key is missing
    ...
    """
    document: Any
    if isinstance(source, str | bytes | bytearray) and _size_in_bytes(source) <= MAX_DOCUMENT_BYTES:
        case = load_text(source)  # a well-formed document in one pass
        if case is not None:
            return case
    if isinstance(source, str):
        try:
            document = parse_json(source)
        except CaseValidationError as error:
            if _names_a_file(source):
                raise _path_hint(source, error.errors[0].message) from None
            raise
        if not isinstance(document, dict) and _names_a_file(source):
            raise _path_hint(source, f"a case must be a JSON object, got {type_name(document)}")
    elif isinstance(source, bytes | bytearray):
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
    return _structure_case(document)


def _structure_case(document: dict[str, Any]) -> model.Case:
    """The case of a parsed *document*: one pass when it is well formed, else the full path."""
    case = structure_case(document)
    if case is not None:
        return case
    return _structure_case_fully(document)


def _structure_case_fully(document: dict[str, Any]) -> model.Case:
    """The case of a parsed *document* by the full path, which reports every problem."""
    problems = check_limits(document)
    if problems:
        raise CaseValidationError(problems)
    problems = []
    document = _versioned_keys(document, model.Case, "$", _version_of(document), problems)
    try:
        case: model.Case = _at_root(converter.structure, document, model.Case)
    except CaseValidationError as error:
        raise CaseValidationError([*problems, *error.errors]) from None
    if problems:
        raise CaseValidationError(problems)
    return _with_effective_pd_l1(case)


def _names_a_file(text: str) -> bool:
    """Whether *text* reads as a file name: it ends in ``.json`` or names an existing file."""
    if len(text) > 4096 or "\n" in text:
        return False
    return text.rstrip().lower().endswith(".json") or os.path.isfile(text)


def _path_hint(text: str, reason: str) -> CaseValidationError:
    """The error at ``$`` for a ``str`` that names a file: say to pass a :class:`pathlib.Path`.

    ``load_case`` reads a ``str`` as JSON text (``api.md``), never as a file name.
    """
    message = (
        f"{reason}; a str is read as JSON text, not as a file name: to read the file, "
        f"pass pathlib.Path({text!r})"
    )
    return CaseValidationError([Problem("$", message)])


def _version_of(document: Mapping[str, Any]) -> int:
    """The schema version a document declares (2 when it is not a valid version)."""
    version = document.get("schema_version")
    return 1 if type(version) is int and version == 1 else model.CASE_SCHEMA_VERSION


@functools.cache
def _version_plan(cls: type) -> tuple[frozenset[str], frozenset[str], tuple[Any, ...]]:
    """Per case class: keys new in schema 2, keys optional from schema 2, nested fields."""
    fields = attrs.fields(cls)
    later = frozenset(f.name for f in fields if f.metadata.get("since", 1) > 1)
    optional_later = frozenset(f.name for f in fields if f.metadata.get("optional_since"))
    nested = tuple(
        (spec.name, spec.target, spec.kind == "list")
        for spec in field_specs(cls)
        if spec.kind in ("object", "list") and _is_case_class(spec.target)
    )
    return later, optional_later, nested


@functools.cache
def _has_version_keys(cls: type, version: int) -> bool:
    """Whether *cls* or a class nested in it has key rules for documents of *version*."""
    later, optional_later, nested = _version_plan(cls)
    own = later if version == 1 else optional_later
    return bool(own) or any(_has_version_keys(target, version) for _, target, _ in nested)


def _versioned_keys(raw: Any, cls: type, path: str, version: int, problems: list[Problem]) -> Any:
    """Apply the key rules of the document's schema version to *raw* (a *cls* object).

    In a schema 1 document a schema 2 key is an unknown key (reported, then dropped so that
    the rest is still checked); in a schema 2 document a key that became optional in
    schema 2 (``patient.pd_l1_cps``) may be omitted (it is filled in as null).
    """
    if not isinstance(raw, dict) or not _has_version_keys(cls, version):
        return raw  # reported by the class hook, or nothing to do in this object
    later, optional_later, nested = _version_plan(cls)
    out = raw
    if version == 1:
        if not later.isdisjoint(raw):
            problems.extend(Problem(join(path, key), "unknown key") for key in raw if key in later)
            out = {key: value for key, value in raw.items() if key not in later}
    elif not optional_later <= raw.keys():
        out = {**raw, **{key: None for key in optional_later if key not in raw}}
    for name, target, is_list in nested:
        value = out.get(name)
        where = join(path, name)
        if is_list and isinstance(value, list):
            items = [
                _versioned_keys(item, target, f"{where}[{i}]", version, problems)
                for i, item in enumerate(value)
            ]
            changed = any(new is not old for new, old in zip(items, value, strict=True))
        else:
            items = _versioned_keys(value, target, where, version, problems)
            changed = items is not value
        if changed:
            if out is raw:
                out = dict(raw)
            out[name] = items
    return out


def _with_effective_pd_l1(case: model.Case) -> model.Case:
    """*case* with ``pd_l1_cps`` and ``biomarkers.pd_l1`` both filled in when one is given.

    ``pd_l1_cps`` alone (every schema 1 document) becomes a test of unknown assay, specimen
    and date; tests alone set ``pd_l1_cps`` to the effective CPS (clinical pathway §5.1).
    """
    patient = case.patient
    tests = patient.biomarkers.pd_l1
    if tests:
        if patient.pd_l1_cps is not None:
            return case  # equal to the effective CPS (checked)
        effective = patient.biomarkers.effective_pd_l1
        assert effective is not None
        patient = attrs.evolve(patient, pd_l1_cps=effective.cps)
    elif patient.pd_l1_cps is None:
        return case
    else:
        upgraded = model.PdL1Test(cps=patient.pd_l1_cps)
        patient = attrs.evolve(
            patient, biomarkers=attrs.evolve(patient.biomarkers, pd_l1=(upgraded,))
        )
    return attrs.evolve(case, patient=patient)


def dump_case(case: model.Case) -> dict[str, Any]:
    """Return the JSON-ready schema 2 document of *case* (the inverse of :func:`load_case`).

    Every key is written, optional ones included (null, ``[]`` or the default), in the
    order of the case format. Measurements keep their value and unit as received.
    ``patient.pd_l1_cps`` is the effective CPS, and a CPS given without tests is written
    as a test of unknown assay, specimen and date (the schema 1 upgrade), so that a schema 1
    document and its schema 2 equivalent give the same document.
    """
    document: dict[str, Any] = converter.unstructure(_with_effective_pd_l1(case), model.Case)
    document["schema_version"] = model.CASE_SCHEMA_VERSION
    return document


#: Canonical JSON for the digest: ``json.dumps(..., sort_keys=True, separators=(",", ":"),
#: ensure_ascii=False, allow_nan=False)``, built once (the documents are never circular).
_CANONICAL: Final = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
)


def case_digest(case: model.Case) -> str:
    """Return ``"sha256:<hex>"`` of the canonical JSON of *case* (no personal data kept)."""
    text = _fast_canonical_bytes(case)
    if text is None:
        text = _canonical_bytes(dump_case(case))
    return "sha256:" + hashlib.sha256(text).hexdigest()


# --- The digest's canonical text, written fast ---------------------------------------------
#
# ``_canonical_bytes(dump_case(case))`` unstructures the case through cattrs, which dispatches
# every optional and list field through a generic hook (about half of the digest's time). The
# writer of ``_fastcase.canonical_writer`` builds the same document for orjson directly (see
# there). Whatever orjson refuses, or writes in a way that may differ (a text with ``e-`` or
# ``0.0000``, see _canonical_bytes), goes the standard way, so the bytes are always those of
# ``_canonical_bytes(dump_case(case))`` (tests/foundation/test_case_digest_bytes.py compares
# them on every corpus of the tests).


def _fast_canonical_bytes(case: model.Case) -> bytes | None:
    """``_canonical_bytes(dump_case(case))`` where the generated writer gives it, else ``None``."""
    document = canonical_writer()(_with_effective_pd_l1(case))
    document["schema_version"] = model.CASE_SCHEMA_VERSION  # a key already in place
    try:
        text = orjson.dumps(document)  # the writer puts every key in sorted order
    except TypeError:  # orjson.JSONEncodeError: a value it refuses
        return None
    if b"e-" in text or b"0.0000" in text:
        return None
    return text


def _canonical_bytes(document: dict[str, Any]) -> bytes:
    """``_CANONICAL.encode(document)`` in UTF-8, through orjson where it writes the same bytes.

    orjson (sorted keys) writes a JSON-ready document as the canonical encoder does, about
    eight times faster, except a non-zero float below 1e-4 (``0.00001`` or ``1e-7`` against
    ``1e-05`` and ``1e-07``: any such text contains ``0.0000`` or ``e-``, so the check may
    only be too cautious) and a non-finite one (which a case cannot hold: its numbers are
    checked at construction). It refuses integers beyond 64 bits and lone surrogates.
    """
    try:
        text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError
        text = b"e-"
    if b"e-" in text or b"0.0000" in text:
        text = _CANONICAL.encode(document).encode("utf-8")
    return text


# --- Result documents -------------------------------------------------------------------------
#
# ``load_result`` is the inverse of ``result_to_dict``: one structure hook per result and plan
# class, registered on the same converter as the case hooks. The documents are strict (exactly
# the keys ``result_to_dict`` writes, each of the type it writes) and every problem is reported
# at once, by path. The ``to_dict`` methods stay the writers; the converter's unstructure hooks
# delegate to them, so ``converter.unstructure(result)`` is the same document.

#: What :func:`load_result` accepts.
ResultSource = str | bytes | bytearray | Mapping[str, Any]

_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)
_Read = Callable[[Any], _T]


def _fail(message: str) -> CaseValidationError:
    return CaseValidationError([Problem("$", message)])


class _Object:
    """One JSON object of a result document, read key by key; problems are collected by path.

    Unknown and missing keys are reported first; a key whose value is wrong reports its own
    problems under its name. :meth:`done` raises if anything was wrong, so the values
    returned for failed keys (``None``) are never used.
    """

    def __init__(self, raw: Any, keys: Sequence[str]) -> None:
        if not isinstance(raw, dict):
            raise _fail(f"expected an object, got {type_name(raw)}")
        self.raw: dict[Any, Any] = raw
        self.problems = [Problem(key_path(k), "unknown key") for k in raw if k not in keys]
        self.problems += [Problem(k, "required key is missing") for k in keys if k not in raw]

    def read(self, key: str, reader: _Read[_T]) -> _T:
        if key not in self.raw:
            return None  # type: ignore[return-value]  # reported as missing
        try:
            return reader(self.raw[key])
        except CaseValidationError as exc:
            self.problems.extend(prefixed(exc.errors, key))
            return None  # type: ignore[return-value]  # reported; done() raises

    def done(self) -> None:
        if self.problems:
            raise CaseValidationError(self.problems)


def _string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise _fail(f"expected a string, got {type_name(raw)}")
    return raw


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _fail(f"expected a boolean, got {type_name(raw)}")
    return raw


def _integer(raw: Any) -> int:
    if not is_integer(raw):
        raise _fail(f"expected an integer, got {type_name(raw)}")
    return raw


def _number(raw: Any) -> float:
    """A finite float; an integer is accepted as the float it equals (floats pass unchanged)."""
    if not is_number(raw):
        raise _fail(f"expected a number, got {type_name(raw)}")
    if isinstance(raw, int):
        return float(raw)
    if not math.isfinite(raw):
        raise _fail(f"expected a finite number, got {raw}")
    return float(raw)  # a float subclass (numpy.float64) as a plain float


def _date(raw: Any) -> dt.date:
    if not isinstance(raw, str):
        raise _fail(f"expected a date string YYYY-MM-DD, got {type_name(raw)}")
    if _DATE_RE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _fail(f"{short(raw)} is not a valid date (YYYY-MM-DD)")


def _nullable(reader: _Read[_T]) -> _Read[_T | None]:
    return lambda raw: None if raw is None else reader(raw)


def _member(cls: type[_E]) -> _Read[_E]:
    def read(raw: Any) -> _E:
        for member in cls:
            if raw == member.value and isinstance(raw, str):
                return member
        shown = short(raw) if isinstance(raw, str) else type_name(raw)
        raise _fail(f"{shown} is not one of: {', '.join(str(m.value) for m in cls)}")

    return read


def _items(reader: _Read[_T]) -> _Read[tuple[_T, ...]]:
    """A list read item by item, every item's problems under its index."""

    def read(raw: Any) -> tuple[_T, ...]:
        if not isinstance(raw, list):
            raise _fail(f"expected a list, got {type_name(raw)}")
        items: list[_T] = []
        problems: list[Problem] = []
        for i, value in enumerate(raw):
            try:
                items.append(reader(value))
            except CaseValidationError as exc:
                problems.extend(prefixed(exc.errors, f"[{i}]"))
        if problems:
            raise CaseValidationError(problems)
        return tuple(items)

    return read


def _structured(tp: Any) -> _Read[Any]:
    """Read a nested result object with the converter's hook for *tp*."""
    return lambda raw: converter.structure(raw, tp)


def _quantity(units: Sequence[str], value: _Read[_T]) -> _Read[tuple[_T, str]]:
    """``{"value", "unit"}`` with one of the UCUM *units*, as written by the plans."""

    def read(raw: Any) -> tuple[_T, str]:
        obj = _Object(raw, ("value", "unit"))
        number = obj.read("value", value)
        unit = obj.read("unit", _string)
        if unit is not None and unit not in units:
            obj.problems.append(Problem("unit", f"{short(unit)} is not one of: {', '.join(units)}"))
        obj.done()
        return number, unit

    return read


def _value(unit: str) -> _Read[float]:
    """The float value of a quantity in *unit*."""
    read = _quantity((unit,), _number)
    return lambda raw: read(raw)[0]


_RULE_DOSE: Final = _quantity(tuple(DOSE_RULE_UNITS.values()), _number)
_DAYS: Final = _quantity(("d",), _integer)


def _structure_criterion(raw: Any, _: Any) -> res.Criterion:
    obj = _Object(raw, ("id", "result", "explanation"))
    criterion = res.Criterion(
        obj.read("id", _string),
        obj.read("result", _member(CriterionResult)),
        obj.read("explanation", _string),
    )
    obj.done()
    return criterion


def _structure_missing(raw: Any, _: Any) -> res.MissingInformation:
    return _missing(raw, RESULT_SCHEMA_VERSION)


def _missing(raw: Any, version: int) -> res.MissingInformation:
    obj = _Object(
        raw, ("field", "needed_for", "prompt") if version >= 2 else ("field", "needed_for")
    )
    item = res.MissingInformation(
        obj.read("field", _string),
        obj.read("needed_for", _items(_member(OptionId))),
        obj.read("prompt", _string) if version >= 2 else "",
    )
    obj.done()
    return item


def _structure_warning(raw: Any, _: Any) -> res.ResultWarning:
    obj = _Object(raw, ("code", "message", "fields"))
    warning = res.ResultWarning(
        obj.read("code", _member(WarningCode)),
        obj.read("message", _string),
        obj.read("fields", _items(_string)),
    )
    obj.done()
    return warning


def _structure_drug(raw: Any, _: Any) -> DrugPlan:
    keys = ("drug", "rule", "rule_dose", "route", "days")
    obj = _Object(raw, (*keys, "per_administration", "per_cycle"))
    drug = obj.read("drug", _string)
    rule = obj.read("rule", _member(DoseRule))
    rule_dose, rule_unit = obj.read("rule_dose", _RULE_DOSE) or (None, None)
    if rule is not None and rule_unit is not None and DOSE_RULE_UNITS[rule] != rule_unit:
        obj.problems.append(
            Problem("rule_dose.unit", f"{rule} doses are in {DOSE_RULE_UNITS[rule]!r}")
        )
    plan = (
        drug,
        str(rule),
        rule_dose,
        rule_unit,
        obj.read("route", _string),
        obj.read("days", _items(_integer)),
        obj.read("per_administration", _value("mg")),
        obj.read("per_cycle", _value("mg")),
    )
    obj.done()
    return DrugPlan(*plan)


_BASIS_KEYS: Final = (
    "bsa",
    "bsa_formula",
    "creatinine_clearance",
    "weight_basis",
    "creatinine_floor_applied",
    "gfr_capped",
)


#: The ``basis`` keys of a plan computed with the schema 2 adjustments (all or none).
_ADJUSTED_BASIS_KEYS: Final = (
    "gfr_source",
    "fluorouracil_fraction",
    "paclitaxel_fraction",
    "hepatic_adjustment",
)


_GFR_SOURCES: Final = ("cockcroft_gault", "measured", "dialysis")
_HEPATIC_ADJUSTMENTS: Final = ("none", "reduced")


def _one_of(values: tuple[str, ...]) -> _Read[str]:
    def read(raw: Any) -> str:
        if isinstance(raw, str) and raw in values:
            return raw
        shown = short(raw) if isinstance(raw, str) else type_name(raw)
        raise _fail(f"{shown} is not one of: {', '.join(values)}")

    return read


def _fraction(raw: Any) -> float:
    """A dose fraction: a number above 0 and at most 1."""
    value = _number(raw)
    if not 0 < value <= 1:
        raise _fail(f"{value!r} is not a fraction above 0 and at most 1")
    return value


def _basis(raw: Any) -> dict[str, Any]:
    adjusted = isinstance(raw, dict) and any(key in raw for key in _ADJUSTED_BASIS_KEYS)
    obj = _Object(raw, _BASIS_KEYS + _ADJUSTED_BASIS_KEYS if adjusted else _BASIS_KEYS)
    basis: dict[str, Any] = {
        "bsa_m2": obj.read("bsa", _nullable(_value("m2"))),
        "bsa_formula": obj.read("bsa_formula", _nullable(_string)),
        "creatinine_clearance_ml_min": obj.read(
            "creatinine_clearance", _nullable(_value("mL/min"))
        ),
        "weight_basis": obj.read("weight_basis", _nullable(_string)),
        "creatinine_floor_applied": obj.read("creatinine_floor_applied", _nullable(_boolean)),
        "gfr_capped": obj.read("gfr_capped", _nullable(_boolean)),
    }
    if adjusted:
        basis["adjusted"] = True
        basis["gfr_source"] = obj.read("gfr_source", _nullable(_one_of(_GFR_SOURCES)))
        basis["fluorouracil_fraction"] = obj.read("fluorouracil_fraction", _fraction)
        basis["paclitaxel_fraction"] = obj.read("paclitaxel_fraction", _fraction)
        basis["hepatic_adjustment"] = obj.read(
            "hepatic_adjustment", _nullable(_one_of(_HEPATIC_ADJUSTMENTS))
        )
    obj.done()
    return basis


def _structure_dose_plan(raw: Any, _: Any) -> DosePlan:
    keys = ("regimen", "variant", "basis", "cycle_length", "cycles", "drugs", "alternatives")
    obj = _Object(raw, keys)
    regimen = obj.read("regimen", _string)
    variant = obj.read("variant", _nullable(_string))
    basis = obj.read("basis", _basis)
    cycle_length = obj.read("cycle_length", _DAYS)
    cycles = obj.read("cycles", _nullable(_integer))
    drugs = obj.read("drugs", _items(_structured(DrugPlan)))
    alternatives = obj.read("alternatives", _items(_structured(_ALTERNATIVE_PLAN)))
    obj.done()
    return DosePlan(
        regimen=regimen,
        variant=variant,
        agent=None,
        cycle_length_days=cycle_length[0],
        cycles=cycles,
        drugs=drugs,
        alternatives=tuple(
            attrs.evolve(plan, regimen=regimen) if isinstance(plan, UndeterminedDosePlan) else plan
            for plan in alternatives
        ),
        **basis,
    )


def _structure_undetermined(raw: Any, _: Any) -> UndeterminedDosePlan:
    obj = _Object(raw, ("undetermined",))
    missing = obj.read("undetermined", _items(_string))
    obj.done()
    return UndeterminedDosePlan("", missing)  # the regimen is the enclosing option's


def _structure_organ(raw: Any, _: Any) -> OrganDose:
    obj = _Object(raw, ("organ", "alpha_beta", "value", "limit"))
    organ = OrganDose(
        obj.read("organ", _string),
        obj.read("alpha_beta", _value("Gy")),
        math.nan,  # not in the document: the radiotherapy plan's hook recomputes it
        obj.read("value", _value("Gy")),
        obj.read("limit", _nullable(_value("Gy"))),
    )
    obj.done()
    return organ


def _structure_radiotherapy(raw: Any, _: Any) -> RadiotherapyPlan:
    keys = ("total_dose", "fractions", "dose_per_fraction", "cumulative_eqd2", "nominal")
    obj = _Object(raw, keys)
    total = obj.read("total_dose", _value("Gy"))
    fractions = obj.read("fractions", _integer)
    per_fraction = obj.read("dose_per_fraction", _value("Gy"))
    organs = obj.read("cumulative_eqd2", _items(_structured(OrganDose)))
    nominal = obj.read("nominal", _boolean)
    obj.done()
    return RadiotherapyPlan(
        option="",  # the enclosing option's
        total_dose_gy=total,
        fractions=fractions,
        dose_per_fraction_gy=per_fraction,
        cumulative_eqd2=tuple(
            attrs.evolve(
                organ,
                previous_eqd2_gy=organ.cumulative_eqd2_gy
                - eqd2_gy(total, per_fraction, organ.alpha_beta_gy),
            )
            for organ in organs
        ),
        nominal=nominal,
    )


_PLAN_CLASSES: Final = frozenset({DosePlan, UndeterminedDosePlan, RadiotherapyPlan})

#: The plan types a ``dose_plan`` and an ``alternatives`` entry hold.
_ANY_PLAN: Final[Any] = DosePlan | UndeterminedDosePlan | RadiotherapyPlan
_ALTERNATIVE_PLAN: Final[Any] = DosePlan | UndeterminedDosePlan

#: The key that tells each kind of dose plan apart.
_PLAN_KEYS: Final = (
    ("undetermined", UndeterminedDosePlan),
    ("regimen", DosePlan),
    ("total_dose", RadiotherapyPlan),
)


def _is_plan_union(tp: Any) -> bool:
    args = typing.get_args(tp)
    return isinstance(tp, types.UnionType) and set(args) <= _PLAN_CLASSES


def _structure_any_plan(raw: Any, tp: Any) -> Any:
    """A dose plan of the kind its keys show: ``undetermined``, ``regimen``, ``total_dose``."""
    if not isinstance(raw, dict):
        raise _fail(f"expected an object, got {type_name(raw)}")
    for key, cls in _PLAN_KEYS:
        if key in raw and cls in typing.get_args(tp):
            return converter.structure(raw, cls)
    expected = " or ".join(repr(key) for key, cls in _PLAN_KEYS if cls in typing.get_args(tp))
    raise _fail(f"not a dose plan: expected the key {expected}")


def _plan_of(option: OptionId | None) -> _Read[Any]:
    """Read the ``dose_plan`` of *option* (``None`` when the option id itself is invalid)."""

    def read(raw: Any) -> Any:
        plan = converter.structure(raw, _ANY_PLAN)
        if option is None:
            return plan
        radiotherapy = option in RADIOTHERAPY_PLAN_OPTIONS
        if isinstance(plan, RadiotherapyPlan) is not radiotherapy and not isinstance(
            plan, UndeterminedDosePlan
        ):
            kind = "a radiotherapy" if radiotherapy else "a drug"
            raise _fail(f"the plan of {option} must be {kind} plan")
        if isinstance(plan, RadiotherapyPlan):
            return attrs.evolve(plan, option=str(option))
        if isinstance(plan, UndeterminedDosePlan):
            return attrs.evolve(plan, regimen=str(option))
        return plan

    return read


_OPTION_KEYS_1: Final = (
    "option", "tier", "intent", "criteria", "flags", "evidence", "rationale", "dose_plan"
)  # fmt: skip
_OPTION_KEYS_2: Final = ("option", "label", "tier", "rule", *_OPTION_KEYS_1[2:])


def _structure_option(raw: Any, _: Any) -> res.OptionResult:
    return _option(raw, RESULT_SCHEMA_VERSION)


def _option(raw: Any, version: int) -> res.OptionResult:
    obj = _Object(raw, _OPTION_KEYS_2 if version >= 2 else _OPTION_KEYS_1)
    option = obj.read("option", _member(OptionId))
    label = obj.read("label", _string) if version >= 2 else ""
    tier = obj.read("tier", _member(Tier))
    rule = obj.read("rule", _rule_id) if version >= 2 else ""
    fields = (
        option,
        tier,
        obj.read("intent", _member(Intent)),
        obj.read("criteria", _items(_structured(res.Criterion))),
        obj.read("flags", _items(_member(Flag))),
        obj.read("evidence", _items(_string)),
        obj.read("rationale", _string),
        obj.read("dose_plan", _nullable(_plan_of(option))),
    )
    obj.done()
    return res.OptionResult(*fields, rules=(rule,) if rule else (), label=label or "")


_RESULT_KEYS: Final = (
    "schema_version",
    "input_schema_version",
    *(
        f.name
        for f in attrs.fields(res.Result)
        if f.name not in ("schema_version", "input_schema_version")
    ),
)
#: The result schema that :func:`load_result` reads when a document's version is not 1.
RESULT_SCHEMA_VERSION: Final = model.SCHEMA_VERSION


def _structure_result(raw: Any, _: Any) -> res.Result:
    # Result schema 1 (written by the library before pathway v3) is still read; its options
    # have no label or rule, its missing information no prompt, and the case was schema 1.
    version = 1 if isinstance(raw, dict) and raw.get("schema_version") == 1 else 2
    keys = (
        _RESULT_KEYS
        if version >= 2
        else tuple(k for k in _RESULT_KEYS if k != "input_schema_version")
    )
    obj = _Object(raw, keys)
    result = res.Result(
        schema_version=obj.read("schema_version", _result_version),
        input_schema_version=(
            obj.read("input_schema_version", _input_version) if version >= 2 else 1
        ),
        library_version=obj.read("library_version", _string),
        knowledge_base_version=obj.read("knowledge_base_version", _string),
        evaluation_date=obj.read("evaluation_date", _date),
        jurisdiction=obj.read("jurisdiction", _nullable(_member(Jurisdiction))),
        input_digest=obj.read("input_digest", _string),
        disease_status=obj.read("disease_status", _member(DiseaseStatus)),
        histologically_confirmed=obj.read("histologically_confirmed", _boolean),
        after_salvage_surgery=obj.read("after_salvage_surgery", _boolean),
        weeks_from_crt_start=obj.read("weeks_from_crt_start", _nullable(_number)),
        next_assessment_date=obj.read("next_assessment_date", _nullable(_date)),
        options=obj.read("options", _items(lambda item: _option(item, version))),
        missing_information=obj.read(
            "missing_information", _items(lambda item: _missing(item, version))
        ),
        warnings=obj.read("warnings", _items(_structured(res.ResultWarning))),
    )
    obj.done()
    return result


def _rule_id(raw: Any) -> str:
    rule = _string(raw)
    if not rule:
        raise _fail("a rule id must not be empty")
    return rule


def _result_version(raw: Any) -> int:
    version = _integer(raw)
    if version not in (1, RESULT_SCHEMA_VERSION):
        raise _fail(f"result schema {version} is not one of: 1, {RESULT_SCHEMA_VERSION}")
    return version


def _input_version(raw: Any) -> int:
    version = _integer(raw)
    if version not in model.CASE_SCHEMA_VERSIONS:
        raise _fail(f"case schema {version} is not one of: 1, 2")
    return version


_RESULT_HOOKS: Final[tuple[tuple[type, Callable[[Any, Any], Any]], ...]] = (
    (res.Criterion, _structure_criterion),
    (res.MissingInformation, _structure_missing),
    (res.ResultWarning, _structure_warning),
    (res.OptionResult, _structure_option),
    (DrugPlan, _structure_drug),
    (DosePlan, _structure_dose_plan),
    (UndeterminedDosePlan, _structure_undetermined),
    (OrganDose, _structure_organ),
    (RadiotherapyPlan, _structure_radiotherapy),
)
# OptionResult.dose_plan is annotated with the plan union, which the result module imports for
# type checkers only (the plans import pint); resolve the annotation here, where they are loaded.
attrs.resolve_types(res.OptionResult, localns={"AnyDosePlan": AnyDosePlan})
for _result_cls, _hook in _RESULT_HOOKS:
    converter.register_structure_hook(_result_cls, _hook)
    converter.register_unstructure_hook(_result_cls, lambda value: value.to_dict())
converter.register_structure_hook(res.Result, _structure_result)
converter.register_unstructure_hook(res.Result, res.result_to_dict)
converter.register_structure_hook_func(_is_plan_union, _structure_any_plan)


def load_result(source: ResultSource) -> res.Result:
    """Load a result document (the inverse of :func:`~ascc_salvage.result_to_dict`).

    ``result_to_dict(load_result(document)) == document`` for every document the library
    writes; floats come back unchanged and ``dose_plan`` as the plan classes
    (:class:`~ascc_salvage.calculators.DosePlan`,
    :class:`~ascc_salvage.calculators.UndeterminedDosePlan`,
    :class:`~ascc_salvage.calculators.RadiotherapyPlan`), chosen by the plan's keys. Unknown
    keys, missing keys, wrong types, unknown enum values and quantities in another unit are
    errors.

    Result schema 1 documents (written before pathway v3) are read too, with empty labels and
    prompts and ``input_schema_version`` 1. Attributes the document does not hold get neutral
    values: criteria have no ``missing`` fields and options hold only their final rule id in
    ``rules``; drug plans have no ``agent`` or ``supportive_care``; drugs
    are given every cycle without a cycle cap; undetermined plans name only their regimen. The
    radiotherapy plan's ``option`` and an undetermined plan's ``regimen`` are the enclosing
    option's (or regimen's), and each organ's ``previous_eqd2_gy`` is recomputed from its
    cumulative EQD2 and the planned course (equal up to float rounding).

    Args:
        source: JSON text (``str``/``bytes``) or a parsed document (mapping).

    Returns:
        The result.

    Raises:
        CaseValidationError: The same error type as for cases, listing every problem by path
            (``options[3].dose_plan.drugs[0].per_cycle.value``); a subclass would add nothing
            a caller can act on.

    >>> load_result('{"schema_version": 1}')
    Traceback (most recent call last):
    ...
    ascc_salvage.errors.CaseValidationError: library_version: required key is missing
    ...
    """
    document: Any
    if isinstance(source, str | bytes | bytearray):
        document = parse_json(source)
    elif isinstance(source, Mapping):
        document = dict(source)
    else:
        raise _fail(f"cannot read a result from {type(source).__name__}")
    if not isinstance(document, dict):
        raise _fail(f"a result must be a JSON object, got {type_name(document)}")
    return _at_root(converter.structure, document, res.Result)  # type: ignore[no-any-return]


def _at_root(structure: Callable[[Any, Any], Any], document: Any, cls: type) -> Any:
    """Structure a whole document; problem paths are written from the root (``$``)."""
    try:
        return structure(document, cls)
    except CaseValidationError as error:
        problems = prefixed(error.errors, "$")
    # Raised outside the handler: no __context__ chain of converter errors travels with the
    # exception (pickling helpers such as tblib, which Dask installs, would carry it along).
    raise CaseValidationError(problems)
