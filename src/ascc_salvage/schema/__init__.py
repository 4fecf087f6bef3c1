"""JSON Schema (draft 2020-12) of the case documents (schema 1 and 2) and the result document.

The schemas are generated from the model, never written by hand:

* the **case** schemas from the case classes of :mod:`ascc_salvage.case`: their field
  metadata (nullable, optional, bounds, the schema version that introduced a key or made it
  optional), their enums (:mod:`ascc_salvage.vocabulary`, :mod:`ascc_salvage.staging`), the
  unit allow-list of each measurement kind (:data:`ascc_salvage.units.CASE_UNITS`), the date
  range and the list limit (:data:`ascc_salvage.validation.MAX_LIST_ENTRIES`);
* the **result** schema from the result classes of :mod:`ascc_salvage.result`, the dose plans
  they hold and their enums.

The same documents ship in this package as JSON files (:data:`SCHEMA_FILES`), written by
``python -m ascc_salvage.schema --write``; a test checks that they equal what the functions
below generate.

A document the case schema rejects is rejected by :func:`~ascc_salvage.load_case` too. The
converse does not hold: the cross-field rules (dates in order, dose per fraction, the
plausibility errors P1–P18 …) and a few details of JSON text (``2.0`` is an integer for JSON
Schema, ``NaN`` a number, a duplicate key is invisible once parsed) are beyond a schema (docs
page *Case and result formats*, section *JSON Schema*).

>>> schema = case_json_schema()
>>> schema["$id"], schema["properties"]["schema_version"]["const"]
('urn:ascc-salvage:schema:case:2', 2)
>>> schema["$defs"]["Patient"]["properties"]["ecog"]["type"]
['integer', 'null']
>>> result_json_schema()["properties"]["disease_status"]["enum"][:2]
['untreated_primary', 'too_early_to_assess']
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib.resources
import inspect
import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from ascc_salvage import case as model
from ascc_salvage import result as res
from ascc_salvage._modelcheck import DATE_MAX, DATE_MIN, Bounds, FieldSpec, field_specs
from ascc_salvage.calculators.dose_plan import (
    RADIOTHERAPY_PLAN_OPTIONS,
    AnyDosePlan,
    DosePlan,
    DrugPlan,
    RadiotherapyPlan,
    UndeterminedDosePlan,
)
from ascc_salvage.calculators.reirradiation import OrganDose
from ascc_salvage.knowledge import DOSE_RULE_UNITS, DoseRule
from ascc_salvage.units import CASE_UNITS
from ascc_salvage.validation import MAX_LIST_ENTRIES
from ascc_salvage.vocabulary import OptionId

__all__ = [
    "DIALECT",
    "SCHEMA_FILES",
    "case_json_schema",
    "case_schema_id",
    "result_json_schema",
    "result_schema_id",
    "schema_text",
    "shipped_schema",
    "write_schemas",
]

#: The JSON Schema dialect of every schema (draft 2020-12).
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

JsonSchema = dict[str, Any]


def case_schema_id(version: int) -> str:
    """The ``$id`` of the case schema of *version*: ``urn:ascc-salvage:schema:case:<version>``."""
    return f"urn:ascc-salvage:schema:case:{version}"


def result_schema_id() -> str:
    """The ``$id`` of the result schema: ``urn:ascc-salvage:schema:result:<version>``."""
    return f"urn:ascc-salvage:schema:result:{model.SCHEMA_VERSION}"


# --- descriptions from docstrings -------------------------------------------------------------

_ROLE: Final = re.compile(r":[a-z]+(?::[a-z]+)?:`(~?)([^`<]*?)(?: <[^`]*>)?`")
_SECTION: Final = re.compile(r"^(Attributes|Args|Returns|Raises|Example|Examples):$")


def _role(match: re.Match[str]) -> str:
    text = match.group(2)
    return f"`{text.rsplit('.', 1)[-1] if match.group(1) else text}`"


def _description(obj: object) -> str:
    """The prose of *obj*'s docstring, without doctests and sections, as plain Markdown."""
    paragraphs: list[str] = []
    for paragraph in (inspect.getdoc(obj) or "").split("\n\n"):
        lines = paragraph.strip().splitlines()
        if not lines or lines[0].startswith(">>>") or _SECTION.match(lines[0]):
            break
        paragraphs.append(" ".join(line.strip() for line in lines))
    text = "\n\n".join(paragraphs)
    return _ROLE.sub(_role, text).replace("``", "`")


