"""Helpers shared by the knowledge-base tests: a writable copy of the bundled data."""

from __future__ import annotations

import pathlib
import shutil
from importlib.resources import files

#: The bundled data directory.
DATA = pathlib.Path(str(files("ascc_salvage.knowledge").joinpath("data")))


def copy_data(target: pathlib.Path) -> pathlib.Path:
    """Copy the bundled data files to *target* and return it."""
    shutil.copytree(DATA, target)
    return target


def edit(directory: pathlib.Path, name: str, old: str, new: str) -> None:
    """Replace the first *old* in the data file *name* (which must contain it) with *new*."""
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
