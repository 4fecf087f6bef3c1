"""``python -m ascc_salvage.knowledge``: write or check the compiled bundled knowledge base.

* ``python -m ascc_salvage.knowledge --write [DIRECTORY]`` loads the bundled TOML with the
  strict loader and writes ``knowledge.json`` (default: the package directory of a source
  checkout, ``src/ascc_salvage/knowledge/``); run it after every change to
  ``ascc_salvage/knowledge/data``;
* ``python -m ascc_salvage.knowledge --check`` exits with status 1 when the shipped file
  differs from what the TOML gives.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from ascc_salvage.knowledge._compiled import FILE_NAME, compiled_text, write_compiled


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ascc_salvage.knowledge",
        description="Write or check the compiled bundled knowledge base (knowledge.json).",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--write",
        nargs="?",
        const=None,
        default=False,
        type=Path,
        metavar="DIRECTORY",
        help="write knowledge.json (default: the package directory)",
    )
    action.add_argument("--check", action="store_true", help="fail if knowledge.json is stale")
    args = parser.parse_args(argv)
    if args.check:
        shipped = files("ascc_salvage.knowledge").joinpath(FILE_NAME).read_text(encoding="utf-8")
        if shipped != compiled_text():
            print(f"{FILE_NAME} is out of date: run python -m ascc_salvage.knowledge --write")
            return 1
        return 0
    print(f"wrote {write_compiled(args.write)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
