"""Kicks and bans: gone everywhere at once, and a ban that holds."""

from __future__ import annotations

import pytest

from protocol.errors import ErrorCode, NotFound
from protocol.events.models import LobbyReason
from rooms.errors import Banned
from tests.unit.rooms.harness import Rooms


async def test_a_kick_evicts_the_pupil_and_sends_them_to_the_lobby_next_time(
    rooms: Rooms,
) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.pupil()
    actor = await rooms.join(pupil)
    await rooms.services.hands.raise_hand(actor)
    rooms.events()
    await rooms.services.removal.kick(host, actor.participant_id)
    lowered, removed = rooms.events()
    assert lowered.name == "hand.lowered"
    assert (removed.name, removed.data["reason"]) == ("participant.removed", "kicked")
    assert removed.effects == [{"op": "evict", "user": pupil.user_id}]
    assert await rooms.participant(actor) is None
    outcome, _ = await rooms.knock(pupil)
    assert outcome.lobby_reason is LobbyReason.KICKED
    await rooms.services.lobby.admit(host, [pupil.user_id])
    back, _ = await rooms.knock(pupil)
    assert back.participant is not None
    assert back.participant.participant_id != actor.participant_id


async def test_a_ban_holds_against_any_token_until_lifted(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.pupil()
    actor = await rooms.join(pupil)
    await rooms.services.removal.ban(host, actor.participant_id)
    (removed,) = rooms.events()[-1:]
    assert removed.data["reason"] == "banned"
    for _ in range(2):
        with pytest.raises(Banned) as refused:
            await rooms.knock(pupil)
        assert refused.value.code is ErrorCode.BANNED
    await rooms.services.removal.lift_ban(host, pupil.user_id)
    assert rooms.events()[-1].name == "ban.lifted"
    outcome, _ = await rooms.knock(pupil)
    assert outcome.lobby_reason is LobbyReason.KICKED


async def test_a_ban_outlives_the_session(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.pupil()
    await rooms.services.removal.ban(host, (await rooms.join(pupil)).participant_id)
    await rooms.services.sessions.end(host)
    await rooms.join(await rooms.teacher())
    with pytest.raises(Banned):
        await rooms.knock(pupil)


async def test_lifting_a_ban_that_does_not_exist_is_not_found(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    pupil = await rooms.pupil()
    with pytest.raises(NotFound):
        await rooms.services.removal.lift_ban(host, pupil.user_id)


async def test_kicking_someone_unknown_changes_nothing(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    before = await rooms.store.load(rooms.room)
    with pytest.raises(NotFound):
        await rooms.services.removal.kick(host, "nobody")
    assert await rooms.store.load(rooms.room) == before


async def test_attendance_records_the_kick(rooms: Rooms) -> None:
    host = await rooms.join(await rooms.teacher())
    actor = await rooms.join(await rooms.pupil())
    await rooms.services.removal.kick(host, actor.participant_id)
    view = await rooms.services.kernel.view(rooms.room)
    async with rooms.db.transaction("test") as uow:
        stays = await uow.rooms.list_attendance(view.meta.session_id)
    kicked = [s for s in stays if s.participant_id == actor.participant_id]
    assert [(s.leave_reason, s.left_at is not None) for s in kicked] == [("kicked", True)]
