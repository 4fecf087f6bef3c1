"""The library's one cattrs converter and its strict leaf hooks.

One :class:`cattrs.Converter` reads the three kinds of document the library accepts: case
documents and result documents (their hooks are registered by :mod:`ascc_salvage.io`) and
the knowledge-base TOML items (:mod:`ascc_salvage.knowledge._loader`). It is public as
``ascc_salvage.io.converter``. This module imports no other module of the library but
:mod:`ascc_salvage._modelcheck` (which imports only the errors), so the knowledge base
(imported by the calculators and the engine) and :mod:`ascc_salvage.io` can both import it
without a cycle.

How the one converter serves all three:

* It is built with ``detailed_validation=True`` (every problem of an object at once, by path)
  and ``forbid_extra_keys=True`` (an unknown key is an error), the settings every reader
  relies on; the hooks generated for the case classes also pass both explicitly.
* The strict leaf hooks below are registered for ``str``, ``int``, ``float``, ``bool``,
  every :class:`enum.StrEnum` and ``float | int``: no silent coercion of ``"61"`` to 61,
  ``2.5`` to 2 or ``1`` to ``True``. The knowledge-base classes are structured through them.
* Case classes do not reach them: their hook overrides every leaf field with a pass-through
  hook, and the class's constructor checks and converts the value
  (:mod:`ascc_salvage._modelcheck`), with the messages of the case format.
* Result classes do not reach them either: each has a hand-written hook with the result
  format's own rules (an integer where a float is written is read as that float, numbers
  must be finite, messages as for cases).
* There is no structure hook for :class:`datetime.date`. The knowledge base's partial dates
  (``YYYY-MM``, see :func:`partial_date`) are accepted only by the hook of
  :class:`~ascc_salvage.knowledge.Approval`, registered by the knowledge-base loader as a
  per-field override, so no other date accepts them.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Final, TypeGuard

import cattrs

from ascc_salvage._modelcheck import plain_number

__all__ = [
    "converter",
    "is_integer",
    "is_number",
    "partial_date",
    "strict_bool",
    "strict_float",
    "strict_int",
    "strict_number",
    "strict_str",
    "strict_str_enum",
]

_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH: Final = re.compile(r"\d{4}-\d{2}")


def is_integer(value: object) -> TypeGuard[int]:
    """Whether *value* is an integer (``bool`` is not, although it is an ``int``)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether *value* is an integer or a float (``bool`` is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def strict_str(value: object, _: object) -> str:
    """Structure hook of ``str``: a string, nothing converted to one."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def strict_int(value: object, _: object) -> int:
    """Structure hook of ``int``: an integer (not a float, a string or a boolean)."""
    if not is_integer(value):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def strict_float(value: object, _: object) -> float:
    """Structure hook of ``float``: an integer or a float, returned as a float."""
    if not is_number(value):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def strict_number(value: object, _: object) -> float | int:
    """Structure hook of ``float | int``: an integer or a float, kept as it is."""
    if not is_number(value):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return plain_number(value)


def strict_bool(value: object, _: object) -> bool:
    """Structure hook of ``bool``: ``true`` or ``false`` only."""
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def strict_str_enum(value: object, cls: type[enum.StrEnum]) -> enum.StrEnum:
    """Structure hook of a :class:`enum.StrEnum`: one of its string values."""
    return cls(strict_str(value, None))


def partial_date(value: object, _: object) -> dt.date:
    """A ``YYYY-MM-DD`` date, or ``YYYY-MM`` read as the first day of that month.

    Not registered for :class:`datetime.date`: only the fields that may hold a month (the
    knowledge base's approval dates) use it, as a per-field override.
    """
    text = strict_str(value, None)
    if _DAY.fullmatch(text):
        return dt.date.fromisoformat(text)
    if _MONTH.fullmatch(text):
        return dt.date.fromisoformat(text + "-01")
    raise ValueError(f"expected YYYY-MM-DD or YYYY-MM, got {text!r}")


#: The library's cattrs converter (re-exported as ``ascc_salvage.io.converter``).
converter: Final = cattrs.Converter(detailed_validation=True, forbid_extra_keys=True)
# Class hooks go through singledispatch, which cattrs consults before the predicate hooks;
# the StrEnum hook is more specific than the str hook, so enums keep their own validation.
converter.register_structure_hook(str, strict_str)
converter.register_structure_hook(int, strict_int)
converter.register_structure_hook(float, strict_float)
converter.register_structure_hook(bool, strict_bool)
converter.register_structure_hook(enum.StrEnum, strict_str_enum)
converter.register_structure_hook_func(lambda tp: tp == float | int, strict_number)
converter.register_unstructure_hook(dt.date, lambda value: value.isoformat())
