"""The API reference documents every public name.

``docs/api/`` holds one page per public module, named after the module, whose ``api-module``
block names it; the docs extension renders it with ``automodule`` and ``:members:``, which
follows the module's ``__all__``. These tests check that every public module that exists has
its page and that every name in each ``__all__`` exists; ``test_docs_site.py`` builds the
documentation and checks that each name is documented exactly once.
"""

from __future__ import annotations

import importlib
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
    "ascc_salvage.schema",
    "ascc_salvage.validation",
    "ascc_salvage.errors",
    "ascc_salvage.status",
    "ascc_salvage.plausibility",
    "ascc_salvage.result",
    "ascc_salvage.rendering",
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

_BLOCK = re.compile(r"^```\{api-module\}[ \t]+(?P<name>[\w.]+)[ \t]*$", re.M)


def _pages() -> dict[str, list[str]]:
    """The modules named by the ``api-module`` blocks of each page of ``docs/api/``."""
    return {
        path.stem: _BLOCK.findall(path.read_text(encoding="utf-8"))
        for path in sorted((DOCS / "api").glob("*.md"))
    }


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


def test_every_public_module_has_its_page() -> None:
    pages = _pages()
    misnamed = {page: names for page, names in pages.items() if page != "index" and names != [page]}
    assert not misnamed, (
        f"a page of docs/api/ must document the module it is named after: {misnamed}"
    )
    missing = [name for name, _ in _existing_modules() if name not in pages]
    assert not missing, f"add docs/api/<module>.md with an api-module block for each of: {missing}"


def test_every_page_is_a_public_module() -> None:
    unknown = [page for page in _pages() if page != "index" and page not in PUBLIC_MODULES]
    assert not unknown, f"add these modules to PUBLIC_MODULES: {unknown}"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_names_exist(name: str) -> None:
    module = _import(name)
    if module is None:
        pytest.skip(f"{name} is not part of the package yet")
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    absent = [attr for attr in exported if not hasattr(module, attr)]
    assert not absent, f"{name}.__all__ names missing attributes: {absent}"
