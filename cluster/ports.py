"""The runtime ports the rest of the server uses to share state between nodes.

Each Protocol is small and named for its role. Two production implementations
exist for each: in-process (``cluster.memory``, the single-node default) and
Redis (``cluster.redis``). ``cluster.factory.build_cluster`` picks one set; the
code that receives a port cannot tell which it has, and the contract tests in
``tests/contract/`` hold both to the same behaviour.

This module declares interfaces only: no I/O, no Redis.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Protocol, runtime_checkable

from .messages import ClusterMessage
from .rates import RateDecision, RateRule


class Clock(Protocol):
    """Where time comes from; tests inject ``tests.fakes.clock.FakeClock``."""

    def now(self) -> float:
        """Return wall time in seconds since the epoch (comparable across nodes)."""
        ...

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back (one process only)."""
        ...


class Subscription(Protocol):
    """A live subscription: an async context manager and an async iterator.

    Example::

        async with bus.subscribe({"user.sessions_revoked"}) as sub:
            async for message in sub:
                ...

    Messages published after the block is entered are delivered, in order per
    publisher, until the block exits. If the bus closes, iteration ends.
    """

    async def __aenter__(self) -> Subscription:
        """Start receiving messages."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop receiving messages."""
        ...

    def __aiter__(self) -> Subscription:
        """Return the subscription itself."""
        ...

    async def __anext__(self) -> ClusterMessage:
        """Wait for the next message.

        Raises:
            StopAsyncIteration: The bus was closed and the buffer is empty.
        """
        ...

    @property
    def pending(self) -> int:
        """Messages received and not yet consumed (for metrics and tests)."""
        ...


class Bus(Protocol):
    """Typed messages between nodes: every subscriber of a kind, on every node.

    Semantics (identical in every implementation):

    * a published message reaches every matching subscriber on every node,
      including subscribers on the publishing node, which get it in-process
      before it leaves the node;
    * a node never delivers its own message twice (the copy that comes back
      from the wire is dropped by ``origin``);
    * a slow subscriber never blocks a publisher: its bounded buffer drops and
      counts what does not fit;
    * messages from one publisher arrive in the order they were published.
    """

    async def publish(self, message: ClusterMessage) -> None:
        """Deliver ``message`` locally, then send it to the other nodes.

        Args:
            message: Its ``origin`` must be this bus's node.

        Raises:
            ClusterUnavailable: The other nodes could not be reached (after one
                retry). Local subscribers already have the message.
            ValueError: ``message.origin`` is another node, or the message is
                too large to send.
        """
        ...

    def subscribe(self, kinds: Collection[str]) -> Subscription:
        """Create a subscription to some message kinds; enter it to start.

        Raises:
            ValueError: ``kinds`` is empty or names an unknown kind.
        """
        ...


class RateLimiter(Protocol):
    """Token buckets keyed by (rule, key), shared by every node.

    Time comes from the injected ``Clock``, so a fake clock makes the limiter
    deterministic. A hit is atomic: concurrent hits never grant more tokens
    than the bucket holds, and a denied hit takes nothing.
    """

    async def hit(self, rule: RateRule, key: str, cost: int = 1) -> RateDecision:
        """Take ``cost`` tokens from the bucket of ``(rule, key)`` if available.

        Args:
            rule: The policy (capacity and refill rate).
            key: What is limited, for example ``"<room_id>:<participant_id>"``.
            cost: Tokens this action needs, within ``1..rule.capacity``.

        Returns:
            Whether the hit was allowed, the tokens left and, if denied, when
            to retry.

        Raises:
            ValueError: Empty key or a cost outside ``1..rule.capacity``.
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def hit_many(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """Take tokens from several buckets in one atomic step, all or nothing.

        Each check is ``(rule, key, cost)``, as for ``hit``. Every bucket is
        refilled first; if each holds its cost, each is charged; if any lacks
        it, none is (a message refused by the room's bucket does not use up
        its sender's). One round trip to the shared store.

        Args:
            checks: The buckets, each at most once (rule name and key).

        Returns:
            One decision per check, in order. ``allowed`` is the same for all:
            whether the whole call went ahead. ``remaining`` is the bucket's
            whole tokens after the call (charged or not). When denied,
            ``retry_after_s`` is, for each bucket that lacked tokens, when it
            would hold its cost again, and 0 for the others. No checks, no
            decisions.

        Raises:
            ValueError: A check that ``hit`` would refuse, or the same bucket
                twice.
            ClusterUnavailable: The shared store could not be reached.
        """
        ...

    async def reset(self, rule: RateRule, key: str) -> None:
        """Refill the bucket of ``(rule, key)`` completely.

        Raises:
            ClusterUnavailable: The shared store could not be reached.
        """
        ...


@runtime_checkable
class LocalRateLimiter(RateLimiter, Protocol):
    """A ``RateLimiter`` whose buckets live in this process: it can answer at once.

    Only the in-process limiter (``cluster.memory``) is one; a caller that finds
    it (``isinstance``) may skip the coroutine of ``hit_many``, which every chat
    message would otherwise pay for nothing. The Redis limiter is not one.
    """

    def hit_many_now(self, checks: Sequence[tuple[RateRule, str, int]]) -> list[RateDecision]:
        """``hit_many``, answered without awaiting: the same decisions and effects.

        Raises:
            ValueError: As ``hit_many``.
        """
        ...


class ClusterHealth(Protocol):
    """Whether this node's cluster links work, for ``/health`` and alerts."""

    async def check(self) -> dict[str, str]:
        """Probe every component now.

        Returns:
            Component name to ``"ok"`` or ``"down: <short reason>"``. Reasons
            never contain URLs or credentials.
        """
        ...

    def is_healthy(self) -> bool:
        """Return the latest known state without I/O: True if nothing is down."""
        ...
