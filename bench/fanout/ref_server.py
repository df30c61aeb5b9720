"""The bare python-socketio reference for ``bench/chat_fanout.py``.

A python-socketio ``AsyncServer`` on aiohttp with its defaults, doing what the
Node reference does: a client joins a room by name, and every ``chat`` event
is broadcast to the rest of that room. No auth, storage or sequencing.

    python ref_server.py --port 9102 [--uvloop]

Websocket compression is whatever python-engineio's aiohttp driver does: it
accepts permessage-deflate whenever the client offers it. Prints
``listening <port>`` on stdout once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

import socketio
from aiohttp import web


def build_app() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"])
    app = web.Application()
    sio.attach(app)

    @sio.on("join")
    async def join(sid: str, room: Any) -> dict[str, bool]:
        await sio.enter_room(sid, str(room))
        return {"ok": True}

    @sio.on("chat")
    async def chat(sid: str, message: Any) -> None:
        room = message.get("room") if isinstance(message, dict) else None
        if isinstance(room, str):
            await sio.emit("chat", message, room=room, skip_sid=sid)

    return app


async def serve(port: int) -> None:
    runner = web.AppRunner(build_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9102)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop (if installed)")
    args = parser.parse_args()
    if args.uvloop:
        try:
            import uvloop
        except ImportError:
            sys.exit("uvloop is not installed")
        uvloop.run(serve(args.port))
    else:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
