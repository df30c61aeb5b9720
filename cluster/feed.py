"""Node-local delivery of logged room events to feed subscribers.

Shared by the in-process and Redis event logs, so both buffer and drop the
same way: each subscription has a bounded buffer, a full buffer drops (counts
and logs) instead of blocking the appender, and closing the log ends every
subscription after its buffered events. Also ``payload_with_seq``, the one
place that says how ``seq`` enters an event's JSON (the Redis Lua script
mirrors it).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from types import TracebackType
from typing import Self

from .ports_rooms import LoggedEvent

logger = logging.getLogger(__name__)

DEFAULT_FEED_BUFFER = 100_000
"""Events buffered per subscription before new ones are dropped."""
DROP_LOG_EVERY = 1_000


def payload_with_seq(body: str, seq: int) -> str:
    """Put ``"seq"`` first into a JSON object's text, without parsing it.

    Args:
        body: A JSON object, as text (``{}`` or ``{"a":1}``).
        seq: The sequence number.
    """
    if body == "{}":
        return f'{{"seq":{seq}}}'
    return f'{{"seq":{seq},{body[1:]}'


class FeedQueue:
    """A subscriber's bounded buffer; implements ``FeedSubscription``."""

    def __init__(self, hub: FeedHub, max_buffered: int) -> None:
        self._hub = hub
        self._max = max_buffered
        self._buffer: collections.deque[LoggedEvent] = collections.deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self._entered = False
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """Events lost because the buffer was full."""
        return self._dropped

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a feed subscription can be entered only once")
        self._entered = True
        self._hub._add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._hub._remove(self)
        self.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> LoggedEvent:
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def offer(self, event: LoggedEvent) -> None:
        """Buffer an event, or drop it when the buffer is full."""
        if len(self._buffer) >= self._max:
            self._dropped += 1
            if self._dropped % DROP_LOG_EVERY == 1:
                logger.error(
                    "room feed subscription full (%d buffered): dropped %d event(s)",
                    self._max,
                    self._dropped,
                )
            return
        self._buffer.append(event)
        self._wakeup.set()

    def close(self) -> None:
        """End iteration after the buffered events."""
        self._closed = True
        self._wakeup.set()


class FeedHub:
    """The feed subscriptions of one node.

    Args:
        max_buffered: Buffer size of each subscription.
    """

    def __init__(self, max_buffered: int = DEFAULT_FEED_BUFFER) -> None:
        self._max = max_buffered
        self._subscriptions: set[FeedQueue] = set()
        self._closed = False

    def subscribe(self) -> FeedQueue:
        """A new subscription, registered when entered."""
        return FeedQueue(self, self._max)

    def deliver(self, event: LoggedEvent) -> None:
        """Hand an event to every subscription, without blocking."""
        for subscription in self._subscriptions:
            subscription.offer(event)

    def close(self) -> None:
        """End every subscription."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription.close()
        self._subscriptions.clear()

    def _add(self, subscription: FeedQueue) -> None:
        if self._closed:
            raise RuntimeError("the event log is closed")
        self._subscriptions.add(subscription)

    def _remove(self, subscription: FeedQueue) -> None:
        self._subscriptions.discard(subscription)
