"""Builds moderated chat and the space's gate from their dependencies.

In two steps, because the gates must exist before the services they guard:
``build_moderation_gates`` first (the chat's seat for ``build_room_services``
and the space's for ``build_project_services``), then, once the rooms exist,
``build_chat_moderation`` for the teachers' tools. The chat's messages are
stored by one ``ChatWriter`` per node (group commits); whoever opened the
gates closes them (``ModerationGates.close``) so that it stores what is
queued before the database goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock, RateLimiter, RateRule
from community import ProjectDirectory
from rooms import RoomServices
from storage import Database
from storage.chat_batches import ChatBatches

from ..checks import build_pipeline
from ..settings import ModerationSettings
from .gate import ModeratedChatGate
from .history import ChatHistory
from .queue import HeldQueue
from .reports import ChatReports
from .retention import ChatRetention
from .sanctions import ChatSanctions
from .settings import ChatModerationSettings
from .space import ProjectQueue, SpaceGate
from .terms import ProjectTerms
from .transcript import Transcripts
from .writer import ChatWriter

SPACE_MAX_CHARS = 50_300
"""The longest text of a space: a page's body and its title."""
SPACE_LIMITS = ModerationSettings(
    participant_rate=RateRule("space.participant", capacity=8, refill_per_s=0.2),
    room_rate=RateRule("space.room", capacity=120, refill_per_s=2.0),
    max_message_chars=SPACE_MAX_CHARS,
)
"""Posts in a project's space: a burst of 8 per member, then one every 5 s."""


@dataclass(frozen=True, slots=True)
class ModerationGates:
    """The pipeline's seats: in the chat, and in the project space."""

    chat: ModeratedChatGate
    space: SpaceGate
    terms: ProjectTerms
    writer: ChatWriter
    """Stores the chat's messages in group commits; ``close`` it at shutdown."""

    async def close(self) -> None:
        """Stop taking messages and store those already queued (graceful stop)."""
        await self.writer.close()


@dataclass(frozen=True, slots=True)
class ChatModeration:
    """Every service of moderation."""

    gate: ModeratedChatGate
    space_gate: SpaceGate
    terms: ProjectTerms
    history: ChatHistory
    queue: HeldQueue
    sanctions: ChatSanctions
    reports: ChatReports
    transcripts: Transcripts
    retention: ChatRetention
    project_queue: ProjectQueue
    writer: ChatWriter
    """The chat's store (the realtime layer lets a turn's rows share a commit: ``share_turns``)."""


def build_moderation_gates(
    *,
    db: Database,
    limiter: RateLimiter,
    directory: ProjectDirectory,
    clock: Clock,
    settings: ChatModerationSettings,
) -> ModerationGates:
    """The chat's and the space's gates, sharing the cluster's rate limiter."""
    terms = ProjectTerms(db=db, directory=directory, clock=clock, settings=settings)
    writer = ChatWriter(
        db=db,
        batches=ChatBatches(db),
        max_batch=settings.store_batch,
        interval_s=settings.store_interval_s,
    )
    return ModerationGates(
        chat=ModeratedChatGate(
            db=db,
            writer=writer,
            pipeline=build_pipeline(limiter, settings.chat_limits()),
            terms=terms,
        ),
        space=SpaceGate(
            db=db, pipeline=build_pipeline(limiter, SPACE_LIMITS), terms=terms, clock=clock
        ),
        terms=terms,
        writer=writer,
    )


def build_chat_moderation(
    *,
    db: Database,
    rooms: RoomServices,
    gates: ModerationGates,
    directory: ProjectDirectory,
    clock: Clock,
    limiter: RateLimiter,
    settings: ChatModerationSettings,
) -> ChatModeration:
    """The teachers' tools, over the rooms the gates guard."""
    queue = HeldQueue(db=db, rooms=rooms, clock=clock)
    return ChatModeration(
        gate=gates.chat,
        space_gate=gates.space,
        terms=gates.terms,
        history=ChatHistory(db=db, rooms=rooms, queue=queue),
        queue=queue,
        sanctions=ChatSanctions(db=db, rooms=rooms, clock=clock),
        reports=ChatReports(db=db, rooms=rooms, directory=directory, clock=clock),
        transcripts=Transcripts(db=db, rooms=rooms),
        retention=ChatRetention(db=db, clock=clock, limiter=limiter, settings=settings),
        project_queue=ProjectQueue(db=db, directory=directory, clock=clock),
        writer=gates.writer,
    )
