"""``ascc-salvage serve``: run the CDS Hooks service on uvicorn (extra ``service``)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Any

import click

from ascc_salvage.cli._common import InputError

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="TCP port."
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Service configuration (TOML or JSON): client issuers and keys, audit log, limits.",
)
def serve(host: str, port: int, config_file: Path | None) -> None:
    """Run the CDS Hooks service (patient-view) until interrupted.

    Without client authentication (issuers in --config) the service listens on loopback
    only and refuses any other --host. Needs the 'service' extra.
    """
    try:
        import uvicorn

        from ascc_salvage.service import ConfigError, ServiceConfig, create_app, load_config
        from ascc_salvage.service import is_loopback as loopback
    except ImportError as error:
        raise InputError(
            "the CDS Hooks service needs the 'service' extra: "
            f"pip install 'ascc_salvage[service]' ({error})"
        ) from None
    try:
        config = ServiceConfig() if config_file is None else load_config(config_file)
    except ConfigError as error:
        raise InputError(f"configuration: {error}") from None
    if config.authenticates:
        issuers = ", ".join(issuer.iss for issuer in config.issuers)
        click.echo(f"Client JWTs required; allowed issuers: {issuers}.", err=True)
    elif not loopback(host):
        raise InputError(
            f"refusing to listen on {host}: no client authentication is configured; give "
            "issuers in --config, or listen on 127.0.0.1"
        )
    else:
        click.echo(
            "No client authentication configured: listening on loopback only and answering "
            "loopback clients only.",
            err=True,
        )
    log = "not written (no audit_log)" if config.audit_log is None else str(config.audit_log)
    click.echo(f"Audit log: {log}.", err=True)
    server = _server_class(uvicorn)(
        uvicorn.Config(create_app(config), host=host, port=port, log_level="info")
    )
    server.run()
    if server.interrupted:
        # uvicorn shuts down gracefully on Ctrl-C and returns; the command still ends as
        # every command does after SIGINT (exit status 130).
        raise KeyboardInterrupt


def _server_class(uvicorn: Any) -> Any:
    """A ``uvicorn.Server`` that records whether SIGINT stopped it (uvicorn imported lazily)."""

    class Server(uvicorn.Server):  # type: ignore[misc]
        interrupted = False

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if sig == signal.SIGINT:
                self.interrupted = True
            super().handle_exit(sig, frame)

    return Server
