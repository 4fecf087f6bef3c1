"""One pass over a well-formed case document: the fast path of :func:`~ascc_salvage.load_case`.

For each case class and schema version a structure function is generated once, from the same
field specs (:func:`~ascc_salvage._modelcheck.field_specs`) and attrs metadata the full path
reads. It checks the document's keys, checks and converts every field in line (the usual
values: an enum's string, an integer or number within its bounds, a remembered date string,
a ``{"value", "unit"}`` measurement) and builds the object by writing its slots, then runs
the class's cross-field rules on it. Anything else — a value of another shape, a missing or
unknown key, a list over the size limit, a problem reported by a field check or a rule —
makes it give up (:class:`_UnusualDocumentError`), and ``load_case`` reads the document again by
the full path, which reports every problem exactly as before. An accepted document gives the objects
the full path gives (the same values of the same types): the in-line checks accept only
values the full path's field checks return unchanged, everything else goes through those
checks themselves (``_modelcheck._convert``), and the rules are the registered ones.

The inverse direction is here too: :func:`canonical_writer`, generated the same way, writes the
document of a case that the input digest hashes (the document of ``dump_case``, for orjson).

The full path builds each object through its constructor, which checks it; this path writes
the fields of an object whose fields and rules it has just checked (once per object: the
effective PD-L1 CPS is filled in before the patient is built, not by rebuilding it). The
constructors are unchanged, so a case built any other way is still checked when it is built.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Final

import attrs
import orjson

from ascc_salvage import _modelcheck
from ascc_salvage import case as model
from ascc_salvage._modelcheck import _RULES, INVALID, Bounds, FieldSpec, field_specs
from ascc_salvage.errors import Problem
from ascc_salvage.units import CASE_UNITS
from ascc_salvage.validation import MAX_LIST_ENTRIES

__all__ = ["canonical_writer", "load_text", "structure_case"]


class _UnusualDocumentError(Exception):
    """The document is not of the usual well-formed kind: read it by the full path."""


_MISSING: Final = object()
#: Integers up to this magnitude convert to float exactly (measurement values).
_EXACT_INT: Final = 2**53


def structure_case(document: dict[str, Any], keys: list[int] | None = None) -> model.Case | None:
    """The case of a well-formed *document*, or ``None`` to read it by the full path.

    Args:
        document: The parsed document.
        keys: If given, its first item is increased by the number of keys of every object in
            the document (all of them are read when the document is accepted).
    """
    version = document.get("schema_version")
    build = _builder(model.Case, 1 if type(version) is int and version == 1 else 2)
    try:
        case: model.Case = build(document, [0] if keys is None else keys)
    except (_UnusualDocumentError, KeyError):
        return None
    return case


def load_text(text: str | bytes | bytearray) -> model.Case | None:
    """The case of well-formed JSON *text* read in one pass, or ``None`` for the full path.

    The text is parsed by orjson (about three times faster than :func:`json.loads` with the
    duplicate-key hook), which has no such hook: a document is accepted only when it has as
    many keys as the text has colons. Every key is followed by one colon and a colon
    elsewhere is inside a string, so a repeated key (one key fewer in the parsed document)
    or a colon in a string sends the document to the full path. Whatever orjson refuses or
    reads differently from :func:`json.loads` (a non-finite or over-64-bit number, a lone
    surrogate, a byte order mark, deep nesting) goes there too; an accepted document holds
    only the values its field checks accept, which both parsers read alike.
    """
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict:
        return None
    keys = [0]
    case = structure_case(document, keys)
    colons = text.count(":") if isinstance(text, str) else text.count(b":")
    if case is None or keys[0] != colons:
        return None
    return case


def _checked(spec: FieldSpec, raw: Any) -> Any:
    """*raw* checked and converted by the full path's field check; unusual if it fails."""
    if type(raw) is list and len(raw) > MAX_LIST_ENTRIES:
        raise _UnusualDocumentError
    problems: list[Problem] = []
    value = _modelcheck._convert(spec, raw, spec.name, problems)
    if problems or value is INVALID:
        raise _UnusualDocumentError
    return value


def _within(bounds: Bounds | None, var: str) -> str:
    """Source of a test that *var* (a number) is within *bounds* (as ``Bounds.problem``)."""
    if bounds is None or bounds.low is None:  # pragma: no cover - every number has a low bound
        raise TypeError("the fast path needs a lower bound on every number")
    tests = [
        f"{var} {'>' if bounds.low_exclusive else '>='} {bounds.low!r}",
        "" if bounds.high is None else f" and {var} <= {bounds.high!r}",
        "" if bounds.step is None else f" and {var} % {bounds.step!r} == 0",
    ]
    return "".join(tests)


def _finite_bounds(spec: FieldSpec) -> Bounds:
    """The bounds of a number or measurement field, which are finite on both sides."""
    bounds = spec.bounds
    if bounds is None or bounds.low is None or bounds.high is None:  # pragma: no cover
        raise TypeError(f"{spec.name}: the fast path needs finite bounds on both sides")
    return bounds


