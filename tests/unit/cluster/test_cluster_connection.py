"""What the Redis connection helpers may say about a URL."""

from __future__ import annotations

import pytest

from cluster.redis.connection import open_client, redis_address


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("redis://:hunter2@cache.internal:6380/2", "cache.internal:6380"),
        ("redis://user:hunter2@10.0.0.5/0", "10.0.0.5:6379"),
        ("rediss://default:hunter2@[::1]:7000", "::1:7000"),
        ("unix:///run/redis.sock?password=hunter2", "unix:/run/redis.sock"),
    ],
)
def test_the_address_never_contains_credentials(url: str, address: str) -> None:
    assert redis_address(url) == address
    assert "hunter2" not in redis_address(url)


def test_a_malformed_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as caught:
        _ = open_client("mysql://root:hunter2@db:3306/")
    assert "hunter2" not in str(caught.value)
