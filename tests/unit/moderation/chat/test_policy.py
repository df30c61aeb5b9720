"""The session's chat policy (pure), and the history rule: Python and SQL agree."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from moderation import PersonalDataPolicy, Premoderation
from moderation.chat import ChatModerationSettings, ChatPolicy, PolicyChanges, clean_domains
from moderation.chat.history import may_read
from protocol.errors import InvalidPayload
from protocol.ids import MessageId, ProjectId, RoomId, UserId
from storage import Database
from storage.records_moderation import HistoryViewer, NewChatMessage
from storage.tables.accounts import User

policies = st.builds(
    ChatPolicy,
    premoderation=st.sampled_from(Premoderation),
    personal_data=st.sampled_from(PersonalDataPolicy),
    slow_mode_s=st.none() | st.floats(min_value=1, max_value=3600),
    links_allowed=st.booleans(),
    allowed_domains=st.lists(st.sampled_from(["a.org", "b.com", "c.fr"]), unique=True).map(
        lambda d: tuple(sorted(d))
    ),
    locked=st.booleans(),
    direct_messages=st.booleans(),
    mutes=st.lists(
        st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.floats(min_value=0, max_value=1e10)),
        unique_by=lambda m: m[0],
    ).map(lambda m: tuple(sorted(m))),
)


@given(policies)
def test_a_policy_survives_the_room_states_text(policy: ChatPolicy) -> None:
    assert ChatPolicy.decode(policy.encode()) == policy


def test_no_policy_kept_means_the_defaults_for_a_young_class() -> None:
    policy = ChatPolicy.decode(None)
    assert policy.premoderation is Premoderation.FLAGGED
    assert policy.personal_data is PersonalDataPolicy.HOLD
    assert not (policy.locked or policy.direct_messages or policy.links_allowed)


def test_mutes_end_on_time_and_over_ones_are_dropped() -> None:
    policy = ChatPolicy().with_mute("u1", 100.0, now=0.0).with_mute("u2", 50.0, now=0.0)
    assert policy.muted_until("u1", 10.0) == 100.0
    assert policy.muted_until("u1", 100.0) is None
    later = policy.with_mute("u3", 300.0, now=60.0)
    assert [user for user, _ in later.mutes] == ["u1", "u3"]
    assert later.with_mute("u1", None, now=60.0).muted_until("u1", 61.0) is None


def test_changes_touch_only_what_they_name() -> None:
    base = ChatPolicy(locked=True, slow_mode_s=10.0)
    changed = PolicyChanges(links_allowed=True).applied_to(base)
    assert (changed.locked, changed.slow_mode_s, changed.links_allowed) == (True, 10.0, True)
    assert PolicyChanges(slow_mode_s=0).applied_to(base).slow_mode_s is None
    assert PolicyChanges(links_allowed=True, locked=False).names() == ["locked", "links_allowed"]


def test_allowed_domains_are_cleaned_and_checked() -> None:
    assert clean_domains(["WWW.Wikipedia.org ", "bbc.co.uk", "wikipedia.org"]) == (
        "bbc.co.uk",
        "wikipedia.org",
    )
    for bad in ("javascript:alert(1)", "no-dot", "a..b", "http://x.org"):
        with pytest.raises(InvalidPayload):
            clean_domains([bad])


# -- the history rule ---------------------------------------------------------------

USERS = [UserId(f"user-{n}") for n in range(4)]
GROUPS = [None, "g1", "g2"]
messages = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(["room", "staff", "teachers", "direct"]),
        st.sampled_from(GROUPS),
        st.sampled_from([None, *USERS]),
        st.sampled_from(["posted", "held", "rejected", "deleted", "cleared"]),
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
async def users_db(db: Database) -> Database:
    """The test's database with the users the generated messages name."""
    now = datetime.now(UTC)
    async with db.transaction("test.users") as uow:
        for user_id in USERS:
            uow.session.add(
                User(id=user_id, kind="pupil", status="active", token_epoch=0,
                     created_at=now, updated_at=now)
            )  # fmt: skip
    return db


ROOMS = (RoomId(f"room-{n}") for n in itertools.count())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=messages)
async def test_the_sql_history_filter_is_the_python_rule(
    rows: list[tuple[UserId, str, str | None, UserId | None, str]], users_db: Database
) -> None:
    room, session = next(ROOMS), "session"
    async with users_db.transaction("test.rows") as uow:
        stored = []
        for n, (sender, channel, group, peer, status) in enumerate(rows):
            new = NewChatMessage(
                message_id=MessageId(f"{room}-m{n}"), room_id=room,
                session_id=session, project_id=ProjectId("p"), school_id=None,
                participant_id=f"p-{sender}", sender_user_id=sender, sender_role="pupil",
                channel=channel, group_id=group, peer_user_id=peer,
                peer_participant_id=None, status=status, text="t", client_msg_id=None,
                sent_at=datetime.now(UTC), links_allowed=False,
            )  # fmt: skip
            stored.append(await uow.moderation.add_message(new))
    for user, is_staff, group in itertools.product(USERS[:2], (False, True), GROUPS):
        viewer = HistoryViewer(user, is_staff, group)
        async with users_db.transaction("test.history") as uow:
            found = await uow.moderation.history(room, session, viewer, before_id=None, limit=100)
        expected = [m.message_id for m in reversed(stored) if may_read(m, viewer)]
        assert [m.message_id for m in found] == expected, viewer


def test_the_chats_rate_knobs_feed_the_pipeline_and_are_checked() -> None:
    limits = ChatModerationSettings(chat_burst=3, chat_per_s=2.0).chat_limits()
    assert (limits.participant_rate.capacity, limits.participant_rate.refill_per_s) == (3, 2.0)
    for bad in ({"chat_burst": 0}, {"room_chat_per_s": 0.0}, {"retention_days": 0}):
        with pytest.raises(ValueError):
            ChatModerationSettings(**bad)
