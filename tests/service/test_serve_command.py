"""``ascc-salvage serve``: options, the loopback rule, configuration errors, the extra."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from tests.cli._support import run
from tests.service._support import ISSUER, free_socket, jwks

from ascc_salvage.cli import _serve


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run_server(server: uvicorn.Server) -> None:
        config = server.config
        calls.append({"app": config.app, "host": config.host, "port": config.port})

    monkeypatch.setattr(uvicorn.Server, "run", run_server)
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


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_stops_the_service_with_exit_status_130() -> None:
    """A real server process: it answers, then SIGINT ends it gracefully with status 130."""
    with free_socket() as probe:  # a free port, released for the server to bind
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "ascc_salvage", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # SIGINT as in a terminal, even where the test runner's parent ignores it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/cds-services") as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, "the service ended before it answered"
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "Interrupted." in stderr


@pytest.mark.parametrize(("sig", "interrupted"), [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_the_server_records_whether_sigint_stopped_it(sig: int, interrupted: bool) -> None:
    server = _serve._server_class(uvicorn)(uvicorn.Config(app=None))
    server.handle_exit(sig, None)
    assert server.should_exit
    assert server.interrupted is interrupted


def test_a_server_stopped_by_sigint_ends_the_command_with_130(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda server: server.handle_exit(signal.SIGINT, None)
    )
    result = run("serve")
    assert result.exit_code == 130
    assert "Interrupted." in result.stderr