def _fill_pd_l1(cps: Any, biomarkers: model.Biomarkers) -> tuple[Any, model.Biomarkers]:
    """The patient's CPS and biomarkers with whichever of the two was left out filled in.

    As ``io._with_effective_pd_l1`` does to a built case (see there).
    """
    if biomarkers.pd_l1:
        if cps is None:
            effective = biomarkers.effective_pd_l1
            assert effective is not None
            cps = effective.cps
    elif cps is not None:
        biomarkers = attrs.evolve(biomarkers, pd_l1=(model.PdL1Test(cps=cps),))
    return cps, biomarkers


@functools.cache
def _builder(cls: type, version: int) -> Callable[[Any, list[int]], Any]:
    """The generated structure function of *cls* in documents of schema *version*."""
    namespace: dict[str, Any] = {
        "_UnusualDocumentError": _UnusualDocumentError,
        "_MISSING": _MISSING,
        "_new": object.__new__,
        "_set": object.__setattr__,
        "_checked": _checked,
        "_mc": _modelcheck,
        "_UNITS": CASE_UNITS,
        "_EXACT_INT": _EXACT_INT,
        "_INF": float("inf"),
        "_LIMIT": MAX_LIST_ENTRIES,
        "_fill_pd_l1": _fill_pd_l1,
        "_cls": cls,
    }
    fields = {field.name: field for field in attrs.fields(cls)}
    lines = [
        "def structure(raw, keys):",
        "    if type(raw) is not dict:",
        "        raise _UnusualDocumentError",
    ]
    required = 0
    names = []
    for i, spec in enumerate(field_specs(cls)):
        field = fields[spec.name]
        var = f"v{i}"
        names.append((spec.name, var))
        namespace[f"_spec{i}"] = spec
        if field.metadata.get("since", 1) > version:  # a later key: unknown in this version
            namespace[f"_default{i}"] = field.default
            lines.append(f"    {var} = _default{i}")
            continue
        optional_since = field.metadata.get("optional_since")
        if spec.optional or (optional_since is not None and optional_since <= version):
            default = field.default if spec.optional else None
            namespace[f"_default{i}"] = default
            lines += [
                f"    {var} = raw.get({spec.name!r}, _MISSING)",
                f"    if {var} is _MISSING:",  # the default (a valid value)
                f"        {var} = _default{i}",
                "    else:",
                "        n += 1",
            ]
            lines += ["        " + line for line in _field_source(spec, var, i, version, namespace)]
        else:
            required += 1
            lines.append(f"    {var} = raw[{spec.name!r}]")
            lines += ["    " + line for line in _field_source(spec, var, i, version, namespace)]
    lines.insert(3, f"    n = {required}")
    lines += [
        "    if len(raw) != n:",
        "        raise _UnusualDocumentError",
        "    keys[0] += n",
    ]
    if cls is model.Patient:
        cps = dict(names)["pd_l1_cps"]
        biomarkers = dict(names)["biomarkers"]
        lines.append(f"    {cps}, {biomarkers} = _fill_pd_l1({cps}, {biomarkers})")
    lines.append("    built = _new(_cls)")
    lines += [f"    _set(built, {name!r}, {var})" for name, var in names]
    for j, item in enumerate(_RULES.get(cls, ())):
        namespace[f"_rule{j}"] = item.check
        lines += [f"    for _ in _rule{j}(built):", "        raise _UnusualDocumentError"]
    lines.append("    return built")
    source = "\n".join(lines)
    exec(compile(source, f"<case structure {cls.__name__} v{version}>", "exec"), namespace)
    structure: Callable[[Any, list[int]], Any] = namespace["structure"]
    return structure


def _field_source(
    spec: FieldSpec, var: str, i: int, version: int, namespace: dict[str, Any]
) -> list[str]:
    """Source lines checking and converting *var*, the raw value of the field *spec*."""
    kind = spec.kind
    lines: list[str]
    if kind == "object":
        namespace[f"_build{i}"] = _builder(spec.target, version)
        lines = [f"{var} = _build{i}({var}, keys)"]
    elif kind == "list" and spec.item is not None and spec.item.kind == "object":
        namespace[f"_build{i}"] = _builder(spec.item.target, version)
        lines = [
            f"if type({var}) is not list or len({var}) > _LIMIT:",
            "    raise _UnusualDocumentError",
            f"{var} = tuple([_build{i}(item, keys) for item in {var}])",
        ]
    elif kind == "list":  # of enum members: usually empty
        lines = [
            f"if type({var}) is list and not {var}:",
            f"    {var} = ()",
            "else:",
            f"    {var} = _checked(_spec{i}, {var})",
        ]
    elif kind == "bool":
        lines = [
            f"if {var} is not True and {var} is not False:",
            f"    {var} = _checked(_spec{i}, {var})",
        ]
    elif kind == "int":
        lines = [
            f"if type({var}) is not int or not ({_within(spec.bounds, var)}):",
            f"    {var} = _checked(_spec{i}, {var})",
        ]
    elif kind == "float":
        # Finite bounds on both sides also rule out NaN, the infinities and huge integers.
        bounds = _finite_bounds(spec)
        lines = [
            f"if not ((type({var}) is float or type({var}) is int) and {_within(bounds, var)}):",
            f"    {var} = _checked(_spec{i}, {var})",
        ]
    elif kind == "date":
        lines = [
            f"known = _mc._DATES.get({var}) if type({var}) is str else None",
            f"{var} = known if known is not None else _checked(_spec{i}, {var})",
        ]
    elif kind == "enum":
        namespace[f"_lookup{i}"] = spec.lookup
        lines = [
            f"member = _lookup{i}.get({var}) if type({var}) is str else None",
            f"{var} = member if member is not None else _checked(_spec{i}, {var})",
        ]
    else:  # a measurement
        lines = _measurement_source(spec, var, i, namespace)
    if spec.nullable:
        return [f"if {var} is not None:", *("    " + line for line in lines)]
    return lines


