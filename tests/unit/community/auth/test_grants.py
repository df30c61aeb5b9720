"""Room roles by account kind, and grants capped by each role's ceiling."""

from __future__ import annotations

import itertools

import pytest

from community.auth.grants import DEFAULT_GRANTS, GRANT_CEILING, cap_grants, may_take_role
from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole

K, R = AccountKind, RoomRole
GRANT_NAMES = tuple(Grants.model_fields)

# Every (kind, role) pair; True where the account may take the role.
ROLE_TABLE = {
    (K.TEACHER, R.HOST): True,
    (K.TEACHER, R.CO_TEACHER): True,
    (K.TEACHER, R.PUPIL): False,
    (K.TEACHER, R.OBSERVER): True,
    (K.PUPIL, R.HOST): False,
    (K.PUPIL, R.CO_TEACHER): False,
    (K.PUPIL, R.PUPIL): True,
    (K.PUPIL, R.OBSERVER): False,
    (K.NSO_ADMIN, R.HOST): False,
    (K.NSO_ADMIN, R.CO_TEACHER): False,
    (K.NSO_ADMIN, R.PUPIL): False,
    (K.NSO_ADMIN, R.OBSERVER): True,
    (K.PLATFORM_ADMIN, R.HOST): False,
    (K.PLATFORM_ADMIN, R.CO_TEACHER): False,
    (K.PLATFORM_ADMIN, R.PUPIL): False,
    (K.PLATFORM_ADMIN, R.OBSERVER): True,
}


def test_the_role_table_covers_every_pair():
    assert set(ROLE_TABLE) == set(itertools.product(AccountKind, RoomRole))


@pytest.mark.parametrize(("kind", "role"), list(ROLE_TABLE))
def test_may_take_role(kind: AccountKind, role: RoomRole):
    assert may_take_role(kind, role) is ROLE_TABLE[(kind, role)]


def every_grants() -> list[Grants]:
    """All 32 combinations of the five grants."""
    return [
        Grants(**dict(zip(GRANT_NAMES, flags, strict=True)))
        for flags in itertools.product([False, True], repeat=len(GRANT_NAMES))
    ]


def within(inner: Grants, outer: Grants) -> bool:
    return all(getattr(outer, name) or not getattr(inner, name) for name in GRANT_NAMES)


@pytest.mark.parametrize("role", list(RoomRole))
def test_capped_grants_never_exceed_the_ceiling_nor_the_request(role: RoomRole):
    for requested in every_grants():
        capped = cap_grants(role, requested)
        assert within(capped, GRANT_CEILING[role]), (role, requested)
        assert within(capped, requested), (role, requested)
        # Whatever is both asked for and allowed is kept.
        for name in GRANT_NAMES:
            if getattr(requested, name) and getattr(GRANT_CEILING[role], name):
                assert getattr(capped, name), (role, requested, name)


@pytest.mark.parametrize("role", list(RoomRole))
def test_none_gives_the_default_which_is_within_the_ceiling(role: RoomRole):
    assert cap_grants(role, None) == DEFAULT_GRANTS[role]
    assert within(DEFAULT_GRANTS[role], GRANT_CEILING[role])


EVERYTHING = Grants(
    may_publish=True, may_screen=True, may_draw=True, may_chat=True, may_moderate=True
)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (R.HOST, EVERYTHING),
        (R.CO_TEACHER, EVERYTHING),
        (R.PUPIL, Grants(may_publish=True, may_screen=True, may_draw=True, may_chat=True)),
        (R.OBSERVER, Grants(may_chat=True)),
    ],
)
def test_asking_for_everything_gives_the_ceiling(role: RoomRole, expected: Grants):
    assert cap_grants(role, EVERYTHING) == expected


def test_a_pupil_never_moderates():
    assert not any(cap_grants(R.PUPIL, g).may_moderate for g in every_grants())
    assert cap_grants(R.PUPIL, None).may_moderate is False


def test_an_observer_may_only_chat():
    for requested in every_grants():
        capped = cap_grants(R.OBSERVER, requested)
        assert capped.model_dump() == {
            **dict.fromkeys(GRANT_NAMES, False),
            "may_chat": requested.may_chat,
        }
    assert cap_grants(R.OBSERVER, None) == Grants()


def test_a_pupil_shares_a_screen_only_when_asked():
    assert cap_grants(R.PUPIL, None).may_screen is False
    assert cap_grants(R.PUPIL, Grants(may_screen=True)) == Grants(may_screen=True)
