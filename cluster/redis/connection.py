"""Opening the Redis client that every Redis implementation shares.

The pool is a ``BlockingConnectionPool``: past ``max_connections`` a caller
waits (up to ``pool_timeout_s``) for a free connection instead of failing at
once, which is what redis-py 8's plain pool does.

The client itself never retries (redis-py would otherwise retry silently, and
the bus listener must see every lost connection). Commands go through
``retry_once`` instead: after a Redis restart every pooled connection is stale
and fails on first use, and one retry on a fresh connection hides that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar
from urllib.parse import urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError, RedisError

from ..errors import ClusterUnavailable

logger = logging.getLogger(__name__)

DEFAULT_MAX_CONNECTIONS = 32
POOL_TIMEOUT_S = 5.0
SOCKET_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 3.0
RETRY_DELAY_S = 0.05

T = TypeVar("T")


def redis_address(url: str) -> str:
    """Return the part of a Redis URL that is safe to log: ``host:port``.

    Credentials, the database number and query options are left out. For a
    ``unix://`` URL the socket path is returned.
    """
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    return f"{parts.hostname or 'localhost'}:{port}"


def open_client(
    url: str,
    *,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    pool_timeout_s: float = POOL_TIMEOUT_S,
    socket_timeout_s: float = SOCKET_TIMEOUT_S,
) -> Redis:
    """Create a client over its own blocking pool; close it with ``aclose()``.

    No connection is made until the first command.

    Args:
        url: ``redis://``, ``rediss://`` or ``unix://`` URL.
        max_connections: Pool size.
        pool_timeout_s: How long a command waits for a free connection.
        socket_timeout_s: How long a command waits for its reply.

    Raises:
        ValueError: The URL is malformed (the message names only host:port).
    """
    try:
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout_s,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_keepalive=True,
            retry=Retry(NoBackoff(), 0),
        )
    except ValueError:
        raise ValueError(f"invalid Redis URL for {redis_address(url)}") from None
    return Redis.from_pool(pool)


async def retry_once(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a Redis command; run it once more if its connection failed.

    The failed connection is disconnected by redis-py and handed out again
    next (the pool is LIFO), so the retry reconnects instead of meeting
    another stale connection. Only connection errors are retried: after a
    timeout the command may have run, and running it twice could double its
    effect. A connection error after the command ran is possible too, but rare
    (the link must break between the request and the reply); callers accept
    that, or do not call this.

    Args:
        operation: Sends the command; called at most twice.

    Returns:
        The command's reply.

    Raises:
        redis.exceptions.RedisError: The retry failed too, or a non-connection
            error happened.
    """
    try:
        return await operation()
    except RedisConnectionError as exc:
        logger.debug("Redis connection failed (%s); retrying once", type(exc).__name__)
    await asyncio.sleep(RETRY_DELAY_S)
    return await operation()


@asynccontextmanager
async def connect(
    url: str, *, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> AsyncIterator[Redis]:
    """Open a client and check that Redis answers before handing it out.

    Args:
        url: Redis URL; it may contain a password, which is never logged.
        max_connections: Pool size.

    Yields:
        A client whose pool is closed when the block exits.

    Raises:
        ClusterUnavailable: Redis does not answer a PING.
    """
    address = redis_address(url)
    client = open_client(url, max_connections=max_connections)
    try:
        try:
            await retry_once(client.ping)
        except (RedisError, OSError) as exc:
            raise ClusterUnavailable(
                f"Redis is not reachable at {address} ({type(exc).__name__})"
            ) from exc
        logger.info("connected to Redis at %s", address)
        yield client
    finally:
        await client.aclose()
