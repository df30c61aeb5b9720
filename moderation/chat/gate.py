"""The moderation pipeline in the room chat's seat: ``ModeratedChatGate``.

Implements ``rooms.ChatGate``. For each message:

1. ``admit`` (pure, on every attempt): the session's switches from the room
   state: a locked chat, a muted sender, private messages while they are off.
   Teachers pass.
2. ``screen`` (once): the pipeline (``moderation.build_pipeline``: rate limit,
   content, personal data, pre-moderation, in that order, first rejection
   wins) with the room's policy and the project's own words; then the one
   database write of the message, as ``posted`` or ``held``, committed
   before anyone sees it or the sender is answered (``ChatWriter``: in one
   transaction with the other messages waiting at that moment). A message
   the pipeline refuses is never stored: the sender gets
   ``message_rejected`` with its reason. A held one is announced to the room's teachers
   (``moderation.message_held``, with the findings) and to its sender
   (``chat.message_held``), nobody else.
3. ``withdraw``: the row of a message whose append failed is deleted.

A ``client_msg_id`` sent again hits the table's unique key: nothing is
stored or sent twice, and the sender learns the first message's id.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter

from protocol.events.chat import ChatChannel, ChatMessageHeld
from protocol.events.moderation import MessageHeld
from protocol.ids import ProjectId, RoomId
from rooms import TEACHERS, ChatDraft, ChatOutcome, Notice, Screened, person
from storage import Database, DuplicateKey
from storage.chat_batches import stored_message
from storage.records_moderation import NewChatMessage

from ..errors import error_for
from ..pipeline import DELIVERED, Pipeline, Submission
from ..policy import RoomPolicy, SenderRole, sender_role
from ..verdict import Outcome, Reason, Verdict
from ..wordlists import Term
from .errors import ChatLocked, ChatMuted, DirectMessagesOff
from .policy import POLICY_CACHE_SIZE, ChatPolicy
from .terms import ProjectTerms
from .views import findings_data, held_view
from .writer import ChatWriter

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=POLICY_CACHE_SIZE)
def _policies(policy: str | None, terms: frozenset[Term]) -> tuple[ChatPolicy, RoomPolicy]:
    """The session's policy text decoded, and the pipeline's policy with the
    project's words: one cache lookup per message (a room's text and its
    project's set of words are the same objects from message to message)."""
    current = ChatPolicy.decode(policy)
    return current, current.room_policy(terms)


@functools.lru_cache(maxsize=64)
def _outcome_key(outcome: Outcome, reason: Reason | None) -> str:
    """``outcomes``' key (``reject:blocked_word``...), made once per pair."""
    return f"{outcome.value}:{reason or ''}"


_DELIVERED = _outcome_key(Outcome.DELIVER, None)
"""The key of most messages: the pipeline's ``DELIVERED``, counted without a lookup."""


def _findings(verdict: Verdict) -> list[dict[str, object]]:
    every = [*verdict.findings, *(f for note in verdict.notes for f in note.findings)]
    return findings_data(every)


