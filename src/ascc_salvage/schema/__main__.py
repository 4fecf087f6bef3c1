"""``python -m ascc_salvage.schema``: print, write or check the shipped JSON Schema files.

* ``python -m ascc_salvage.schema case-2.schema.json`` prints a generated schema;
* ``python -m ascc_salvage.schema --write [DIRECTORY]`` writes every schema file (default:
  the package directory of a source checkout, ``src/ascc_salvage/schema/``);
* ``python -m ascc_salvage.schema --check`` exits with status 1, naming the files, when the
  shipped files differ from what the model generates.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ascc_salvage.schema import SCHEMA_FILES, schema_text, shipped_schema, write_schemas


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m ascc_salvage.schema",
        description="Print, write or check the JSON Schema files of ascc_salvage.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("name", nargs="?", choices=list(SCHEMA_FILES), help="print this schema")
    action.add_argument(
        "--write",
        nargs="?",
        const=None,
        default=False,
        type=Path,
        metavar="DIRECTORY",
        help="write every schema file (default: the package directory)",
    )
    action.add_argument(
        "--check", action="store_true", help="fail if the shipped files are out of date"
    )
    args = parser.parse_args(argv)
    if args.name is not None:
        sys.stdout.write(schema_text(SCHEMA_FILES[args.name]()))
        return 0
    if args.check:
        stale = [name for name, build in SCHEMA_FILES.items() if shipped_schema(name) != build()]
        for name in stale:
            print(f"{name} is out of date: run python -m ascc_salvage.schema --write")
        return 1 if stale else 0
    for path in write_schemas(args.write):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
