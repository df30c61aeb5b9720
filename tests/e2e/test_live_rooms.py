"""Live rooms across two real nodes: fan-out, lobby, mute, kick, ban and attendance.

Two ``jumelage serve`` processes share PostgreSQL and Redis; the teacher is
on node A, pupils on A and B (the issue "Live rooms", §8). Every test has a
lesson of its own, arranged through the domain; people use the HTTP API for
tokens and reports, and ``client_sdk`` for the room, as schools do.
"""

from __future__ import annotations

from contextlib import suppress

import pytest

from client_sdk import CommandFailed, ConnectRefused
from protocol.events.lobby import (
    AdmitFromLobby,
    DenyFromLobby,
    LobbyDenied,
    LobbyKnocked,
    LobbyLeft,
)
from protocol.events.models import JoinStatus, LobbyReason
from protocol.events.rooms import (
    BanParticipant,
    KickParticipant,
    LeaveRoom,
    MuteParticipant,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRemoved,
    PermissionsChanged,
    SetPermissions,
)
from tests.e2e.lessons import (
    Classroom,
    OpenClass,
    chats,
    delivered,
    everyone_has,
    fixed_token,
    heard,
    received,
    say,
)
from tests.e2e.waiting import WAIT_S, eventually
from tests.integration.realtime.live import RecordingClient

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres, pytest.mark.timeout(240)]


async def joined(host: RecordingClient, *pupils: RecordingClient) -> None:
    """Wait until the host has seen every pupil join."""
    wanted = {p.participant_id for p in pupils}
    await eventually(
        "the host sees every pupil join",
        lambda: (
            wanted
            <= {
                e.participant.participant_id
                for e in host.record
                if isinstance(e, ParticipantJoined)
            }
        ),
    )


async def test_chat_reaches_every_member_on_both_nodes_and_no_one_else(
    open_class: OpenClass,
) -> None:
    room = await open_class(pupils=3, outsiders=1)
    elsewhere = await open_class(pupils=1)
    a, b = room.deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    members = [
        host,
        await room.join(lesson.pupils[0], a),
        await room.join(lesson.pupils[1], b),
        await room.join(lesson.pupils[2], b),
    ]
    await joined(host, *members[1:])
    # Not members: someone waiting in the lobby (on B), and the people of
    # another room (on both nodes).
    waiting = await room.knock(lesson.outsiders[0], b)
    assert waiting.status is JoinStatus.WAITING
    strangers = [
        await elsewhere.join(elsewhere.lesson.host, a),
        await elsewhere.join(elsewhere.lesson.pupils[0], b),
    ]

    accepted = [await say(host, f"from A {n}") for n in range(6)]
    accepted += [await say(members[2], f"from B {n}") for n in range(3)]
    accepted.append(await say(members[0], "from A again"))
    seqs = [ack.seq for ack in accepted if ack.seq is not None]
    assert len(seqs) == len(accepted), "every message is sequenced"
    assert seqs == sorted(set(seqs)), "seqs rise, no repeat"

    await everyone_has(members, accepted)
    # Members on both nodes saw the same sequence of room events.
    first = seqs[0] - 1
    assert members[1].seqs(first) == members[3].seqs(first) == members[0].seqs(first)
    # Everything reached the members on both nodes: anything leaking to a
    # non-member went out with it, so it would be here by now.
    sent_ids = {ack.message_id for ack in accepted}
    for outsider in (waiting, *strangers):
        assert not sent_ids & {m.message_id for m in chats(outsider)}, outsider.participant_id
    assert not chats(waiting)
    assert not delivered(waiting, ParticipantJoined, lambda _: True)
    assert all(not chats(stranger) for stranger in strangers)


