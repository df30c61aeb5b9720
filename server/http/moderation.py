"""Moderation over HTTP: a project's own words, its held posts and its chat reports;
sessions' chat transcripts; schools' chat retention.

The live room's moderation is realtime (``server.realtime.handlers.moderation``);
these routes serve what teachers do outside a lesson. Transcripts come as
JSON or as CSV (cells a spreadsheet would run as formulas are quoted).
"""

from __future__ import annotations

import csv
import io

from aiohttp import web

from moderation import Severity
from moderation.chat import Transcript
from protocol import Page, PageQuery
from protocol.api.moderation import (
    AddTermRequest,
    ChatReportView,
    FindingSummary,
    HeldPostListView,
    HeldPostView,
    PublishedView,
    RejectHeldRequest,
    RemoveTermQuery,
    RetentionRequest,
    RetentionView,
    TermListView,
    TermSeverity,
    TermView,
    TranscriptLineView,
    TranscriptView,
)
from protocol.events.moderation import ModerationReason
from protocol.ids import ProjectId, RoomId, SchoolId

from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("moderation",)
PROJECT = "/api/v1/projects/{project_id}/moderation"
CSV_COLUMNS = ("sent_at", "author", "role", "channel", "group_id", "to", "state", "edited", "text")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _transcript_view(transcript: Transcript) -> TranscriptView:
    session = transcript.session
    return TranscriptView(
        room_id=transcript.room_id,
        session_id=session.id,
        started_at=session.started_at,
        ended_at=session.ended_at,
        lines=[
            TranscriptLineView(
                message_id=line.message_id,
                sent_at=line.sent_at,
                author=line.author,
                role=line.role,
                channel=line.channel,
                group_id=line.group_id,
                to=line.to,
                state=line.state,
                text=line.text,
                edited=line.edited,
            )
            for line in transcript.lines
        ],
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # OWASP CSV injection: a cell starting like a formula is quoted.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


# -- a project's own words -------------------------------------------------------


@routes.get(
    f"{PROJECT}/terms",
    access=Access.TEACHER,
    summary="The project's own words for the content filter",
    tags=TAGS,
    errors=(404,),
)
async def list_project_terms(ctx: Ctx, project_id: str) -> TermListView:
    """The project's teachers."""
    found = await ctx.services.moderation.terms.list_terms(ctx.actor, ProjectId(project_id))
    return TermListView(
        terms=[TermView(text=t.text, severity=TermSeverity(t.severity)) for t in found]
    )


@routes.post(
    f"{PROJECT}/terms",
    access=Access.TEACHER,
    summary="Add a word to the project's content filter",
    tags=TAGS,
    status=201,
    errors=(404, 409),
)
async def add_project_term(ctx: Ctx, project_id: str, body: AddTermRequest) -> TermView:
    """Applies to the project's rooms and forum within ``moderation.terms_cache_s``."""
    term = await ctx.services.moderation.terms.add_term(
        ctx.actor, ProjectId(project_id), body.text, Severity(body.severity.value)
    )
    return TermView(text=term.text, severity=TermSeverity(term.severity.value))


@routes.delete(
    f"{PROJECT}/terms",
    access=Access.TEACHER,
    summary="Remove a word from the project's content filter",
    tags=TAGS,
    errors=(404,),
)
async def remove_project_term(ctx: Ctx, project_id: str, query: RemoveTermQuery) -> None:
    await ctx.services.moderation.terms.remove_term(ctx.actor, ProjectId(project_id), query.text)


# -- held posts of the project space ------------------------------------------------


@routes.get(
    f"{PROJECT}/held",
    access=Access.TEACHER,
    summary="Posts waiting for a teacher",
    tags=TAGS,
    errors=(404,),
)
async def list_held_posts(ctx: Ctx, project_id: str) -> HeldPostListView:
    """Forum threads and replies, and pupils' pages, held by the pipeline; oldest first."""
    found = await ctx.services.moderation.project_queue.list_held(ctx.actor, ProjectId(project_id))
    return HeldPostListView(
        posts=[
            HeldPostView(
                held_id=p.held_id,
                kind=p.kind.value,
                author_id=p.author_id,
                target_id=p.target_id,
                title=p.title,
                body=p.body,
                reason=p.reason,
                findings=[FindingSummary(**f) for f in p.findings],
                created_at=p.created_at,
            )
            for p in found
        ]
    )


@routes.post(
    f"{PROJECT}/held/{{held_id}}/approve",
    access=Access.TEACHER,
    summary="Publish a held post",
    tags=TAGS,
    errors=(404, 409),
)
async def approve_held_post(ctx: Ctx, project_id: str, held_id: str) -> PublishedView:
    published = await ctx.services.moderation.project_queue.approve(
        ctx.actor, ProjectId(project_id), held_id
    )
    return PublishedView(published_id=published)


@routes.post(
    f"{PROJECT}/held/{{held_id}}/reject",
    access=Access.TEACHER,
    summary="Refuse a held post",
    tags=TAGS,
    errors=(404, 409),
)
async def reject_held_post(
    ctx: Ctx, project_id: str, held_id: str, body: RejectHeldRequest
) -> None:
    await ctx.services.moderation.project_queue.reject(
        ctx.actor, ProjectId(project_id), held_id, ModerationReason(body.reason)
    )


# -- reports ----------------------------------------------------------------------


@routes.get(
    f"{PROJECT}/reports",
    access=Access.TEACHER,
    summary="Reports of chat messages in the project's rooms",
    tags=TAGS,
    errors=(404,),
)
async def list_chat_reports(ctx: Ctx, project_id: str, query: PageQuery) -> Page[ChatReportView]:
    """Teacher admins; newest first."""
    found = await ctx.services.moderation.reports.project_reports(
        ctx.actor, ProjectId(project_id), cursor=query.cursor, limit=query.limit
    )
    return Page[ChatReportView](
        items=[
            ChatReportView(
                report_id=r.report_id,
                message_id=r.message_id,
                room_id=r.room_id,
                session_id=r.session_id,
                reporter_id=r.reporter_user_id,
                reason=r.reason,
                status=r.status,
                created_at=r.created_at,
                resolved_at=r.resolved_at,
            )
            for r in found.items
        ],
        next_cursor=found.next_cursor,
    )


# -- transcripts ------------------------------------------------------------------


@routes.get(
    "/api/v1/rooms/{room_id}/sessions/{session_id}/transcript",
    access=Access.TEACHER,
    summary="A session's chat transcript (JSON)",
    tags=TAGS,
    errors=(404,),
)
async def chat_transcript(ctx: Ctx, room_id: str, session_id: str) -> TranscriptView:
    """The project's teachers; pupils by first name and initial."""
    transcript = await ctx.services.moderation.transcripts.export(
        ctx.actor, RoomId(room_id), session_id
    )
    return _transcript_view(transcript)


@routes.get(
    "/api/v1/rooms/{room_id}/sessions/{session_id}/transcript.csv",
    access=Access.TEACHER,
    summary="A session's chat transcript (CSV)",
    tags=TAGS,
    errors=(404,),
)
async def chat_transcript_csv(ctx: Ctx, room_id: str, session_id: str) -> web.Response:
    transcript = await ctx.services.moderation.transcripts.export(
        ctx.actor, RoomId(room_id), session_id
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in _transcript_view(transcript).lines:
        data = line.model_dump(mode="json")
        writer.writerow([_cell(data[column]) for column in CSV_COLUMNS])
    response = web.Response(text=buffer.getvalue(), content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="chat-{session_id}.csv"'
    return response


# -- retention ----------------------------------------------------------------------


@routes.get(
    "/api/v1/schools/{school_id}/chat-retention",
    access=Access.SCHOOL_ADMIN,
    summary="How long the school's chat is kept",
    tags=TAGS,
)
async def get_chat_retention(ctx: Ctx, school_id: str) -> RetentionView:
    days, is_default = await ctx.services.moderation.retention.school_days(
        ctx.actor, SchoolId(school_id)
    )
    return RetentionView(school_id=school_id, days=days, is_default=is_default)


@routes.put(
    "/api/v1/schools/{school_id}/chat-retention",
    access=Access.SCHOOL_ADMIN,
    summary="Set how long the school's chat is kept",
    tags=TAGS,
)
async def set_chat_retention(ctx: Ctx, school_id: str, body: RetentionRequest) -> RetentionView:
    """Days after each session; absent ``days`` goes back to the server's default."""
    days, is_default = await ctx.services.moderation.retention.set_school_days(
        ctx.actor, SchoolId(school_id), body.days
    )
    return RetentionView(school_id=school_id, days=days, is_default=is_default)