# --- numbers ----------------------------------------------------------------------------------


def _number(value: float) -> float:
    """*value* as JSON writes it best: ``20`` rather than ``20.0``."""
    return int(value) if float(value).is_integer() else value


def _step(step: float) -> float:
    """The ``multipleOf`` of a bounds step, if the schema checks it exactly as the model does.

    The model checks ``value % step == 0``; JSON Schema validators divide. Both are exact for
    an integer step and for a power of two (``0.5``); for a step such as ``0.1`` they could
    disagree, so such a step is refused rather than approximated.
    """
    if float(step).is_integer() or math.frexp(step)[0] == 0.5:
        return _number(step)
    raise ValueError(f"a step of {step} cannot be checked exactly by JSON Schema")


def _plain_bounds(bounds: Bounds) -> JsonSchema:
    """Keywords of *bounds* for a number compared as it is (no unit conversion)."""
    keywords: JsonSchema = {}
    if bounds.low is not None:
        keyword = "exclusiveMinimum" if bounds.low_exclusive else "minimum"
        keywords[keyword] = _number(bounds.low)
    if bounds.high is not None:
        keywords["maximum"] = _number(bounds.high)
    if bounds.step is not None:
        keywords["multipleOf"] = _step(bounds.step)
    return keywords


def _lowest_accepted(low: float, factor: float, *, exclusive: bool) -> float:
    """The smallest float *v* whose ``v * factor`` passes the lower bound *low*.

    The model compares the value converted to the canonical unit (``value * factor``); the
    schema compares the value as written, so its bound is found in float arithmetic, exactly.
    """

    def passes(value: float) -> bool:
        converted = value * factor
        return converted > low if exclusive else converted >= low

    value = low / factor
    if passes(value):
        while passes(below := math.nextafter(value, -math.inf)):
            value = below
        return value
    while not passes(value):
        value = math.nextafter(value, math.inf)
    return value


def _highest_accepted(high: float, factor: float) -> float:
    """The largest float *v* whose ``v * factor`` is at most *high* (as the lowest)."""
    value = high / factor
    if value * factor <= high:
        while (above := math.nextafter(value, math.inf)) * factor <= high:
            value = above
        return value
    while value * factor > high:
        value = math.nextafter(value, -math.inf)
    return value


def _converted_bounds(bounds: Bounds, factor: float) -> JsonSchema:
    """Keywords of *bounds* (canonical unit) for a value written in a unit of *factor*."""
    assert bounds.step is None, "a step on a measurement is not supported"
    keywords: JsonSchema = {}
    if bounds.low is not None:
        if bounds.low == 0:  # "> 0" and ">= 0" hold in any unit
            keyword = "exclusiveMinimum" if bounds.low_exclusive else "minimum"
            keywords[keyword] = 0
        else:
            low = _lowest_accepted(bounds.low, factor, exclusive=bounds.low_exclusive)
            keywords["minimum"] = _number(low)
    if bounds.high is not None:
        keywords["maximum"] = _number(_highest_accepted(bounds.high, factor))
    return keywords


def _bounds_text(bounds: Bounds, unit: str) -> str:
    """Describe the bounds of a measurement, e.g. ``At least 20 and at most 400 kg …``."""
    parts = []
    if bounds.low is not None:
        parts.append(
            f"{'greater than' if bounds.low_exclusive else 'at least'} {_number(bounds.low)}"
        )
    if bounds.high is not None:
        parts.append(f"at most {_number(bounds.high)}")
    where = f" {unit}, compared after conversion to {unit}" if unit else ", in the unit given"
    text = " and ".join(parts) + where + "."
    return text[0].upper() + text[1:]


# --- leaf schemas -----------------------------------------------------------------------------


