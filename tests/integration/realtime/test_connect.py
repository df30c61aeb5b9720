"""Connecting: the token, its state and the project membership are checked first.

Every refusal is a Socket.IO ``connect_error`` with the stable code; nothing
of the room changes.
"""

from __future__ import annotations

import aiohttp
import pytest

from client_sdk import ConnectRefused, RealtimeClient
from protocol.api.grants import Grants, RoomRole
from protocol.ids import RoomId, UserId, new_id
from rooms import MemberRole
from server.realtime.accounts import AccountEpochs
from tests.integration.realtime.live import Live
from tests.support import Actor


async def mint(live: Live, actor: Actor, room: RoomId, role: RoomRole = RoomRole.PUPIL) -> str:
    """A join token as a school's tool would mint it (no membership check yet)."""
    epoch = await AccountEpochs(live.services.db).current(UserId(actor.user_id))
    assert epoch is not None
    token, _ = live.services.accounts.signer.issue_join(
        user_id=actor.user_id,
        room_id=room,
        role=role,
        grants=Grants(may_chat=True),
        epoch=epoch,
        ttl_s=600,
        minted_by="api_key:test",
    )
    return token


async def refused(live: Live, token: str | None, url: str | None = None) -> str:
    client = RealtimeClient(url or live.url, token or "", reconnect=False, timeout_s=5)
    with pytest.raises(ConnectRefused) as caught:
        await client.connect()
    await client.close()
    return caught.value.code


async def room_version(live: Live) -> int:
    return (await live.services.cluster.room_state.load(live.room)).version


async def test_no_token_or_a_forged_one_is_refused(live: Live) -> None:
    assert await refused(live, None) == "unauthenticated"
    assert await refused(live, "not.a.jwt") == "token_invalid"
    assert await room_version(live) == 0


async def test_a_token_in_the_url_is_ignored(live: Live) -> None:
    teacher = await live.teacher()
    token = await live.token(teacher)
    assert await refused(live, None, url=f"{live.url}/?token={token}") == "unauthenticated"


async def test_an_expired_token_is_refused(live: Live) -> None:
    teacher = await live.teacher()
    token = await live.token(teacher)
    live.world.clock.advance(live.services.settings.accounts.join_token_max_ttl_s + 1)
    assert await refused(live, token) == "token_expired"


async def test_a_token_revoked_by_signing_out_is_refused(live: Live) -> None:
    teacher = await live.teacher()
    token = await live.token(teacher)
    response = await live.http.post("/api/v1/auth/logout", headers=teacher.headers)
    assert response.status == 204
    assert await refused(live, token) == "token_revoked"


async def test_not_a_member_and_no_such_room_get_the_same_answer(live: Live) -> None:
    teacher = await live.teacher()
    outsider = await live.world.pupil(teacher)
    assert await refused(live, await mint(live, outsider, live.room)) == "not_found"
    assert await refused(live, await mint(live, outsider, RoomId(new_id()))) == "not_found"
    assert await room_version(live) == 0


async def test_a_pupil_token_cannot_claim_a_teacher_role(live: Live) -> None:
    teacher = await live.teacher()
    pupil = await live.pupil(teacher)
    assert await refused(live, await mint(live, pupil, live.room, RoomRole.HOST)) == "forbidden"


async def test_an_observer_member_cannot_come_as_host(live: Live) -> None:
    observer = await live.member(await live.world.teacher(), MemberRole.OBSERVER)
    token = await mint(live, observer, live.room, RoomRole.HOST)
    assert await refused(live, token) == "forbidden"


async def test_a_handshake_from_a_foreign_origin_is_refused(live: Live) -> None:
    url = f"{live.url}/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(url, headers={"Origin": "https://evil.example"})
        assert caught.value.status == 400
        async with session.ws_connect(url) as socket:
            opened = await socket.receive_str()
            assert opened.startswith("0{")


async def test_long_polling_is_not_offered(live: Live) -> None:
    response = await live.http.get("/socket.io/?EIO=4&transport=polling")
    assert response.status == 400
