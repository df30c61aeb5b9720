"""A participant in a process of its own, for the silent-death test (not a test module).

    python -m tests.e2e.silent_client <server url>   (join token on standard input)

Connects with ``client_sdk``, joins, prints its participant id and then does
nothing forever: the test freezes it with SIGSTOP, so that it neither closes
its socket nor answers the server's pings, as a laptop lid shut mid-lesson.
The token comes on standard input, never on the command line (``ps`` shows
command lines).
"""

from __future__ import annotations

import asyncio
import sys

from client_sdk import RealtimeClient


async def main(url: str) -> None:
    token = sys.stdin.readline().strip()
    client = RealtimeClient(url, token, reconnect=False)
    joined = await client.connect()
    print(joined.participant_id, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
