"""``posted_body`` writes exactly what ``ChatMessagePosted``'s serialiser writes.

The model is the oracle: the room chat's hot path writes the event's JSON
itself (``rooms.chat``), and the wire format must not move by one byte.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, strategies as st

from protocol.events.chat import ChatChannel, ChatMessagePosted, posted_body
from protocol.events.text import clean_text

# Every character a cleaned chat text may hold, and the ones JSON escapes.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from('"\\\n\t\r\b\f\x00\x1f\x7f\u2028\u2029\u202e/<>&\u00e9\U0001f600'),
    ),
    min_size=1,
    max_size=300,
)
_ID = st.text(alphabet="abcdef0123456789-:._ABZ", min_size=1, max_size=64)
_TIME = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def _oracle(**fields: object) -> str:
    return ChatMessagePosted(**fields).model_dump_json(exclude={"seq"})  # type: ignore[arg-type]


@given(
    message_id=_ID,
    participant_id=_ID,
    text=_TEXT,
    sent_at=_TIME,
    group_id=st.none() | _ID,
    client_msg_id=st.none() | _ID,
    channel=st.sampled_from(ChatChannel),
    to_participant_id=st.none() | _ID,
    links_allowed=st.booleans(),
)
def test_posted_body_is_the_models_json(**fields: object) -> None:
    body = posted_body(**fields)  # type: ignore[arg-type]
    assert body == _oracle(**fields)
    assert json.loads(body)["text"] == fields["text"]


@given(text=_TEXT)
def test_cleaned_text_too(text: str) -> None:
    try:
        cleaned = clean_text(text)
    except ValueError:
        return
    fields = dict(
        message_id="m",
        participant_id="p",
        text=cleaned,
        sent_at=datetime(2026, 11, 29, 20, 0, tzinfo=UTC),
        group_id=None,
        client_msg_id=None,
        channel=ChatChannel.ROOM,
        to_participant_id=None,
        links_allowed=False,
    )
    assert posted_body(**fields) == _oracle(**fields)  # type: ignore[arg-type]


def test_times_as_pydantic_writes_them() -> None:
    """Whole seconds have no fraction; other offsets keep theirs."""
    base = datetime(2026, 11, 29, 20, 0, 5, tzinfo=UTC)
    for sent_at in (
        base,
        base + timedelta(microseconds=700),
        base + timedelta(microseconds=500_000),
        base.astimezone(timezone(timedelta(hours=1))),
    ):
        fields = dict(
            message_id="m",
            participant_id="p",
            text="we are reading",
            sent_at=sent_at,
            group_id="g",
            client_msg_id="c",
            channel=ChatChannel.DIRECT,
            to_participant_id="q",
            links_allowed=True,
        )
        assert posted_body(**fields) == _oracle(**fields)  # type: ignore[arg-type]
