"""Client JWT authentication (CDS Hooks), over HTTP on a real uvicorn server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.service._support import (
    ISSUER,
    KEY,
    OTHER_KEY,
    free_socket,
    hook_request,
    jwks,
    running,
    token,
)

from ascc_salvage.service import SERVICE_ID, Issuer, ServiceConfig, create_app
from ascc_salvage.service._auth import AuthError, JwtVerifier

HOOK_PATH = f"/cds-services/{SERVICE_ID}"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PEM = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    sock = free_socket()
    host, port = sock.getsockname()
    audit = tmp_path_factory.mktemp("auth") / "audit.jsonl"
    config = ServiceConfig(
        public_url=f"http://{host}:{port}/",
        issuers=(
            Issuer(iss=ISSUER, jwks=jwks()),
            Issuer(iss="https://other.test.invalid", public_key=RSA_PEM, algorithms=("RS384",)),
        ),
        audit_log=audit,
    )
    with running(create_app(config), sock) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http, audit


def post(client: httpx.Client, bearer: str | None, path: str = HOOK_PATH) -> httpx.Response:
    headers = {} if bearer is None else {"authorization": f"Bearer {bearer}"}
    return client.post(path, json=hook_request(), headers=headers)


def aud(client: httpx.Client, path: str = HOOK_PATH) -> str:
    return f"{client.base_url}{path}"


def test_a_valid_jwt_is_accepted_once(server: tuple[httpx.Client, Path]) -> None:
    client, audit = server
    bearer = token(aud(client))
    response = post(client, bearer)
    assert response.status_code == 200
    assert response.json()["cards"][0]["summary"].startswith("Persistent: preferred")
    replayed = post(client, bearer)
    assert replayed.status_code == 401
    assert "replayed" in replayed.json()["error"]["message"]
    assert replayed.headers["www-authenticate"].startswith("Bearer")
    logged = json.loads(audit.read_text("utf-8").splitlines()[-1])
    assert logged["client"] == {"iss": ISSUER, "sub": "ehr-client"}


def test_rsa_issuer_with_a_pem_key_and_feedback(server: tuple[httpx.Client, Path]) -> None:
    client, _ = server
    feedback_path = f"{HOOK_PATH}/feedback"
    bearer = token(
        aud(client), key=RSA_KEY, iss="https://other.test.invalid", algorithm="RS384", kid=None
    )
    response = client.post(
        feedback_path,
        json={"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "t"}]},
        headers={"authorization": f"Bearer {bearer}"},
    )
    assert response.status_code == 200  # the service endpoint is an accepted audience
    assert client.post(feedback_path, json={}).status_code == 401
    exact = token(aud(client, feedback_path))
    response = client.post(feedback_path, json={}, headers={"authorization": f"Bearer {exact}"})
    assert response.status_code == 400  # authenticated, then the body is checked


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda a: None, "bearer JWT is required"),
        (lambda a: "", "bearer JWT is required"),
        (lambda a: "not.a.jwt", "malformed JWT"),
        (lambda a: token(a, key=OTHER_KEY), "Signature verification failed"),
        (lambda a: token(a, lifetime=-120), "expired"),
        (lambda a: token(a, lifetime=3600), "expires more than 300 s ahead"),
        (lambda a: token("https://elsewhere.invalid/cds-services/x"), "Audience"),
        (lambda a: token(a, iss="https://unknown.invalid"), "issuer is not allowed"),
        (lambda a: token(a, kid="unknown-kid"), "no key of this issuer matches"),
        (lambda a: token(a, key=RSA_KEY, algorithm="PS384"), "algorithm 'PS384' is not allowed"),
        (
            lambda a: jwt.encode(
                {"iss": ISSUER, "aud": a, "exp": 9e9}, "s" * 32, algorithm="HS256"
            ),
            "algorithm 'HS256' is not allowed",
        ),
        (lambda a: _without_jti(a), "jti"),
        # A numeric string: PyJWT accepts it; the service must still answer 401, not 500.
        (
            lambda a: token(a, exp=str(int(__import__("time").time()) + 60)),
            "exp claim is not a number",
        ),
    ],
)
def test_bad_jwts_are_refused(server: tuple[httpx.Client, Path], make: Any, message: str) -> None:
    client, _ = server
    bearer = make(aud(client))
    headers = {} if bearer is None else {"authorization": f"Bearer {bearer}"}
    if bearer == "":
        headers = {"authorization": "Basic abc"}
    response = client.post(HOOK_PATH, json=hook_request(), headers=headers)
    assert response.status_code == 401
    assert message in response.json()["error"]["message"]


def _without_jti(audience: str) -> str:
    payload = {"iss": ISSUER, "aud": audience, "exp": int(__import__("time").time()) + 60}
    return jwt.encode(payload, KEY, algorithm="ES384", headers={"kid": "ehr-key-1"})


def test_remote_clients_are_answered_with_authentication(
    server: tuple[httpx.Client, Path],
) -> None:
    client, _ = server
    assert client.get("/cds-services").status_code == 200  # discovery needs no JWT


def test_a_wrong_key_type_is_refused_and_used_jtis_expire() -> None:
    now = [1000.0]
    config = ServiceConfig(
        public_url="https://cds.test.invalid",
        issuers=(Issuer(iss=ISSUER, jwks=jwks(), algorithms=("ES384", "RS384")),),
        max_token_lifetime_seconds=10**10,
    )
    verifier = JwtVerifier(config, clock=lambda: now[0])
    audience = "https://cds.test.invalid/x"
    rsa_signed = token(audience, key=RSA_KEY, algorithm="RS384")
    with pytest.raises(AuthError, match="JWT refused"):
        verifier.verify(f"Bearer {rsa_signed}", [audience])
    bearer = token(audience, jti="same", lifetime=10**8)
    assert verifier.verify(f"Bearer {bearer}", [audience])["jti"] == "same"
    with pytest.raises(AuthError, match="replayed"):
        verifier.verify(f"Bearer {bearer}", [audience])
    now[0] = 1e12  # (the verifier's clock) long after the token expired: its jti is forgotten
    verifier.verify(f"bearer {bearer}", [audience])
    assert list(verifier._seen) == [(ISSUER, "same")]
