"""Revoked accounts lose their sockets: at once through the cluster bus, and
through the periodic re-check when that message was lost."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import CommandFailed, NotConnected
from protocol.events.hands import RaiseHand
from protocol.events.rooms import LockRoom
from protocol.ids import UserId
from tests.integration.realtime.live import Live, until


async def test_signing_out_closes_the_accounts_sockets(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil, reconnect=False)
    response = await live.http.post("/api/v1/auth/logout", headers=pupil.headers)
    assert response.status == 204
    await until(lambda: not kid.connected)
    # The app learns why, and whoever waits for a join is told at once.
    assert kid.closed_reason == "server_closed"
    with pytest.raises(NotConnected):
        await kid.wait_joined(timeout_s=1.0)


async def test_a_disabled_pupil_is_disconnected(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil)  # reconnecting by itself after a lost link
    response = await live.http.post(
        f"/api/v1/pupils/{pupil.user_id}/enabled", json={"enabled": False}, headers=teacher.headers
    )
    assert response.status == 200, await response.text()
    await until(lambda: not kid.connected)
    assert kid.closed_reason == "server_closed"
    with pytest.raises(NotConnected):
        await kid.wait_joined(timeout_s=1.0)
    assert kid.joins == 1, "a closed session is not reopened"


async def test_a_lost_revocation_is_caught_by_the_periodic_check(live: Live) -> None:
    teacher = await live.teacher()
    await live.join(teacher)
    pupil = await live.pupil(teacher)
    kid = await live.join(pupil, reconnect=False)
    # Revoke in the database only, as if the bus message had been lost.
    async with live.services.db.transaction("test.revoke_quietly") as uow:
        await live.services.accounts.sessions.revoke_all(uow, UserId(pupil.user_id))
    await kid.send(RaiseHand())
    live.world.clock.advance(live.services.settings.realtime.revalidate_every_s)
    with pytest.raises(CommandFailed) as refused:
        await kid.send(RaiseHand())
    assert refused.value.code == "token_revoked"
    await until(lambda: not kid.connected)


async def test_teacher_commands_recheck_the_account_every_time(live: Live) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher, reconnect=False)
    async with live.services.db.transaction("test.revoke_quietly") as uow:
        await live.services.accounts.sessions.revoke_all(uow, UserId(teacher.user_id))
    with pytest.raises(CommandFailed) as refused:
        await host.send(LockRoom(locked=True))
    assert refused.value.code == "token_revoked"
    view = await live.services.rooms.kernel.view(live.room)
    assert not view.meta.is_locked


async def test_the_periodic_check_reads_the_due_accounts_at_once(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = await live.teacher()
    host = await live.join(teacher, reconnect=False)
    pupils = [await live.pupil(teacher) for _ in range(3)]
    kids = [await live.join(pupil, reconnect=False) for pupil in pupils]
    async with live.services.db.transaction("test.revoke_quietly") as uow:
        await live.services.accounts.sessions.revoke_all(uow, UserId(pupils[0].user_id))
    live.world.clock.advance(live.services.settings.realtime.revalidate_every_s)
    db = live.services.db
    names: list[str] = []
    transaction = db.transaction

    def recording(name: str) -> Any:
        if name.startswith("realtime."):
            names.append(name)
        return transaction(name)

    monkeypatch.setattr(db, "transaction", recording)
    await live.realtime._sweep()
    assert names == ["realtime.account_epochs"]
    await until(lambda: not kids[0].connected)
    assert host.connected and all(kid.connected for kid in kids[1:])
    # Checked now: the next sweep has nothing to read.
    await live.realtime._sweep()
    assert names == ["realtime.account_epochs"]
