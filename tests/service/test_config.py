"""The service configuration file, the form store and the loopback guard."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.service._support import ISSUER, KEY, OTHER_KEY, jwks, token

from ascc_salvage.service import (
    ConfigError,
    Issuer,
    ServiceConfig,
    create_app,
    is_loopback,
    load_config,
)
from ascc_salvage.service._audit import AuditLog
from ascc_salvage.service._auth import JwtVerifier
from ascc_salvage.service._hook import FormStore
from ascc_salvage.service._pages import form_page

TOML = f"""
public_url = "https://cds.example.org/"
audit_log = "logs/audit.jsonl"
max_body_bytes = 5000
jurisdiction = "US"

[[issuers]]
iss = "{ISSUER}"
algorithms = ["ES384"]
jwks = {json.dumps(jwks())}
"""


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "service.toml"
    path.write_text(TOML.replace('jwks = {"keys": [', "jwks = {keys = [").replace('": ', '" = '))
    config = load_config(path)
    assert config.public_url == "https://cds.example.org"
    assert config.audit_log == tmp_path / "logs" / "audit.jsonl"
    assert config.authenticates
    assert config.issuers[0].keys[0][0] == "ehr-key-1"


def test_json_file_and_mapping(tmp_path: Path) -> None:
    document = {"audit_log": str(tmp_path / "a.jsonl"), "cors_origins": ["https://ehr.org"]}
    path = tmp_path / "service.json"
    path.write_text(json.dumps(document))
    config = load_config(path)
    assert config.audit_log == tmp_path / "a.jsonl"
    assert config.cors_origins == ("https://ehr.org",)
    assert not load_config({}).authenticates


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"unknown": 1}, "unknown"),
        ({"max_body_bytes": 0}, "max_body_bytes must be positive"),
        ({"clock_skew_seconds": -1}, "clock_skew_seconds must not be negative"),
        ({"jurisdiction": "UK"}, "jurisdiction"),
        ({"public_url": "ftp://x"}, "public_url must be an http"),
        ({"issuers": [{"iss": ISSUER, "jwks": jwks()}]}, "public_url is required"),
        ({"issuers": [{"iss": "", "jwks": jwks()}]}, "iss must not be empty"),
        ({"issuers": [{"iss": ISSUER}]}, "exactly one of jwks or public_key"),
        ({"issuers": [{"iss": ISSUER, "jwks": jwks(), "algorithms": ["HS256"]}]}, "HS256"),
        ({"issuers": [{"iss": ISSUER, "jwks": jwks(), "algorithms": []}]}, "got none"),
        ({"issuers": [{"iss": ISSUER, "public_key": "not a key"}]}, "unusable key"),
        ({"issuers": [{"iss": ISSUER, "jwks": {"keys": []}}]}, "unusable key"),
        (
            {
                "public_url": "https://cds.org",
                "issuers": [{"iss": ISSUER, "jwks": jwks()}, {"iss": ISSUER, "jwks": jwks()}],
            },
            "each iss may appear once",
        ),
        ({"issuers": "x"}, "issuers"),
    ],
)
def test_invalid_configuration(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(document)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    with pytest.raises(ConfigError, match="must be an object"):
        load_config(bad)
    bad.write_text("{")
    with pytest.raises(ConfigError, match=r"bad\.json"):
        load_config(bad)


def test_several_keys_without_kid() -> None:
    keys = {"keys": [*jwks(OTHER_KEY, "a")["keys"], *jwks(KEY, "b")["keys"]]}
    config = ServiceConfig(public_url="https://cds.org", issuers=(Issuer(iss=ISSUER, jwks=keys),))
    verifier = JwtVerifier(config)
    claims = verifier.verify(
        f"Bearer {token('https://cds.org/x', kid=None)}", ["https://cds.org/x"]
    )
    assert claims["iss"] == ISSUER


def test_form_store_expiry_and_capacity() -> None:
    now = [0.0]
    store = FormStore(10, capacity=2, clock=lambda: now[0])
    first = store.put({"a": 1}, (), None)
    second = store.put({"b": 2}, ("x: y",), "p")
    third = store.put({"c": 3}, (), None)
    assert store.get(first) is None  # the oldest was dropped
    entry = store.get(second)
    assert entry is not None
    assert entry.problems == ("x: y",)
    now[0] = 11
    assert store.get(third) is None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("example.org", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, expected: bool) -> None:
    assert is_loopback(host) is expected


def get(app: Any, path: str, client: tuple[str, int]) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as http:
            return await http.get(path)

    return asyncio.run(run())


def test_without_authentication_only_loopback_clients_are_answered() -> None:
    response = get(create_app(), "/cds-services", ("10.0.0.5", 5000))
    assert response.status_code == 403
    assert "loopback clients only" in response.json()["error"]["message"]


def test_an_internal_error_is_json_without_traceback() -> None:
    app = create_app()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    response = get(app, "/boom", ("127.0.0.1", 5000))
    assert response.status_code == 500
    assert response.json() == {
        "error": {"status": 500, "message": "internal error; the service log has the details"}
    }
    assert "secret" not in response.text


def test_no_audit_log_and_a_form_without_problems(tmp_path: Path) -> None:
    AuditLog(None).append({"event": "x"})
    log = AuditLog(tmp_path / "a.jsonl")
    log.append({"event": "x"})
    log.append({"event": "y"})
    lines = (tmp_path / "a.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["event"] for line in lines] == ["x", "y"]
    page = form_page("/case-form/t", {"schema_version": 1}, [])
    assert "To complete or correct" not in page
