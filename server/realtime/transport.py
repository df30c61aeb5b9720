"""The Socket.IO server object and the HTTP route it answers on.

Choices made here, on purpose:

* WebSocket only: no long-polling, so no sticky sessions behind a load
  balancer and no HTTP bodies to bound.
* ``max_http_buffer_size`` is the message limit; python-engineio >= 4.13.2
  hands it to aiohttp as ``max_msg_size``, which refuses a larger frame from
  its header, before reading it.
* Binary packets are refused: no command carries binary data, and a packet
  announcing attachments would make the server hold data until they all
  arrive (GHSA-5w7q-77mv-v69f); the socket is closed instead.
* Room fan-out writes each event's frame straight to the sockets
  (``engine``): one frame built per event, one write per recipient, with
  per-socket order kept and a bound on what a slow consumer may hold.
* ``async_handlers=False``: one socket's commands run one after another, in
  the order sent, and a client that floods waits for its own commands
  (back-pressure) instead of spawning a task per packet.
* permessage-deflate only when ``realtime.compression`` is on: the
  extension offer is removed from the handshake otherwise, so aiohttp never
  negotiates it.
* With Redis, python-socketio's ``AsyncRedisManager`` carries Socket.IO-level
  traffic between nodes (emits addressed to sockets of other nodes,
  disconnects by sid). Room events do not need it: they reach every node in
  ``seq`` order through the room feed (``server.realtime.outbound``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio
from aiohttp import web
from multidict import CIMultiDict

from .engine import DirectEngineServer
from .settings import RealtimeSettings

logger = logging.getLogger(__name__)

ENGINE_LOGGER = "server.realtime.engine"
"""python-socketio and python-engineio log here, at WARNING and above only:
at INFO they would write every packet, chat text included."""
SOCKETIO_CHANNEL = "socketio"
"""Suffix of python-socketio's pub/sub channel, after the Redis namespace."""
EIO_BINARY_EVENT = "5"
EIO_BINARY_ACK = "6"


class JumelageSocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on ``DirectEngineServer``, refusing binary packets."""

    eio: DirectEngineServer

    def _engineio_server_class(self) -> type[DirectEngineServer]:
        # python-socketio's hook for the Engine.IO server it builds.
        return DirectEngineServer

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # The one hook python-socketio offers before a packet is decoded.
        if isinstance(data, bytes) or (
            isinstance(data, str) and data[:1] in (EIO_BINARY_EVENT, EIO_BINARY_ACK)
        ):
            logger.warning("binary packet refused; closing the socket")
            await self.eio.disconnect(eio_sid)
            return
        await super()._handle_eio_message(eio_sid, data)


def build_socket_server(
    settings: RealtimeSettings,
    *,
    redis_url: str | None,
    namespace: str,
    cors_origins: list[str] | None,
) -> JumelageSocketServer:
    """A Socket.IO server configured for Jumelage.

    Args:
        settings: The realtime section.
        redis_url: Share Socket.IO traffic between nodes through Redis, or None.
        namespace: The Redis namespace (the channel is named under it).
        cors_origins: Origins allowed to open a socket; None means same-origin
            only (clients without an ``Origin`` header, like the SDK, are not
            affected: they must present a token anyway).
    """
    manager = (
        None
        if redis_url is None
        else socketio.AsyncRedisManager(redis_url, channel=f"{namespace}:{SOCKETIO_CHANNEL}")
    )
    return JumelageSocketServer(
        client_manager=manager,
        async_mode="aiohttp",
        transports=["websocket"],
        allow_upgrades=False,
        http_compression=False,
        max_http_buffer_size=settings.max_message_bytes,
        ping_interval=settings.ping_interval_s,
        ping_timeout=settings.ping_timeout_s,
        cors_allowed_origins=cors_origins,
        async_handlers=False,
        max_buffered_bytes=settings.max_buffered_bytes,
        max_queued_packets=settings.max_queued_messages,
        logger=_library_logger(),
        engineio_logger=_library_logger(),
    )


def _library_logger() -> logging.Logger:
    # Handing the libraries a logger of ours keeps them from adding their own
    # stream handler (which prints beside the structured logs).
    library = logging.getLogger(ENGINE_LOGGER)
    library.setLevel(logging.WARNING)
    return library


def socket_endpoint(server: JumelageSocketServer, *, compression: bool) -> Any:
    """The aiohttp handler of the Socket.IO path."""

    async def socket_io(request: web.Request) -> web.StreamResponse:
        if not compression and "Sec-WebSocket-Extensions" in request.headers:
            headers = CIMultiDict(request.headers)
            del headers["Sec-WebSocket-Extensions"]
            request = request.clone(headers=headers)
        response: web.StreamResponse = await server.handle_request(request)
        return response

    return socket_io


async def close_socket_server(server: JumelageSocketServer) -> None:
    """Close every socket of this node and stop the server's background tasks."""
    for eio_sid in list(server.eio.sockets):
        await server.eio.disconnect(eio_sid)
    await server.shutdown()
    manager = server.manager
    listener = getattr(manager, "thread", None)
    if listener is not None:
        listener.cancel()
        # asyncio.wait does not raise the listener's own cancellation.
        await asyncio.wait({listener})
    for attribute in ("pubsub", "redis"):
        client = getattr(manager, attribute, None)
        if client is not None:
            await client.aclose()
