"""``NewEvent``, ``LoggedEvent`` and ``Commit`` as named tuples, against the frozen dataclasses
they were (kept here as the oracle): the same construction and defaults give the same
fields, equality agrees, they stay immutable, and a default mapping cannot be written."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, strategies as st

from cluster import KEEP_WAKE, Commit, LoggedEvent, NewEvent


@dataclass(frozen=True, slots=True)
class OldNewEvent:
    audience: str
    name: str
    body: str
    effects: str = ""


@dataclass(frozen=True, slots=True)
class OldLoggedEvent:
    room_id: str
    seq: int
    audience: str
    name: str
    payload: str
    effects: str = ""


@dataclass(frozen=True, slots=True)
class OldCommit:
    expect_version: int | None = None
    expect_fields: Mapping[str, str | None] = field(default_factory=dict)
    set_fields: Mapping[str, str] = field(default_factory=dict)
    delete_fields: Sequence[str] = ()
    events: Sequence[Any] = ()
    wake_at: float = KEEP_WAKE


def _same(new: Any, old: Any) -> None:
    assert len(new) == len(dataclasses.fields(old))
    for item in dataclasses.fields(old):
        assert getattr(new, item.name) == getattr(old, item.name), item.name


TEXT = st.text(max_size=8)
EVENTS = st.fixed_dictionaries(
    {"audience": TEXT, "name": TEXT, "body": TEXT}, optional={"effects": TEXT}
)
FIELDS = st.dictionaries(TEXT, st.none() | TEXT, max_size=3)
COMMITS = st.fixed_dictionaries(
    {},
    optional={
        "expect_version": st.none() | st.integers(),
        "expect_fields": FIELDS,
        "set_fields": st.dictionaries(TEXT, TEXT, max_size=3),
        "delete_fields": st.lists(TEXT, max_size=3).map(tuple),
        "wake_at": st.floats(allow_nan=False),
    },
)


@given(event=EVENTS, other=EVENTS, seq=st.integers(), commit=COMMITS, other_commit=COMMITS)
def test_records_are_those_of_the_frozen_dataclasses(
    event: dict[str, Any],
    other: dict[str, Any],
    seq: int,
    commit: dict[str, Any],
    other_commit: dict[str, Any],
) -> None:
    _same(NewEvent(**event), OldNewEvent(**event))
    assert (NewEvent(**event) == NewEvent(**other)) == (
        OldNewEvent(**event) == OldNewEvent(**other)
    )
    logged = {"room_id": "r", "seq": seq, "payload": event["body"], **event}
    del logged["body"]
    _same(LoggedEvent(**logged), OldLoggedEvent(**logged))
    events = (NewEvent(**event),)
    _same(Commit(**commit, events=events), OldCommit(**commit, events=events))
    assert (Commit(**commit) == Commit(**other_commit)) == (
        OldCommit(**commit) == OldCommit(**other_commit)
    )
    assert Commit(**commit).writes == bool(commit.get("set_fields") or commit.get("delete_fields"))


def test_records_stay_immutable_and_defaults_cannot_be_written() -> None:
    with pytest.raises(AttributeError):
        NewEvent("all", "x", "{}").body = "{}"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        LoggedEvent("r", 1, "all", "x", "{}").seq = 2  # type: ignore[misc]
    commit = Commit()
    with pytest.raises(AttributeError):
        commit.wake_at = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        commit.set_fields["a"] = "b"  # type: ignore[index]
    assert Commit().set_fields == {} and Commit().expect_fields == {}
