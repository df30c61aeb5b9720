"""Node-local delivery of cluster messages to subscribers.

Every ``Bus`` implementation shares this code, which is why they behave the
same: the kind filter, the bounded per-subscription buffer (drop, count and log
on overflow, never block the publisher) and the rule that a node ignores
messages it published itself when they come back from the wire. The buses only
add the transport between nodes.

Not for cross-node transport: see ``cluster.memory`` and ``cluster.redis.bus``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Collection
from enum import Enum
from types import TracebackType
from typing import Self

from protocol.ids import NodeId

from .errors import InvalidClusterMessage
from .messages import KNOWN_KINDS, ClusterMessage, parse_message

logger = logging.getLogger(__name__)

DEFAULT_MAX_QUEUED = 10_000
"""Messages buffered per subscription before new ones are dropped."""
DROP_LOG_EVERY = 1_000
"""Log the first overflow of a subscription, then every this many drops."""


class _State(Enum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class QueueSubscription:
    """A subscriber's bounded buffer; implements ``cluster.ports.Subscription``.

    Delivery starts when the ``async with`` block is entered and stops when it
    exits. When the bus closes, iteration ends after the buffered messages.
    One task should consume a subscription.
    """

    def __init__(self, fanout: Fanout, kinds: frozenset[str], max_queued: int) -> None:
        self._fanout = fanout
        self._kinds = kinds
        self._max_queued = max_queued
        self._buffer: collections.deque[ClusterMessage] = collections.deque()
        self._wakeup = asyncio.Event()
        self._state = _State.NEW
        self.dropped_messages = 0
        """Messages discarded because the buffer was full."""

    @property
    def kinds(self) -> frozenset[str]:
        """The message kinds this subscription receives."""
        return self._kinds

    @property
    def pending(self) -> int:
        """Messages buffered and not yet consumed."""
        return len(self._buffer)

    async def __aenter__(self) -> Self:
        if self._state is not _State.NEW:
            raise RuntimeError("a subscription can be entered only once")
        self._fanout._add(self)
        self._state = _State.OPEN
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._fanout._remove(self)
        self._close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ClusterMessage:
        if self._state is _State.NEW:
            raise RuntimeError("enter the subscription with `async with` first")
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._state is _State.CLOSED:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    def _offer(self, message: ClusterMessage) -> bool:
        """Buffer ``message``; return False if it was dropped (buffer full)."""
        if len(self._buffer) >= self._max_queued:
            self.dropped_messages += 1
            if self.dropped_messages % DROP_LOG_EVERY == 1:
                logger.warning(
                    "cluster subscription full (%d queued): dropped %d message(s), latest kind=%s",
                    self._max_queued,
                    self.dropped_messages,
                    message.kind,
                )
            return False
        self._buffer.append(message)
        self._wakeup.set()
        return True

    def _close(self) -> None:
        self._state = _State.CLOSED
        self._wakeup.set()


class Fanout:
    """The subscribers of one node, indexed by message kind.

    Args:
        node_id: This node; messages from the wire with this origin are skipped.
        max_queued: Buffer size of each subscription.
    """

    def __init__(self, node_id: NodeId, *, max_queued: int = DEFAULT_MAX_QUEUED) -> None:
        if max_queued < 1:
            raise ValueError("max_queued must be >= 1")
        self._node_id = node_id
        self._max_queued = max_queued
        self._by_kind: dict[str, set[QueueSubscription]] = {}
        self._state = _State.NEW
        self.dropped_messages = 0
        """Messages discarded because a subscription's buffer was full."""
        self.bad_messages = 0
        """Payloads from the wire that did not decode, skipped."""

    @property
    def is_open(self) -> bool:
        """Whether subscriptions may be entered and messages delivered."""
        return self._state is _State.OPEN

    def open(self) -> None:
        """Start accepting subscriptions (once)."""
        if self._state is not _State.NEW:
            raise RuntimeError("a bus can be opened only once")
        self._state = _State.OPEN

    def close(self) -> None:
        """End every subscription; their consumers drain and stop."""
        self._state = _State.CLOSED
        for subscriptions in self._by_kind.values():
            for subscription in subscriptions:
                subscription._close()
        self._by_kind.clear()

    def subscribe(self, kinds: Collection[str]) -> QueueSubscription:
        """Create a subscription to ``kinds``; it registers when entered.

        Raises:
            ValueError: ``kinds`` is empty, a bare string, or names a kind that
                is not in ``ClusterMessage`` (a typo would otherwise be silent).
        """
        if isinstance(kinds, str):
            raise ValueError("kinds must be a collection of kinds, not one string")
        wanted = frozenset(kinds)
        if not wanted:
            raise ValueError("subscribe to at least one kind")
        unknown = wanted - KNOWN_KINDS
        if unknown:
            raise ValueError(f"unknown cluster message kind(s): {sorted(unknown)}")
        return QueueSubscription(self, wanted, self._max_queued)

    def deliver(self, message: ClusterMessage) -> None:
        """Hand ``message`` to every local subscriber of its kind, without blocking."""
        for subscription in self._by_kind.get(message.kind, ()):
            if not subscription._offer(message):
                self.dropped_messages += 1

    def receive(self, raw: bytes | str) -> None:
        """Deliver a payload that came from the wire.

        A payload that does not decode is logged, counted and skipped; one that
        this node published itself is skipped, because the publisher already
        delivered it locally.
        """
        try:
            message = parse_message(raw)
        except InvalidClusterMessage as exc:
            self.bad_messages += 1
            logger.warning("skipped a bad cluster message on node %s: %s", self._node_id, exc)
            return
        if message.origin == self._node_id:
            return
        self.deliver(message)

    def _add(self, subscription: QueueSubscription) -> None:
        if self._state is not _State.OPEN:
            raise RuntimeError("the bus is not open: enter it with `async with` first")
        for kind in subscription.kinds:
            self._by_kind.setdefault(kind, set()).add(subscription)

    def _remove(self, subscription: QueueSubscription) -> None:
        for kind in subscription.kinds:
            subscriptions = self._by_kind.get(kind)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._by_kind[kind]
