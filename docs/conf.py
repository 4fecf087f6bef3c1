"""Sphinx configuration for the ascc_salvage documentation.

Build offline with::

    sphinx-build -W -n -b html docs docs/_build/html
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import ascc_salvage  # noqa: E402

project = "ascc_salvage"
author = "ascc_salvage developers"
copyright = "2026, ascc_salvage developers"
release = ascc_salvage.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
    # MathJax copied into _static/mathjax instead of loaded from a CDN: the built site works
    # offline and on an intranet (the package's import name has hyphens).
    "sphinx-mathjax-offline",
    # Local extensions in docs/_ext/.
    "ascc_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store", "conftest.py"]
language = "en"

# -- MyST ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- autodoc / napoleon ---------------------------------------------------------
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
# Render "Attributes:" sections as fields of the class: autodoc already documents the attrs
# fields as attributes, and two descriptions of one attribute are a duplicate-object warning.
napoleon_use_ivar = True

# -- nitpicky mode without intersphinx -----------------------------------------
# The build is offline (no intersphinx inventories are downloaded), so references to
# objects of the standard library and of third-party packages cannot resolve. They are
# ignored here, by package, and nothing else is: a broken reference to an object of
# ascc_salvage itself still fails the build.
nitpicky = True
_EXTERNAL_PREFIXES = (
    "pint",
    "attrs",
    "attr",
    "cattrs",
    "datetime",
    "_dt",
    "collections",
    "collections.abc",
    "typing",
    "typing_extensions",
    "enum",
    "os",
    "pathlib",
    "concurrent",
    "decimal",
    "numbers",
    "matplotlib",
    "fhir",
    "dask",
    "distributed",
    "fastapi",
    "starlette",
    "hypothesis",
    "click",
    "rich",
    "json",
    "io",
    "importlib",
)
nitpick_ignore_regex = [
    (role, rf"{prefix}(\..*)?")
    for role in (
        "py:class",
        "py:obj",
        "py:exc",
        "py:func",
        "py:data",
        "py:meth",
        "py:attr",
        "py:mod",
    )
    for prefix in _EXTERNAL_PREFIXES
]
# Builtins and typing shorthands that appear in annotations.
nitpick_ignore = [
    ("py:class", name)
    for name in (
        "Any",
        "Final",
        "ClassVar",
        "TypeAlias",
        "TypeVar",
        "Iterable",
        "Iterator",
        "Mapping",
        "Sequence",
        "Callable",
        "PathLike",
        "Executor",
        "Path",
        "date",
        "Decimal",
        "Quantity",
        "Unit",
        "UnitRegistry",
        "Figure",
        "Axes",
        "SearchStrategy",
        "StrEnum",
        "Enum",
        "Attribute",
        "NoneType",
        "ellipsis",
        "EllipsisType",
        "optional",
        "function",
    )
]

# Internal names that public signatures or docstrings refer to. They are not part of the API
# reference; list each one here explicitly (never by pattern) so that the list stays short.
nitpick_ignore += [
    ("py:class", "QuantityT"),  # type variable of ascc_salvage.calculators
    ("py:class", "QuantityArgument"),  # type alias of ascc_salvage.calculators
    ("py:func", "_doc"),  # ascc_salvage.case internals
    ("py:class", "ascc_salvage.batch._S"),  # type variables of the recommend_many overloads
    ("py:class", "ascc_salvage.batch._T"),
    # Docstring references that do not resolve (reported to the maintainers of the modules):
    # FhirMappingError writes :attr:`errors` for the inherited CaseValidationError.errors, and
    # register_type_strategies refers to the private module ascc_salvage.testing._hypothesis_hook.
    ("py:attr", "errors"),
    ("py:class", "t.Any"),  # click's own annotations on the command group ascc_salvage.cli.cli
    ("py:mod", "ascc_salvage.testing._hypothesis_hook"),
]

# -- HTML ----------------------------------------------------------------------
html_theme = "furo"
html_title = f"ascc_salvage {release}"
# Local static files only: the built site loads nothing from the network (see
# tools/check_offline_assets.py, run after the build by .ci/run and by the test suite).
html_static_path = ["_static"]
html_css_files = ["ascc.css"]
html_js_files = ["sortable-tables.js"]
