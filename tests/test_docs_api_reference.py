"""The API reference documents every public name.

``docs/api.md`` lists the public modules in an ``api-modules`` block; the docs extension
renders each with ``automodule`` and ``:members:``, which follows the module's ``__all__``.
These tests check that every public module that exists is listed, that every name in each
``__all__`` exists, and — by building the documentation — that each name is documented.
"""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

PUBLIC_MODULES = (
    "ascc_salvage",
    "ascc_salvage.model",
    "ascc_salvage.case",
    "ascc_salvage.io",
    "ascc_salvage.validation",
    "ascc_salvage.errors",
    "ascc_salvage.status",
    "ascc_salvage.plausibility",
    "ascc_salvage.result",
    "ascc_salvage.batch",
    "ascc_salvage.examples",
    "ascc_salvage.units",
    "ascc_salvage.staging",
    "ascc_salvage.vocabulary",
    "ascc_salvage.calculators",
    "ascc_salvage.knowledge",
    "ascc_salvage.fhir",
    "ascc_salvage.service",
    "ascc_salvage.plot",
    "ascc_salvage.cli",
    "ascc_salvage.testing.strategies",
)

_BLOCK = re.compile(r"^```\{api-modules\}[^\n]*\n(?P<body>.*?)^```", re.M | re.S)


def _listed_modules() -> list[str]:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    names: list[str] = []
    for match in _BLOCK.finditer(text):
        names += [
            line.strip()
            for line in match.group("body").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    return names


def _import(name: str) -> ModuleType | None:
    """Import a public module, or return None if it does not exist (yet)."""
    if name == "ascc_salvage.testing.strategies":
        pytest.importorskip("hypothesis")  # the module needs the test extra
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        parts = name.split(".")
        if exc.name in {".".join(parts[: i + 1]) for i in range(len(parts))}:
            return None
        if name == "ascc_salvage.fhir" and exc.name and exc.name.startswith("fhir"):
            pytest.skip("the fhir extra is not installed")
        if name == "ascc_salvage.service" and exc.name in {"fastapi", "uvicorn", "jwt"}:
            pytest.skip("the service extra is not installed")
        raise


def _existing_modules() -> list[tuple[str, ModuleType]]:
    found = []
    for name in PUBLIC_MODULES:
        module = _import(name)
        if module is not None:
            found.append((name, module))
    return found


def test_every_public_module_is_listed() -> None:
    listed = _listed_modules()
    assert len(listed) == len(set(listed)), "a module is listed twice in docs/api.md"
    missing = [name for name, _ in _existing_modules() if name not in listed]
    assert not missing, f"add these modules to the api-modules block of docs/api.md: {missing}"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_names_exist(name: str) -> None:
    module = _import(name)
    if module is None:
        pytest.skip(f"{name} is not part of the package yet")
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    absent = [attr for attr in exported if not hasattr(module, attr)]
    assert not absent, f"{name}.__all__ names missing attributes: {absent}"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options")
@pytest.mark.filterwarnings("ignore:'sphinx.environment.BuildEnvironment.app' is deprecated")
def test_every_public_name_is_documented(tmp_path: Path) -> None:
    """Build the docs (without writing HTML) and look up every public name."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    from sphinx.application import Sphinx

    warnings = io.StringIO()
    app = Sphinx(
        srcdir=DOCS,
        confdir=DOCS,
        outdir=tmp_path / "out",
        doctreedir=tmp_path / "doctrees",
        buildername="dummy",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    documented = set(app.env.get_domain("py").objects)
    undocumented = [
        f"{name}.{attr}"
        for name, module in _existing_modules()
        for attr in module.__all__
        if f"{name}.{attr}" not in documented
    ]
    assert not undocumented, f"not in the API reference: {undocumented}"
    # ascc_salvage.model re-exports: each name resolves to its one documentation, where the
    # class is defined (documented once, not again under the model).
    objects = app.env.get_domain("py").objects
    model = importlib.import_module("ascc_salvage.model")
    for attr in model.__all__:
        value = getattr(model, attr)
        entry = objects[f"ascc_salvage.model.{attr}"]
        home = objects[f"{value.__module__}.{value.__qualname__}"]
        assert entry.aliased, attr
        assert not home.aliased, attr
        assert (entry.docname, entry.node_id) == (home.docname, home.node_id), attr
