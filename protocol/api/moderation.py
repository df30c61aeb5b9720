"""Moderation over HTTP: projects' own words, held posts, reports, transcripts, retention."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from ..base import QueryModel, RequestModel, ResponseModel

MAX_RETENTION_DAYS = 3650


class TermSeverity(StrEnum):
    """What a project's own word does to a pupil's message."""

    HOLD = "hold"
    """A teacher reads the message first."""
    BLOCK = "block"
    """The message is refused."""


class AddTermRequest(RequestModel):
    text: str = Field(min_length=1, max_length=80)
    """A word, a phrase, or a stem ending (or starting) with ``*``."""
    severity: TermSeverity = TermSeverity.HOLD


class RemoveTermQuery(QueryModel):
    text: str = Field(min_length=1, max_length=80)


class TermView(ResponseModel):
    text: str
    severity: TermSeverity


class TermListView(ResponseModel):
    terms: list[TermView]
    """In the order they were added."""


class FindingSummary(ResponseModel):
    check: str
    kind: str
    detail: str = ""


class HeldPostView(ResponseModel):
    """A post waiting for one of the project's teachers."""

    held_id: str
    kind: Literal["forum_thread", "forum_reply", "page"]
    author_id: str
    target_id: str | None = None
    """The discussion (thread), thread (reply) or page (edit)."""
    title: str | None = None
    body: str
    """Plain text: never render it as HTML."""
    reason: str
    findings: list[FindingSummary]
    created_at: datetime


class HeldPostListView(ResponseModel):
    posts: list[HeldPostView]
    """Oldest first."""


class PublishedView(ResponseModel):
    published_id: str
    """The thread, post or page that was published."""


class RejectHeldRequest(RequestModel):
    reason: Literal[
        "unkind", "inappropriate", "personal_data", "unsafe", "off_topic", "spam", "other"
    ] = "other"


class ChatReportView(ResponseModel):
    """A participant's report of a chat message."""

    report_id: str
    message_id: str
    room_id: str
    session_id: str
    reporter_id: str
    reason: str
    status: Literal["open", "dismissed", "actioned"]
    created_at: datetime
    resolved_at: datetime | None = None


class TranscriptLineView(ResponseModel):
    message_id: str
    sent_at: datetime
    author: str
    """Teachers by name; pupils by first name and initial."""
    role: str
    channel: str
    group_id: str | None = None
    to: str | None = None
    state: Literal["posted", "deleted", "cleared"]
    text: str | None = None
    """Absent where a teacher deleted the message."""
    edited: bool = False


class TranscriptView(ResponseModel):
    room_id: str
    session_id: str
    started_at: datetime
    ended_at: datetime | None = None
    lines: list[TranscriptLineView]


class RetentionRequest(RequestModel):
    days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    """Days chat is kept after its session; absent: the server's default."""


class RetentionView(ResponseModel):
    school_id: str
    days: int
    is_default: bool
