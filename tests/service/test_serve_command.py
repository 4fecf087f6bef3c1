"""``ascc-salvage serve``: options, the loopback rule, configuration errors, the extra."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from tests.cli._support import run
from tests.service._support import ISSUER, jwks


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_serves_on_loopback_by_default(started: list[dict[str, Any]]) -> None:
    result = run("serve")
    assert result.exit_code == 0, result.stderr
    (call,) = started
    assert (call["host"], call["port"]) == ("127.0.0.1", 8080)
    assert "/cds-services/{service_id}" in [getattr(r, "path", "") for r in call["app"].routes]
    assert "No client authentication configured: listening on loopback only" in result.stderr
    assert "Audit log: not written" in result.stderr


def test_refuses_a_public_address_without_authentication(started: list[dict[str, Any]]) -> None:
    result = run("serve", "--host", "0.0.0.0", "--port", "9000")
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert started == []


def test_a_public_address_with_authentication(
    started: list[dict[str, Any]], tmp_path: Path
) -> None:
    config = tmp_path / "service.json"
    document = {
        "public_url": "https://cds.example.org",
        "audit_log": "audit.jsonl",
        "issuers": [{"iss": ISSUER, "jwks": jwks()}],
    }
    config.write_text(json.dumps(document))
    result = run("serve", "--host", "0.0.0.0", "--port", "9000", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert started[0]["host"] == "0.0.0.0"
    assert f"allowed issuers: {ISSUER}" in result.stderr
    assert f"Audit log: {tmp_path / 'audit.jsonl'}" in result.stderr


def test_a_bad_configuration_file(started: list[dict[str, Any]], tmp_path: Path) -> None:
    config = tmp_path / "service.toml"
    config.write_text("max_body_bytes = -1\n")
    result = run("serve", "--config", str(config))
    assert result.exit_code == 2
    assert "configuration: max_body_bytes must be positive" in result.stderr
    assert started == []


def test_a_clear_error_without_the_extra(
    started: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fastapi", None)
    for name in [n for n in sys.modules if n.startswith("ascc_salvage.service")]:
        monkeypatch.delitem(sys.modules, name)
    result = run("serve")
    assert result.exit_code == 2
    assert "needs the 'service' extra: pip install 'ascc_salvage[service]'" in result.stderr
