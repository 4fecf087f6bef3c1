"""The audit log: JSON lines appended atomically (one ``write`` per record, ``O_APPEND``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["AuditLog"]


class AuditLog:
    """Appends one JSON object per line to a file; does nothing without a path.

    Each record is written with a single ``os.write`` on a descriptor opened with
    ``O_APPEND`` and then flushed to disk, so concurrent writers (threads or processes) never
    interleave lines and a crash never leaves half a record in the middle of the file.
    Records carry a ``logged`` UTC timestamp; what else goes in is the caller's choice (the
    service logs digests, uuids and feedback, never case data).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, record: Mapping[str, Any]) -> None:
        """Append *record* (JSON-ready) as one line."""
        if self.path is None:
            return
        logged = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        # The records are the service's own (what a client sends is nested in them).
        line = {"logged": logged, **record}
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        data = (text + "\n").encode()
        with self._lock:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(descriptor, data)
                if written != len(data):  # pragma: no cover - regular files write all at once
                    raise OSError(f"short write to the audit log {self.path}")
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