class ModeratedChatGate:
    """Implements ``rooms.ChatGate`` (see the module docstring).

    Args:
        db: Where rooms' settings are read and unsent messages withdrawn.
        writer: Stores each message (grouped with others in one commit).
        pipeline: The moderation pipeline (``moderation.build_pipeline``).
        terms: Projects' own words.
    """

    def __init__(
        self, *, db: Database, writer: ChatWriter, pipeline: Pipeline, terms: ProjectTerms
    ) -> None:
        self._db = db
        self._writer = writer
        self._pipeline = pipeline
        self._terms = terms
        self.outcomes: Counter[str] = Counter()
        """Messages screened, by outcome and reason (``reject:blocked_word``...)."""

    async def initial_policy(self, room_id: RoomId, project_id: ProjectId) -> str:
        """See ``rooms.ChatGate.initial_policy``: the room's lasting settings."""
        async with self._db.transaction("moderation.chat_settings") as uow:
            settings = await uow.moderation.find_room_settings(room_id)
        return ChatPolicy.starting(settings).encode()

    def admit(self, draft: ChatDraft, policy: str | None, now: float) -> None:
        """See ``rooms.ChatGate.admit``.

        Raises:
            ChatLocked: A teacher locked the chat.
            ChatMuted: A teacher muted the sender (``details.until``).
            DirectMessagesOff: A private message while they are off.
        """
        if sender_role(draft.role) is SenderRole.TEACHER:
            return
        current = ChatPolicy.decode(policy)
        if current.locked:
            raise ChatLocked("a teacher locked the chat")
        until = current.muted_until(draft.user_id, now)
        if until is not None:
            raise ChatMuted(
                "a teacher muted you in the chat for a while",
                details={"retry_after_s": round(until - now, 3)},
            )
        if draft.route.channel is ChatChannel.DIRECT and not current.direct_messages:
            raise DirectMessagesOff("private messages are off; a teacher can turn them on")

    async def screen(self, draft: ChatDraft, policy: str | None) -> Screened:
        """See ``rooms.ChatGate.screen``.

        Raises:
            MessageRejected: The pipeline refused it (``details.reason``).
            InvalidPayload: Longer than the pipeline takes.
            ClusterUnavailable: The shared rate limiter cannot be reached.
            DatabaseUnavailable: The message could not be stored (nothing sent).
        """
        terms = self._terms.cached(draft.project_id)
        if terms is None:
            terms = await self._terms.for_project(draft.project_id)
        current, room_policy = _policies(policy, terms)
        role = sender_role(draft.role)
        submission = Submission(draft.room_id, draft.participant_id, role, draft.text)
        pipeline = self._pipeline
        # One node's in-process limiter: the checks are plain calls (``run_now``).
        verdict = (
            pipeline.run_now(submission, room_policy)
            if pipeline.is_instant
            else await pipeline.run(submission, room_policy)
        )
        if verdict is DELIVERED:
            self.outcomes[_DELIVERED] += 1
        else:
            self.outcomes[_outcome_key(verdict.outcome, verdict.reason)] += 1
        if verdict.outcome is Outcome.REJECT:
            refusal = error_for(verdict)
            assert refusal is not None
            raise refusal
        is_held = verdict.outcome is Outcome.HOLD
        route = draft.route
        new = NewChatMessage(
            message_id=draft.message_id,
            room_id=draft.room_id,
            session_id=draft.session_id,
            project_id=draft.project_id,
            school_id=draft.school_id,
            participant_id=draft.participant_id,
            sender_user_id=draft.user_id,
            # str() of a StrEnum is its value, in C (``.value`` is a Python property).
            sender_role=str(role),
            channel=str(route.channel),
            group_id=route.group_id,
            peer_user_id=route.peer_user_id,
            peer_participant_id=route.peer_participant_id,
            status="held" if is_held else "posted",
            text=draft.text,
            client_msg_id=draft.client_msg_id,
            sent_at=draft.sent_at,
            links_allowed=current.links_allowed,
            hold_reason=verdict.reason.value if is_held and verdict.reason else None,
            findings=_findings(verdict) if is_held else (),
        )
        try:
            row_id = await self._writer.store(new)
        except DuplicateKey:
            repeated = await self._repeated(draft)
            if repeated is None:
                raise
            return repeated
        if not is_held:
            return Screened(draft, links_allowed=current.links_allowed)
        stored = stored_message(new, row_id)
        waiting = ChatMessageHeld(
            message_id=draft.message_id,
            client_msg_id=draft.client_msg_id,
            channel=route.channel,
            text=draft.text,
            sent_at=draft.sent_at,
            reason=stored.hold_reason or "premoderation",
        )
        return Screened(
            draft,
            is_held=True,
            links_allowed=current.links_allowed,
            notices=(
                Notice(TEACHERS, MessageHeld(message=held_view(stored))),
                Notice(person(draft.user_id), waiting),
            ),
        )

    async def withdraw(self, screened: Screened) -> None:
        """See ``rooms.ChatGate.withdraw``."""
        async with self._db.transaction("moderation.chat_withdraw") as uow:
            await uow.moderation.remove_message(screened.draft.message_id)
        logger.info(
            "unsent message withdrawn",
            extra={"room_id": screened.draft.room_id, "message_id": screened.draft.message_id},
        )

    async def _repeated(self, draft: ChatDraft) -> Screened | None:
        """The answer to a ``client_msg_id`` sent before (None: not that)."""
        if draft.client_msg_id is None:
            return None
        async with self._db.transaction("moderation.chat_repeat") as uow:
            first = await uow.moderation.find_by_client_id(
                draft.participant_id, draft.client_msg_id
            )
        if first is None:
            return None
        outcome = ChatOutcome(
            message_id=first.message_id,
            seq=None,
            is_held=first.status == "held",
            is_duplicate=True,
        )
        return Screened(draft, duplicate=outcome)
