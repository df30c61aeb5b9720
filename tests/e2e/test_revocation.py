"""Revocation across nodes: disabling a pupil, or signing out, closes the account's
live sockets on every node within seconds.

Both void the account's tokens; the node that did it publishes
``user.sessions_revoked`` on the cluster bus and every node closes the
account's connections at once (the 5-minute re-check is only the backstop).
The pupil here sits in two rooms of the project at once, one on each node
(one connection per user and room). The SDK does not come back, and the
tokens it held are refused on connect.
"""

from __future__ import annotations

import asyncio

import pytest

from client_sdk import ConnectRefused
from protocol.events.rooms import ParticipantLeft
from tests.e2e.lessons import (
    Classroom,
    OpenClass,
    Person,
    TokenSource,
    fixed_token,
    heard,
    received,
    say,
)
from tests.e2e.processes import ServerNode
from tests.e2e.waiting import eventually
from tests.integration.realtime.live import RecordingClient

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(240)]

REFUSED = {"token_revoked", "account_not_active"}


class Counted:
    """A token source that notes when it is asked (each connect attempt asks)
    and the last token it gave."""

    def __init__(self, tokens: TokenSource) -> None:
        self._tokens = tokens
        self.asked = 0
        self.last = ""

    async def __call__(self) -> str:
        self.asked += 1
        self.last = await self._tokens()
        return self.last


async def in_both_rooms(
    room: Classroom, pupil: Person, first: ServerNode, second: ServerNode
) -> list[tuple[RecordingClient, Counted, ServerNode]]:
    """The pupil in the lesson's room on ``first`` and its other room on ``second``."""
    joined = []
    rooms = (room.lesson.room_id, *room.lesson.more_rooms)
    for room_id, node in zip(rooms, (first, second), strict=True):
        tokens = Counted(room.api.token_source(room.token_node, pupil, room_id))
        joined.append((await room.clients.join(node.url, tokens), tokens, node))
    return joined


async def all_closed_for_good(
    room: Classroom, sockets: list[tuple[RecordingClient, Counted, ServerNode]]
) -> None:
    """Every socket closes, its SDK does not come back, and its token is refused."""
    await eventually(
        "the sockets on both nodes close", lambda: not any(c for c, _, _ in sockets if c.connected)
    )
    asked = [tokens.asked for _, tokens, _ in sockets]
    await asyncio.sleep(2.0)  # several reconnect delays (at most 0.5 s each)
    assert [tokens.asked for _, tokens, _ in sockets] == asked, "the SDK came knocking again"
    for _, tokens, node in sockets:
        with pytest.raises(ConnectRefused) as refused:
            await room.clients.join(node.url, fixed_token(tokens.last), reconnect=False)
        assert refused.value.code in REFUSED, node.name


async def saw_leave(host: RecordingClient, gone: RecordingClient) -> None:
    await received(host, ParticipantLeft, lambda e: e.participant_id == gone.participant_id)


async def test_disabling_a_pupil_on_a_closes_their_sockets_on_both_nodes(
    open_class: OpenClass,
) -> None:
    room = await open_class(pupils=2, meetings=2)
    a, b = room.deployment.nodes
    lesson = room.lesson
    (second_room,) = lesson.more_rooms
    hosts = [await room.join(lesson.host, a), await room.join(lesson.host, b, room=second_room)]
    pupil, other = lesson.pupils
    sockets = await in_both_rooms(room, pupil, b, a)
    classmate = await room.join(other, b)
    for client, _, _ in sockets:
        await say(client, "still here")

    status, body = await room.api.call(
        "POST",
        f"{a.url}/api/v1/pupils/{pupil.user_id}/enabled",
        headers=lesson.host.headers,
        body={"enabled": False},
    )
    assert status == 200, body
    await all_closed_for_good(room, sockets)
    for host, (gone, _, _) in zip(hosts, sockets, strict=True):
        await saw_leave(host, gone)
    assert classmate.connected
    said = await say(classmate, "carry on")
    await eventually("the host hears the classmate", lambda: heard(hosts[0], said.message_id))
    status, _ = await room.api.call(
        "POST", f"{b.url}/api/v1/rooms/{lesson.room_id}/join-token", headers=pupil.headers
    )
    assert status == 401


async def test_signing_out_on_b_closes_the_sockets_on_both_nodes(open_class: OpenClass) -> None:
    room = await open_class(pupils=2, meetings=2)
    a, b = room.deployment.nodes
    pupil, other = room.lesson.pupils
    sockets = await in_both_rooms(room, pupil, a, b)
    classmate = await room.join(other, a)

    status, body = await room.api.call("POST", f"{b.url}/api/v1/auth/logout", headers=pupil.headers)
    assert status in (200, 204), body
    await all_closed_for_good(room, sockets)
    assert classmate.connected
    for node in (a, b):
        status, _ = await room.api.call("GET", f"{node.url}/api/v1/me", headers=pupil.headers)
        assert status == 401, node.name