def _year_pattern(first: dt.date, last: dt.date) -> str:
    """A pattern of the years from *first* to *last*, which must span whole centuries."""
    if (first.month, first.day, first.year % 100) != (1, 1, 0) or (
        last.month,
        last.day,
        last.year % 100,
    ) != (12, 31, 99):
        raise ValueError(f"the date range {first}–{last} does not span whole centuries")
    centuries = range(first.year // 100, last.year // 100 + 1)
    return "(" + "|".join(str(century) for century in centuries) + ")[0-9]{2}"


def _date() -> JsonSchema:
    pattern = _year_pattern(DATE_MIN, DATE_MAX) + "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    return {
        "type": "string",
        "format": "date",
        "pattern": f"^{pattern}$",
        "description": f"ISO date YYYY-MM-DD, {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}.",
    }


def _enum(members: typing.Iterable[Any], description: str) -> JsonSchema:
    return {
        "type": "string",
        "enum": [str(member) for member in members],
        "description": description,
    }


def _nullable(schema: JsonSchema) -> JsonSchema:
    """*schema* that also takes ``null``: in ``type`` for a typed leaf, else with ``anyOf``."""
    kind = schema.get("type")
    if isinstance(kind, str) and kind != "object":
        nullable = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            nullable["enum"] = [*schema["enum"], None]
        return nullable
    description = schema.pop("description", None)
    wrapped: JsonSchema = {"anyOf": [{"type": "null"}, schema]}
    if description is not None:
        wrapped = {"description": description, **wrapped}
    return wrapped


def _array(
    items: JsonSchema, *, unique: bool = False, min_items: int = 0, max_items: int | None = None
) -> JsonSchema:
    schema: JsonSchema = {"type": "array", "items": items}
    if unique:
        schema["uniqueItems"] = True
    if min_items:
        schema["minItems"] = min_items
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


def _ref(name: str) -> JsonSchema:
    return {"$ref": f"#/$defs/{name}"}


def _object(
    title: str,
    description: str,
    properties: Mapping[str, JsonSchema],
    required: typing.Iterable[str] | None = None,
) -> JsonSchema:
    """A closed object (unknown keys are errors); every key required unless *required* says."""
    return {
        "title": title,
        "description": description,
        "type": "object",
        "properties": dict(properties),
        "required": list(properties if required is None else required),
        "additionalProperties": False,
    }


# --- case schemas -----------------------------------------------------------------------------


