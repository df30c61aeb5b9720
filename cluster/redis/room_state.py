"""``RedisRooms``: room state and event log shared by every node.

Each room is a hash of fields (plus its version ``_v``), a sequence counter
and a capped list of its latest events; a sorted set names rooms by the time
they want to be woken. A commit is one Lua script (``room_scripts``), so a
room changes atomically across nodes and its events get their ``seq`` and
reach the feed in the order of the changes. Every key of a room expires after
``ttl_s`` without a change, so abandoned rooms vanish on their own.

Only connection errors are retried (once), and only for reads and for
commits that carry a guard: a guarded commit that ran before its link broke
fails its guard on the retry instead of applying twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from protocol.ids import RoomId

from ..errors import ClusterUnavailable
from ..feed import DEFAULT_FEED_BUFFER, FeedHub, FeedQueue
from ..ports_rooms import KEEP_WAKE, NO_WAKE, Commit, LoggedEvent, Redaction, RoomRecord
from .connection import retry_once
from .keys import RedisKeys
from .room_feed import RedisFeedListener
from .room_scripts import COMMIT, REDACT, SINCE, VERSION_FIELD, Script, decode_line

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_LOG_CAPACITY = 500
DEFAULT_TTL_S = 24 * 3600


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisRooms:
    """Implements ``RoomState`` and ``EventLog`` on Redis.

    Use it as an async context manager: entering starts the feed listener.

    Args:
        client: Shared client (``cluster.redis.connection``).
        keys: Names under the cluster's namespace.
        log_capacity: Events kept per room for replay.
        ttl_s: Idle time after which a room's keys expire.
        feed_buffer: Buffer size of each feed subscription.
    """

    def __init__(
        self,
        client: Redis,
        *,
        keys: RedisKeys,
        log_capacity: int = DEFAULT_LOG_CAPACITY,
        ttl_s: int = DEFAULT_TTL_S,
        feed_buffer: int = DEFAULT_FEED_BUFFER,
    ) -> None:
        if log_capacity < 1 or ttl_s < 1:
            raise ValueError("log_capacity and ttl_s must be >= 1")
        self._client = client
        self._keys = keys
        self._capacity = log_capacity
        self._ttl_ms = ttl_s * 1000
        self._hub = FeedHub(feed_buffer)
        self.listener = RedisFeedListener(
            client, keys.room_feed_channel(), self._hub, catch_up=self.since
        )

    async def __aenter__(self) -> Self:
        await self.listener.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.listener.__aexit__(exc_type, exc, tb)
        finally:
            self._hub.close()

    # -- RoomState ---------------------------------------------------------

    async def load(self, room_id: RoomId) -> RoomRecord:
        """See ``RoomState.load``."""
        key = self._keys.room_state(room_id)
        raw: dict[Any, Any] = await self._call("load", lambda: self._client.hgetall(key))
        fields = {_text(k): _text(v) for k, v in raw.items()}
        version = int(fields.pop(VERSION_FIELD, "0"))
        return RoomRecord(fields, version)

    async def load_fields(self, room_id: RoomId, names: Sequence[str]) -> list[str | None]:
        """See ``RoomState.load_fields``."""
        if not names:
            return []
        key = self._keys.room_state(room_id)
        raw: list[Any] = await self._call("load", lambda: self._client.hmget(key, list(names)))
        return [None if value is None else _text(value) for value in raw]

    async def commit(self, room_id: RoomId, commit: Commit) -> list[int] | None:
        """See ``RoomState.commit``."""
        args: list[str] = [
            room_id,
            self._keys.room_feed_channel(),
            str(self._capacity),
            str(self._ttl_ms),
            "" if commit.expect_version is None else str(commit.expect_version),
            _wake_arg(commit.wake_at),
            str(len(commit.expect_fields)),
            str(len(commit.set_fields)),
            str(len(commit.delete_fields)),
            str(len(commit.events)),
        ]
        for name, expected in commit.expect_fields.items():
            args += [name, "0" if expected is None else "1", expected or ""]
        for name, value in commit.set_fields.items():
            args += [name, value]
        args += list(commit.delete_fields)
        for event in commit.events:
            args += [event.audience, event.name, event.body, event.effects]
        keys = [
            self._keys.room_state(room_id),
            self._keys.room_seq(room_id),
            self._keys.room_log(room_id),
            self._keys.room_wakes(),
        ]
        guarded = commit.expect_version is not None or bool(commit.expect_fields)
        reply = await self._call("commit", lambda: self._script(COMMIT, keys, args), retry=guarded)
        if reply is None:
            return None
        return [int(seq) for seq in reply]

    async def delete(self, room_id: RoomId) -> None:
        """See ``RoomState.delete``."""

        async def run() -> None:
            # The wake-up entry goes first: a room named by `due` without
            # state is harmless, the other way round it would linger.
            await self._client.zrem(self._keys.room_wakes(), room_id)
            await self._client.delete(
                self._keys.room_state(room_id),
                self._keys.room_seq(room_id),
                self._keys.room_log(room_id),
            )

        await self._call("delete", run)

    async def due(self, now: float, limit: int = 100) -> list[RoomId]:
        """See ``RoomState.due``."""
        key = self._keys.room_wakes()
        raw: list[Any] = await self._call(
            "due", lambda: self._client.zrangebyscore(key, "-inf", repr(now), start=0, num=limit)
        )
        return [RoomId(_text(room_id)) for room_id in raw]

    # -- EventLog ----------------------------------------------------------

    async def since(self, room_id: RoomId, seq: int) -> list[LoggedEvent] | None:
        """See ``EventLog.since``."""
        keys = [self._keys.room_seq(room_id), self._keys.room_log(room_id)]
        reply = await self._call("since", lambda: self._script(SINCE, keys, [str(seq)]))
        if reply is None:
            return None
        return [decode_line(line) for line in reply]

    async def last_seq(self, room_id: RoomId) -> int:
        """See ``EventLog.last_seq``."""
        key = self._keys.room_seq(room_id)
        raw = await self._call("last_seq", lambda: self._client.get(key))
        return 0 if raw is None else int(raw)

    async def redact(self, room_id: RoomId, redaction: Redaction) -> list[int]:
        """See ``EventLog.redact``: one script, so no append or trim falls in between."""
        keys = [self._keys.room_log(room_id)]
        args = [redaction.marker, redaction.name, redaction.body, *redaction.names]
        # Safe to retry: a rewritten event no longer bears a name that matches
        # (the domain's redactions rename), and rewriting it again is the same.
        reply = await self._call("redact", lambda: self._script(REDACT, keys, args))
        return [int(seq) for seq in reply]

    def subscribe(self) -> FeedQueue:
        """See ``EventLog.subscribe``."""
        return self._hub.subscribe()

    # -- plumbing ----------------------------------------------------------

    async def _script(self, script: Script, keys: list[str], args: list[str]) -> Any:
        try:
            return await self._client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            # First use on this server, or after a restart: EVAL caches it.
            return await self._client.eval(script.source, len(keys), *keys, *args)

    async def _call(
        self, what: str, operation: Callable[[], Awaitable[T]], *, retry: bool = True
    ) -> T:
        try:
            return await (retry_once(operation) if retry else operation())
        except (RedisError, OSError) as exc:
            logger.warning("room state %s failed: %s", what, type(exc).__name__)
            raise ClusterUnavailable("room state is unavailable") from exc


def _wake_arg(wake_at: float) -> str:
    if wake_at == KEEP_WAKE:
        return ""
    if wake_at == NO_WAKE:
        return "0"
    return repr(wake_at)
