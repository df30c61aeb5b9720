"""The teacher bulletin: notes between the project's teachers. Pupils never see it.

Teacher admins and teachers read and post; observers, guests and pupils are
refused (domain notes §3.3 and §7.7 rule 7).
"""

from __future__ import annotations

from cluster import Clock
from protocol.ids import ProjectId, new_id
from storage import Database
from storage.records_projects import BulletinRecord

from ..clock import utc_now
from ..principal import Principal
from .access import enter_space, require, require_writable
from .forum import clean_body
from .roles import Action

MAX_ITEMS = 200


class BulletinService:
    """Reads and posts the teacher bulletin."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def list_posts(self, actor: Principal, project_id: ProjectId) -> list[BulletinRecord]:
        """Newest first.

        Raises:
            NotFound: Not a member.
            Forbidden: Pupils, observers and guests.
        """
        async with self._db.transaction("bulletin.list") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.READ_BULLETIN)
            return await uow.spaces.list_bulletin(project_id, limit=MAX_ITEMS)

    async def post(self, actor: Principal, project_id: ProjectId, body: str) -> BulletinRecord:
        """Raises: NotFound, Forbidden, SpaceReadOnly, InvalidPayload."""
        text = clean_body(body)
        now = utc_now(self._clock)
        async with self._db.transaction("bulletin.post") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.POST_BULLETIN)
            require_writable(seat)
            return await uow.spaces.add_bulletin_post(
                post_id=new_id(), project_id=project_id, author_id=actor.user_id, body=text, now=now
            )
