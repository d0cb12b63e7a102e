"""Database URLs: what operators write, and the async driver SQLAlchemy needs for it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# Operators write the URL of their database; the driver is ours to choose.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "mysql": "mysql+asyncmy",
    "mariadb": "mysql+asyncmy",
}


class InvalidDatabaseUrl(ValueError):
    """The configured database URL cannot be used."""


def async_url(url: str) -> URL:
    """Turn `postgresql://…`, `mysql://…`, `mariadb://…` or `sqlite:///…` into an async URL.

    Raises `InvalidDatabaseUrl` naming the scheme when it is not one of those.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidDatabaseUrl(
            f"Expected a database URL such as 'sqlite:///data/mjproxy.db' or "
            f"'postgresql://user@host/db', but got {_redact(url)!r}."
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise InvalidDatabaseUrl(
            f"Expected a sqlite, postgresql, mysql or mariadb URL, but got the scheme "
            f"{parsed.drivername!r}."
        )
    parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    if backend == "mysql" or backend == "mariadb":
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def describe(url: str) -> str:
    """The URL with its password hidden, for logs."""
    return _redact(url)


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
