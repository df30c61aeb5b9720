"""The SDK's sequencer alone (pure): held events, replays, snapshots and repeats."""

from __future__ import annotations

from client_sdk import EventSequencer


def test_events_held_during_a_join_follow_the_replay_without_repeats() -> None:
    seq: EventSequencer[str] = EventSequencer()
    assert seq.live(1, "too early") == ["too early"]  # never joined: nothing held
    seq.hold()
    assert seq.live(7, "e7") == [] and seq.live(8, "e8") == []
    assert seq.live(None, "unsequenced") == ["unsequenced"]
    out = seq.joined("s1", snapshot=(6, "snapshot"))
    assert out == ["snapshot", "e7", "e8"]
    assert seq.live(8, "e8 again") == [] and seq.live(9, "e9") == ["e9"]
    seq.hold()
    seq.live(12, "e12")
    out = seq.joined("s1", replay=[(10, "e10"), (11, "e11"), (12, "e12")])
    assert out == ["e10", "e11", "e12"]
    assert seq.last_seq == 12 and seq.can_resume


def test_a_new_session_starts_counting_afresh() -> None:
    seq: EventSequencer[str] = EventSequencer()
    seq.joined("old", snapshot=(40, "old snapshot"))
    seq.hold()
    assert seq.joined("new", snapshot=(3, "new snapshot")) == ["new snapshot"]
    assert seq.live(4, "e4") == ["e4"]


def test_waiting_in_the_lobby_delivers_held_news_outside_the_count() -> None:
    seq: EventSequencer[str] = EventSequencer()
    seq.hold()
    seq.live(5, "admitted")
    assert seq.waiting() == ["admitted"]
    assert seq.live(6, "denied", member=False) == ["denied"]
    assert seq.last_seq == 0 and not seq.can_resume
