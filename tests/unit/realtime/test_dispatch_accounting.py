"""What the dispatcher leaves behind besides the ack: log context and metrics.

A socket's ids are bound once for its task (``SOCKET_IDS``, set again only
when they change), the command's name for the command only; every command,
refused or not, is counted with its outcome. The log lines are rendered by
``server.logs.configure_logging`` as ``jumelage serve`` does.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
import structlog

from protocol.api.accounts import AccountKind
from protocol.events.chat import ChatAccepted, SendChat
from protocol.ids import ParticipantId
from rooms import JoinTicket
from server.config import LoggingSettings
from server.logs import configure_logging
from server.metrics import Metrics
from server.realtime.channels import Outbox
from server.realtime.connections import Connection, ConnectionRegistry
from server.realtime.dispatcher import Call, CommandTable, Dispatcher, Rule

log = logging.getLogger("tests.dispatch")


class FakeRealtime:
    """What the dispatcher uses of ``Realtime``."""

    def __init__(self) -> None:
        self.connections = ConnectionRegistry()
        self.metrics = Metrics()

    async def revalidate(self, conn: Connection, *, force: bool) -> None:
        pass

    def close_soon(self, conn: Connection) -> None:
        raise AssertionError("nothing is evicted here")


def connection(sid: str, room: str, user: str, participant: str | None) -> Connection:
    conn = Connection(
        sid=sid,
        outbox=cast(Outbox, None),
        conn_id=f"c-{sid}",
        ticket=cast(JoinTicket, SimpleNamespace(room_id=room, user_id=user)),
        kind=cast(AccountKind, None),
        epoch=0,
        checked_at=0.0,
    )
    conn.participant_id = None if participant is None else ParticipantId(participant)
    return conn


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Log lines as ``jumelage serve`` writes them (JSON), then the previous setup back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    saved = structlog.get_config()
    stream = io.StringIO()
    configure_logging(LoggingSettings(level="INFO", format="json"), stream=stream)
    try:
        yield stream
    finally:
        root.handlers = handlers
        root.setLevel(level)
        structlog.configure(**saved)


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def dispatcher(
    realtime: FakeRealtime, *, fail: bool = False, rule: Rule = Rule.CONNECTED
) -> Dispatcher:
    table = CommandTable()

    @table.command(SendChat, rule=rule, rate=None)
    async def send(call: Call, cmd: SendChat) -> ChatAccepted:
        log.info("sending")
        if fail:
            raise RuntimeError("boom")
        return ChatAccepted(message_id="m-1", seq=1, held=False, duplicate=False)

    return Dispatcher([table], cast(Any, realtime))


async def test_a_commands_log_lines_carry_its_sockets_ids_and_its_name(
    lines: io.StringIO,
) -> None:
    realtime = FakeRealtime()
    first = connection("s1", "room-1", "user-1", "part-1")
    lobby = connection("s2", "room-2", "user-2", None)
    for conn in (first, lobby):
        realtime.connections.add(conn)
    dispatch = dispatcher(realtime).dispatch
    ack = await dispatch("s1", "chat.send", ({"text": "bonjour"},))
    assert ack["ok"] is True
    # Another socket in the same task: its own ids, none left over (no participant yet).
    await dispatch("s2", "chat.send", ({"text": "bonjour"},))
    first.participant_id = ParticipantId("part-9")  # joined again: the new id
    await dispatch("s1", "chat.send", ({"text": "bonjour"},))
    log.info("between commands")
    sending = [line for line in logged(lines) if line["event"] == "sending"]
    assert [
        (line["room_id"], line["user_id"], line.get("participant_id"), line["command"])
        for line in sending
    ] == [
        ("room-1", "user-1", "part-1", "chat.send"),
        ("room-2", "user-2", None, "chat.send"),
        ("room-1", "user-1", "part-9", "chat.send"),
    ]
    between = [line for line in logged(lines) if line["event"] == "between commands"]
    # The socket's ids stay bound for its task; the command's name does not.
    assert between[0]["participant_id"] == "part-9"
    assert "command" not in between[0]
    assert "bonjour" not in lines.getvalue()


async def test_an_unknown_socket_gets_no_ids_of_another(lines: io.StringIO) -> None:
    realtime = FakeRealtime()
    realtime.connections.add(connection("s1", "room-1", "user-1", "part-1"))
    dispatch = dispatcher(realtime, fail=True).dispatch
    failed = await dispatch("s1", "chat.send", ({"text": "x"},))
    assert failed["error"]["code"] == "internal"
    refused = await dispatch("gone", "chat.send", ({"text": "x"},))
    assert refused["error"]["code"] == "unauthenticated"
    log.info("after")
    crash = next(line for line in logged(lines) if line["event"] == "realtime command failed")
    assert (crash["room_id"], crash["participant_id"], crash["command"]) == (
        "room-1",
        "part-1",
        "chat.send",
    )
    assert crash["request_id"] == failed["error"]["details"]["request_id"]
    after = next(line for line in logged(lines) if line["event"] == "after")
    assert "room_id" not in after and "participant_id" not in after


async def test_every_command_is_counted_with_its_outcome() -> None:
    realtime = FakeRealtime()
    realtime.connections.add(connection("s1", "room-1", "user-1", "part-1"))
    realtime.connections.add(connection("s2", "room-1", "user-2", None))
    dispatch = dispatcher(realtime, rule=Rule.PARTICIPANT).dispatch
    await dispatch("s1", "chat.send", ({"text": "a"},))
    await dispatch("s1", "chat.send", ({"text": 3},))
    await dispatch("s2", "chat.send", ({"text": "a"},))
    await dispatch("s1", "no.such", ())
    await dispatch("s1", 12, ())
    commands = realtime.metrics.realtime.commands
    assert commands["chat.send"].outcomes == {"ok": 1, "invalid_payload": 1, "not_in_room": 1}
    assert commands["unknown"].outcomes == {"unknown_event": 2}
    assert sum(commands["chat.send"].buckets) == 3
    assert commands["chat.send"].total_s > 0
