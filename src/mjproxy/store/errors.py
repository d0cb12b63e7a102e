"""The one error the store raises for database trouble (imported by every repository)."""

from __future__ import annotations

from mjproxy.domain.errors import MjProxyError


class StoreError(MjProxyError):
    """The database could not be reached or refused an operation."""
