"""Reading a file shipped in a package without importing :mod:`importlib.resources`.

:mod:`importlib.resources` imports :mod:`tempfile`, :mod:`zipfile` and more (about 10 ms),
a noticeable share of a command's start-up. :func:`read_package_file` reads through the
package's loader instead, as :func:`pkgutil.get_data` does, so a package inside a zip
archive is read as well; a loader without ``get_data`` falls back to
:mod:`importlib.resources`.
"""

from __future__ import annotations

import os
import sys

__all__ = ["read_package_file"]


def read_package_file(package: str, name: str) -> bytes:
    """Return the bytes of the file *name* (``/``-separated) of the package *package*.

    The package is one already imported (the caller's own).

    Raises:
        FileNotFoundError: The package has no such file.
    """
    module = sys.modules[package]
    loader = getattr(module.__spec__, "loader", None)
    get_data = getattr(loader, "get_data", None)
    if get_data is None or module.__file__ is None:  # an unusual loader
        from importlib.resources import files

        return files(package).joinpath(name).read_bytes()
    data: bytes = get_data(os.path.join(os.path.dirname(module.__file__), *name.split("/")))
    return data
