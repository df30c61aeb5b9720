"""Which room roles an account may take, and which grants each role may hold.

A role has a default set of grants and a ceiling: a token may ask for less
than the ceiling, never more. A pupil's ceiling never includes moderation,
whatever a school's tool asks for.
"""

from __future__ import annotations

from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole

ALL = Grants(may_publish=True, may_screen=True, may_draw=True, may_chat=True, may_moderate=True)

DEFAULT_GRANTS: dict[RoomRole, Grants] = {
    RoomRole.HOST: ALL,
    RoomRole.CO_TEACHER: ALL,
    RoomRole.PUPIL: Grants(may_publish=True, may_draw=True, may_chat=True),
    RoomRole.OBSERVER: Grants(),
}

GRANT_CEILING: dict[RoomRole, Grants] = {
    RoomRole.HOST: ALL,
    RoomRole.CO_TEACHER: ALL,
    # A teacher may let a pupil share a screen for a presentation.
    RoomRole.PUPIL: Grants(may_publish=True, may_screen=True, may_draw=True, may_chat=True),
    RoomRole.OBSERVER: Grants(may_chat=True),
}

ROLES_BY_KIND: dict[AccountKind, frozenset[RoomRole]] = {
    AccountKind.TEACHER: frozenset({RoomRole.HOST, RoomRole.CO_TEACHER, RoomRole.OBSERVER}),
    AccountKind.PUPIL: frozenset({RoomRole.PUPIL}),
    AccountKind.NSO_ADMIN: frozenset({RoomRole.OBSERVER}),
    AccountKind.PLATFORM_ADMIN: frozenset({RoomRole.OBSERVER}),
}


def may_take_role(kind: AccountKind, role: RoomRole) -> bool:
    """Whether an account of this kind may join a room in this role."""
    return role in ROLES_BY_KIND[kind]


def cap_grants(role: RoomRole, requested: Grants | None) -> Grants:
    """The grants a token for ``role`` carries: the request, within the ceiling.

    Args:
        role: The room role.
        requested: What the caller asks for; None means the role's default.
    """
    wanted = DEFAULT_GRANTS[role] if requested is None else requested
    ceiling = GRANT_CEILING[role]
    return Grants(
        may_publish=wanted.may_publish and ceiling.may_publish,
        may_screen=wanted.may_screen and ceiling.may_screen,
        may_draw=wanted.may_draw and ceiling.may_draw,
        may_chat=wanted.may_chat and ceiling.may_chat,
        may_moderate=wanted.may_moderate and ceiling.may_moderate,
    )
