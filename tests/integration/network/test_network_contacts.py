"""Contacts between teachers: the rules of the domain service, on both databases."""

from __future__ import annotations

import pytest

from protocol import ErrorCode
from protocol.api.network import ContactList, ContactStatus
from protocol.errors import CodedError
from tests.support import World

DAY_S = 24 * 3600


def contacts(world: World):
    return world.services.network.contacts


async def pair(world: World):
    return await world.teacher(country="FR"), await world.teacher(country="DE")


async def test_request_then_accept_makes_contacts_both_ways(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    sent = await service.request(alice.principal, bruno.user_id)
    assert sent.contact.status is ContactStatus.PENDING
    assert sent.other.user_id == bruno.user_id
    assert not await service.are_contacts(alice.user_id, bruno.user_id)

    accepted = await service.accept(bruno.principal, alice.user_id)

    assert accepted.contact.status is ContactStatus.ACCEPTED
    assert await service.are_contacts(alice.user_id, bruno.user_id)
    assert await service.are_contacts(bruno.user_id, alice.user_id)
    mine = await service.list_contacts(alice.principal)
    assert [e.other.user_id for e in mine.items] == [bruno.user_id]
    theirs = await service.list_contacts(bruno.principal)
    assert [e.other.user_id for e in theirs.items] == [alice.user_id]


async def test_lists_separate_incoming_and_outgoing_requests(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    outgoing = await service.list_contacts(alice.principal, ContactList.OUTGOING)
    incoming = await service.list_contacts(bruno.principal, ContactList.INCOMING)
    assert [e.other.user_id for e in outgoing.items] == [bruno.user_id]
    assert [e.other.user_id for e in incoming.items] == [alice.user_id]
    assert (await service.list_contacts(alice.principal, ContactList.INCOMING)).items == ()
    assert (await service.list_contacts(alice.principal)).items == ()


async def expect_code(code: ErrorCode, awaitable) -> CodedError:
    with pytest.raises(CodedError) as caught:
        await awaitable
    assert caught.value.code is code
    return caught.value


async def test_contact_with_oneself_is_refused(world: World):
    alice = await world.teacher()
    await expect_code(
        ErrorCode.CONTACT_SELF, contacts(world).request(alice.principal, alice.user_id)
    )
    assert (await contacts(world).list_contacts(alice.principal, ContactList.OUTGOING)).items == ()


async def test_duplicate_request_is_refused_in_either_direction(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)

    same = await expect_code(
        ErrorCode.CONTACT_EXISTS, service.request(alice.principal, bruno.user_id)
    )
    reverse = await expect_code(
        ErrorCode.CONTACT_EXISTS, service.request(bruno.principal, alice.user_id)
    )

    assert same.details == {"status": "pending", "is_incoming": False}
    assert reverse.details == {"status": "pending", "is_incoming": True}
    outgoing = await service.list_contacts(bruno.principal, ContactList.OUTGOING)
    assert outgoing.items == ()


async def test_request_to_contacts_already_is_refused(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.accept(bruno.principal, alice.user_id)
    error = await expect_code(
        ErrorCode.CONTACT_EXISTS, service.request(bruno.principal, alice.user_id)
    )
    assert error.details["status"] == "accepted"


async def test_requester_cannot_accept_own_request(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)

    await expect_code(ErrorCode.FORBIDDEN, service.accept(alice.principal, bruno.user_id))
    await expect_code(ErrorCode.FORBIDDEN, service.decline(alice.principal, bruno.user_id))

    assert not await service.are_contacts(alice.user_id, bruno.user_id)
    waiting = await service.list_contacts(bruno.principal, ContactList.INCOMING)
    assert [e.contact.status for e in waiting.items] == [ContactStatus.PENDING]


async def test_answering_twice_is_an_invalid_transition(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.decline(bruno.principal, alice.user_id)
    await expect_code(ErrorCode.INVALID_TRANSITION, service.accept(bruno.principal, alice.user_id))
    assert not await service.are_contacts(alice.user_id, bruno.user_id)


async def test_accepting_without_a_request_is_not_found(world: World):
    alice, bruno = await pair(world)
    await expect_code(ErrorCode.NOT_FOUND, contacts(world).accept(bruno.principal, alice.user_id))


async def test_declined_requester_waits_for_the_cooldown(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.decline(bruno.principal, alice.user_id)

    world.clock.advance(29 * DAY_S)
    error = await expect_code(
        ErrorCode.CONTACT_COOLDOWN, service.request(alice.principal, bruno.user_id)
    )
    assert 0 < error.details["retry_after_s"] <= DAY_S + 1
    assert (await service.list_contacts(bruno.principal, ContactList.INCOMING)).items == ()

    world.clock.advance(DAY_S + 1)
    again = await service.request(alice.principal, bruno.user_id)
    assert again.contact.status is ContactStatus.PENDING
    assert again.contact.requester_id == alice.user_id


async def test_teacher_who_declined_may_ask_at_once(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.decline(bruno.principal, alice.user_id)

    renewed = await service.request(bruno.principal, alice.user_id)

    assert renewed.contact.requester_id == bruno.user_id
    await service.accept(alice.principal, bruno.user_id)
    assert await service.are_contacts(alice.user_id, bruno.user_id)


async def test_remove_ends_a_contact_and_withdraws_a_request(world: World):
    alice, bruno = await pair(world)
    carla = await world.teacher(country="IT")
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.accept(bruno.principal, alice.user_id)
    await service.request(alice.principal, carla.user_id)

    await service.remove(bruno.principal, alice.user_id)
    await service.remove(alice.principal, carla.user_id)

    assert not await service.are_contacts(alice.user_id, bruno.user_id)
    assert (await service.list_contacts(carla.principal, ContactList.INCOMING)).items == ()


async def test_addressee_cannot_remove_a_waiting_request(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await expect_code(ErrorCode.INVALID_TRANSITION, service.remove(bruno.principal, alice.user_id))
    assert len((await service.list_contacts(bruno.principal, ContactList.INCOMING)).items) == 1


async def test_declined_request_cannot_be_removed_to_skip_the_cooldown(world: World):
    alice, bruno = await pair(world)
    service = contacts(world)
    await service.request(alice.principal, bruno.user_id)
    await service.decline(bruno.principal, alice.user_id)
    await expect_code(ErrorCode.NOT_FOUND, service.remove(alice.principal, bruno.user_id))
    await expect_code(ErrorCode.CONTACT_COOLDOWN, service.request(alice.principal, bruno.user_id))


async def test_only_validated_teachers_take_part(world: World):
    alice = await world.teacher()
    pending = await world.teacher(validated=False)
    pupil = await world.pupil(alice)
    service = contacts(world)

    await expect_code(ErrorCode.NOT_FOUND, service.request(alice.principal, pending.user_id))
    await expect_code(ErrorCode.NOT_FOUND, service.request(alice.principal, pupil.user_id))
    await expect_code(
        ErrorCode.ACCOUNT_NOT_ACTIVE, service.request(pending.principal, alice.user_id)
    )
    await expect_code(ErrorCode.FORBIDDEN, service.request(pupil.principal, alice.user_id))
    await expect_code(ErrorCode.FORBIDDEN, service.list_contacts(pupil.principal))
    assert (await service.list_contacts(alice.principal, ContactList.OUTGOING)).items == ()


async def test_contact_lists_page_without_gaps(world: World):
    alice = await world.teacher()
    service = contacts(world)
    others = [await world.teacher(country="ES") for _ in range(5)]
    for other in others:
        await service.request(other.principal, alice.user_id)
        world.clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        page = await service.list_contacts(
            alice.principal, ContactList.INCOMING, cursor=cursor, limit=2
        )
        seen.extend(e.other.user_id for e in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [o.user_id for o in reversed(others)]


async def test_are_contacts_of_oneself_is_false(world: World):
    alice = await world.teacher()
    assert not await contacts(world).are_contacts(alice.user_id, alice.user_id)
