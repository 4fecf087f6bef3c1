"""Writing the tumour-board report file: atomically, and never over the input."""

from __future__ import annotations

import os
from pathlib import Path

from ascc_salvage.cli._batch import (
    _File,
    _identity,
    _same,
    input_identity,
    refuse_knowledge_output,
)
from ascc_salvage.cli._common import InputError, display_path

__all__ = ["write_report"]


def write_report(
    out: Path, text: str, case_file: Path | None, knowledge_dir: Path | None = None
) -> None:
    """Write *text* to *out* through a temporary file in its directory, then replace it.

    Raises:
        InputError: *out* is, or resolves to, an input: the case file (also when it was
            read from stdin redirected from a file) or a file of the ``--knowledge``
            directory (nothing is written); or it cannot be written (the previous file is
            left as it was).
    """
    if case_file is not None:
        from_stdin = str(case_file) == "-"
        same_name = not from_stdin and os.path.realpath(out) == os.path.realpath(case_file)
        if same_name or _same(_identity(out), input_identity(case_file)):
            name = "stdin" if from_stdin else display_path(case_file)
            raise InputError(
                f"--out {display_path(out)} is the input file {name}; "
                "write the report to another file"
            )
    refuse_knowledge_output("--out", out, knowledge_dir)
    target = _File(out, "--out")
    try:
        target.write(text)
        target.commit()
    except BaseException:
        target.discard()
        raise
