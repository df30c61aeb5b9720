"""``Realtime``: this node's Socket.IO server, its connections and its background loops.

Built by the composition root with the settings (``build_realtime``), attached
to the aiohttp app (one route), and started by ``realtime_context`` once the
services exist. The context owns four loops, cancelled and awaited at
shutdown: the feed pump (room events to local sockets), the revocation
listener (a user's sessions revoked anywhere closes their sockets here), the
room timers and the account re-check sweep. Each loop survives the failure
of one item; none holds a lock across the network.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from aiohttp import web

from community import TokenRevoked
from protocol.errors import CodedError
from storage.records_moderation import NewChatMessage

from ..config import Settings
from ..metrics import Metrics
from ..services import SERVICES_KEY, Services
from . import limits
from .accounts import AccountEpochs
from .channels import Channels, Outbox
from .connections import Connection, ConnectionRegistry
from .dispatcher import Dispatcher
from .gateway import on_connect, on_disconnect
from .handlers import COMMAND_TABLES
from .lost_turns import take_back
from .outbound import NAMESPACE, FeedPump
from .transport import build_socket_server, close_socket_server, socket_endpoint

logger = logging.getLogger(__name__)

REVOKED_KIND = "user.sessions_revoked"
MISSED_BEATS = 3
SWEEP_BATCH = 500
"""Accounts whose epochs the periodic re-check reads at once."""
"""A node silent for this many heartbeats is taken for dead."""


def _abort_transport(environ: dict[str, Any]) -> None:
    """Abort the TCP connection under a socket's WebSocket (see ``Realtime.let_go``)."""
    request = environ.get("aiohttp.request")
    transport = None if request is None else request.transport
    if transport is not None:
        transport.abort()