class _CaseSchema:
    """Builds the case schema of one version: the root object and one ``$defs`` entry per class."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.defs: dict[str, JsonSchema] = {}

    def build(self) -> JsonSchema:
        root = self._class(model.Case)
        root["title"] = f"ascc_salvage case, schema {self.version}"
        return {
            "$schema": DIALECT,
            "$id": case_schema_id(self.version),
            **root,
            "$defs": dict(sorted(self.defs.items())),
        }

    def _class(self, cls: type) -> JsonSchema:
        fields = attrs.fields_dict(cls)
        properties: dict[str, JsonSchema] = {}
        required: list[str] = []
        for spec in field_specs(cls):
            metadata = fields[spec.name].metadata
            if metadata["since"] > self.version:
                continue
            properties[spec.name] = self._field(cls, spec)
            optional_since = metadata["optional_since"]
            if not metadata["optional"] and not (
                optional_since is not None and optional_since <= self.version
            ):
                required.append(spec.name)
        return _object(cls.__name__, _description(cls), properties, required)

    def _field(self, cls: type, spec: FieldSpec) -> JsonSchema:
        if cls is model.Case and spec.name == "schema_version":
            return {
                "type": "integer",
                "const": self.version,
                "description": "The case schema version of the document.",
            }
        if spec.item is not None:  # a list
            item = self._value(spec.item)
            schema = _array(item, unique=spec.item.kind == "enum", max_items=MAX_LIST_ENTRIES)
        else:
            schema = self._value(spec)
        return _nullable(schema) if spec.nullable else schema

    def _value(self, spec: FieldSpec) -> JsonSchema:
        """The schema of one non-null value of *spec* (a list item's spec, or a field's)."""
        if spec.kind in ("int", "float"):
            kind = "integer" if spec.kind == "int" else "number"
            return {"type": kind, **_plain_bounds(spec.bounds or Bounds())}
        if spec.kind == "bool":
            return {"type": "boolean"}
        if spec.kind == "date":
            return _date()
        if spec.kind == "enum":
            classes = dict.fromkeys(type(member) for member in spec.lookup.values())
            return _enum(spec.lookup, " Or: ".join(_description(c) for c in classes))
        if spec.kind == "measurement":
            return self._measurement(spec.target, spec.bounds)
        self._define(spec.target)  # an object
        return _ref(spec.target.__name__)

    def _define(self, cls: type) -> None:
        # The model is a tree: a class reached twice would be defined twice, identically.
        self.defs[cls.__name__] = self._class(cls)

    def _measurement(self, cls: type[model.Measurement], bounds: Bounds | None) -> JsonSchema:
        name = cls.__name__
        units = [text for text, unit in CASE_UNITS.items() if unit.kind is cls.KIND]
        self.defs[name] = _object(
            name,
            _description(cls).split("\n\n")[0],
            {
                "value": {"type": "number"},
                "unit": _enum(
                    units, f"A {str(cls.KIND).replace('_', ' ')} unit of the allow-list."
                ),
            },
        )
        schema = _ref(name)
        if bounds is None:
            return schema  # pragma: no cover - every measurement field declares bounds
        by_factor: dict[float, list[str]] = {}
        for text in units:
            by_factor.setdefault(CASE_UNITS[text].to_canonical, []).append(text)
        schema["description"] = _bounds_text(bounds, cls.CANONICAL_LABEL)
        if len(by_factor) == 1:
            schema["properties"] = {"value": _plain_bounds(bounds)}
            return schema
        schema["allOf"] = [
            {
                "if": {"properties": {"unit": {"enum": texts}}},
                "then": {
                    "properties": {
                        "value": _plain_bounds(bounds)
                        if factor == 1.0
                        else _converted_bounds(bounds, factor)
                    }
                },
            }
            for factor, texts in by_factor.items()
        ]
        return schema


def case_json_schema(version: int = model.CASE_SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema of a case document of schema *version* (1 or 2).

    Field by field as :func:`~ascc_salvage.load_case` checks it: keys (required, optional in
    that version, unknown keys refused), types, enums, nullability, numeric bounds (for
    measurements per unit, in the unit written), the unit allow-list of each measurement
    kind, dates, list sizes and duplicate enum values. ``schema_version`` is the constant
    *version*; a schema 1 document holds only schema 1 keys.

    Raises:
        ValueError: *version* is not a case schema version.
    """
    if version not in model.CASE_SCHEMA_VERSIONS:
        versions = " or ".join(str(v) for v in model.CASE_SCHEMA_VERSIONS)
        raise ValueError(f"no case schema version {version!r} (expected {versions})")
    return _CaseSchema(version).build()


# --- result schema ----------------------------------------------------------------------------

#: Attributes of the result classes that the result document does not hold.
_NOT_WRITTEN: Final[Mapping[type, frozenset[str]]] = {
    res.Criterion: frozenset({"missing"}),
    res.OptionResult: frozenset({"rules"}),
}

_DIGEST: Final = {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}


def _quantity(unit: str, *, integer: bool = False) -> JsonSchema:
    """A result quantity ``{"value", "unit"}`` in the UCUM *unit*."""
    return {
        "type": "object",
        "properties": {
            "value": {"type": "integer" if integer else "number"},
            "unit": {"const": unit},
        },
        "required": ["value", "unit"],
        "additionalProperties": False,
    }


def _string_or_null() -> JsonSchema:
    return {"type": ["string", "null"]}


