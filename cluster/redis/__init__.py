"""Redis implementations of the cluster ports: the multi-node mode.

This is the only package that imports ``redis`` (import-linter enforces it).
``cluster.factory`` imports it lazily, so the single-node default never needs
the redis client library.
"""

from .bus import RedisBus
from .connection import connect, open_client, redis_address
from .health import RedisHealth
from .keys import DEFAULT_NAMESPACE, RedisKeys
from .rate_limit import RedisRateLimiter

__all__ = [
    "DEFAULT_NAMESPACE",
    "RedisBus",
    "RedisHealth",
    "RedisKeys",
    "RedisRateLimiter",
    "connect",
    "open_client",
    "redis_address",
]
