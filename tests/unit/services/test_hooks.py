"""The SSRF policy for notify hooks."""

from __future__ import annotations

import ipaddress

import pytest

from mjproxy.domain.errors import UnsafeHookUrl
from mjproxy.services.hooks import HookPolicy, HookUnreachable, is_public_address


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise HookUnreachable(f"the host {host!r} does not resolve")
        return table[host]

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://x",
        "javascript:alert(1)",
        "http://",
        "//x",
    ],
)
def test_only_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    with pytest.raises(UnsafeHookUrl):
        HookPolicy().check_syntax(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[ff02::1]/hook",
    ],
)
def test_literal_non_public_addresses_are_refused_at_submit(url: str) -> None:
    with pytest.raises(UnsafeHookUrl, match="not a public address"):
        HookPolicy().check_syntax(url)


def test_a_public_literal_address_passes() -> None:
    HookPolicy().check_syntax("https://93.184.215.14/hook")


async def test_localhost_is_refused_after_real_dns_resolution() -> None:
    with pytest.raises(UnsafeHookUrl, match=r"127\.0\.0\.1"):
        await HookPolicy().resolve("http://localhost:8080/hook")


async def test_a_public_name_that_resolves_to_a_private_address_is_refused() -> None:
    policy = HookPolicy(resolver=_resolver({"rebind.example": ["93.184.215.14", "10.0.0.7"]}))
    with pytest.raises(UnsafeHookUrl, match=r"10\.0\.0\.7"):
        await policy.resolve("https://rebind.example/hook")


async def test_a_public_name_is_pinned_to_its_checked_address() -> None:
    policy = HookPolicy(resolver=_resolver({"hooks.example": ["93.184.215.14"]}))
    target = await policy.resolve("https://user:pw@hooks.example:8443/cb?k=v")
    assert target.url == "https://user:pw@93.184.215.14:8443/cb?k=v"
    assert (target.host_header, target.sni_hostname) == ("hooks.example:8443", "hooks.example")


async def test_ipv6_targets_are_pinned_in_brackets() -> None:
    policy = HookPolicy(
        resolver=_resolver({"v6.example": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    )
    target = await policy.resolve("http://v6.example/cb")
    assert target.url == "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/cb"


async def test_allowed_networks_lift_the_rule_for_those_networks_only() -> None:
    policy = HookPolicy.from_strings(["127.0.0.1/32"])
    target = await policy.resolve("http://127.0.0.1:9000/hook")
    assert target.url == "http://127.0.0.1:9000/hook"
    assert target.sni_hostname is None
    with pytest.raises(UnsafeHookUrl):
        await policy.resolve("http://127.0.0.2:9000/hook")


async def test_an_unresolvable_host_is_unreachable_not_refused() -> None:
    policy = HookPolicy(resolver=_resolver({}))
    with pytest.raises(HookUnreachable):
        await policy.resolve("http://nowhere.example/hook")


def test_bad_allowed_networks_are_refused() -> None:
    with pytest.raises(ValueError, match="does not appear to be"):
        HookPolicy.from_strings(["not-a-network"])


def test_public_addresses_are_recognised() -> None:
    assert is_public_address(ipaddress.ip_address("8.8.8.8"))
    assert is_public_address(ipaddress.ip_address("2001:4860:4860::8888"))
    assert not is_public_address(ipaddress.ip_address("198.18.0.1"))
