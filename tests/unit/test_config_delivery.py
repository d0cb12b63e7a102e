"""The media and webhook settings: defaults, and start-up refusals that name the key."""

from __future__ import annotations

import pytest

from mjproxy.config import ConfigError, load_settings


def test_image_urls_default_to_the_listening_address() -> None:
    assert load_settings(environ={}).effective_public_base_url == "http://127.0.0.1:8080"
    behind_proxy = load_settings(environ={"MJPROXY_PUBLIC_BASE_URL": "https://mj.example.com/"})
    assert behind_proxy.effective_public_base_url == "https://mj.example.com"
    anywhere = load_settings(environ={}, overrides={"host": "0.0.0.0", "port": 9000})
    assert anywhere.effective_public_base_url == "http://127.0.0.1:9000"


def test_media_defaults_to_a_local_directory_in_the_data_dir() -> None:
    settings = load_settings(environ={}, overrides={"data_dir": "/srv/mj"})
    assert settings.media.storage == "local"
    assert str(settings.effective_media_dir) == "/srv/mj/media"
    assert settings.media.retention_days == 30


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"media": {"storage": "s3"}}, "media.s3.bucket"),
        (
            {"media": {"storage": "s3", "s3": {"bucket": "b", "url_mode": "public"}}},
            "public_base_url",
        ),
        ({"media": {"retention_days": -1}}, "media.retention_days"),
        ({"webhooks": {"allowed_networks": ["10.0.0.0/33"]}}, "webhooks.allowed_networks"),
        ({"webhooks": {"attempt_timeout_s": 0}}, "webhooks.attempt_timeout_s"),
        ({"public_base_url": "mj.example.com"}, "public_base_url"),
    ],
)
def test_bad_delivery_settings_are_refused_naming_the_key(
    overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(environ={}, overrides=overrides)


def test_secrets_come_from_the_environment_and_stay_hidden() -> None:
    environ = {
        "MJPROXY_WEBHOOKS__SIGNING_SECRET": "whsec-123",
        "MJPROXY_MEDIA__S3__SECRET_ACCESS_KEY": "s3-secret-456",
    }
    settings = load_settings(environ=environ)
    assert settings.webhooks.signing_secret is not None
    assert settings.webhooks.signing_secret.get_secret_value() == "whsec-123"
    assert "whsec-123" not in repr(settings)
    assert "s3-secret-456" not in repr(settings)