class Realtime:
    """The realtime layer of one node.

    Args:
        settings: The whole configuration (its ``realtime`` section mostly).
        metrics: Where to count.
    """

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings = settings.realtime
        self.metrics = metrics
        origins = list(settings.http.cors_origins)
        if settings.http.public_url:
            origins.append(settings.http.public_url.rstrip("/"))
        redis_url = settings.redis_url()
        self._single_node = redis_url is None
        """Every frame of this node's messages leaves through its own engine
        (no Redis bus): the chat's store may share a commit per turn."""
        self.sio = build_socket_server(
            self.settings,
            redis_url=redis_url,
            namespace=settings.redis.namespace,
            cors_origins=origins or None,
        )
        metrics.realtime.watch_writes(self.sio.eio.batch)
        self.connections = ConnectionRegistry()
        self.channels = Channels()
        self.rates = limits.configured(self.settings)
        self.dispatcher = Dispatcher(COMMAND_TABLES, self, self.rates)
        self.pump = FeedPump(self)
        self._services: Services | None = None
        self._epochs: AccountEpochs | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("*", self._on_event)

    @property
    def services(self) -> Services:
        assert self._services is not None, "the realtime layer has not started"
        return self._services

    def attach(self, app: web.Application) -> None:
        """Serve Socket.IO on the app's realtime path; let the sockets go at shutdown."""
        app.router.add_get(
            self.settings.path,
            socket_endpoint(self.sio, compression=self.settings.compression),
            name="socket_io",
        )
        app.on_shutdown.append(self._let_everyone_go)

    async def _let_everyone_go(self, app: web.Application) -> None:
        """The node stops (a deploy: SIGTERM): every socket is let go at once.

        Their clients reconnect, to another node (or to this one once it is
        back), and resume. Otherwise aiohttp waits ``http.shutdown_timeout_s``
        for the WebSocket handlers, which never end by themselves, while the
        clients stay on a node that is going away, then cancels them.
        """
        # Every engine-level socket, not only the registered connections: a
        # socket still in its Socket.IO handshake (authenticating, joining)
        # would otherwise keep its handler, and the shutdown, waiting.
        for environ in list(self.sio.environ.values()):
            _abort_transport(environ)

    # -- Socket.IO handlers ------------------------------------------------

    async def _on_connect(self, sid: str, environ: Any, auth: Any = None) -> bool:
        return await on_connect(self, sid, auth)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        await on_disconnect(self, sid)

    async def _on_event(self, event: Any, sid: str, *args: Any) -> dict[str, Any]:
        return await self.dispatcher.dispatch(sid, event, args)

    # -- operations on local connections ------------------------------------

    async def set_channel(self, conn: Connection, channel: str, member: bool) -> None:
        """Put a socket in (or take it out of) a broadcast group of this node.

        Every connection here is local, and every node applies room effects
        to its own sockets: the groups are this node's (``Channels``), never
        Socket.IO's rooms (with the Redis manager, those operations may be
        sent to the other nodes instead of done here).
        """
        if member and channel not in conn.channels:
            conn.channels.add(channel)
            self.channels.enter(channel, conn.sid, conn.outbox)
        elif not member and channel in conn.channels:
            conn.channels.discard(channel)
            self.channels.leave(channel, conn.sid)

    async def evict(self, conn: Connection, *, rejoin: bool = False) -> None:
        """Take a socket out of every group now, and close it soon after.

        Leaving the groups is immediate, so nothing sent after this reaches
        the socket. Closing waits for the socket's running command to be
        answered (a teacher who ends the session gets the acknowledgement),
        and runs in a task of its own so that whoever evicts (the feed pump)
        never waits for the socket's farewell.

        Socket.IO clients (the SDK, socket.io-client) never reconnect after
        the server's disconnect packet, and always reconnect after a lost
        connection. So how the socket closes says what its client does next:

        Args:
            conn: The connection.
            rejoin: Its client must come back and resume from its last
                ``seq`` (its node was taken for dead, or this node lost
                events it can no longer give it): the socket is let go like a
                lost connection (``let_go``). Otherwise the close is final
                (kicked, banned, denied, signed out, replaced, room ended):
                Socket.IO's disconnect. A final eviction wins over a pending
                rejoin one.
        """
        for channel in list(conn.channels):
            await self.set_channel(conn, channel, False)
        if conn.closing:
            conn.rejoin = conn.rejoin and rejoin
            return
        conn.closing = True
        conn.rejoin = rejoin
        if not conn.busy:
            self.close_soon(conn)

    def outbox_of(self, sid: str) -> Outbox:
        """Where a connected socket's events are written."""
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        outbox = None if eio_sid is None else self.sio.eio.outbox(eio_sid)
        if outbox is None:
            raise RuntimeError("the socket has no outbox")
        return outbox

    def close_soon(self, conn: Connection) -> None:
        """Close an evicted socket in a task of its own, as ``evict`` said.

        A task, so that the answer to the command that evicted it is sent
        first (a socket let go may still lose it, if it was not written yet:
        its client resumes anyway); the way to close is read when the task
        runs.
        """
        self.spawn(self._close(conn))

    async def _close(self, conn: Connection) -> None:
        if conn.rejoin:
            self.let_go(conn.sid)
        else:
            await self.sio.disconnect(conn.sid, namespace=NAMESPACE)

    def let_go(self, sid: str) -> None:
        """End a socket as a network failure would, so that its client reconnects.

        No Socket.IO disconnect and no Engine.IO close packet: either tells
        Socket.IO clients to stay away. The socket's TCP connection is
        aborted, as the engine does to a slow consumer (``engine``): what it
        still had to send is dropped (its client resumes from its last
        ``seq``), the engine's reader fails at once, and the disconnect
        handler forgets the connection as after any other close.

        Not a WebSocket close frame after the backlog (ending the engine's
        queue): that leaves the engine socket half closed until the client
        answers, up to aiohttp's close timeout for a client that is gone, and
        a shutdown meanwhile would wait for that queue forever.
        """
        environ = self.sio.get_environ(sid, NAMESPACE)
        if environ is not None:
            _abort_transport(environ)

    async def revalidate(self, conn: Connection, *, force: bool) -> None:
        """Check the connection's account again if due (or if ``force``).

        Raises:
            TokenRevoked: The account's sessions were revoked; the socket closes.
        """
        clock = self.services.cluster.clock
        if not force and clock.monotonic() - conn.checked_at < self.settings.revalidate_every_s:
            return
        assert self._epochs is not None
        epoch = await self._epochs.current(conn.user_id)
        if not await self._still_valid(conn, epoch):
            raise TokenRevoked("the token was revoked; sign in again")

    async def _still_valid(self, conn: Connection, epoch: int | None) -> bool:
        """Close ``conn`` if its account's current ``epoch`` is not its token's."""
        if epoch != conn.epoch:
            logger.info("revoked account's socket closed", extra={"user_id": conn.user_id})
            await self.evict(conn)
            return False
        conn.checked_at = self.services.cluster.clock.monotonic()
        return True

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` in a task this object keeps (and cancels at shutdown)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- life --------------------------------------------------------------

    @asynccontextmanager
    async def running(self, services: Services) -> AsyncIterator[None]:
        """Serve sockets and run the background loops until the block exits."""
        self._services = services
        self._epochs = AccountEpochs(services.db)
        unhook = (
            # A turn's chat rows are committed before any socket writes; a turn
            # that cannot be stored is taken back from its rooms.
            services.moderation.writer.share_turns(
                self.sio.eio.batch.before_writes, on_lost=self._take_back
            )
            if self._single_node
            else None
        )
        await self._beat()
        async with AsyncExitStack() as stack:
            feed = await stack.enter_async_context(services.cluster.event_log.subscribe())
            revoked = await stack.enter_async_context(
                services.cluster.bus.subscribe({REVOKED_KIND})
            )
            loops = [
                self.pump.run(feed),
                self._revocations(revoked),
                self._every(self.settings.timer_poll_s, self._tick_timers),
                self._every(self.settings.revalidate_every_s / 2, self._sweep),
                self._every(self.settings.heartbeat_s, self._beat),
            ]
            tasks = [asyncio.create_task(loop) for loop in loops]
            try:
                yield
            finally:
                await close_socket_server(self.sio)
                pending = [*tasks, *self._tasks]
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending)
                if unhook is not None:
                    unhook()
                self._services = None

    def _take_back(self, lost: list[NewChatMessage]) -> None:
        """A turn's chat messages could not be stored (``lost_turns.take_back``)."""
        take_back(self, lost)

    async def _revocations(self, subscription: Any) -> None:
        async for message in subscription:
            for conn in self.connections.of_user(message.user_id):
                try:
                    await self.evict(conn)
                except Exception:
                    logger.exception("could not close a revoked socket")

    async def _beat(self) -> None:
        cluster = self.services.cluster
        await cluster.liveness.beat(cluster.node_id, self.settings.heartbeat_s * MISSED_BEATS)

    async def _tick_timers(self) -> None:
        await self.services.rooms.timers.tick_due()

    async def _sweep(self) -> None:
        """Check again every connection whose check is due, ``SWEEP_BATCH``
        accounts a read (one transaction each was 10,000 transactions in a
        row every few minutes with 10,000 connections)."""
        assert self._epochs is not None
        now = self.services.cluster.clock.monotonic()
        due = [
            conn
            for conn in self.connections.all()
            if now - conn.checked_at >= self.settings.revalidate_every_s
        ]
        for start in range(0, len(due), SWEEP_BATCH):
            batch = due[start : start + SWEEP_BATCH]
            epochs = await self._epochs.current_many({conn.user_id for conn in batch})
            for conn in batch:
                await self._still_valid(conn, epochs.get(conn.user_id))

    async def _every(self, period_s: float, work: Any) -> None:
        while True:
            try:
                await work()
            except CodedError as exc:
                logger.warning("realtime loop: %s", exc.code.value)
            except Exception:
                # A loop that dies silently stops the timers of every room.
                logger.exception("realtime loop failed; carrying on")
            await asyncio.sleep(period_s)


REALTIME_KEY = web.AppKey("realtime", Realtime)


async def realtime_context(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` running the realtime layer with the app's services."""
    async with app[REALTIME_KEY].running(app[SERVICES_KEY]):
        yield
