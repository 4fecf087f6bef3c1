"""Check that a built HTML site loads no asset from the network.

A hospital intranet often has no internet access, so every script, stylesheet, image, font and
frame the documentation (or any generated HTML) uses must be served with it. This script reads
every HTML, CSS and SVG file under a directory and reports each reference to an asset on another
host: ``<script src>``, ``<link href>`` of a stylesheet, icon or preload, ``<img src|srcset>``,
``<source>``, ``<iframe>``, ``<embed>``, ``<object data>``, ``<video>``/``<audio>``, CSS
``url()`` and ``@import`` (in stylesheets, ``<style>`` blocks and ``style`` attributes), and
``<image>``/``<use>`` references in SVG files. Links a reader follows (``<a href>``: a DOI, the
CDS Hooks specification) are content, not assets, and are allowed; so are ``data:`` URLs and XML
namespaces.

Usage::

    python tools/check_offline_assets.py docs/_build/html

Exit status 0 when nothing is found, 1 otherwise (one ``file: reference`` line each).
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

#: A URL that leaves the site: http(s) or protocol-relative.
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.I)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]*)\1\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(?P<url>[^'"]*)\1""", re.I)
_SVG_REF = re.compile(
    r"""<(?:image|use|feImage|script)\b[^>]*?\b(?:xlink:)?href\s*=\s*(['"])(?P<url>[^'"]*)\1""",
    re.I,
)

#: Attributes that load an asset, by tag (``link`` is handled by its ``rel``).
_ASSET_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
}
#: ``<link rel=…>`` values that load an asset (``canonical``, ``alternate`` … are links).
_ASSET_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "preload",
    "modulepreload",
    "prefetch",
    "manifest",
    "apple-touch-icon",
    "mask-icon",
}


def _urls(value: str) -> list[str]:
    """The URLs of an attribute value (a ``srcset`` lists several, with widths)."""
    return [part.strip().split(" ")[0] for part in value.split(",")] if value else []


def css_references(text: str) -> list[str]:
    """The external URLs a stylesheet loads (``url()`` and ``@import``)."""
    found = [m.group("url") for m in _CSS_URL.finditer(text)]
    found += [m.group("url") for m in _CSS_IMPORT.finditer(text)]
    return [url for url in found if _EXTERNAL.match(url)]


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        names: tuple[str, ...] = _ASSET_ATTRIBUTES.get(tag, ())
        if tag == "link" and _ASSET_RELS & set(values.get("rel", "").lower().split()):
            names = ("href",)
        for name in names:
            self.found += [
                f"<{tag} {name}={url}>"
                for url in _urls(values.get(name, ""))
                if _EXTERNAL.match(url)
            ]
        if "style" in values:
            self.found += [f"<{tag} style=…{url}…>" for url in css_references(values["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style>…{url}…</style>" for url in css_references(data)]


def html_references(text: str) -> list[str]:
    """The external assets an HTML page loads (see the module docstring)."""
    parser = _AssetParser()
    parser.feed(text)
    parser.close()
    return parser.found


def svg_references(text: str) -> list[str]:
    """The external resources an SVG file loads (images, ``use``, scripts, CSS)."""
    found = [m.group("url") for m in _SVG_REF.finditer(text) if _EXTERNAL.match(m.group("url"))]
    return found + css_references(text)


def external_assets(site: Path) -> list[str]:
    """Every external asset reference under *site*, as ``path: reference`` lines."""
    checks = {
        ".html": html_references,
        ".htm": html_references,
        ".css": css_references,
        ".svg": svg_references,
    }
    problems: list[str] = []
    for path in sorted(site.rglob("*")):
        check = checks.get(path.suffix.lower())
        if check is None or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path.relative_to(site)}: {ref}" for ref in check(text)]
    return problems


def main(argv: list[str]) -> int:
    """Check the site directory given as the only argument."""
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: check_offline_assets.py SITE_DIRECTORY", file=sys.stderr)
        return 2
    problems = external_assets(Path(argv[0]))
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{argv[0]}: no external asset references")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
