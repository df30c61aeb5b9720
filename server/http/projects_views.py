"""Records of projects and their spaces rendered as API views (one function per view).

Author labels are decided here for the two audiences: members see every
author's display name (a teacher's name, a pupil's pseudonym); the public
sees teachers' names and "a pupil" for any pupil, never a pupil's name.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from community import EffectiveCalendar, ProjectSight
from protocol.api.projects import (
    ApprovalView,
    InvitationView,
    MemberView,
    ProjectAuditView,
    ProjectView,
)
from protocol.api.spaces import (
    AuthorView,
    BulletinPostView,
    DiscussionView,
    FolderView,
    MaterialView,
    MeetingView,
    PageSummaryView,
    PageView,
    PostView,
    PublicPageView,
    SchoolCalendarView,
    ThreadView,
)
from storage.records import AuditRecord
from storage.records_projects import (
    ApprovalRecord,
    Author,
    BulletinRecord,
    DiscussionRecord,
    FolderRecord,
    InvitationRecord,
    MaterialRecord,
    MeetingRecord,
    MemberRecord,
    PageRecord,
    PostRecord,
    ProjectRecord,
    ThreadRecord,
)

PUBLIC_PUPIL_LABEL = "a pupil"


def project_view(project: ProjectRecord, sight: ProjectSight | None = None) -> ProjectView:
    f = project.fields
    return ProjectView(
        id=project.id,
        title=f.title,
        description=f.description,
        subjects=list(f.subjects),
        languages=list(f.languages),
        age_min=f.age_min,
        age_max=f.age_max,
        tools=list(f.tools),
        aims=f.aims,
        work_process=f.work_process,
        expected_results=f.expected_results,
        scope=project.scope,
        status=project.status,
        countries=list(project.countries),
        founder_id=project.founder_id,
        co_founder_id=project.co_founder_id,
        needs_nso_approval=project.needs_nso_approval,
        created_at=project.created_at,
        activated_at=project.activated_at,
        closed_at=project.closed_at,
        archived_at=project.archived_at,
        my_role=None if sight is None or sight.member is None else sight.member.role,
    )


def sight_view(sight: ProjectSight) -> ProjectView:
    return project_view(sight.project, sight)


def member_view(member: MemberRecord) -> MemberView:
    return MemberView(
        user_id=member.user_id,
        display_name=member.display_name,
        kind=member.kind,
        role=member.role,
        school_id=member.school_id,
        country_code=member.country_code,
        joined_at=member.joined_at,
    )


def invitation_view(invitation: InvitationRecord) -> InvitationView:
    return InvitationView(
        id=invitation.id,
        project_id=invitation.project_id,
        project_title=invitation.project_title,
        invitee_id=invitation.invitee_id,
        inviter_id=invitation.inviter_id,
        kind=invitation.kind,
        role=invitation.role,
        status=invitation.status,
        created_at=invitation.created_at,
        decided_at=invitation.decided_at,
    )


def approval_view(approval: ApprovalRecord) -> ApprovalView:
    return ApprovalView(
        project_id=approval.project_id,
        project_title=approval.project_title,
        country_code=approval.country_code,
        decision=approval.decision,
        decided_by=approval.decided_by,
        decided_at=approval.decided_at,
        note=approval.note,
    )


def audit_view(entry: AuditRecord) -> ProjectAuditView:
    return ProjectAuditView(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        subject_id=entry.subject_id,
        details={str(k): str(v) for k, v in entry.details.items()},
    )


def author_view(author: Author) -> AuthorView:
    """For members: everyone by display name (pupils' are pseudonyms)."""
    return AuthorView(user_id=author.user_id, label=author.display_name, is_pupil=author.is_pupil)


def public_author_view(author: Author) -> AuthorView:
    """For anyone: teachers by name, pupils only as "a pupil", and no ids."""
    label = PUBLIC_PUPIL_LABEL if author.is_pupil else author.display_name
    return AuthorView(label=label, is_pupil=author.is_pupil)


def page_view(page: PageRecord) -> PageView:
    return PageView(
        id=page.id,
        project_id=page.project_id,
        title=page.title,
        body=page.body,
        view_scope=page.view_scope,
        edit_scope=page.edit_scope,
        state=page.state,
        author=author_view(page.created_by),
        updated_by=author_view(page.updated_by),
        created_at=page.created_at,
        updated_at=page.updated_at,
    )


def page_summary_view(page: PageRecord) -> PageSummaryView:
    return PageSummaryView(
        id=page.id,
        title=page.title,
        view_scope=page.view_scope,
        edit_scope=page.edit_scope,
        state=page.state,
        updated_at=page.updated_at,
    )


def public_page_view(page: PageRecord) -> PublicPageView:
    return PublicPageView(
        id=page.id,
        title=page.title,
        body=page.body,
        author=public_author_view(page.created_by),
        updated_at=page.updated_at,
    )


def folder_view(folder: FolderRecord) -> FolderView:
    return FolderView(id=folder.id, title=folder.title, created_at=folder.created_at)


def material_view(material: MaterialRecord) -> MaterialView:
    return MaterialView(
        id=material.id,
        folder_id=material.folder_id,
        title=material.title,
        file_name=material.file_name,
        content_type=material.content_type,
        size_bytes=material.size_bytes,
        uploaded_by=author_view(material.uploaded_by),
        created_at=material.created_at,
    )


def discussion_view(discussion: DiscussionRecord) -> DiscussionView:
    return DiscussionView(
        id=discussion.id,
        title=discussion.title,
        created_by=author_view(discussion.created_by),
        created_at=discussion.created_at,
    )


def thread_view(thread: ThreadRecord) -> ThreadView:
    return ThreadView(
        id=thread.id,
        discussion_id=thread.discussion_id,
        title=thread.title,
        created_by=author_view(thread.created_by),
        created_at=thread.created_at,
    )


def post_view(post: PostRecord) -> PostView:
    return PostView(
        id=post.id,
        thread_id=post.thread_id,
        author=author_view(post.author),
        body=post.body,
        created_at=post.created_at,
    )


def bulletin_view(post: BulletinRecord) -> BulletinPostView:
    return BulletinPostView(
        id=post.id, author=author_view(post.author), body=post.body, created_at=post.created_at
    )


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


def meeting_view(meeting: MeetingRecord, time_zone: str) -> MeetingView:
    zone = ZoneInfo(time_zone)
    return MeetingView(
        id=meeting.id,
        project_id=meeting.project_id,
        room_id=meeting.room_id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        time_zone=time_zone,
        local_starts_at=_local(meeting.starts_at, zone),
        local_ends_at=_local(meeting.ends_at, zone),
        audience=meeting.audience,
        invited_user_ids=list(meeting.invited_user_ids),
        created_by=meeting.created_by,
        created_at=meeting.created_at,
    )


def calendar_view(calendar: EffectiveCalendar) -> SchoolCalendarView:
    return SchoolCalendarView(
        school_id=calendar.school_id,
        time_zone=calendar.time_zone,
        hours=[
            {"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in calendar.hours
        ],
        holidays=[
            {
                "starts_on": h.starts_on.isoformat(),
                "ends_on": h.ends_on.isoformat(),
                "label": h.label,
            }
            for h in calendar.holidays
        ],
        is_default=calendar.is_default,
    )
