"""Domain records as the wire shows them, and who may see which event.

One function per view, used by the events the services send and by the
snapshot. What a viewer sees depends on their current role: teachers see the
lobby, poll counts and non-anonymous voters; pupils see counts once shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from protocol.events.models import (
    BreakoutView,
    GroupView,
    LobbyEntryView,
    ParticipantView,
    Permissions,
    PollView,
    RoomSnapshot,
)

from .model import ALL, STAFF, Audience, Breakout, LobbyEntry, Participant, Perms, Poll
from .state import RoomView


def at(timestamp: float) -> datetime:
    """A clock reading as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def permissions_view(perms: Perms) -> Permissions:
    return Permissions(
        may_speak=perms.speak,
        may_video=perms.video,
        may_screen=perms.screen,
        may_draw=perms.draw,
        may_chat=perms.chat,
    )


def participant_view(participant: Participant) -> ParticipantView:
    return ParticipantView(
        participant_id=participant.participant_id,
        user_id=participant.user_id,
        role=participant.role,
        display_name=participant.display_name,
        school_id=participant.school_id,
        permissions=permissions_view(participant.perms),
        is_present=participant.is_present,
        group_id=participant.group_id,
    )


def lobby_entry_view(entry: LobbyEntry) -> LobbyEntryView:
    return LobbyEntryView(
        user_id=entry.user_id,
        role=entry.role,
        display_name=entry.display_name,
        school_id=entry.school_id,
        reason=entry.reason,
        since=at(entry.since),
    )


def breakout_view(breakout: Breakout) -> BreakoutView:
    return BreakoutView(
        groups=[
            GroupView(group_id=group_id, participant_ids=list(members))
            for group_id, members in breakout.groups
        ],
        ends_at=None if breakout.ends_at is None else at(breakout.ends_at),
    )


def tally(poll: Poll, votes: dict[str, tuple[int, ...]]) -> tuple[list[int], list[list[str]]]:
    """Counts per option and (sorted) voters per option."""
    counts = [0] * len(poll.options)
    voters: list[list[str]] = [[] for _ in poll.options]
    for participant_id, choices in sorted(votes.items()):
        for choice in choices:
            counts[choice] += 1
            voters[choice].append(participant_id)
    return counts, voters


def poll_view(
    poll: Poll, votes: dict[str, tuple[int, ...]], viewer: Participant | None
) -> PollView:
    """A poll as ``viewer`` may see it (None: as a newcomer sees it)."""
    counts, voters = tally(poll, votes)
    staff = viewer is not None and viewer.is_staff
    mine = None if viewer is None else votes.get(viewer.participant_id)
    return PollView(
        poll_id=poll.poll_id,
        question=poll.question,
        options=list(poll.options),
        multiple=poll.is_multiple,
        anonymous=poll.is_anonymous,
        is_open=poll.is_open,
        results_visible=poll.results_visible,
        counts=counts if staff or poll.results_visible else None,
        voters=voters if staff and not poll.is_anonymous else None,
        my_choices=None if mine is None else list(mine),
    )


def may_see(audience: Audience, viewer: Participant) -> bool:
    """Whether ``viewer`` (as they are now) receives events sent to ``audience``."""
    if audience == ALL:
        return True
    if audience == STAFF:
        return viewer.is_staff
    kind, _, target = audience.partition(":")
    if kind == "group":
        return viewer.is_staff or viewer.group_id == target
    if kind == "user":
        return viewer.user_id == target
    return False


def snapshot(view: RoomView, viewer: Participant, seq: int) -> RoomSnapshot:
    """The whole room as ``viewer`` may see it, labelled with ``seq``."""
    meta = view.meta
    return RoomSnapshot(
        room_id=view.room_id,
        session_id=meta.session_id,
        seq=seq,
        you=viewer.participant_id,
        is_locked=meta.is_locked,
        lobby_mode=meta.lobby_mode,
        teacher_absent=meta.teacher_absent,
        participants=[participant_view(p) for p in view.present()],
        hands=[p.participant_id for p in view.hands()],
        lobby=[lobby_entry_view(e) for e in view.lobby()] if viewer.is_staff else [],
        polls=[poll_view(p, view.votes(p.poll_id), viewer) for p in view.polls()],
        breakout=None if meta.breakout is None else breakout_view(meta.breakout),
    )
