"""The CDS Hooks 2.0 service (extra ``service``: FastAPI, uvicorn, PyJWT, fhir.resources).

:func:`create_app` returns the ASGI app that ``ascc-salvage serve`` runs on uvicorn: a
``patient-view`` service that reads the patient's record from the prefetch, maps it with
:func:`ascc_salvage.fhir.case_from_bundle`, and answers with the cards of
:func:`ascc_salvage.recommend`, or with one card linking to a case form when judgements only a
clinician can give are missing. :class:`ServiceConfig` (read by :func:`load_config` from a
TOML or JSON file) sets the allowed clients, the audit log and the limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ascc_salvage.service import _hook
from ascc_salvage.service._app import create_app, is_loopback
from ascc_salvage.service._config import ConfigError, Issuer, ServiceConfig, load_config

#: The id of the service: its endpoint is ``/cds-services/ascc-salvage-patient-view``.
SERVICE_ID: Final[str] = _hook.SERVICE_ID

#: The hook the service answers (``patient-view``).
HOOK: Final[str] = _hook.HOOK

#: The prefetch templates by key (patient, conditions, observations, procedures, body
#: structures, medication requests and administrations).
PREFETCH: Final[Mapping[str, str]] = _hook.PREFETCH

#: Hook-request extension: a partial case document with the clinician's judgements.
BASE_EXTENSION: Final[str] = _hook.BASE_EXTENSION

#: Hook-request extension: the evaluation date (ISO); the service's date by default.
DATE_EXTENSION: Final[str] = _hook.DATE_EXTENSION

__all__ = [
    "BASE_EXTENSION",
    "DATE_EXTENSION",
    "HOOK",
    "PREFETCH",
    "SERVICE_ID",
    "ConfigError",
    "Issuer",
    "ServiceConfig",
    "create_app",
    "is_loopback",
    "load_config",
]
