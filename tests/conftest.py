"""Shared pytest configuration: Hypothesis profiles.

* ``ci`` (Hypothesis's built-in profile: derandomised, no deadline, no example database) is
  loaded when ``CI=true``, so CI runs are reproducible.
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

_profile = os.environ.get("HYPOTHESIS_PROFILE")
if _profile is None:
    _profile = "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
settings.load_profile(_profile)
