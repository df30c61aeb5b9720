"""The project space's content gate, and the project's queue of held posts.

``SpaceGate`` implements ``community.ContentGate``: the forum's threads and
replies, and pupils' pages, cross the same pipeline as the chat (rate limit,
content with the project's own words, personal data, pre-moderation), with
a longer bound (a forum post, a page). Project teachers are checked as
teachers (notes only), everyone else as pupils. A refused text is never
stored; a held one goes to the project's queue and its author gets
``message_held`` (HTTP 202) with the queue item's id.

``ProjectQueue`` is that queue (the held-queue model of the rooms, with a
project scope): the project's teachers list, approve or refuse; an approved
text is published as its author wrote it, in the same transaction as the
decision and its audit entry; a refused one loses its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cluster import Clock
from community import (
    HeldSpaceContent,
    Principal,
    ProjectDirectory,
    SpaceContentKind,
    SpaceSubmission,
    publish_held,
)
from community.clock import utc_now
from protocol.errors import NotFound
from protocol.events.moderation import ModerationReason
from protocol.ids import ParticipantId, ProjectId, RoomId, UserId, new_id
from storage import Database, UnitOfWork
from storage.records_moderation import HeldContentRecord

from ..errors import MessageHeld, error_for
from ..pipeline import Pipeline, Submission
from ..policy import RoomPolicy, SenderRole
from ..verdict import Outcome
from .access import TEACHER_ROLES, require_project_teacher
from .audit import record
from .errors import AlreadyDecided
from .terms import ProjectTerms
from .views import findings_data

SPACE_KEY_PREFIX = "space-"
"""Rate-limit keys of a project's space (the chat's are room ids)."""


@dataclass(frozen=True, slots=True)
class HeldPost:
    """A post waiting in a project's queue, as its teachers see it."""

    held_id: str
    kind: SpaceContentKind
    author_id: UserId
    target_id: str | None
    title: str | None
    body: str
    reason: str
    findings: tuple[dict[str, str], ...]
    created_at: datetime


def _held_post(row: HeldContentRecord) -> HeldPost:
    return HeldPost(
        held_id=row.held_id,
        kind=SpaceContentKind(row.kind),
        author_id=row.author_user_id,
        target_id=row.target_id,
        title=row.title,
        body=row.body or "",
        reason=row.reason,
        findings=tuple({k: str(v) for k, v in f.items()} for f in row.findings),
        created_at=row.created_at,
    )


class SpaceGate:
    """Implements ``community.ContentGate`` (see the module docstring).

    Args:
        db: Where held posts are queued.
        pipeline: A pipeline whose bound fits forum posts and pages.
        terms: Projects' own words.
        clock: For queue times.
    """

    def __init__(
        self, *, db: Database, pipeline: Pipeline, terms: ProjectTerms, clock: Clock
    ) -> None:
        self._db = db
        self._pipeline = pipeline
        self._terms = terms
        self._clock = clock

    async def screen(self, submission: SpaceSubmission) -> None:
        """See ``community.ContentGate.screen``.

        Raises:
            MessageRejected: Refused (``details.reason``).
            MessageHeld: Queued for the project's teachers (``details.held_id``).
            ClusterUnavailable: The shared rate limiter cannot be reached.
        """
        role = SenderRole.TEACHER if submission.role in TEACHER_ROLES else SenderRole.PUPIL
        text = submission.body if not submission.title else f"{submission.title}\n{submission.body}"
        terms = await self._terms.for_project(submission.project_id)
        verdict = await self._pipeline.run(
            Submission(
                RoomId(f"{SPACE_KEY_PREFIX}{submission.project_id}"),
                ParticipantId(submission.author.user_id),
                role,
                text,
            ),
            RoomPolicy(extra_terms=terms),
        )
        if verdict.outcome is Outcome.DELIVER:
            return
        if verdict.outcome is Outcome.REJECT:
            refusal = error_for(verdict)
            assert refusal is not None
            raise refusal
        held_id = new_id()
        async with self._db.transaction("moderation.space_hold") as uow:
            await uow.moderation.add_held_content(
                held_id=held_id,
                project_id=submission.project_id,
                kind=submission.kind.value,
                author_user_id=submission.author.user_id,
                school_id=submission.author.school_id,
                target_id=submission.target_id,
                title=submission.title,
                body=submission.body,
                extra=submission.extra,
                reason=(verdict.reason.value if verdict.reason else "premoderation"),
                findings=findings_data(
                    [*verdict.findings, *(f for n in verdict.notes for f in n.findings)]
                ),
                at=utc_now(self._clock),
            )
        held = error_for(verdict)
        assert held is not None
        raise MessageHeld(held.message, details={**held.details, "held_id": held_id})


