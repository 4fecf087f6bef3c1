"""The bundled knowledge base, compiled: one JSON file generated from the TOML sources.

Loading the bundled knowledge base from TOML means parsing a dozen files with the
pure-Python :mod:`tomllib`, generating cattrs structuring code and running every check of
the strict loader: most of the start-up time of a command. The package therefore also ships
``knowledge.json``, the loaded :class:`~ascc_salvage.knowledge.KnowledgeBase` written as
tagged JSON, which :func:`~ascc_salvage.knowledge._loader.load_packaged` reads instead.

The file is generated from the TOML by the strict loader
(``python -m ascc_salvage.knowledge --write``), and a test asserts that the shipped file is
byte for byte what the generator writes from the TOML, so it cannot drift; the bundled path
trusts it only because of that test. A site's own knowledge base
(:func:`ascc_salvage.knowledge.load`) is always read from TOML by the strict loader.

The encoding keeps every type and every order, so that a decoded knowledge base equals the
loaded one and serialises to the same text:

* ``str``, ``bool``, ``int``, ``float``, ``None`` and ``list`` are themselves;
* an attrs object is ``{"@": "module:Class", "f": [[field, value], ...]}`` (its ``__init__``
  runs on decoding, with its validators) and a named tuple
  ``{"@": "module:Class", "t": [item, ...]}``;
* an enum member ``{"E": "module:Class", "v": value}``, a date ``{"D": "YYYY-MM-DD"}``;
* a tuple ``{"T": [...]}``, a dict ``{"M": [[key, value], ...]}`` (keys of any type, in
  order) and a frozenset ``{"S": [...]}`` (sorted by the items' JSON text).

Only the classes defined in the modules of the knowledge base and its vocabulary are decoded
(a fixed list; nothing is imported by a name read from the file).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import attrs

from ascc_salvage._resources import read_package_file

__all__ = ["FILE_NAME", "compiled_text", "decode", "encode", "read_compiled", "write_compiled"]

#: Name of the compiled file in the ``ascc_salvage.knowledge`` package.
FILE_NAME: Final = "knowledge.json"


def _modules() -> Iterable[ModuleType]:
    """The modules whose classes a compiled file may name."""
    from ascc_salvage import vocabulary
    from ascc_salvage.knowledge import _loader, _model, _rules

    return (_loader, _model, _rules, vocabulary)


class CompiledKnowledgeError(ValueError):
    """The compiled file holds something the decoder does not know (regenerate it)."""


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _tree(value: object) -> Any:
    """*value* as the JSON-ready tree of the tagged encoding."""
    # Exact types first: a StrEnum is a str and a named tuple a tuple.
    if isinstance(value, enum.Enum):
        return {"E": _name(type(value)), "v": _tree(value.value)}
    kind = type(value)
    if value is None or kind in (str, bool, int, float):
        return value
    if attrs.has(kind):
        fields = [[f.name, _tree(getattr(value, f.name))] for f in attrs.fields(kind)]
        return {"@": _name(kind), "f": fields}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {"@": _name(kind), "t": [_tree(item) for item in value]}
    if kind is tuple:
        return {"T": [_tree(item) for item in value]}  # type: ignore[attr-defined]
    if kind is list:
        return [_tree(item) for item in value]  # type: ignore[attr-defined]
    if kind is dict:
        return {"M": [[_tree(k), _tree(v)] for k, v in value.items()]}  # type: ignore[attr-defined]
    if kind is frozenset:
        items = [_tree(item) for item in value]  # type: ignore[attr-defined]
        return {"S": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    if kind is dt.date:
        return {"D": value.isoformat()}  # type: ignore[attr-defined]
    raise TypeError(f"cannot compile a {kind.__qualname__} ({value!r})")


def encode(value: object) -> str:
    """Return the compiled JSON text of *value* (a knowledge base), deterministic.

    Raises:
        TypeError: *value* holds a type the encoding does not cover.
    """
    return json.dumps(_tree(value), ensure_ascii=False, separators=(",", ":")) + "\n"


def _classes() -> dict[str, Any]:
    return {
        _name(value): value
        for module in _modules()
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    }


def _hook() -> Callable[[dict[str, Any]], object]:
    classes = _classes()
    inits: dict[str, dict[str, str]] = {}

    def cls(name: str) -> Any:
        found = classes.get(name)
        if found is None:
            raise CompiledKnowledgeError(f"not a class of the knowledge base: {name}")
        return found

    def hook(obj: dict[str, Any]) -> object:
        if "f" in obj:
            target = cls(obj["@"])
            aliases = inits.get(obj["@"])
            if aliases is None:
                aliases = inits[obj["@"]] = {f.name: f.alias for f in attrs.fields(target)}
            return target(**{aliases[key]: value for key, value in obj["f"]})
        if "T" in obj:
            return tuple(obj["T"])
        if "M" in obj:
            return dict(obj["M"])
        if "E" in obj:
            return cls(obj["E"])(obj["v"])
        if "S" in obj:
            return frozenset(obj["S"])
        if "D" in obj:
            return dt.date.fromisoformat(obj["D"])
        if "t" in obj:
            return cls(obj["@"])(*obj["t"])
        raise CompiledKnowledgeError(f"unknown object in the compiled file: {sorted(obj)}")

    return hook


def decode(text: str | bytes) -> Any:
    """Return the object that :func:`encode` wrote as *text*.

    Raises:
        CompiledKnowledgeError: An unknown tag or a class outside the knowledge base.
    """
    return json.loads(text, object_hook=_hook())


def read_compiled() -> Any:
    """Return the knowledge base of the shipped compiled file."""
    return decode(read_package_file("ascc_salvage.knowledge", FILE_NAME))


def compiled_text() -> str:
    """Return the compiled file as generated now from the bundled TOML (strict loader)."""
    from ascc_salvage.knowledge._loader import _packaged_root, load_directory

    return encode(load_directory(_packaged_root()))


def write_compiled(directory: Path | None = None) -> Path:
    """Write the compiled file into *directory* (default: this package's directory)."""
    path = (directory or Path(__file__).parent) / FILE_NAME
    path.write_text(compiled_text(), encoding="utf-8")
    return path
