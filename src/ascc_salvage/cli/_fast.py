"""``recommend CASE.json --format json`` without loading the command-line machinery.

The most common scripted call prints the result document of one case file (or of a bundled
example, ``--example NAME``). Importing click, the command modules and the renderers costs
more than the recommendation itself, so :func:`ascc_salvage.cli.main` first offers the
arguments to :func:`run_fast`. It handles exactly that call (a case file or ``--example
NAME``, and ``--format json``, in any order, ``--option value`` or ``--option=value``, each
once; not stdin) when the case is read, valid and recommended without any exception;
everything else — other arguments, an unreadable or invalid case, an unknown example, an
error of any kind before the output is written — goes to the full command, which gives the
same output and reports the problem as it always does. Tests compare both paths on every
bundled example, as a file and as ``--example``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["fast_arguments", "run_fast"]

_OPTIONS = ("--example", "--format")


def fast_arguments(args: Sequence[str]) -> tuple[str, str] | None:
    """``("example", NAME)`` or ``("file", PATH)`` if *args* are that call, else None."""
    if len(args) < 3 or args[0] != "recommend":
        return None
    values: dict[str, str] = {}
    rest = list(args[1:])
    while rest:
        token = rest.pop(0)
        if not token.startswith("-"):  # the case file, given once
            if "file" in values:
                return None
            values["file"] = token
            continue
        option, _, value = token.partition("=")
        if option not in _OPTIONS or option in values:
            return None
        if not _:
            if not rest:
                return None
            value = rest.pop(0)
        if not value or value.startswith("-"):
            return None
        values[option] = value
    if values.get("--format") != "json" or ("--example" in values) == ("file" in values):
        return None
    if "file" in values:
        return "file", values["file"]
    return "example", values["--example"]


def _utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = str(getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            reconfigure(encoding="utf-8")


def _output(kind: str, value: str) -> str | None:
    """The command's output for the case, or None to leave it to the full command."""
    import json
    from pathlib import Path

    from ascc_salvage import examples
    from ascc_salvage.engine import recommend
    from ascc_salvage.io import load_case
    from ascc_salvage.result import result_to_json

    try:
        if kind == "file":
            case = load_case(Path(value))
        else:
            case = load_case(json.loads(examples.example(value).text()))
        return result_to_json(recommend(case), indent=2) + "\n"
    except Exception:  # the full command reports it (unreadable, invalid, a bug) as usual
        return None


def run_fast(args: Sequence[str]) -> bool:
    """Run ``recommend CASE.json|--example NAME --format json`` if *args* are exactly that.

    Returns:
        Whether the command ran (its output written); ``False``: nothing was done, run the
        full command.
    """
    call = fast_arguments(args)
    if call is None:
        return False
    _utf8_streams()
    try:
        text = _output(*call)
        if text is None:
            return False
        sys.stdout.write(text)
        sys.stdout.flush()
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    except OSError as error:  # as the full command: a broken pipe is quiet, exit status 141
        from ascc_salvage.cli._common import (
            EXIT_BROKEN_PIPE,
            EXIT_INVALID,
            discard_stdout,
            os_reason,
        )

        discard_stdout()
        if isinstance(error, BrokenPipeError):
            sys.exit(EXIT_BROKEN_PIPE)
        sys.stderr.write(f"Error: cannot write to stdout: {os_reason(error)}\n")
        sys.exit(EXIT_INVALID)
    return True
