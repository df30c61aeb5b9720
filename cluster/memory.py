"""In-process implementations of the cluster ports: the single-node mode.

This is production code, not a mock. With one node there is nothing to share,
so dicts are enough. ``InMemoryHub`` can also join several ``InMemoryBus``
instances inside one process, which is how tests run two "nodes" without
Redis; messages between buses on a hub are encoded and decoded exactly as on
the wire, so serialisation bugs show up here too.

Not for more than one process: use ``cluster.redis``.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Self

from protocol.ids import NodeId

from .fanout import DEFAULT_MAX_QUEUED, Fanout, QueueSubscription
from .messages import ClusterMessage, encode_message
from .ports import Clock
from .rates import (
    ALLOWED_DECISIONS as _ALLOWED,
    TOKEN_EPSILON,
    RateDecision,
    RateRule,
    allowed_decision,
    check_hit,
    check_hits,
)

logger = logging.getLogger(__name__)

SWEEP_BATCH = 8
"""Idle buckets examined per call, so that forgetting them costs O(1)."""


class InMemoryHub:
    """The "wire" between the in-process buses of one process."""

    def __init__(self) -> None:
        self._buses: dict[NodeId, InMemoryBus] = {}

    @property
    def node_ids(self) -> frozenset[NodeId]:
        """The nodes whose buses are attached."""
        return frozenset(self._buses)

    def deliver_raw(self, payload: bytes | str) -> None:
        """Hand a raw payload to every attached bus, as if it came off the wire.

        Each bus decodes it, skips it if it is malformed or its own, and
        delivers it to its subscribers.
        """
        for bus in list(self._buses.values()):
            bus._fanout.receive(payload)

    def _broadcast(self, payload: bytes, origin: NodeId) -> None:
        # The origin would decode its own message only to drop it: skip it.
        for node_id, bus in list(self._buses.items()):
            if node_id != origin:
                bus._fanout.receive(payload)

    def _attach(self, bus: InMemoryBus) -> None:
        if bus.node_id in self._buses:
            raise ValueError(f"node {bus.node_id} already has a bus on this hub")
        self._buses[bus.node_id] = bus

    def _detach(self, bus: InMemoryBus) -> None:
        if self._buses.get(bus.node_id) is bus:
            del self._buses[bus.node_id]


class InMemoryBus:
    """Implements ``cluster.ports.Bus`` between buses on one ``InMemoryHub``.

    Use it as an async context manager: entering attaches it to the hub,
    leaving detaches it and ends its subscriptions.

    Args:
        hub: The hub shared with the other in-process nodes.
        node_id: This node; unique on the hub.
        max_queued: Buffer size of each subscription.
    """

    def __init__(
        self, hub: InMemoryHub, node_id: NodeId, *, max_queued: int = DEFAULT_MAX_QUEUED
    ) -> None:
        self._hub = hub
        self._node_id = node_id
        self._fanout = Fanout(node_id, max_queued=max_queued)

    @property
    def node_id(self) -> NodeId:
        """This node."""
        return self._node_id

    @property
    def is_open(self) -> bool:
        """Whether the bus is attached and delivering."""
        return self._fanout.is_open

    @property
    def dropped_messages(self) -> int:
        """Messages dropped because a local subscription was full."""
        return self._fanout.dropped_messages

    @property
    def bad_messages(self) -> int:
        """Payloads received that did not decode."""
        return self._fanout.bad_messages

    async def __aenter__(self) -> Self:
        self._hub._attach(self)
        self._fanout.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._hub._detach(self)
        self._fanout.close()

    async def publish(self, message: ClusterMessage) -> None:
        """See ``cluster.ports.Bus.publish``; never raises ``ClusterUnavailable``."""
        if not self._fanout.is_open:
            raise RuntimeError("the bus is not open")
        if message.origin != self._node_id:
            raise ValueError(f"message origin {message.origin} is not this node")
        payload = encode_message(message)
        self._fanout.deliver(message)
        self._hub._broadcast(payload, self._node_id)

    def subscribe(self, kinds: Collection[str]) -> QueueSubscription:
        """See ``cluster.ports.Bus.subscribe``."""
        return self._fanout.subscribe(kinds)


class InMemoryRateLimiter:
    """Implements ``cluster.ports.LocalRateLimiter`` (a ``RateLimiter``) for one process.

    Uses the clock's ``monotonic()`` reading, which a wall-clock step cannot
    disturb (the Redis implementation must use ``now()``, shared by all nodes).
    Buckets untouched for longer than their full-refill time are forgotten, a
    few per call, oldest first.

    The bucket arithmetic is ``cluster.rates.take``, inlined on a mutable
    ``[tokens, reading in ms, reading in ms when full]`` per bucket: every chat message takes two
    or three buckets here, and building the frozen ``BucketState`` and
    ``RateDecision`` of each hit cost more than the arithmetic itself. (Tokens
    are never negative, so ``int`` is the ``math.floor`` of ``take``.)

    Args:
        clock: Source of time.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        # (rule name, key) -> [tokens, reading in ms of the latest hit, reading
        # in ms after which it is full], ordered by latest hit (each hit moves
        # its bucket to the end).
        self._buckets: collections.OrderedDict[tuple[str, str], list[float]] = (
            collections.OrderedDict()
        )

    @property
    def bucket_count(self) -> int:
        """Buckets currently remembered."""
        return len(self._buckets)

    async def hit(self, rule: RateRule, key: str, cost: int = 1) -> RateDecision:
        """See ``cluster.ports.RateLimiter.hit``."""
        check_hit(rule, key, cost)
        return self._take(((rule, key, cost),))[0]

    async def hit_many(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """See ``cluster.ports.RateLimiter.hit_many``."""
        return self.hit_many_now(checks)

    def hit_many_now(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """See ``cluster.ports.LocalRateLimiter.hit_many_now``."""
        check_hits(checks)
        if not checks:
            return []
        return self._take(checks)

    async def reset(self, rule: RateRule, key: str) -> None:
        """See ``cluster.ports.RateLimiter.reset``."""
        self._buckets.pop((rule.name, key), None)

    def _take(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """Refill every bucket, then charge all of them or none (checks validated).

        Charges as it goes and gives the tokens back if a later bucket lacks
        some (rare): one pass, and no second list of the buckets, for the
        common case where every bucket has its tokens. The tokens each bucket
        held before its charge are kept in ``before`` so that a refusal
        restores them exactly.
        """
        now_ms = round(self._clock.monotonic() * 1000)
        buckets = self._buckets
        if buckets and next(iter(buckets.values()))[2] <= now_ms:
            self._forget_idle(now_ms)
        decisions: list[RateDecision] = []
        before: list[tuple[list[float], float]] = []
        for rule, key, cost in checks:
            bucket_key = (rule.name, key)
            entry = buckets.get(bucket_key)
            capacity = rule.capacity
            if entry is None:
                tokens = float(capacity)
                entry = buckets[bucket_key] = [tokens, now_ms, 0.0]
            else:
                buckets.move_to_end(bucket_key)
                tokens = entry[0]
                if now_ms > entry[1]:
                    tokens += (now_ms - entry[1]) * rule.refill_per_s / 1000
                    if tokens > capacity:
                        tokens = float(capacity)
                    entry[1] = now_ms
            entry[2] = entry[1] + capacity / rule.refill_per_s * 1000
            if tokens + TOKEN_EPSILON < cost:
                entry[0] = tokens
                return self._refused(checks, before, len(decisions), now_ms)
            before.append((entry, tokens))
            tokens -= cost
            if tokens < 0.0:
                tokens = 0.0
            entry[0] = tokens
            remaining = int(tokens + TOKEN_EPSILON)
            decisions.append(_ALLOWED.get(remaining) or allowed_decision(remaining))
        return decisions

    def _refused(
        self,
        checks: Sequence[tuple[RateRule, str, int]],
        before: list[tuple[list[float], float]],
        refused_at: int,
        now_ms: int,
    ) -> list[RateDecision]:
        """Give back the tokens charged before bucket ``refused_at``, refill the rest.

        Every bucket is refilled (as ``cluster.rates.take`` would) and none is
        charged; the decisions say, bucket by bucket, how long until the same
        hit would be allowed.
        """
        buckets = self._buckets
        tokens_of: list[float] = []
        for charged, tokens in before:
            charged[0] = tokens
            tokens_of.append(tokens)
        tokens_of.append(buckets[(checks[refused_at][0].name, checks[refused_at][1])][0])
        for rule, key, _ in checks[refused_at + 1 :]:
            bucket_key = (rule.name, key)
            entry = buckets.get(bucket_key)
            if entry is None:
                entry = buckets[bucket_key] = [float(rule.capacity), now_ms, 0.0]
            else:
                buckets.move_to_end(bucket_key)
                if now_ms > entry[1]:
                    refill = (now_ms - entry[1]) * rule.refill_per_s / 1000
                    entry[0] = min(float(rule.capacity), entry[0] + refill)
                    entry[1] = now_ms
            entry[2] = entry[1] + rule.capacity / rule.refill_per_s * 1000
            tokens_of.append(entry[0])
        return [
            RateDecision(
                False,
                int(tokens + TOKEN_EPSILON),
                (cost - tokens) / rule.refill_per_s if tokens + TOKEN_EPSILON < cost else 0.0,
            )
            for tokens, (rule, _, cost) in zip(tokens_of, checks, strict=True)
        ]

    def _forget_idle(self, now_ms: int) -> None:
        # Least recently hit first. A long-lived bucket at the front may shield
        # shorter-lived ones behind it for a while; memory stays bounded by the
        # number of keys hit within the longest refill time.
        buckets = self._buckets
        for _ in range(SWEEP_BATCH):
            if not buckets:
                return
            bucket_key, (_, _, full_at_ms) = next(iter(buckets.items()))
            if full_at_ms > now_ms:
                return
            del buckets[bucket_key]


class InMemoryHealth:
    """Implements ``cluster.ports.ClusterHealth`` for the in-process bus.

    Args:
        bus: The bus whose state is reported.
    """

    def __init__(self, bus: InMemoryBus) -> None:
        self._bus = bus

    async def check(self) -> dict[str, str]:
        """See ``cluster.ports.ClusterHealth.check``."""
        return {"bus": "ok" if self._bus.is_open else "down: closed"}

    def is_healthy(self) -> bool:
        """See ``cluster.ports.ClusterHealth.is_healthy``."""
        return self._bus.is_open
