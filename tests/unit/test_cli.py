"""The command line: help for every command, config checking with clear failures."""

from __future__ import annotations

import asyncio
import json
import shlex
from pathlib import Path

import pytest
import uvloop
from typer.testing import CliRunner

import mjproxy.serving
from mjproxy.cli import _serve, app
from mjproxy.config import Settings

runner = CliRunner()


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "check-config", "version", "sandbox"):
        assert command in result.output
    assert "MJPROXY_API_SECRET" in result.output


def test_serve_help_lists_its_options() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--config", "--data-dir", "--log-level"):
        assert option in result.output


def test_check_config_prints_the_settings_with_secrets_hidden(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("port: 9001\naccounts: [{id: a, user_token: very-secret-token}]\n")
    result = runner.invoke(
        app, ["check-config", "--config", str(config)], env={"MJPROXY_API_SECRET": "api-k"}
    )
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert printed["port"] == 9001
    assert "very-secret-token" not in result.output
    assert "api-k" not in result.output


def test_an_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check-config"], env={"MJPROXY_PORT": "eighty"})
    assert result.exit_code == 2
    assert "Config 'port' has value 'eighty'" in result.output


def test_serve_runs_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    # uvicorn.run would choose uvloop itself; `mjproxy serve` runs its own loop, so it must.
    loops: list[object] = []

    async def fake_serve(settings: Settings, *, sandbox_speed: float | None = None) -> None:
        loops.append(asyncio.get_running_loop())

    monkeypatch.setattr(mjproxy.serving, "serve", fake_serve)
    _serve(Settings(), sandbox_speed=None)
    assert len(loops) == 1
    assert isinstance(loops[0], uvloop.Loop)


def test_make_run_serves_the_sandbox_on_8080_at_real_like_speed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make run`'s own command line, parsed by the CLI: the sandbox at speed 1, where an
    imagine takes ~20 s with visible steps (tests/sandbox/test_timing.py)."""
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0].strip().splitlines()[-1]
    program, *arguments = shlex.split(recipe.strip())
    served: list[tuple[Settings, float | None]] = []
    monkeypatch.setattr("mjproxy.cli.configure_logging", lambda level: None)
    monkeypatch.setattr(
        "mjproxy.cli._serve",
        lambda settings, *, sandbox_speed: served.append((settings, sandbox_speed)),
    )
    result = runner.invoke(app, arguments, env={})
    assert program == "$(BIN)/mjproxy"
    assert result.exit_code == 0, result.output
    [(settings, speed)] = served
    assert (settings.host, settings.port, speed) == ("127.0.0.1", 8080, 1.0)
