"""``RedisBus``: the cluster bus over one Redis pub/sub channel.

Every node publishes to and listens on ``RedisKeys.bus_channel()``. A publisher
delivers to its own subscribers first (in-process), then publishes; each
node's listener drops messages whose ``origin`` is itself, so nothing is
delivered twice. Redis pub/sub is at-most-once: a message published while a
node is disconnected never reaches it, so anything that must not be missed
also needs a durable path (resynchronisation from the database or event log).

The listener is the failure point that matters (see the "deaf worker" in
docs/reference §2.8): a listener that dies quietly leaves a node serving
clients that never hear about other nodes. So it

* is one task owned by the bus's ``async with`` block, cancelled and awaited
  on exit;
* survives every error: it logs, counts, backs off (capped, jittered) and
  subscribes again on a fresh connection, resetting the backoff once
  subscribed;
* sends a PING when the connection has been idle and reconnects if no answer
  comes, so a half-open TCP link cannot keep it deaf;
* reports ``is_listening`` only while the subscription is confirmed, which
  ``RedisHealth`` turns into ``/health``.

Not for state: see ``rate_limit.py``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Collection
from types import TracebackType
from typing import Self

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from protocol.ids import NodeId

from ..backoff import Backoff
from ..errors import ClusterUnavailable
from ..fanout import DEFAULT_MAX_QUEUED, Fanout, QueueSubscription
from ..messages import ClusterMessage, encode_message
from .connection import retry_once
from .keys import RedisKeys

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 5.0
"""How long entering the bus waits for the first subscription."""
SUBSCRIBE_TIMEOUT_S = 5.0
"""How long one attempt waits for Redis to confirm the subscription."""
POLL_S = 1.0
"""Longest single wait for a message, so idle checks run regularly."""
PING_INTERVAL_S = 15.0
"""Idle time after which the listener PINGs on its connection. Middleboxes
drop idle connections silently; the PING finds out and keeps them warm."""
PONG_TIMEOUT_S = 10.0
"""Time without any reply to a PING after which the connection is deemed dead."""


class ListenerStalled(RedisError):
    """The pub/sub connection stopped answering or lost its subscription."""


class RedisBus:
    """Implements ``cluster.ports.Bus`` over Redis pub/sub.

    Use it as an async context manager: entering starts the listener and waits
    until it is subscribed; leaving stops it and ends local subscriptions. The
    client is borrowed, not closed.

    Args:
        client: Shared client (``cluster.redis.connection``).
        node_id: This node; unique in the cluster.
        keys: Names under the cluster's namespace.
        max_queued: Buffer size of each local subscription.
        backoff: Delays between resubscription attempts.
        ping_interval_s: Idle time before the listener checks its connection.
        pong_timeout_s: Time to wait for that check's answer.
        start_timeout_s: How long entering waits for the first subscription.
    """

    def __init__(
        self,
        client: Redis,
        *,
        node_id: NodeId,
        keys: RedisKeys,
        max_queued: int = DEFAULT_MAX_QUEUED,
        backoff: Backoff | None = None,
        ping_interval_s: float = PING_INTERVAL_S,
        pong_timeout_s: float = PONG_TIMEOUT_S,
        start_timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        if ping_interval_s <= 0 or pong_timeout_s <= 0:
            raise ValueError("ping_interval_s and pong_timeout_s must be > 0")
        self._client = client
        self._node_id = node_id
        self._channel = keys.bus_channel()
        self._fanout = Fanout(node_id, max_queued=max_queued)
        self._backoff = backoff or Backoff()
        self._ping_interval_s = ping_interval_s
        self._pong_timeout_s = pong_timeout_s
        # Wake often enough to honour short intervals (tests use them).
        self._poll_s = min(POLL_S, ping_interval_s, pong_timeout_s)
        self._start_timeout_s = start_timeout_s
        self._publish_lock = asyncio.Lock()
        self._listening = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self.publish_failures = 0
        """Publishes that failed after their retry (raised ``ClusterUnavailable``)."""
        self.listener_errors = 0
        """Listener attempts that ended in an error (each followed by a retry)."""
        self.listener_restarts = 0
        """Times an established subscription was lost and had to be redone."""
        self.liveness_pings = 0
        """PINGs sent on the idle pub/sub link to prove it still works."""

    @property
    def node_id(self) -> NodeId:
        """This node."""
        return self._node_id

    @property
    def is_listening(self) -> bool:
        """Whether the listener holds a confirmed subscription right now."""
        return self._listening.is_set()

    @property
    def dropped_messages(self) -> int:
        """Messages dropped because a local subscription was full."""
        return self._fanout.dropped_messages

    @property
    def bad_messages(self) -> int:
        """Payloads received that did not decode."""
        return self._fanout.bad_messages

    async def wait_until_listening(self) -> None:
        """Return once the listener is subscribed; bound it with ``asyncio.timeout``."""
        await self._listening.wait()

    async def __aenter__(self) -> Self:
        self._fanout.open()
        self._listener = asyncio.create_task(
            self._listen_forever(), name=f"cluster-bus-listener:{self._node_id}"
        )
        try:
            async with asyncio.timeout(self._start_timeout_s):
                await self._listening.wait()
        except TimeoutError:
            await self._stop()
            raise ClusterUnavailable("the cluster bus could not subscribe to Redis") from None
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def publish(self, message: ClusterMessage) -> None:
        """See ``cluster.ports.Bus.publish``.

        Publishes go out one at a time, in call order, so that messages from
        this node keep their order even when several tasks publish at once.
        """
        if not self._fanout.is_open:
            raise RuntimeError("the bus is not open")
        if message.origin != self._node_id:
            raise ValueError(f"message origin {message.origin} is not this node")
        payload = encode_message(message)
        # Handle on this node first, then tell the others.
        self._fanout.deliver(message)
        async with self._publish_lock:
            await self._publish_remote(payload, message.kind)

    def subscribe(self, kinds: Collection[str]) -> QueueSubscription:
        """See ``cluster.ports.Bus.subscribe``."""
        return self._fanout.subscribe(kinds)

    async def _publish_remote(self, payload: bytes, kind: str) -> None:
        try:
            await retry_once(lambda: self._client.publish(self._channel, payload))
        except (RedisError, OSError) as exc:
            self.publish_failures += 1
            logger.warning(
                "publish of kind=%s from node %s failed after a retry: %s",
                kind,
                self._node_id,
                type(exc).__name__,
            )
            raise ClusterUnavailable("the cluster bus is unavailable") from exc

    async def _stop(self) -> None:
        task, self._listener = self._listener, None
        if task is not None:
            task.cancel()
            # asyncio.wait never raises the task's own CancelledError, but does
            # propagate a cancellation of the task running this method.
            await asyncio.wait({task})
            if not task.cancelled() and task.exception() is not None:
                logger.error(
                    "cluster bus listener on node %s had died",
                    self._node_id,
                    exc_info=task.exception(),
                )
        self._listening.clear()
        self._fanout.close()

    async def _listen_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self._listen_once()
            except Exception as exc:
                # Never let the listener die: a dead listener is a deaf node.
                self.listener_errors += 1
                logger.warning(
                    "cluster bus listener on node %s lost Redis: %s: %s",
                    self._node_id,
                    type(exc).__name__,
                    exc,
                )
            if self._listening.is_set():
                self._listening.clear()
                self.listener_restarts += 1
                attempt = 0
            attempt += 1
            delay_s = self._backoff.delay_s(attempt, random.random())
            logger.info(
                "cluster bus listener on node %s resubscribes in %.2f s (attempt %d)",
                self._node_id,
                delay_s,
                attempt,
            )
            await asyncio.sleep(delay_s)

    async def _listen_once(self) -> None:
        """Subscribe on a fresh connection and pump messages until it fails."""
        pubsub = self._client.pubsub()
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                await pubsub.subscribe(self._channel)
                while True:
                    item = await pubsub.get_message(timeout=self._poll_s)
                    if item is not None and item["type"] == "subscribe":
                        break
            self._listening.set()
            logger.info(
                "cluster bus listener on node %s subscribed to %s",
                self._node_id,
                self._channel,
            )
            await self._pump(pubsub)
        finally:
            # redis-py leaves PubSub.aclose unannotated.
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _pump(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        ping_sent_at: float | None = None
        while True:
            item = await pubsub.get_message(timeout=self._poll_s)
            now = loop.time()
            if item is None:
                if ping_sent_at is not None:
                    if now - ping_sent_at > self._pong_timeout_s:
                        raise ListenerStalled("no answer to PING on the pub/sub link")
                elif now - last_heard >= self._ping_interval_s:
                    await pubsub.ping()
                    self.liveness_pings += 1
                    ping_sent_at = now
                continue
            last_heard, ping_sent_at = now, None
            item_type = item["type"]
            if item_type == "message":
                try:
                    self._fanout.receive(item["data"])
                except Exception:
                    # One bad delivery must not take the listener down.
                    logger.exception("cluster bus delivery failed on node %s", self._node_id)
            elif item_type == "unsubscribe":
                raise ListenerStalled("the server ended the subscription")