def _plan_defs() -> dict[str, JsonSchema]:
    """The dose plans: their documents are written by each plan's ``to_dict``."""
    gy = _quantity("Gy")
    rule_units = [DOSE_RULE_UNITS[rule] for rule in DoseRule]
    drug = _object(
        "DrugPlan",
        _description(DrugPlan),
        {
            "drug": {"type": "string"},
            "rule": _enum(DoseRule, _description(DoseRule)),
            "rule_dose": {
                **_quantity(rule_units[0]),
                "properties": {"value": {"type": "number"}, "unit": {"enum": rule_units}},
            },
            "route": {"type": "string"},
            "days": _array({"type": "integer"}),
            "per_administration": _quantity("mg"),
            "per_cycle": _quantity("mg"),
        },
    )
    drug["allOf"] = [
        {
            "if": {"properties": {"rule": {"const": str(rule)}}, "required": ["rule"]},
            "then": {"properties": {"rule_dose": {"properties": {"unit": {"const": unit}}}}},
        }
        for rule, unit in DOSE_RULE_UNITS.items()
    ]
    schema_1_basis = ("bsa", "bsa_formula", "creatinine_clearance", "weight_basis")
    basis = _object(
        "DoseBasis",
        "What the doses were computed from (body surface area, creatinine clearance); a plan "
        "of a schema 2 case adds gfr_source, fluorouracil_fraction, paclitaxel_fraction and "
        "hepatic_adjustment (clinical pathway §10).",
        {
            "bsa": _nullable(_quantity("m2")),
            "bsa_formula": _string_or_null(),
            "creatinine_clearance": _nullable(_quantity("mL/min")),
            "weight_basis": _string_or_null(),
            "creatinine_floor_applied": {"type": ["boolean", "null"]},
            "gfr_capped": {"type": ["boolean", "null"]},
            "gfr_source": {"enum": ["cockcroft_gault", "measured", "dialysis", None]},
            "fluorouracil_fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "paclitaxel_fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "hepatic_adjustment": {"enum": ["none", "reduced", None]},
        },
        required=(*schema_1_basis, "creatinine_floor_applied", "gfr_capped"),
    )
    return {
        "DosePlan": _object(
            "DosePlan",
            _description(DosePlan),
            {
                "regimen": {"type": "string"},
                "variant": _string_or_null(),
                "basis": _ref("DoseBasis"),
                "cycle_length": _quantity("d", integer=True),
                "cycles": {"type": ["integer", "null"]},
                "drugs": _array(_ref("DrugPlan")),
                "alternatives": _array({"anyOf": [_ref("DosePlan"), _ref("UndeterminedDosePlan")]}),
            },
        ),
        "DoseBasis": basis,
        "DrugPlan": drug,
        "UndeterminedDosePlan": _object(
            "UndeterminedDosePlan",
            _description(UndeterminedDosePlan) + " The case fields that are needed and missing.",
            {"undetermined": _array({"type": "string"})},
        ),
        "RadiotherapyPlan": _object(
            "RadiotherapyPlan",
            _description(RadiotherapyPlan),
            {
                "total_dose": gy,
                "fractions": {"type": "integer"},
                "dose_per_fraction": gy,
                "cumulative_eqd2": _array(_ref("OrganDose")),
                "nominal": {"type": "boolean"},
            },
        ),
        "OrganDose": _object(
            "OrganDose",
            _description(OrganDose),
            {"organ": {"type": "string"}, "alpha_beta": gy, "value": gy, "limit": _nullable(gy)},
        ),
    }


def _plans(*names: str) -> JsonSchema:
    return {"anyOf": [{"type": "null"}, *(_ref(name) for name in names)]}


