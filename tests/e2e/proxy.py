"""A TCP relay a test can cut: one node's link to Redis, partitioned at will.

``TcpRelay`` listens on a free loopback port and relays every connection to
its target. ``cut()`` closes every relayed connection and refuses new ones
(the node sees its links fail and its reconnects refused, as when a network
partition separates it from Redis while the other nodes carry on);
``mend()`` relays again. It runs its own event loop in a thread, so that it
outlives the tests' loops and a node using it keeps its Redis between tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from tests.e2e.processes import free_port

CHUNK = 65536
CALL_TIMEOUT_S = 10.0


class TcpRelay:
    """Relays loopback connections on ``port`` to ``target_port``.

    Args:
        target_port: Where connections are relayed (127.0.0.1).
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.refused = 0
        """Connections refused while cut."""
        self._cut = False
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def stop(self) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CALL_TIMEOUT_S)
        self._loop.close()

    def cut(self) -> None:
        """Drop every relayed connection and refuse new ones."""
        self._call(self._drop_all())

    def mend(self) -> None:
        """Relay new connections again."""
        self._cut = False

    @property
    def is_cut(self) -> bool:
        return self._cut

    def _call(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(CALL_TIMEOUT_S)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._drop_all()
        self._cut = False

    async def _drop_all(self) -> None:
        self._cut = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer, up_writer}
        self._open |= pair
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._open -= pair
            for end in pair:
                end.transport.abort()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until either side closes (the other direction is then aborted too)."""
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    sink.transport.abort()


@contextmanager
def relay_to(target_port: int) -> Iterator[TcpRelay]:
    """A running relay to ``target_port``, stopped on exit."""
    relay = TcpRelay(target_port)
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()
