"""Teacher controls over the room and its participants: lock, lobby mode,
mute, mute all, permissions and roles.

Every command checks the actor's *current* role in the room and, for a
command on someone, that the actor outranks them. Pupils can send these
commands as often as they like: each one is refused with ``forbidden`` and
changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from protocol.api.accounts import AccountKind
from protocol.api.grants import RoomRole
from protocol.errors import Forbidden
from protocol.events.models import LobbyMode
from protocol.events.rooms import (
    AllMuted,
    LobbyModeChanged,
    LockChanged,
    PermissionsChanged,
    RoleChanged,
)

from . import effects
from .actors import RoomActor, require_present, require_target
from .draft import Draft, RoomCommands
from .kernel import Change
from .model import ALL, Participant, Perms
from .policy import (
    cap,
    is_staff,
    member_may_hold,
    require_host,
    require_outranks,
    require_staff,
    role_perms,
    within_ceiling,
)
from .ports import MemberRole
from .state import RoomView
from .views import permissions_view

PermsReason = Literal["changed", "muted", "role"]


def _kind_of(member_role: MemberRole) -> AccountKind:
    return AccountKind.PUPIL if member_role is MemberRole.PUPIL else AccountKind.TEACHER


class ControlService(RoomCommands):
    """Room-wide and per-participant teacher controls."""

    async def lock(self, actor: RoomActor, locked: bool) -> None:
        """Lock or unlock the room.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            if draft.meta.is_locked != locked:
                draft.put_meta(replace(draft.meta, is_locked=locked))
                draft.send(ALL, LockChanged(is_locked=locked))
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def set_lobby_mode(self, actor: RoomActor, mode: LobbyMode) -> None:
        """Choose who waits in the lobby.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            if draft.meta.lobby_mode is not mode:
                draft.put_meta(replace(draft.meta, lobby_mode=mode))
                draft.send(ALL, LobbyModeChanged(mode=mode))
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def mute(self, actor: RoomActor, participant_id: str) -> None:
        """Take a participant's microphone.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Not a teacher, or the target ranks as high.
        """

        def decide(view: RoomView) -> Change[None]:
            me = require_present(view, actor)
            target = require_target(view, participant_id)
            require_outranks(me, target)
            draft = self._draft(view)
            _set_perms(draft, target, replace(target.perms, speak=False), "muted")
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def mute_all(self, actor: RoomActor, *, include_chat: bool) -> None:
        """Mute every pupil and observer, now and as they join.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            meta = draft.meta
            draft.put_meta(
                replace(
                    meta,
                    speak_default=False,
                    chat_default=meta.chat_default and not include_chat,
                )
            )
            draft.send(ALL, AllMuted(include_chat=include_chat))
            for target in sorted(view.participants(), key=lambda p: p.participant_id):
                if not target.is_staff:
                    muted = replace(
                        target.perms,
                        speak=False,
                        chat=target.perms.chat and not include_chat,
                    )
                    _set_perms(draft, target, muted, "muted")
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def set_permissions(
        self, actor: RoomActor, participant_id: str, changes: dict[str, bool]
    ) -> None:
        """Change some permissions of a participant, within their role's ceiling.

        Args:
            changes: New values by permission name (``speak``, ``video``,
                ``screen``, ``draw``, ``chat``).

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Not a teacher, the target ranks as high, or a permission
                above what the target's role may hold.
        """

        def decide(view: RoomView) -> Change[None]:
            me = require_present(view, actor)
            target = require_target(view, participant_id)
            require_outranks(me, target)
            wanted = replace(target.perms, **changes)
            if not within_ceiling(target.role, wanted):
                raise Forbidden(f"a {target.role.value} may not be given that permission")
            draft = self._draft(view)
            _set_perms(draft, target, wanted, "changed")
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)

    async def set_role(self, actor: RoomActor, participant_id: str, role: RoomRole) -> None:
        """Give a participant another role; their permissions reset to the role's.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            NotFound: No such participant.
            Forbidden: Not a host, the target is a host, or the target's
                membership does not allow the role (a pupil stays a pupil).
        """

        def decide(view: RoomView) -> Change[None]:
            me = require_present(view, actor)
            require_host(me)
            target = require_target(view, participant_id)
            require_outranks(me, target)
            if not member_may_hold(target.member_role, role, _kind_of(target.member_role)):
                raise Forbidden(f"this participant cannot be a {role.value}")
            draft = self._draft(view)
            if target.role is role:
                return draft.done(None)
            perms = cap(role, role_perms(role))
            changed = replace(target, role=role, perms=perms)
            draft.put(changed)
            was_staff, now_staff = target.is_staff, is_staff(role)
            side = [effects.staff(target.participant_id, now_staff)]
            draft.send(
                ALL,
                RoleChanged(
                    participant_id=target.participant_id,
                    role=role,
                    permissions=permissions_view(perms),
                ),
                *(side if was_staff != now_staff else ()),
            )
            if was_staff and not now_staff:
                draft.after_departure()
            elif now_staff and changed.is_present:
                draft.after_arrival()
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)


def _set_perms(draft: Draft, target: Participant, perms: Perms, reason: PermsReason) -> None:
    if perms == target.perms:
        return
    draft.put(replace(target, perms=perms))
    draft.send(
        ALL,
        PermissionsChanged(
            participant_id=target.participant_id,
            permissions=permissions_view(perms),
            reason=reason,
        ),
    )