class _ResultSchema:
    """Builds the result schema from the attrs result classes (one ``$defs`` entry each)."""

    def __init__(self) -> None:
        self.defs: dict[str, JsonSchema] = _plan_defs()

    def build(self) -> JsonSchema:
        root = self._class(res.Result)
        root["title"] = f"ascc_salvage result, schema {model.SCHEMA_VERSION}"
        return {
            "$schema": DIALECT,
            "$id": result_schema_id(),
            **root,
            "$defs": dict(sorted(self.defs.items())),
        }

    def _class(self, cls: type) -> JsonSchema:
        # result.py names the plan union for type checkers only (it keeps pint out of its
        # imports), so the name is supplied here.
        hints = typing.get_type_hints(cls, localns={"AnyDosePlan": AnyDosePlan})
        skipped = _NOT_WRITTEN.get(cls, frozenset())
        properties = {
            field.name: self._field(cls, field.name, hints[field.name])
            for field in attrs.fields(cls)
            if field.name not in skipped
        }
        if cls is res.OptionResult:
            # ``rules`` is written as its last id, ``rule`` (clinical pathway §0.2).
            properties["rule"] = {
                "type": "string",
                "minLength": 1,
                "description": "The id of the rule that set the final tier (pathway §0.2).",
            }
        schema = _object(cls.__name__, _description(cls), properties)
        if cls is res.OptionResult:
            radiotherapy = [str(o) for o in OptionId if o in RADIOTHERAPY_PLAN_OPTIONS]
            schema["if"] = {"properties": {"option": {"enum": radiotherapy}}}
            schema["then"] = {
                "properties": {"dose_plan": _plans("RadiotherapyPlan", "UndeterminedDosePlan")}
            }
            schema["else"] = {
                "properties": {"dose_plan": _plans("DosePlan", "UndeterminedDosePlan")}
            }
        return schema

    def _field(self, cls: type, name: str, tp: Any) -> JsonSchema:
        if cls is res.Result and name == "schema_version":
            return {"type": "integer", "const": model.SCHEMA_VERSION}
        if cls is res.Result and name == "input_schema_version":
            return {"type": "integer", "enum": list(model.CASE_SCHEMA_VERSIONS)}
        if cls is res.Result and name == "input_digest":
            return dict(_DIGEST)
        if cls is res.Result and name == "options":
            count = len(OptionId)  # every catalogue option
            return _array(self._type(res.OptionResult), min_items=count, max_items=count)
        if cls is res.OptionResult and name == "dose_plan":
            return _plans("DosePlan", "UndeterminedDosePlan", "RadiotherapyPlan")
        return self._type(tp)

    def _type(self, tp: Any) -> JsonSchema:
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            return _nullable(self._type(args[0]))
        if typing.get_origin(tp) is tuple:
            item = args[0]
            return _array(
                self._type(item), unique=isinstance(item, type) and issubclass(item, enum.Enum)
            )
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum(tp, _description(tp))
        if tp is dt.date:
            return _date()
        if attrs.has(tp):  # the result is a tree too: each class is reached once
            self.defs[tp.__name__] = self._class(tp)
            return _ref(tp.__name__)
        return {"type": _JSON_TYPES[tp]}


_JSON_TYPES: Final[Mapping[type, str]] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
}


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of a result document, as :func:`~ascc_salvage.result_to_dict` writes it.

    Every key is required and unknown keys are refused; types, enums, nullability, dates,
    the input digest's form, the number of options (the whole catalogue) and the plan kind
    each option may hold. Key order and the ordering of the options by tier are not
    expressible.
    """
    return _ResultSchema().build()


# --- shipped files ----------------------------------------------------------------------------

#: The schema files shipped in this package, by file name, with the function generating each.
SCHEMA_FILES: Final[Mapping[str, Callable[[], dict[str, Any]]]] = {
    "case-1.schema.json": lambda: case_json_schema(1),
    "case-2.schema.json": lambda: case_json_schema(2),
    "result.schema.json": result_json_schema,
}


def schema_text(schema: Mapping[str, Any]) -> str:
    """The JSON text a schema file holds (two-space indent, UTF-8 characters, final newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def shipped_schema(name: str) -> dict[str, Any]:
    """Read a schema file shipped in this package (a name of :data:`SCHEMA_FILES`).

    Raises:
        KeyError: No such schema file.
    """
    if name not in SCHEMA_FILES:
        raise KeyError(f"no schema file {name!r} (expected one of: {', '.join(SCHEMA_FILES)})")
    text = importlib.resources.files(__name__).joinpath(name).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def write_schemas(directory: Path | None = None) -> list[Path]:
    """Write every schema file into *directory* (default: this package's directory).

    Returns:
        The paths written.
    """
    target = Path(__file__).parent if directory is None else directory
    written = []
    for name, build in SCHEMA_FILES.items():
        path = target / name
        path.write_text(schema_text(build()), encoding="utf-8")
        written.append(path)
    return written
