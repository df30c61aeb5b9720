"""Splitting pupils into breakout groups: pure functions.

``mixed`` deals each partner school's pupils over the groups in turn,
school after school, the deal carrying on where the previous school's ended:
every school is spread evenly over the groups (its counts differ by one at
most) and the groups' sizes too, so every group mixes the schools as far as
the numbers allow (the point of an eTwinning breakout is to talk to the
partner class). ``check_manual`` validates a teacher's own split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from protocol.errors import InvalidPayload, NotFound

from .model import Participant


def group_id(index: int) -> str:
    """The id of the ``index``-th group (``g1``, ``g2``...)."""
    return f"g{index + 1}"


def mixed(pupils: Sequence[Participant], count: int) -> list[list[str]]:
    """``count`` groups mixing the pupils' schools, sizes differing by one at most.

    Raises:
        InvalidPayload: Fewer pupils than groups, or fewer than one group.
    """
    if count < 1 or len(pupils) < count:
        raise InvalidPayload(f"{len(pupils)} pupil(s) cannot make {count} group(s)")
    by_school: dict[str, list[Participant]] = {}
    for pupil in sorted(pupils, key=lambda p: (p.joined_at, p.participant_id)):
        by_school.setdefault(pupil.school_id or "", []).append(pupil)
    schools = sorted(by_school.values(), key=lambda members: (-len(members), members[0].joined_at))
    dealt = [p for members in schools for p in members]
    groups: list[list[str]] = [[] for _ in range(count)]
    for i, pupil in enumerate(dealt):
        groups[i % count].append(pupil.participant_id)
    return groups


def check_manual(groups: Sequence[Sequence[str]], members: Mapping[str, Participant]) -> None:
    """A teacher's split must name pupils and observers of the session, once each.

    Args:
        groups: Participant ids per group.
        members: The session's participants by id.

    Raises:
        InvalidPayload: An empty group, or someone in two groups.
        NotFound: An unknown participant, or a teacher (teachers visit instead).
    """
    seen: set[str] = set()
    for group in groups:
        if not group:
            raise InvalidPayload("a group needs at least one participant")
        for participant_id in group:
            participant = members.get(participant_id)
            if participant is None or participant.is_staff:
                raise NotFound("a group names someone who is not a pupil of this session")
            if participant_id in seen:
                raise InvalidPayload("a participant can be in one group only")
            seen.add(participant_id)
