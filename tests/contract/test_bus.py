"""Contract of ``cluster.ports.Bus``: the same tests for every implementation.

Two nodes, ``a`` and ``b``: two ``InMemoryBus`` on one hub, or two ``RedisBus``
with their own clients. Redis delivery is asynchronous, so every wait for a
message is bounded; "nothing else arrived" is proven without sleeping by
sending a marker afterwards from another node and checking it comes next.
"""

from __future__ import annotations

import asyncio

import pytest

from cluster import Ping, UserSessionsRevoked, encode_message
from cluster.ports import Subscription
from protocol.ids import NodeId, UserId

from .conftest import NODE_A, NODE_B, TwoNodes

PING = "cluster.ping"
REVOKED = "user.sessions_revoked"
WAIT_S = 5.0


async def next_message(sub: Subscription) -> object:
    async with asyncio.timeout(WAIT_S):
        return await anext(sub)


def ping(origin: NodeId, nonce: str) -> Ping:
    return Ping(origin=origin, nonce=nonce)


async def test_publisher_node_subscribers_receive_the_message(nodes: TwoNodes) -> None:
    async with nodes.a.subscribe({PING}) as sub:
        await nodes.a.publish(ping(NODE_A, "1"))
        assert await next_message(sub) == ping(NODE_A, "1")


async def test_other_node_subscribers_receive_the_message(nodes: TwoNodes) -> None:
    revoked = UserSessionsRevoked(origin=NODE_A, user_id=UserId("user-1"))
    async with nodes.b.subscribe({REVOKED}) as sub:
        await nodes.a.publish(revoked)
        received = await next_message(sub)
    assert received == revoked
    assert isinstance(received, UserSessionsRevoked)
    assert received.user_id == "user-1"


async def test_subscribers_get_only_their_kinds(nodes: TwoNodes) -> None:
    async with nodes.a.subscribe({PING}) as local, nodes.b.subscribe({PING}) as remote:
        await nodes.a.publish(UserSessionsRevoked(origin=NODE_A, user_id=UserId("u")))
        await nodes.a.publish(ping(NODE_A, "after"))
        assert await next_message(local) == ping(NODE_A, "after")
        assert await next_message(remote) == ping(NODE_A, "after")


async def test_subscription_to_several_kinds_gets_each(nodes: TwoNodes) -> None:
    revoked = UserSessionsRevoked(origin=NODE_A, user_id=UserId("u"))
    async with nodes.b.subscribe([PING, REVOKED]) as sub:
        await nodes.a.publish(revoked)
        await nodes.a.publish(ping(NODE_A, "x"))
        assert [await next_message(sub), await next_message(sub)] == [
            revoked,
            ping(NODE_A, "x"),
        ]


async def test_origin_node_receives_its_own_message_once(nodes: TwoNodes) -> None:
    async with nodes.a.subscribe({PING}) as sub:
        await nodes.a.publish(ping(NODE_A, "own"))
        # b's marker is published after a's message reached the wire, so an echo
        # of "own" would arrive before it.
        await nodes.b.publish(ping(NODE_B, "marker"))
        assert await next_message(sub) == ping(NODE_A, "own")
        assert await next_message(sub) == ping(NODE_B, "marker")


async def test_two_nodes_each_with_subscribers_see_every_message(
    nodes: TwoNodes,
) -> None:
    async with (
        nodes.a.subscribe({PING}) as a1,
        nodes.a.subscribe({PING}) as a2,
        nodes.b.subscribe({PING}) as b1,
    ):
        await nodes.a.publish(ping(NODE_A, "from-a"))
        await nodes.b.publish(ping(NODE_B, "from-b"))
        for sub in (a1, a2, b1):
            got = {await next_message(sub), await next_message(sub)}
            assert got == {ping(NODE_A, "from-a"), ping(NODE_B, "from-b")}


async def test_leaving_the_subscription_stops_delivery(nodes: TwoNodes) -> None:
    async with nodes.b.subscribe({PING}) as staying:
        async with nodes.b.subscribe({PING}) as leaving:
            pass
        async with nodes.a.subscribe({PING}) as local_leaving:
            pass
        await nodes.a.publish(ping(NODE_A, "late"))
        assert await next_message(staying) == ping(NODE_A, "late")
    assert leaving.pending == 0
    assert local_leaving.pending == 0
    assert [m async for m in leaving] == []


async def test_messages_of_one_publisher_arrive_in_order(nodes: TwoNodes) -> None:
    sent = [ping(NODE_A, str(i)) for i in range(200)]
    async with nodes.b.subscribe({PING}) as remote, nodes.a.subscribe({PING}) as local:
        for message in sent[:100]:
            await nodes.a.publish(message)
        # Concurrent publishers on one node keep their call order too.
        await asyncio.gather(*(nodes.a.publish(message) for message in sent[100:]))
        assert [await next_message(remote) for _ in sent] == sent
        assert [await next_message(local) for _ in sent] == sent


async def test_bad_payloads_on_the_wire_are_skipped(nodes: TwoNodes) -> None:
    good = ping(NodeId("node-c"), "good")
    async with nodes.a.subscribe({PING}) as on_a, nodes.b.subscribe({PING}) as on_b:
        await nodes.inject_raw(b"not json")
        await nodes.inject_raw(b'{"kind": "no.such_kind", "origin": "node-c"}')
        await nodes.inject_raw(b'{"kind": "cluster.ping", "origin": "node-c"}')
        await nodes.inject_raw(encode_message(good))
        assert await next_message(on_a) == good
        assert await next_message(on_b) == good
    assert nodes.a.bad_messages == 3
    assert nodes.b.bad_messages == 3


async def test_a_payload_from_the_wire_with_own_origin_is_dropped(
    nodes: TwoNodes,
) -> None:
    async with nodes.a.subscribe({PING}) as sub:
        await nodes.inject_raw(encode_message(ping(NODE_A, "echo")))
        await nodes.b.publish(ping(NODE_B, "marker"))
        assert await next_message(sub) == ping(NODE_B, "marker")


async def test_publishing_for_another_node_is_refused(nodes: TwoNodes) -> None:
    with pytest.raises(ValueError, match="origin"):
        await nodes.a.publish(ping(NODE_B, "forged"))


@pytest.mark.parametrize("kinds", [set(), {"no.such_kind"}, "cluster.ping"])
async def test_subscribing_to_unknown_or_no_kinds_is_refused(
    nodes: TwoNodes, kinds: set[str] | str
) -> None:
    with pytest.raises(ValueError):
        nodes.a.subscribe(kinds)
