"""The `mjproxy` command line. The only place that configures logging."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from mjproxy import __version__
from mjproxy.config import ConfigError, Settings, load_settings
from mjproxy.sandbox.cli import sandbox_command

app = typer.Typer(
    name="mjproxy",
    help=(
        "A Midjourney Proxy API server that drives Midjourney through Discord accounts.\n\n"
        "Settings come from a YAML file (--config, see config.example.yaml) and MJPROXY_* "
        "environment variables, e.g. MJPROXY_API_SECRET and MJPROXY_DATABASE_URL."
    ),
    no_args_is_help=True,
    add_completion=False,
)

_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


# Libraries that log their raw I/O: SQL parameters (a stored user token), gateway frames
# (the IDENTIFY payload carries the token), HTTP internals. They keep these levels whatever
# `log_level` says, so DEBUG logging never prints a secret. (SQLAlchemy logs every statement
# with its parameters as soon as its logger allows INFO.)
LIBRARY_LOGGERS = {
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncmy": logging.INFO,
    "asyncpg": logging.INFO,
    "websockets": logging.INFO,
    "httpcore": logging.INFO,
    "hpack": logging.INFO,
}


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format=_LOG_FORMAT, force=True)
    # One line per request is the proxy's access log; uvicorn's own would duplicate it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    for name, floor in LIBRARY_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default 127.0.0.1)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on, 0 for any free port (default 8080)")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="YAML settings file (see config.example.yaml)"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Directory for the SQLite database and media (default ./data)"),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="Also run the built-in Discord + Midjourney simulator with one account "
            "(try the API without a Discord account; images are placeholders).",
        ),
    ] = False,
    sandbox_speed: Annotated[
        float,
        typer.Option(
            min=0.01,
            help="Sandbox speed factor: 1 is real-like (an imagine takes ~20 s), 20 is fast.",
        ),
    ] = 1.0,
) -> None:
    """Serve the Midjourney Proxy API (/mj/...), its docs at /docs and /health."""
    settings = _settings_or_exit(
        config,
        {
            "host": host,
            "port": port,
            "data_dir": data_dir,
            "log_level": log_level and log_level.upper(),
        },
    )
    configure_logging(settings.log_level)
    _serve(settings, sandbox_speed=sandbox_speed if sandbox else None)


@app.command()
def check_config(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="YAML settings file (see config.example.yaml)"),
    ] = None,
) -> None:
    """Validate the settings (file and MJPROXY_* variables) and print them, secrets hidden."""
    settings = _settings_or_exit(config, {})
    typer.echo(settings.model_dump_json(indent=2))


@app.command()
def version() -> None:
    """Print the mjproxy version."""
    typer.echo(__version__)


def _settings_or_exit(config: Path | None, overrides: dict[str, object]) -> Settings:
    try:
        return load_settings(config, overrides=overrides)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None


def _serve(settings: Settings, *, sandbox_speed: float | None) -> None:
    import asyncio
    import contextlib

    from mjproxy.serving import event_loop_factory, serve

    # uvicorn re-raises the Ctrl+C it handled once it has shut down; that is a clean exit.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=event_loop_factory()) as runner,
    ):
        runner.run(serve(settings, sandbox_speed=sandbox_speed))


app.command(name="sandbox")(sandbox_command)


def main() -> None:
    app()
