import pytest

from mjproxy.store.urls import InvalidDatabaseUrl, async_url, describe


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///data/mjproxy.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("mysql://root@h/db", "mysql+asyncmy"),
        ("mariadb://root@h/db", "mysql+asyncmy"),
    ],
)
def test_operator_urls_get_an_async_driver(url: str, driver: str) -> None:
    assert async_url(url).drivername == driver


def test_mysql_urls_use_utf8mb4() -> None:
    assert async_url("mysql://root@h/db").query["charset"] == "utf8mb4"


@pytest.mark.parametrize("url", ["oracle://u@h/db", "not a url"])
def test_unsupported_urls_are_refused_with_a_sentence(url: str) -> None:
    with pytest.raises(InvalidDatabaseUrl, match="Expected"):
        async_url(url)


def test_describe_hides_the_password() -> None:
    assert "s3cret" not in describe("postgresql://u:s3cret@h/db")
