"""Redis key and channel names."""

from __future__ import annotations

import pytest

from cluster.factory import DEFAULT_NAMESPACE as FACTORY_DEFAULT
from cluster.redis.keys import DEFAULT_NAMESPACE, RedisKeys


def test_default_namespace_is_versioned_and_matches_the_factory() -> None:
    assert DEFAULT_NAMESPACE == FACTORY_DEFAULT == "jumelage:v1"
    assert RedisKeys().namespace == DEFAULT_NAMESPACE


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (RedisKeys().bus_channel(), "jumelage:v1:bus"),
        (RedisKeys("t:1").bus_channel(), "t:1:bus"),
        (
            RedisKeys().rate_bucket("chat.send", "room-1:p-2"),
            "jumelage:v1:rate:chat.send:room-1:p-2",
        ),
        (RedisKeys("t").all_keys_pattern(), "t:*"),
    ],
)
def test_names(keys: str, expected: str) -> None:
    assert keys == expected


def test_every_name_starts_with_the_namespace() -> None:
    keys = RedisKeys("jumelage-test:abc")
    for name in (keys.bus_channel(), keys.rate_bucket("r", "k")):
        assert name.startswith("jumelage-test:abc:")


def test_distinct_rule_and_key_pairs_get_distinct_buckets() -> None:
    keys = RedisKeys()
    assert keys.rate_bucket("a", "b:c") != keys.rate_bucket("a.b", "c")


@pytest.mark.parametrize("namespace", ["", "a b", "a:*", "a:", ":a", "a::b", "x[1]", "a?"])
def test_unsafe_namespaces_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError):
        RedisKeys(namespace)
