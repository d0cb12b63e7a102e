"""Hook URLs in the delivery log never show their path or query."""

from __future__ import annotations

import pytest

from mjproxy.services.delivery_log import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.example.com/cb/SECRET?token=abc", "https://hooks.example.com/…"),
        ("http://user:pw@10.0.0.1:8080/x", "http://10.0.0.1:8080/…"),
        ("http://[::1]:9000/x", "http://[::1]:9000/…"),
        ("http://host:notaport/x", "<invalid URL>"),
    ],
)
def test_urls_are_shown_without_credentials_path_or_query(url: str, shown: str) -> None:
    assert redact_url(url) == shown
