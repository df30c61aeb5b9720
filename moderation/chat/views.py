"""Stored messages and reports as the wire shows them, and the routes they were sent on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from protocol.events.chat import ChatChannel, ChatMessagePosted, ChatMessageView, ReportReason
from protocol.events.moderation import FindingView, HeldMessageView, ReportView
from protocol.ids import ParticipantId, UserId
from rooms import ChatRoute
from storage.records_moderation import ChatMessageRecord, ChatReportRecord

from ..verdict import Finding

NO_SENDER = UserId("")
"""The sender of a message whose author's account was erased."""


def at(timestamp: float) -> datetime:
    """A clock reading (wall seconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, UTC)


def findings_data(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """What is stored of the checks' findings: check, kind and detail (never the text)."""
    return [{"check": f.check, "kind": f.kind, "detail": f.detail} for f in findings]


def finding_views(findings: Iterable[Mapping[str, Any]]) -> list[FindingView]:
    return [
        FindingView(check=str(f["check"]), kind=str(f["kind"]), detail=str(f.get("detail", "")))
        for f in findings
    ]


def route_of(message: ChatMessageRecord) -> ChatRoute:
    """The route a stored message was (or will be) sent on."""
    peer = message.peer_participant_id
    return ChatRoute(
        channel=ChatChannel(message.channel),
        sender_user_id=message.sender_user_id or NO_SENDER,
        group_id=message.group_id,
        peer_user_id=message.peer_user_id,
        peer_participant_id=None if peer is None else ParticipantId(peer),
    )


def posted_event(message: ChatMessageRecord) -> ChatMessagePosted:
    assert message.text is not None
    return ChatMessagePosted(
        message_id=message.message_id,
        participant_id=message.participant_id,
        text=message.text,
        sent_at=message.sent_at,
        group_id=message.group_id,
        client_msg_id=message.client_msg_id,
        channel=ChatChannel(message.channel),
        to_participant_id=message.peer_participant_id,
        links_allowed=message.links_allowed,
        edited=message.edited,
    )


def held_view(message: ChatMessageRecord) -> HeldMessageView:
    return HeldMessageView(
        message_id=message.message_id,
        participant_id=message.participant_id,
        channel=ChatChannel(message.channel),
        to_participant_id=message.peer_participant_id,
        group_id=message.group_id,
        text=message.text or "",
        sent_at=message.sent_at,
        reason=message.hold_reason or "premoderation",
        findings=finding_views(message.findings),
    )


def history_view(message: ChatMessageRecord, viewer: UserId) -> ChatMessageView:
    """A message in ``viewer``'s history: posted, their own waiting one, or a tombstone."""
    mine = message.sender_user_id == viewer
    state = {"posted": "posted", "held": "waiting"}.get(message.status, "deleted")
    return ChatMessageView(
        message_id=message.message_id,
        participant_id=message.participant_id,
        channel=ChatChannel(message.channel),
        to_participant_id=message.peer_participant_id,
        group_id=message.group_id,
        state=state,
        text=None if state == "deleted" else message.text,
        sent_at=message.sent_at,
        links_allowed=message.links_allowed,
        edited=message.edited,
        client_msg_id=message.client_msg_id if mine else None,
    )


def report_view(report: ChatReportRecord) -> ReportView:
    return ReportView(
        report_id=report.report_id,
        message_id=report.message_id,
        reporter_participant_id=report.reporter_participant_id,
        reason=ReportReason(report.reason),
        status=report.status,
        created_at=report.created_at,
    )
