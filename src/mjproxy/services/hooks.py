"""Which notify-hook URLs mjproxy will call: the SSRF policy.

A hook URL comes from a client, so without checks any API key could make the server POST to
its own admin ports, a cloud metadata endpoint or the LAN. Rules:
- only `http` and `https`, with a host name or address;
- every address the host resolves to must be public (not private, loopback, link-local,
  multicast, reserved, unspecified, CGNAT …) unless it lies in a network the operator allows;
- the request then goes to the address that was checked (the URL's host stays in the `Host`
  header and TLS SNI), so a DNS answer that changes between check and connect (rebinding)
  cannot redirect it. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit, urlunsplit

from mjproxy.domain.errors import UnsafeHookUrl

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class HookUnreachable(Exception):
    """The hook's host name did not resolve (a transient failure worth retrying)."""


@dataclass(frozen=True, slots=True)
class HookTarget:
    """Where to send one request: `url` holds the checked address; `host` goes in Host/SNI."""

    url: str
    host_header: str
    sni_hostname: str | None


async def resolve_with_dns(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA), through the system resolver."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HookUnreachable(f"the host {host!r} does not resolve ({exc})") from exc
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class HookPolicy:
    """The SSRF rules; `allowed_networks` lifts the address rule for the networks listed."""

    allowed_networks: tuple[IpNetwork, ...] = ()
    resolver: Resolver = field(default=resolve_with_dns)
    resolve_timeout_s: float = 5.0

    @classmethod
    def from_strings(cls, networks: Sequence[str], **kwargs: object) -> HookPolicy:
        """Build from CIDR strings like `127.0.0.1/32` or `10.0.0.0/8`; raises ValueError."""
        parsed = tuple(ipaddress.ip_network(text.strip(), strict=False) for text in networks)
        return cls(allowed_networks=parsed, **kwargs)  # type: ignore[arg-type]

    def check_syntax(self, url: str) -> None:
        """Refuse at submit time what can never be called. Raises `UnsafeHookUrl`.

        A literal address is checked here too; host names are checked when resolved.
        """
        parts = _split(url)
        literal = _literal_address(parts.hostname or "")
        if literal is not None:
            self._check_address(url, literal)

    async def resolve(self, url: str) -> HookTarget:
        """Check `url` and pin it to a checked address.

        Raises `UnsafeHookUrl` if the URL or any resolved address is refused, and
        `HookUnreachable` if the host does not resolve.
        """
        parts = _split(url)
        host = parts.hostname or ""
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
        literal = _literal_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            async with asyncio.timeout(self.resolve_timeout_s):
                found = await self.resolver(host, port)
            addresses = [ipaddress.ip_address(text.split("%")[0]) for text in found]
            if not addresses:
                raise HookUnreachable(f"the host {host!r} has no address")
        for address in addresses:
            self._check_address(url, address)
        return _pin(parts, addresses[0], sni=None if literal is not None else host)

    def _check_address(self, url: str, address: IpAddress) -> None:
        if any(address in network for network in self.allowed_networks):
            return
        if not is_public_address(address):
            raise UnsafeHookUrl(
                url,
                f"its host resolves to {address}, which is not a public address. "
                f"Allow the network in webhooks.allowed_networks to call it.",
            )


def is_public_address(address: IpAddress) -> bool:
    """Whether `address` is on the public internet (unicast, globally routed)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not address.is_multicast


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise UnsafeHookUrl(url, f"it is not a valid URL ({exc}).") from exc
    if parts.scheme not in _DEFAULT_PORTS:
        raise UnsafeHookUrl(
            url, f"expected an http or https URL, but got the scheme {parts.scheme!r}."
        )
    if not parts.hostname:
        raise UnsafeHookUrl(url, "it names no host.")
    return parts


def _literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _pin(parts: SplitResult, address: IpAddress, *, sni: str | None) -> HookTarget:
    shown = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    if parts.username is not None:
        credentials = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{credentials}@{netloc}"
    host_header = parts.netloc.rsplit("@", 1)[-1]
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return HookTarget(url=pinned, host_header=host_header, sni_hostname=sni)