async def test_the_teacher_on_a_admits_and_denies_people_waiting_on_b(
    open_class: OpenClass,
) -> None:
    room = await open_class(pupils=0, outsiders=2)
    a, b = room.deployment.nodes
    host = await room.join(room.lesson.host, a)
    first, second = room.lesson.outsiders

    guest = await room.knock(first, b)
    assert (guest.status, guest.lobby_reason) == (JoinStatus.WAITING, LobbyReason.NOT_ON_ROSTER)
    knock = await received(host, LobbyKnocked, lambda e: e.entry.user_id == first.user_id)
    assert knock.entry.user_id == first.user_id
    refused = await room.knock(second, b)
    assert refused.status is JoinStatus.WAITING
    await received(host, LobbyKnocked, lambda e: e.entry.user_id == second.user_id)

    await host.send(AdmitFromLobby(user_ids=[first.user_id]))
    await eventually("the admitted guest joins on B", lambda: guest.status is JoinStatus.JOINED)
    arrival = await received(
        host, ParticipantJoined, lambda e: e.participant.user_id == first.user_id
    )
    assert arrival.participant.participant_id == guest.participant_id
    welcome = await say(host, "welcome")
    await eventually("the admitted guest hears the host", lambda: heard(guest, welcome.message_id))

    await host.send(DenyFromLobby(user_id=second.user_id))
    await received(refused, LobbyDenied)
    await eventually("the denied socket closes", lambda: not refused.connected)
    assert refused.closed_reason == "denied"
    left = await received(host, LobbyLeft, lambda e: e.user_id == second.user_id)
    assert left.reason == "denied"
    assert not delivered(host, ParticipantJoined, lambda e: e.participant.user_id == second.user_id)
    assert not chats(refused), "the one waiting never heard the room"


async def test_mute_and_permissions_set_on_a_bind_the_pupil_on_b(open_class: OpenClass) -> None:
    room = await open_class(pupils=2)
    a, b = room.deployment.nodes
    host = await room.join(room.lesson.host, a)
    pupil = await room.join(room.lesson.pupils[0], b)
    neighbour = await room.join(room.lesson.pupils[1], a)
    await joined(host, pupil, neighbour)
    target = str(pupil.participant_id)

    def about_pupil(event: PermissionsChanged) -> bool:
        return event.participant_id == target

    await host.send(MuteParticipant(participant_id=target))
    muted = await pupil.next(PermissionsChanged, where=about_pupil, timeout_s=WAIT_S)
    assert (muted.reason, muted.permissions.may_speak) == ("muted", False)
    told = await received(neighbour, PermissionsChanged, about_pupil)
    assert (told.reason, told.permissions.may_speak) == ("muted", False)

    await host.send(SetPermissions(participant_id=target, may_chat=False))
    silenced = await pupil.next(PermissionsChanged, where=about_pupil, timeout_s=WAIT_S)
    assert silenced.permissions.may_chat is False
    with pytest.raises(CommandFailed) as refused:
        await say(pupil, "may I?")
    assert refused.value.code == "forbidden"

    await host.send(SetPermissions(participant_id=target, may_chat=True))
    allowed_again = await pupil.next(PermissionsChanged, where=about_pupil, timeout_s=WAIT_S)
    assert allowed_again.permissions.may_chat is True
    assert allowed_again.permissions.may_speak is False, "still muted"
    allowed = await say(pupil, "thank you")
    await eventually("the host hears the pupil", lambda: heard(host, allowed.message_id))
    assert [m.text for m in chats(host)] == ["thank you"], "the refused message went nowhere"
    assert [m.text for m in chats(neighbour)] == ["thank you"]


