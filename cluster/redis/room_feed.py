"""``RedisFeedListener``: this node's ear on the room feed channel.

The commit script publishes every appended event to one channel; the listener
decodes each line and hands it to the node's ``FeedHub``. Redis pub/sub is
at-most-once, so the listener must never stay deaf: it is one task owned by
its ``async with`` block, it logs and survives every error, resubscribes on a
fresh connection with capped, jittered backoff, and proves an idle link alive
with a PING.

Events published while it was away stay in each room's log. After each
resubscription the listener reads, from the log of every room it has heard
of, what came after the last event it heard, and hands that on before the
live events: without it, a node's clients would not hear what was said while
the link was down until their room's next event, which may never come (a
removal that closes their socket, for one). Consumers skip what they already
have by ``seq`` (an event may come twice around a resubscription); a room
whose log no longer holds what was missed is left to the consumer's own gap
check at the room's next event.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from protocol.ids import RoomId

from ..backoff import Backoff
from ..errors import ClusterUnavailable
from ..feed import FeedHub
from ..ports import ClusterHealth
from ..ports_rooms import LoggedEvent
from .room_scripts import decode_line

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 5.0
SUBSCRIBE_TIMEOUT_S = 5.0
IDLE_PING_S = 15.0
"""Idle time after which the listener PINGs its link (middleboxes drop idle ones)."""
PONG_TIMEOUT_S = 10.0
MAX_TRACKED_ROOMS = 10_000
"""Rooms whose latest ``seq`` the listener remembers for catching up (those
heard of least recently are forgotten first)."""

CatchUp = Callable[[RoomId, int], Awaitable[list[LoggedEvent] | None]]
"""``EventLog.since``: a room's logged events after a ``seq``."""


class FeedStalled(RedisError):
    """The feed link stopped answering or lost its subscription."""


class RedisFeedListener:
    """Delivers the feed channel's events to a ``FeedHub``.

    Args:
        client: Shared client; the listener takes one connection of its pool.
        channel: The feed channel.
        hub: Where decoded events go.
        backoff: Delays between resubscriptions.
        idle_ping_s: Idle time before the link is checked.
        catch_up: Reads a room's log after a ``seq``; without it, nothing is
            caught up after a resubscription.
        max_tracked_rooms: Rooms remembered for catching up.
    """

    def __init__(
        self,
        client: Redis,
        channel: str,
        hub: FeedHub,
        *,
        backoff: Backoff | None = None,
        idle_ping_s: float = IDLE_PING_S,
        catch_up: CatchUp | None = None,
        max_tracked_rooms: int = MAX_TRACKED_ROOMS,
    ) -> None:
        self._client = client
        self._channel = channel
        self._hub = hub
        self._backoff = backoff or Backoff()
        self._idle_ping_s = idle_ping_s
        self._catch_up = catch_up
        self._max_tracked = max_tracked_rooms
        self._heard: dict[RoomId, int] = {}
        """The latest ``seq`` heard of each room, the room heard of least recently first."""
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ever_subscribed = False
        self.reconnections = 0
        """Subscriptions made after the first one (events may have been missed)."""
        self.errors = 0
        """Listening attempts that ended in an error."""
        self.bad_lines = 0
        """Published lines that did not decode (skipped)."""
        self.caught_up = 0
        """Events read from the rooms' logs after resubscriptions."""

    @property
    def is_listening(self) -> bool:
        """Whether the subscription is confirmed right now."""
        return self._subscribed.is_set()

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run(), name="rooms-feed-listener")
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                await self._subscribed.wait()
        except TimeoutError:
            await self._stop()
            raise ClusterUnavailable("the room feed could not subscribe to Redis") from None
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

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        self._subscribed.clear()

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                await self._listen_once()
            except Exception as exc:
                # A listener that dies is a deaf node: log, count, come back.
                self.errors += 1
                logger.warning("room feed listener lost Redis: %s", type(exc).__name__)
            if self._subscribed.is_set():
                self._subscribed.clear()
                attempt = 0
            attempt += 1
            await asyncio.sleep(self._backoff.delay_s(attempt, random.random()))

    async def _listen_once(self) -> None:
        """Subscribe on a fresh connection, then pump until the link fails."""
        pubsub = self._client.pubsub()
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_S):
                await pubsub.subscribe(self._channel)
                while True:
                    item = await pubsub.get_message(timeout=1.0)
                    if item is not None and item["type"] == "subscribe":
                        break
            missed_some = self._ever_subscribed
            if missed_some:
                self.reconnections += 1
            self._ever_subscribed = True
            self._subscribed.set()
            if missed_some:
                # Subscribed first, then read the logs: whatever is published
                # from now on waits in the subscription, nothing falls between.
                await self._recover()
            await self._pump(pubsub)
        finally:
            # redis-py leaves PubSub.aclose unannotated.
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _pump(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        heard_at = loop.time()
        pinged_at: float | None = None
        poll_s = min(1.0, self._idle_ping_s)
        while True:
            item = await pubsub.get_message(timeout=poll_s)
            now = loop.time()
            if item is None:
                if pinged_at is not None and now - pinged_at > PONG_TIMEOUT_S:
                    raise FeedStalled("no answer to PING on the feed link")
                if pinged_at is None and now - heard_at >= self._idle_ping_s:
                    await pubsub.ping()
                    pinged_at = now
                continue
            heard_at, pinged_at = now, None
            if item["type"] == "message":
                try:
                    event = decode_line(item["data"])
                except ValueError:
                    self.bad_lines += 1
                    logger.warning("skipped a malformed room feed line")
                else:
                    self._deliver(event)
            elif item["type"] == "unsubscribe":
                raise FeedStalled("the server ended the feed subscription")

    def _deliver(self, event: LoggedEvent) -> None:
        heard = self._heard
        heard.pop(event.room_id, None)
        heard[event.room_id] = event.seq
        if len(heard) > self._max_tracked:
            del heard[next(iter(heard))]
        self._hub.deliver(event)

    async def _recover(self) -> None:
        """Hand on what each room heard of logged while the link was down."""
        if self._catch_up is None:
            return
        found = beyond = 0
        for room_id, seq in list(self._heard.items()):
            missed = await self._catch_up(room_id, seq)
            if missed is None:
                # Gone (ended and expired), or more was missed than the log
                # keeps: the consumer's gap check handles a live one.
                del self._heard[room_id]
                beyond += 1
                continue
            for event in missed:
                self._deliver(event)
            found += len(missed)
        self.caught_up += found
        if found or beyond:
            logger.info(
                "room feed caught up %d event(s) from the logs; %d room(s) not in them",
                found,
                beyond,
            )


class FeedAwareHealth:
    """``ClusterHealth`` of the Redis links plus the room feed listener.

    Args:
        base: The health of Redis and the cluster bus.
        listener: The room feed listener.
    """

    def __init__(self, base: ClusterHealth, listener: RedisFeedListener) -> None:
        self._base = base
        self._listener = listener

    async def check(self) -> dict[str, str]:
        """See ``ClusterHealth.check``; adds the ``room_feed`` component."""
        report = await self._base.check()
        report["room_feed"] = "ok" if self._listener.is_listening else "down: not subscribed"
        return report

    def is_healthy(self) -> bool:
        """See ``ClusterHealth.is_healthy``."""
        return self._base.is_healthy() and self._listener.is_listening
