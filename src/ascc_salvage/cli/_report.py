"""Writing the tumour-board report file: atomically, and never over the input."""

from __future__ import annotations

import os
from pathlib import Path

from ascc_salvage.cli._batch import _File, _identity, _same
from ascc_salvage.cli._common import InputError, display_path

__all__ = ["write_report"]


def write_report(out: Path, text: str, case_file: Path | None) -> None:
    """Write *text* to *out* through a temporary file in its directory, then replace it.

    Raises:
        InputError: *out* is, or resolves to, the case file (nothing is written), or it
            cannot be written (the previous file is left as it was).
    """
    if case_file is not None and str(case_file) != "-":
        same_name = os.path.realpath(out) == os.path.realpath(case_file)
        if same_name or _same(_identity(out), _identity(case_file)):
            raise InputError(
                f"--out {display_path(out)} is the input file {display_path(case_file)}; "
                "write the report to another file"
            )
    target = _File(out, "--out")
    try:
        target.write(text)
        target.commit()
    except BaseException:
        target.discard()
        raise
