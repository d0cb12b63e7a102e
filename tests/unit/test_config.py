"""Settings: YAML + MJPROXY_* + overrides, validated with messages naming key and value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from mjproxy.config import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).parents[2] / "config.example.yaml"


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_defaults_serve_on_8080_with_sqlite_in_the_data_dir() -> None:
    settings = load_settings(environ={})
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("data/mjproxy.db")
    assert (settings.scheduler.running, settings.scheduler.queued) == (3, 10)
    assert settings.images.max_bytes == 4 * 1024 * 1024
    assert settings.api_secret is None


def _fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def _documented_keys(settings_model: type[BaseModel], data: dict[str, Any], path: str) -> None:
    missing = _fields(settings_model) - set(data)
    assert not missing, f"config.example.yaml does not document {path}{sorted(missing)}"
    for name, field in settings_model.model_fields.items():
        nested = field.annotation
        item = data[name]
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            _documented_keys(nested, item, f"{path}{name}.")


def test_the_example_file_is_valid_and_documents_every_key() -> None:
    settings = load_settings(EXAMPLE, environ={})
    data = yaml.safe_load(EXAMPLE.read_text())
    _documented_keys(Settings, data, "")
    account_model = type(settings.accounts[0])
    assert _fields(account_model) <= set(data["accounts"][0])


def test_the_environment_overrides_the_file_and_flags_override_both(tmp_path: Path) -> None:
    path = write(tmp_path, {"port": 9000, "language": "zh", "scheduler": {"running": 2}})
    environ = {"MJPROXY_PORT": "9100", "MJPROXY_SCHEDULER__QUEUED": "4"}
    settings = load_settings(path, environ=environ, overrides={"port": 9200, "host": None})
    assert settings.port == 9200
    assert settings.language == "zh"
    assert (settings.scheduler.running, settings.scheduler.queued) == (2, 4)


def test_api_secret_and_database_url_come_from_the_environment() -> None:
    environ = {"MJPROXY_API_SECRET": "k-1", "MJPROXY_DATABASE_URL": "postgresql://u@h/db"}
    settings = load_settings(environ=environ)
    assert settings.api_secret is not None
    assert settings.api_secret.get_secret_value() == "k-1"
    assert settings.effective_database_url == "postgresql://u@h/db"
    assert "k-1" not in repr(settings)


def test_accounts_from_an_environment_variable_in_json() -> None:
    environ = {"MJPROXY_ACCOUNTS": '[{"channel_id": "42", "user_token": "t"}]'}
    settings = load_settings(environ=environ)
    assert settings.accounts[0].id == "42"


def test_a_bad_value_names_the_key_and_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, {"scheduler": {"running": "lots"}})
    with pytest.raises(ConfigError, match=r"Config 'scheduler\.running' has value 'lots'"):
        load_settings(path, environ={})


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Config key 'schedular' is not a setting"):
        load_settings(write(tmp_path, {"schedular": {}}), environ={})


def test_secret_values_are_not_repeated_in_errors(tmp_path: Path) -> None:
    path = write(tmp_path, {"accounts": [{"id": "a", "user_token": 98765432123456}]})
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert "98765432123456" not in str(caught.value)
    assert "<secret>" in str(caught.value)


def test_placeholder_secrets_are_refused_in_production() -> None:
    environ = {"MJPROXY_ENVIRONMENT": "production", "MJPROXY_API_SECRET": "changeme"}
    with pytest.raises(ConfigError, match="api_secret is a placeholder"):
        load_settings(environ=environ)
    assert load_settings(environ={"MJPROXY_API_SECRET": "changeme"}).api_secret is not None


def test_account_ids_must_be_unique_and_present(tmp_path: Path) -> None:
    twice = write(tmp_path, {"accounts": [{"id": "a"}, {"id": "a"}]})
    with pytest.raises(ConfigError, match="two accounts have the id 'a'"):
        load_settings(twice, environ={})
    nameless = write(tmp_path, {"accounts": [{"remark": "x"}]})
    with pytest.raises(ConfigError, match="needs an 'id' or a 'channel_id'"):
        load_settings(nameless, environ={})


def test_node_id_must_fit_in_the_task_id(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="node_id"):
        load_settings(environ={"MJPROXY_NODE_ID": "32"})


@pytest.mark.parametrize(
    ("content", "expected"),
    [("- a\n- b\n", "holds a list"), ("port: [1\n", "not valid YAML"), ("", None)],
)
def test_the_file_must_be_a_yaml_mapping(
    tmp_path: Path, content: str, expected: str | None
) -> None:
    path = write(tmp_path, content)
    if expected is None:
        assert load_settings(path, environ={}).port == 8080
        return
    with pytest.raises(ConfigError, match=expected):
        load_settings(path, environ={})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the config file"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_per_account_limits_override_the_scheduler_defaults() -> None:
    environ = {
        "MJPROXY_SCHEDULER__RUNNING": "4",
        "MJPROXY_ACCOUNTS": '[{"id": "a", "limits": {"RELAX": {"running": 1, "queued": 2}}}]',
    }
    settings = load_settings(environ=environ)
    account = settings.accounts[0]
    assert settings.limits_for(account, "RELAX").running == 1  # type: ignore[arg-type]
    assert settings.limits_for(account, "FAST").running == 4  # type: ignore[arg-type]