async def test_kick_and_ban_on_a_remove_the_pupil_on_b_and_hold(open_class: OpenClass) -> None:
    room = await open_class(pupils=3)
    a, b = room.deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    kicked = await room.join(lesson.pupils[0], b)
    banned_token = await room.api.join_token(a.url, lesson.pupils[1], lesson.room_id)
    banned = await room.clients.join(b.url, fixed_token(banned_token))
    bystander = await room.join(lesson.pupils[2], a)
    await joined(host, kicked, banned, bystander)

    # Kick: out at once, and back only through the lobby.
    await host.send(KickParticipant(participant_id=str(kicked.participant_id)))
    assert (await received(kicked, ParticipantRemoved)).reason == "kicked"
    await eventually("the kicked socket closes", lambda: not kicked.connected)
    assert kicked.closed_reason == "kicked"
    back = await room.join(lesson.pupils[0], b)
    assert (back.status, back.lobby_reason) == (JoinStatus.WAITING, LobbyReason.KICKED)
    after = await say(host, "after the kick")
    await eventually("the bystander hears the host", lambda: heard(bystander, after.message_id))
    assert not heard(kicked, after.message_id)
    assert not heard(back, after.message_id), "waiting in the lobby, not in the room"

    # Ban: out at once, and not back with the same token, a new one, or one
    # the school's tool mints, on either node, until the ban is lifted.
    await host.send(BanParticipant(participant_id=str(banned.participant_id)))
    removal = await received(
        banned, ParticipantRemoved, lambda e: e.participant_id == banned.participant_id
    )
    assert removal.reason == "banned"
    await eventually("the banned socket closes", lambda: not banned.connected)
    assert banned.closed_reason == "banned"
    minted = await room.api.minted_token(a.url, lesson, lesson.pupils[1])
    for node in (b, a):
        attempts = {
            "same token": fixed_token(banned_token),
            "new token": room.api.token_source(a.url, lesson.pupils[1], lesson.room_id),
            "minted token": fixed_token(minted),
        }
        for how, tokens in attempts.items():
            with pytest.raises(ConnectRefused) as refused:
                await room.clients.join(node.url, tokens, reconnect=False)
            assert refused.value.code == "banned", (node.name, how)
    later = await say(host, "after the ban")
    await eventually("the bystander hears the host", lambda: heard(bystander, later.message_id))
    assert not heard(banned, later.message_id)

    status, _ = await room.api.call(
        "DELETE",
        f"{b.url}/api/v1/rooms/{lesson.room_id}/bans/{lesson.pupils[1].user_id}",
        headers=lesson.host.headers,
    )
    assert status == 204
    forgiven = await room.join(lesson.pupils[1], a)
    assert (forgiven.status, forgiven.lobby_reason) == (JoinStatus.WAITING, LobbyReason.KICKED)


async def test_attendance_records_joins_and_leaves_on_both_nodes(open_class: OpenClass) -> None:
    room = await open_class(pupils=2)
    a, b = room.deployment.nodes
    lesson = room.lesson
    host = await room.join(lesson.host, a)
    on_a = await room.join(lesson.pupils[0], a)
    on_b = await room.join(lesson.pupils[1], b)
    await joined(host, on_a, on_b)
    await on_b.send(LeaveRoom())
    await on_a.close()
    gone = {on_a.participant_id, on_b.participant_id}
    await eventually(
        "the host sees both pupils leave",
        lambda: gone <= {e.participant_id for e in host.record if isinstance(e, ParticipantLeft)},
    )
    again = await room.join(lesson.pupils[1], a)
    assert again.participant_id == on_b.participant_id

    expected = sorted(
        [
            (lesson.host.user_id, False, None),
            (lesson.pupils[0].user_id, True, "disconnected"),
            (lesson.pupils[1].user_id, True, "left"),
            (lesson.pupils[1].user_id, False, None),
        ]
    )
    # A stay is written just after the room changed: poll the report (on B).
    stays: list[tuple[str, bool, str | None]] = []

    async def reported() -> bool:
        stays[:] = await attendance(room)
        return stays == expected

    with suppress(AssertionError):
        await eventually("the attendance report", reported)
    assert stays == expected


async def attendance(room: Classroom) -> list[tuple[str, bool, str | None]]:
    """The session's stays, from the HTTP report on node B, as (user, left, reason)."""
    lesson, b = room.lesson, room.deployment.b
    reports = f"{b.url}/api/v1/rooms/{lesson.room_id}/sessions"
    status, listed = await room.api.call("GET", reports, headers=lesson.host.headers)
    assert status == 200, listed
    (session,) = listed["sessions"]
    status, report = await room.api.call(
        "GET", f"{reports}/{session['session_id']}/attendance", headers=lesson.host.headers
    )
    assert status == 200, report
    return sorted(
        (line["user_id"], line["left_at"] is not None, line["leave_reason"])
        for line in report["lines"]
    )
