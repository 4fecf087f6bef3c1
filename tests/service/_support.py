"""Shared helpers of the service tests: a real uvicorn server, prefetch, client JWTs."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from tests.interop._support import base_for, example_document

from ascc_salvage import fhir

#: The evaluation date of the bundled example case.
WHEN = "2026-11-26"
ISSUER = "https://ehr.test.invalid"
KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_KEY = ec.generate_private_key(ec.SECP384R1())
KID = "ehr-key-1"

#: Resource types by prefetch key.
PREFETCH_TYPES = {
    "conditions": ("Condition",),
    "observations": ("Observation",),
    "procedures": ("Procedure",),
    "bodyStructures": ("BodyStructure",),
    "medicationRequests": ("MedicationRequest", "Medication"),
    "medicationAdministrations": ("MedicationAdministration",),
    "medicationStatements": ("MedicationStatement",),
}


def jwks(key: ec.EllipticCurvePrivateKey = KEY, kid: str = KID) -> dict[str, Any]:
    """The public JSON Web Key Set of *key*."""
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "ES384"}]}


def token(
    aud: str,
    *,
    key: Any = KEY,
    iss: str = ISSUER,
    lifetime: float = 120,
    jti: str | None = None,
    algorithm: str = "ES384",
    kid: str | None = KID,
    **claims: Any,
) -> str:
    """A client JWT as a CDS client signs it."""
    now = time.time()
    payload = {
        "iss": iss,
        "sub": "ehr-client",
        "aud": aud,
        "iat": int(now),
        "exp": int(now + lifetime),
        "jti": jti or str(uuid.uuid4()),
        **claims,
    }
    headers = {"typ": "JWT"} if kid is None else {"typ": "JWT", "kid": kid}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def prefetch_from(bundle: dict[str, Any]) -> dict[str, Any]:
    """The prefetch a CDS client would send for the patient of *bundle* (search sets)."""
    resources = [entry["resource"] for entry in bundle["entry"]]
    prefetch: dict[str, Any] = {
        "patient": next(r for r in resources if r["resourceType"] == "Patient")
    }
    for key, types in PREFETCH_TYPES.items():
        # Search results keep each entry's fullUrl (references may name it).
        entries = [
            {k: v for k, v in entry.items() if k in ("fullUrl", "resource")}
            for entry in bundle["entry"]
            if entry["resource"]["resourceType"] in types
        ]
        prefetch[key] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(entries),
            "entry": entries,
        }
    return prefetch


def hook_request(*, with_base: bool = True, **changes: Any) -> dict[str, Any]:
    """A patient-view call for the bundled example (with the clinician's judgements)."""
    document = example_document()
    extension: dict[str, Any] = {"ascc_salvage.evaluation_date": WHEN}
    if with_base:
        extension["ascc_salvage.base"] = base_for(document)
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": "example-patient"},
        "prefetch": prefetch_from(fhir.example_bundle()),
        "extension": extension,
    }
    request.update(changes)
    return request


def free_socket() -> socket.socket:
    """A listening-ready TCP socket bound to a free port on 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def running(app: FastAPI, sock: socket.socket) -> Iterator[str]:
    """Run *app* on a real uvicorn server in a thread; yield its base URL; shut it down."""
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "the server did not shut down"
