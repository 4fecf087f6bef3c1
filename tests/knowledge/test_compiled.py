"""The compiled bundled knowledge base: pinned to the TOML, read back exactly."""

from __future__ import annotations

import datetime as dt
import runpy
import sys
from pathlib import Path
from typing import NamedTuple

import attrs
import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import _compiled, _loader
from ascc_salvage.knowledge.__main__ import main
from ascc_salvage.knowledge._compiled import (
    FILE_NAME,
    CompiledKnowledgeError,
    compiled_text,
    decode,
    encode,
    read_compiled,
    write_compiled,
)
from ascc_salvage.vocabulary import OptionId

SHIPPED = Path(_compiled.__file__).parent / FILE_NAME


@pytest.fixture(scope="module")
def from_toml() -> knowledge.KnowledgeBase:
    """The bundled knowledge base as the strict loader reads it from the TOML."""
    return _loader.load_directory(_loader._packaged_root())


def test_the_shipped_file_is_what_the_strict_loader_makes_of_the_toml() -> None:
    # The bundled path trusts knowledge.json only because of this test: after any change
    # to knowledge/data, run python -m ascc_salvage.knowledge --write.
    assert SHIPPED.read_text(encoding="utf-8") == compiled_text()


def test_the_bundled_knowledge_base_is_read_from_the_compiled_file(
    from_toml: knowledge.KnowledgeBase,
) -> None:
    bundled = knowledge.bundled()
    assert bundled == from_toml
    assert encode(bundled) == encode(from_toml)  # also every order and every excluded field
    assert bundled == read_compiled()
    assert bundled.catalogue.keys() == from_toml.catalogue.keys()


def test_without_the_compiled_file_the_bundled_toml_is_loaded(
    monkeypatch: pytest.MonkeyPatch, from_toml: knowledge.KnowledgeBase
) -> None:
    def missing() -> object:
        raise FileNotFoundError(FILE_NAME)

    monkeypatch.setattr(_compiled, "read_compiled", missing)
    assert _loader.load_packaged.__wrapped__() == from_toml


class _Pair(NamedTuple):
    low: int
    high: float


@attrs.frozen
class _Holder:
    values: object
    _private: int = attrs.field(alias="private", default=0)


def test_every_type_round_trips_with_its_order() -> None:
    # Classes are looked up by module and name; these live in a test module.
    value = {
        OptionId.SALVAGE_APR: (dt.date(2024, 2, 29), frozenset({"b", "a"}), [1, 2.5, None]),
        "z": {"nested": (True, False, "text")},
        "a": 1,
    }
    text = encode(value)
    assert decode(text) == value
    assert list(decode(text)) == list(value)
    assert type(next(iter(decode(text)))) is OptionId
    assert encode(decode(text)) == text


def test_attrs_objects_and_named_tuples_of_other_packages_are_refused() -> None:
    text = encode(_Holder(_Pair(1, 2.0), private=3))
    assert f'"@":"{__name__}:_Holder"' in text
    with pytest.raises(CompiledKnowledgeError, match="not a class of the knowledge base"):
        decode(text)


def test_attrs_objects_and_named_tuples_are_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_compiled, "_modules", lambda: [sys.modules[__name__]])
    holder = _Holder(_Pair(1, 2.0), private=3)
    text = encode((holder, _Holder(_Pair(4, 5.5))))
    rebuilt = decode(text)
    assert rebuilt == (holder, _Holder(_Pair(4, 5.5)))
    assert type(rebuilt[0].values) is _Pair
    assert rebuilt[0]._private == 3


def test_a_type_outside_the_encoding_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot compile a set"):
        encode({"a": {1, 2}})
    with pytest.raises(TypeError, match="cannot compile a datetime"):
        encode(dt.datetime(2024, 1, 1))


def test_an_unknown_tag_is_refused() -> None:
    with pytest.raises(CompiledKnowledgeError, match=r"unknown object .*\['x'\]"):
        decode('{"x": 1}')


def test_write_compiled_writes_the_generated_text(tmp_path: Path) -> None:
    path = write_compiled(tmp_path)
    assert path == tmp_path / FILE_NAME
    assert path.read_text(encoding="utf-8") == SHIPPED.read_text(encoding="utf-8")


def test_the_command_checks_and_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--check"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--write", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / FILE_NAME}\n"
    assert (tmp_path / FILE_NAME).read_text(encoding="utf-8") == compiled_text()
    monkeypatch.setattr("ascc_salvage.knowledge.__main__.compiled_text", lambda: "{}\n")
    assert main(["--check"]) == 1
    assert capsys.readouterr().out == (
        "knowledge.json is out of date: run python -m ascc_salvage.knowledge --write\n"
    )


def test_the_command_runs_as_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["python -m ascc_salvage.knowledge", "--check"])
    monkeypatch.delitem(sys.modules, "ascc_salvage.knowledge.__main__", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("ascc_salvage.knowledge", run_name="__main__")
    assert exit_info.value.code == 0
