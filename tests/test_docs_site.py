"""The documentation site: built once per module, then checked page by page.

The site must work on an intranet without internet access (no asset from another host), document
every public name exactly once, and link the evidence to its sources. The build is the same as
``.ci/run``'s (``-W -n``: warnings are errors, references must resolve).
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from test_docs_api_reference import PUBLIC_MODULES, _existing_modules

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_offline_assets", ROOT / "tools" / "check_offline_assets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _checker()


# -- the checker itself (fast) ----------------------------------------------------------------


def test_checker_finds_external_assets_in_html() -> None:
    page = """<html><head>
    <script src="https://cdn.example.org/mathjax.js"></script>
    <script src="_static/local.js"></script>
    <link rel="stylesheet" href="//fonts.example.org/font.css">
    <link rel="canonical" href="https://docs.example.org/page.html">
    <style>body { background: url("https://img.example.org/bg.png"); }</style>
    </head><body>
    <img src="https://img.example.org/a.png" srcset="a.png 1x, https://img.example.org/b.png 2x">
    <p style="background-image: url(http://img.example.org/c.png)">x</p>
    <a href="https://doi.org/10.1000/xyz">a DOI is a link, not an asset</a>
    <img src="_images/local.svg">
    </body></html>"""
    found = check.html_references(page)
    assert found == [
        "<script src=https://cdn.example.org/mathjax.js>",
        "<link href=//fonts.example.org/font.css>",
        "<style>…https://img.example.org/bg.png…</style>",
        "<img src=https://img.example.org/a.png>",
        "<img srcset=https://img.example.org/b.png>",
        "<p style=…http://img.example.org/c.png…>",
    ]


def test_checker_reads_css_and_svg() -> None:
    css = """@import "https://fonts.example.org/x.css";
    .a { background: url('data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>'); }
    .b { background: url(../img/local.png); }"""
    assert check.css_references(css) == ["https://fonts.example.org/x.css"]
    svg = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
    <image xlink:href="https://img.example.org/x.png"/><use href="#local"/></svg>"""
    assert check.svg_references(svg) == ["https://img.example.org/x.png"]


def test_checker_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index.html").write_text('<script src="http://cdn.example.org/x.js"></script>')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "site.css").write_text("a { background: url(local.png) }")
    assert check.main([str(tmp_path)]) == 1
    assert capsys.readouterr().out == "index.html: <script src=http://cdn.example.org/x.js>\n"
    (tmp_path / "index.html").write_text("<p>offline</p>")
    assert check.main([str(tmp_path)]) == 0
    assert check.main([]) == 2


# -- the built site (slow: one HTML build for the module) --------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Build the HTML site once, as ``sphinx-build -W -n -b html`` does; return the app."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    from sphinx.application import Sphinx

    out = tmp_path_factory.mktemp("docs")
    warnings = io.StringIO()
    app = Sphinx(
        srcdir=DOCS,
        confdir=DOCS,
        outdir=out / "html",
        doctreedir=out / "doctrees",
        buildername="html",
        status=None,
        warning=warnings,
        freshenv=True,
        warningiserror=True,
        confoverrides={"nitpicky": True},  # -n
    )
    app.build()
    # Recent Sphinx versions report -W as the build's status instead of raising.
    assert (app.statuscode, warnings.getvalue()) == (0, "")
    return app


_SLOW_BUILD = (
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:The mapping interface for autodoc options"),
    pytest.mark.filterwarnings("ignore:'sphinx.environment.BuildEnvironment.app' is deprecated"),
)


def _slow(test: Any) -> Any:
    """Mark a test that needs the built site: slow, with Sphinx's own deprecations ignored."""
    for mark in _SLOW_BUILD:
        test = mark(test)
    return test


@_slow
def test_site_loads_no_external_asset(site: Any) -> None:
    outdir = Path(site.outdir)
    assert (outdir / "_static" / "mathjax" / "tex-chtml.js").is_file()  # MathJax is served here
    assert 'src="_static/mathjax/tex-chtml.js"' in (outdir / "calculators.html").read_text()
    assert check.external_assets(outdir) == []


@_slow
def test_every_public_name_is_documented_exactly_once(site: Any) -> None:
    """Each object is documented under one of its public names; the others link to it."""
    documented = set(site.env.get_domain("py").objects)
    names: dict[tuple[str, int], list[str]] = {}
    for module_name, module in _existing_modules():
        for attr in module.__all__:
            value = getattr(module, attr)
            data = not (inspect.isclass(value) or inspect.isroutine(value))
            key = (attr if data else "", id(value))
            names.setdefault(key, []).append(f"{module_name}.{attr}")
    undocumented = [group for group in names.values() if not documented.intersection(group)]
    twice = [group for group in names.values() if len(documented.intersection(group)) > 1]
    assert not undocumented, f"not in the API reference: {undocumented}"
    assert not twice, f"documented more than once: {twice}"
    pages = {page.removeprefix("api/") for page in site.env.found_docs if page.startswith("api/")}
    assert {name for name, _ in _existing_modules()} <= pages <= {*PUBLIC_MODULES, "index"}


@_slow
def test_reexports_link_to_where_they_are_documented(site: Any) -> None:
    root = (Path(site.outdir) / "api" / "ascc_salvage.html").read_text()
    assert 'href="ascc_salvage.case.html#ascc_salvage.case.Case"' in root
    case_page = (Path(site.outdir) / "api" / "ascc_salvage.case.html").read_text()
    assert "Also importable as" in case_page


@_slow
def test_evidence_links_to_its_sources(site: Any) -> None:
    from ascc_salvage import knowledge

    page = (Path(site.outdir) / "evidence.html").read_text()
    overview = page[page.index('<table class="sortable evidence-overview') :]
    overview = overview[: overview.index("</table>")]
    for item in knowledge.evidence_items():
        anchor = "evidence-" + re.sub(r"[^a-z0-9]+", "-", item.id.lower()).strip("-")
        assert f'href="#{anchor}"' in overview  # the row links to the item's block
        assert f'id="{anchor}"' in page
        if item.doi:
            assert f'href="https://doi.org/{item.doi}"' in page
        if item.pmid:
            assert f'href="https://pubmed.ncbi.nlm.nih.gov/{item.pmid}/"' in page
        if item.pmcid:
            assert f'href="https://www.ncbi.nlm.nih.gov/pmc/articles/{item.pmcid}/"' in page
        if item.nct:
            assert f'href="https://clinicaltrials.gov/study/{item.nct}"' in page
    links = re.findall(r'href="https://(?:doi\.org|pubmed|www\.ncbi|clinicaltrials)[^"]*"', page)
    recorded = sum(
        bool(value)
        for item in knowledge.evidence_items()
        for value in (item.doi, item.pmid, item.pmcid, item.nct)
    )
    assert len(links) == recorded  # no identifier that the knowledge base does not hold


@_slow
def test_landing_page_shows_code_and_a_generated_rendering(site: Any) -> None:
    page = (Path(site.outdir) / "index.html").read_text()
    excerpt = page[page.index("cli-excerpt") :]
    assert "ascc-salvage recommend --example persistent_resectable" in excerpt
    assert "Salvage abdominoperineal resection" in excerpt
    assert "more lines)" in excerpt
