"""The rooms repository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocol.api.accounts import AccountStatus
from protocol.ids import ProjectId, RoomId, UserId, new_id
from storage import Database
from storage.tables.accounts import User

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def add_user(db: Database) -> UserId:
    user_id = UserId(new_id())
    async with db.transaction("test.user") as uow:
        uow.session.add(
            User(id=user_id, kind="pupil", status=AccountStatus.ACTIVE.value, token_epoch=0,
                 created_at=T0, updated_at=T0)
        )  # fmt: skip
    return user_id


async def test_sessions_stays_and_bans(database_url: str) -> None:
    db = Database(database_url)
    try:
        user = await add_user(db)
        room, session = RoomId(new_id()), new_id()
        async with db.transaction("test") as uow:
            await uow.rooms.add_session(
                session_id=session, room_id=room, project_id=ProjectId("p"), started_at=T0
            )
            await uow.rooms.add_session(
                session_id=session, room_id=room, project_id=ProjectId("p"), started_at=T0
            )
            await uow.rooms.add_attendance(
                session_id=session, participant_id="pa", user_id=user, role="pupil",
                school_id=None, joined_at=T0,
            )  # fmt: skip
            closed = await uow.rooms.close_attendance(
                session_id=session, participant_id="pa", left_at=T0 + timedelta(minutes=5),
                reason="left",
            )  # fmt: skip
            assert closed == 1
            await uow.rooms.add_attendance(
                session_id=session, participant_id="pa", user_id=user, role="pupil",
                school_id=None, joined_at=T0 + timedelta(minutes=6),
            )  # fmt: skip
            assert await uow.rooms.close_attendance(
                session_id=session, participant_id=None, left_at=T0 + timedelta(minutes=9),
                reason="ended",
            ) == 1  # fmt: skip
            await uow.rooms.end_session(session, T0 + timedelta(minutes=9))
        async with db.transaction("test") as uow:
            (found,) = await uow.rooms.list_sessions(room)
            stays = await uow.rooms.list_attendance(session)
        assert found.ended_at == T0 + timedelta(minutes=9)
        assert [(s.leave_reason, s.left_at) for s in stays] == [
            ("left", T0 + timedelta(minutes=5)),
            ("ended", T0 + timedelta(minutes=9)),
        ]
        async with db.transaction("test") as uow:
            await uow.rooms.add_ban(
                series_id="series", room_id=room, user_id=user, banned_by=user, now=T0
            )
            await uow.rooms.add_ban(
                series_id="series", room_id=room, user_id=user, banned_by=user, now=T0
            )
            assert len(await uow.rooms.list_bans("series")) == 1
            assert await uow.rooms.find_active_ban("other", user) is None
            assert await uow.rooms.lift_ban(
                series_id="series", user_id=user, lifted_by=user, now=T0
            )
            assert not await uow.rooms.lift_ban(
                series_id="series", user_id=user, lifted_by=user, now=T0
            )
            assert await uow.rooms.find_active_ban("series", user) is None
    finally:
        await db.close()
