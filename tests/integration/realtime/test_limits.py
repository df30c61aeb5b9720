"""Abuse at the transport: huge frames, binary packets, floods.

A 10 MB frame is refused from its header: the connection closes, the
server's memory barely moves, and other sockets carry on. Binary packets
close the socket. A flood of commands is limited per user, whatever address
the sockets come from.
"""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

import aiohttp
import pytest

from client_sdk import CommandFailed
from protocol.events.chat import ChatMessagePosted, SendChat
from tests.integration.realtime.live import Live

TEN_MB = 10 * 1024 * 1024
CHUNK = 64 * 1024
RSS_SLACK_KB = 2048


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def push_huge_frame(host: str, port: int, size: int) -> tuple[bytes, int]:
    """Open a raw WebSocket, declare a ``size``-byte text frame and stream it.

    The client never holds the frame: it writes a header, then zeros, chunk
    by chunk, until the server closes the connection. Returns what the
    server sent back ("reset" when it reset the connection) and how many
    bytes of the frame went out before that.
    """
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readuntil(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 101"), status[:40]
    writer.write(bytes([0x81, 0x80 | 127]) + size.to_bytes(8, "big") + os.urandom(4))
    chunk = bytes(CHUNK)
    received = b""
    sent = 0
    try:
        async with asyncio.timeout(10):
            while sent < size and not reader.at_eof():
                writer.write(chunk)
                await writer.drain()
                sent += CHUNK
            received = await reader.read()
    except (ConnectionResetError, BrokenPipeError):
        received = received or b"reset"
    finally:
        writer.close()
    return received, sent


async def test_a_10_mb_frame_is_refused_unread_and_others_carry_on(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher)
    kid = await live.join(await live.pupil(teacher))
    address = live.http.server
    assert address.port is not None
    before = rss_kb()
    reply, sent = await push_huge_frame(address.host, address.port, TEN_MB)
    grown = rss_kb() - before
    # The server answered the open packet, then closed: "message too big" (1009).
    assert reply == b"reset" or b"\x88" in reply
    if b"\x88" in reply:
        close = reply[reply.index(b"\x88") :]
        assert int.from_bytes(close[2:4], "big") == 1009
    assert grown < RSS_SLACK_KB, f"server memory grew by {grown} kB"
    # The connection was reset before the frame was through (what got out is
    # what the kernels buffered, about 4 MB on loopback), and the memory
    # above shows none of it was kept.
    assert sent < TEN_MB, "the server read the whole frame"
    await kid.send(SendChat(text="still here"))
    assert (await host.next(ChatMessagePosted)).text == "still here"


async def closed_by_server(socket: aiohttp.ClientWebSocketResponse) -> bool:
    """Whether the server closes the session: an Engine.IO CLOSE ("1"), or the
    WebSocket itself, before anything else but pings."""
    async with asyncio.timeout(5):
        while True:
            message = await socket.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return True
            if message.type is aiohttp.WSMsgType.TEXT and message.data == "1":
                return True
            if message.type is aiohttp.WSMsgType.TEXT and message.data != "2":
                return False


async def test_a_binary_packet_closes_the_socket(live: Live) -> None:
    url = f"{live.url}/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        assert (await socket.receive_str()).startswith("0{")
        await socket.send_bytes(b"\x00\x01attachment")
        assert await closed_by_server(socket)


@pytest.mark.parametrize("packet", ['51-["chat.send",{"_placeholder":true,"num":0}]', "61-0[]"])
async def test_a_binary_event_declaration_closes_the_socket(live: Live, packet: str) -> None:
    url = f"{live.url}/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        assert (await socket.receive_str()).startswith("0{")
        await socket.send_str("4" + packet)
        assert await closed_by_server(socket)


async def test_a_chat_flood_is_limited_per_user(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    flooder = await live.join(await live.pupil(teacher))
    calm = await live.join(await live.pupil(teacher))
    outcomes = []
    for n in range(20):
        try:
            await flooder.send(SendChat(text=f"spam {n}"))
            outcomes.append("ok")
        except CommandFailed as exc:
            outcomes.append(f"{exc.code}:{exc.details.get('reason')}")
            retry = exc.details.get("retry_after_s")
            assert retry is not None and retry > 0
    # The moderation pipeline's limit, the chat's only one: 8 at once.
    assert outcomes == ["ok"] * 8 + ["message_rejected:rate_limited"] * 12
    await calm.send(SendChat(text="I can still talk"))
