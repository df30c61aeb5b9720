"""Who may do what in a live room: pure rules, tested table by table.

Teacher controls belong to hosts and co-teachers, decided from the room's
current state (never from what a client says); a teacher acts only on
participants of lower rank, so a co-teacher cannot kick a host and nobody
can act on their peers. A pupil's role never changes and never carries a
teacher control, in the main room or in a breakout group.
"""

from __future__ import annotations

from protocol.api.accounts import AccountKind
from protocol.api.grants import Grants, RoomRole
from protocol.errors import Forbidden

from .model import STAFF_ROLES, Meta, Participant, Perms
from .ports import MemberRole

RANK: dict[RoomRole, int] = {
    RoomRole.HOST: 3,
    RoomRole.CO_TEACHER: 2,
    RoomRole.OBSERVER: 1,
    RoomRole.PUPIL: 0,
}

ROLES_OF_MEMBER: dict[MemberRole, frozenset[RoomRole]] = {
    MemberRole.ADMIN: frozenset({RoomRole.HOST, RoomRole.CO_TEACHER, RoomRole.OBSERVER}),
    MemberRole.TEACHER: frozenset({RoomRole.HOST, RoomRole.CO_TEACHER, RoomRole.OBSERVER}),
    MemberRole.PUPIL: frozenset({RoomRole.PUPIL}),
    MemberRole.OBSERVER: frozenset({RoomRole.OBSERVER}),
}
"""The room roles a project member may hold."""

TOKEN_ROLE_OF_MEMBER: dict[MemberRole, RoomRole] = {
    MemberRole.ADMIN: RoomRole.HOST,
    MemberRole.TEACHER: RoomRole.CO_TEACHER,
    MemberRole.PUPIL: RoomRole.PUPIL,
    MemberRole.OBSERVER: RoomRole.OBSERVER,
}
"""The role a signed-in member's join token carries."""

CEILING: dict[RoomRole, Perms] = {
    RoomRole.HOST: Perms(True, True, True, True, True),
    RoomRole.CO_TEACHER: Perms(True, True, True, True, True),
    # A teacher may let a pupil share a screen for a presentation.
    RoomRole.PUPIL: Perms(True, True, True, True, True),
    RoomRole.OBSERVER: Perms(chat=True),
}
"""The most each role may be given."""


def is_staff(role: RoomRole) -> bool:
    """Hosts and co-teachers hold the teacher controls."""
    return role in STAFF_ROLES


def member_may_hold(member_role: MemberRole, role: RoomRole, kind: AccountKind) -> bool:
    """Whether a member of this kind may be in the room with ``role``."""
    if kind is AccountKind.PUPIL and role is not RoomRole.PUPIL:
        return False
    return role in ROLES_OF_MEMBER[member_role]


def require_staff(actor: Participant) -> None:
    """Raises: Forbidden: the actor is not a host or co-teacher now."""
    if not actor.is_staff:
        raise Forbidden("only the room's teachers may do this")


def require_host(actor: Participant) -> None:
    """Raises: Forbidden: the actor is not a host now."""
    if actor.role is not RoomRole.HOST:
        raise Forbidden("only the room's hosts may do this")


def require_outranks(actor: Participant, target: Participant) -> None:
    """A teacher acts only on participants of lower rank than their own.

    Raises:
        Forbidden: The actor is no teacher, or the target ranks as high.
    """
    require_staff(actor)
    if RANK[target.role] >= RANK[actor.role]:
        raise Forbidden("teachers act only on participants of lower rank")


def cap(role: RoomRole, perms: Perms) -> Perms:
    """``perms`` within the ceiling of ``role``."""
    ceiling = CEILING[role]
    return Perms(
        speak=perms.speak and ceiling.speak,
        video=perms.video and ceiling.video,
        screen=perms.screen and ceiling.screen,
        draw=perms.draw and ceiling.draw,
        chat=perms.chat and ceiling.chat,
    )


def within_ceiling(role: RoomRole, perms: Perms) -> bool:
    return cap(role, perms) == perms


def initial_perms(role: RoomRole, grants: Grants, meta: Meta) -> Perms:
    """What a newcomer may do: their token's grants, the room's defaults, the ceiling."""
    staff = is_staff(role)
    wanted = Perms(
        speak=grants.may_publish and (staff or meta.speak_default),
        video=grants.may_publish,
        screen=grants.may_screen,
        draw=grants.may_draw,
        chat=grants.may_chat and (staff or meta.chat_default),
    )
    return cap(role, wanted)


def role_perms(role: RoomRole) -> Perms:
    """The permissions a role change resets to: the role's usual ones."""
    if is_staff(role):
        return CEILING[role]
    if role is RoomRole.PUPIL:
        return Perms(speak=True, video=True, draw=True, chat=True)
    return Perms()


def effective(participant: Participant, meta: Meta) -> Perms:
    """What the participant may do right now: the failsafe freezes pupils' chat and
    drawing whatever their permissions say."""
    if meta.teacher_absent and not participant.is_staff:
        return Perms(
            speak=participant.perms.speak,
            video=participant.perms.video,
            screen=participant.perms.screen,
        )
    return participant.perms
