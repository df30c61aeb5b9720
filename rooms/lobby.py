"""The lobby: teachers let waiting people in, or turn them away.

Admitting marks the entry; the person is told (``lobby.admitted``) and joins
again, which then succeeds whatever held them (lock, roster, lobby mode, an
earlier kick). Turning someone away drops the entry and closes their
connection; they may knock again with a new one.
"""

from __future__ import annotations

from protocol.errors import NotFound
from protocol.events.lobby import LobbyDenied, LobbyLeft
from protocol.ids import UserId

from . import effects
from .actors import RoomActor, require_present
from .draft import RoomCommands
from .kernel import Change
from .model import STAFF, user_audience
from .policy import require_staff
from .state import RoomView, kicked_field, lobby_field


class LobbyService(RoomCommands):
    """Admit and deny."""

    async def admit(self, actor: RoomActor, user_ids: list[UserId]) -> list[UserId]:
        """Let people in; those no longer waiting are skipped.

        Returns:
            The users admitted now.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
        """

        def decide(view: RoomView) -> Change[list[UserId]]:
            require_staff(require_present(view, actor))
            draft = self._draft(view)
            admitted: list[UserId] = []
            for user_id in dict.fromkeys(user_ids):
                entry = view.lobby_entry(user_id)
                if entry is not None and not entry.is_admitted:
                    draft.admit(entry)
                    # A teacher's "yes" outweighs an earlier kick.
                    if view.was_kicked(user_id):
                        draft.delete_field(kicked_field(user_id))
                    admitted.append(user_id)
            return draft.done(admitted)

        return (await self._kernel.mutate(actor.room_id, decide)).result

    async def deny(self, actor: RoomActor, user_id: UserId) -> None:
        """Turn a waiting person away.

        Raises:
            NotInRoom, RoomClosed: See ``require_present``.
            Forbidden: Not a teacher.
            NotFound: Nobody of that id waits.
        """

        def decide(view: RoomView) -> Change[None]:
            require_staff(require_present(view, actor))
            entry = view.lobby_entry(user_id)
            if entry is None:
                raise NotFound("nobody of that id waits in the lobby")
            draft = self._draft(view)
            draft.delete_field(lobby_field(user_id))
            draft.send(STAFF, LobbyLeft(user_id=user_id, reason="denied"))
            draft.send(
                user_audience(user_id),
                LobbyDenied(user_id=user_id),
                effects.evict_user(user_id),
            )
            return draft.done(None)

        await self._kernel.mutate(actor.room_id, decide)