class ProjectQueue:
    """A project's held posts, for its teachers.

    Args:
        db: The queue, the space and the audit log.
        directory: Who teaches which project.
        clock: For decision times.
    """

    def __init__(self, *, db: Database, directory: ProjectDirectory, clock: Clock) -> None:
        self._db = db
        self._directory = directory
        self._clock = clock

    async def list_held(self, actor: Principal, project_id: ProjectId) -> list[HeldPost]:
        """Oldest first. Raises: NotFound, Forbidden: see ``require_project_teacher``."""
        await require_project_teacher(self._directory, actor, project_id)
        async with self._db.transaction("moderation.space_held_list") as uow:
            rows = await uow.moderation.list_held_content(project_id)
        return [_held_post(r) for r in rows]

    async def approve(self, actor: Principal, project_id: ProjectId, held_id: str) -> str:
        """Publish a held post as its author wrote it; returns the published id.

        Raises:
            NotFound: Not a member; no such held post in this project; its thread,
                discussion or page is gone, or its author left the project.
            Forbidden: Not one of the project's teachers.
            AlreadyDecided: Another teacher decided it first.
            SpaceReadOnly: The project was closed meanwhile.
        """
        await require_project_teacher(self._directory, actor, project_id, writing=True)
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.space_approve") as uow:
            held = await self._find(uow, project_id, held_id)
            if not await uow.moderation.decide_held_content(
                held_id, approve=True, decided_by=actor.user_id, at=now
            ):
                raise AlreadyDecided("this post is not waiting for a decision")
            published = await publish_held(
                uow,
                HeldSpaceContent(
                    project_id=project_id,
                    author_id=held.author_user_id,
                    kind=SpaceContentKind(held.kind),
                    body=held.body or "",
                    title=held.title,
                    target_id=held.target_id,
                    extra={k: str(v) for k, v in held.extra.items()},
                ),
                now,
            )
            await record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="space.post_approved",
                project_id=project_id,
                subject_type=held.kind,
                subject_id=published,
                reason=held.reason,
                details={"held_id": held_id},
            )
        return published

    async def reject(
        self, actor: Principal, project_id: ProjectId, held_id: str, reason: ModerationReason
    ) -> None:
        """Refuse a held post; its text is dropped.

        Raises:
            NotFound, Forbidden: As for ``approve``.
            AlreadyDecided: Another teacher decided it first.
        """
        await require_project_teacher(self._directory, actor, project_id)
        now = utc_now(self._clock)
        async with self._db.transaction("moderation.space_reject") as uow:
            held = await self._find(uow, project_id, held_id)
            if not await uow.moderation.decide_held_content(
                held_id, approve=False, decided_by=actor.user_id, at=now
            ):
                raise AlreadyDecided("this post is not waiting for a decision")
            await record(
                uow,
                at=now,
                actor_id=actor.user_id,
                action="space.post_rejected",
                project_id=project_id,
                subject_type=held.kind,
                subject_id=held_id,
                reason=reason.value,
            )

    @staticmethod
    async def _find(uow: UnitOfWork, project_id: ProjectId, held_id: str) -> HeldContentRecord:
        held = await uow.moderation.find_held_content(held_id)
        if held is None or held.project_id != project_id:
            raise NotFound("no such post waiting in this project")
        return held
