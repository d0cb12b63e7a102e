"""The command line: help for every command, config checking with clear failures."""

from __future__ import annotations

import asyncio
import json
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
    for command in ("serve", "check-config", "version"):
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