def _measurement_source(spec: FieldSpec, var: str, i: int, namespace: dict[str, Any]) -> list[str]:
    """Source lines reading a ``{"value", "unit"}`` measurement (as ``Measurement.from_input``)."""
    cls = spec.target
    namespace[f"_kind{i}"] = cls.KIND
    namespace[f"_measure{i}"] = cls
    within = _within(spec.bounds, "canonical")
    if spec.bounds is None or spec.bounds.low is None or spec.bounds.high is None:
        within += " and -_INF < canonical < _INF"  # finite (NaN compares false)
    return [
        "m = None",
        f"if type({var}) is dict and len({var}) == 2:",
        f"    value = {var}.get('value')",
        f"    unit = {var}.get('unit')",
        "    entry = _UNITS.get(unit) if type(unit) is str else None",
        f"    if entry is not None and entry.kind is _kind{i} and (type(value) is float or",
        "            (type(value) is int and -_EXACT_INT < value < _EXACT_INT)):",
        "        canonical = value * entry.to_canonical",
        f"        if {within}:",
        f"            m = _new(_measure{i})",
        "            _set(m, 'value', value)",
        "            _set(m, 'unit', entry.text)",
        "            _set(m, 'canonical', canonical)",
        "            keys[0] += 2",
        "if m is None:",
        f"    if type({var}) is dict:",
        f"        keys[0] += len({var})",
        f"    m = _checked(_spec{i}, {var})",
        f"{var} = m",
    ]


# --- the input digest's document --------------------------------------------------------------


def _writer_field(name: str, tp: Any, classes: frozenset[type]) -> str:
    """The expression writing field *name* (annotated *tp*) of ``o`` for the digest."""
    optional = False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [member for member in typing.get_args(tp) if member is not type(None)]
        optional = len(members) < len(typing.get_args(tp))
        tp = members[0] if len(members) == 1 else Any
    args = typing.get_args(tp)
    value = f"o.{name}"
    if isinstance(tp, type) and issubclass(tp, model.Measurement):
        written = f"{{'unit': {value}.unit, 'value': {value}.value}}"
    elif tp in classes:
        written = f"_write_{tp.__name__}({value})"
    elif typing.get_origin(tp) is tuple and args and args[0] in classes:
        written = f"[_write_{args[0].__name__}(item) for item in {value}]"
    else:  # a leaf (enum, date, number, string, boolean, tuple of leaves, None) or a union
        return value
    return f"None if {value} is None else {written}" if optional else written


@functools.cache
def canonical_writer() -> Callable[[model.Case], dict[str, Any]]:
    """The writer of a case's document for the input digest, generated on first use.

    One function per case class, from its attrs fields and annotations (as cattrs generates
    its unstructure functions): every field set at init, keys in sorted order (the digest's
    canonical order, so the document is written without sorting); a nested case object
    by its class's function, a measurement as ``{"value", "unit"}``, and every other value as
    it is. orjson writes a string enum as its value, a date as its ISO text and a tuple as an
    array, which is what ``dump_case``'s hooks give, so orjson's text of this document is that
    of ``dump_case``'s (without its ``schema_version``, which the caller sets).
    """
    classes = frozenset(
        cls
        for cls in vars(model).values()
        if isinstance(cls, type) and issubclass(cls, model._CaseObject) and attrs.has(cls)
    )
    namespace: dict[str, Any] = {}
    for cls in sorted(classes, key=lambda cls: cls.__name__):
        # Resolved once per class (cattrs has done it already when it made its hooks).
        fields = attrs.fields(attrs.resolve_types(cls, vars(model)))
        items = ", ".join(
            f"{field.name!r}: {_writer_field(field.name, field.type, classes)}"
            # Keys in sorted order, so orjson need not sort them; as cattrs: fields set at
            # init only.
            for field in sorted(fields, key=lambda field: field.name)
            if field.init
        )
        source = f"def _write_{cls.__name__}(o):\n    return {{{items}}}\n"
        exec(compile(source, f"<case digest {cls.__name__}>", "exec"), namespace)
    writer: Callable[[model.Case], dict[str, Any]] = namespace["_write_Case"]
    return writer
