"""The ``ascc-salvage`` command (also ``python -m ascc_salvage``).

Commands: ``recommend``, ``validate``, ``status``, ``stage``, ``dose``, ``evidence``,
``examples`` and ``batch`` (``api.md``, "Command line"; ``ascc-salvage COMMAND --help``).
:func:`main` is the console-script entry point; :data:`cli` is the click group, for
embedding or for tests with :class:`click.testing.CliRunner`.
"""

from ascc_salvage.cli._app import cli, main

__all__ = ["cli", "main"]
