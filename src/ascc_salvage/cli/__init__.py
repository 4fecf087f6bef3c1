"""The ``ascc-salvage`` command (also ``python -m ascc_salvage``).

Commands: ``recommend``, ``validate``, ``status``, ``stage``, ``dose``, ``evidence``,
``examples`` and ``batch`` (``api.md``, "Command line"; ``ascc-salvage COMMAND --help``).
:func:`main` is the console-script entry point; :data:`cli` is the click group, for
embedding or for tests with :class:`click.testing.CliRunner` (imported on first use:
``recommend CASE.json --format json`` runs without click).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ascc_salvage.cli._app import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Run the ``ascc-salvage`` command (the console script and ``python -m ascc_salvage``)."""
    from ascc_salvage.cli._fast import run_fast

    if not run_fast(sys.argv[1:]):
        from ascc_salvage.cli._app import main as run

        run()


def __getattr__(name: str) -> Any:
    if name == "cli":
        from ascc_salvage.cli._app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
