"""Shared pytest configuration: Hypothesis profiles.

* ``ci`` (Hypothesis's built-in profile: derandomised, no deadline, no example database) is
  loaded when ``CI`` is set (``CI=true``; not ``0``/``false``), so CI runs are reproducible.
* ``dev`` (the local default) keeps the example database and fewer examples for quick runs.

``HYPOTHESIS_PROFILE=<name>`` selects a profile explicitly.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=50,
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow,),
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _in_ci() else "dev"))
