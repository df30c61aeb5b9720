"""Builds the services of projects and their spaces from their dependencies.

The server's composition root calls :func:`build_project_services` once, with
the networking area's contact service (anything with ``are_contacts``) and
the blob store of the data directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster import Clock
from storage import Database
from storage.files import LocalBlobStore

from .approvals import ApprovalService
from .audit import ProjectAuditReader
from .bulletin import BulletinService
from .calendars import CalendarService
from .directory import ProjectDirectory
from .forum import ForumService
from .gate import ContentGate
from .invitations import InvitationService
from .materials import MaterialService
from .meetings import MeetingService
from .membership import MembershipService
from .pages import PageService
from .ports import ContactChecker
from .projects import ProjectService
from .settings import ProjectSettings
from .space import SpaceService


@dataclass(frozen=True, slots=True)
class ProjectServices:
    """Every service of projects and project spaces."""

    projects: ProjectService
    invitations: InvitationService
    approvals: ApprovalService
    members: MembershipService
    audit: ProjectAuditReader
    space: SpaceService
    pages: PageService
    materials: MaterialService
    forum: ForumService
    bulletin: BulletinService
    meetings: MeetingService
    calendars: CalendarService
    directory: ProjectDirectory
    settings: ProjectSettings


def build_project_services(
    *,
    db: Database,
    clock: Clock,
    contacts: ContactChecker,
    blobs: LocalBlobStore,
    settings: ProjectSettings,
    gate: ContentGate,
) -> ProjectServices:
    """Wire the services together.

    Args:
        gate: Moderation's content gate for the forum and pupils' pages (no default).
    """
    calendars = CalendarService(db=db, clock=clock, settings=settings)
    return ProjectServices(
        projects=ProjectService(db=db, contacts=contacts, clock=clock, settings=settings),
        invitations=InvitationService(db=db, contacts=contacts, clock=clock),
        approvals=ApprovalService(db=db, clock=clock),
        members=MembershipService(db=db, clock=clock),
        audit=ProjectAuditReader(db=db),
        space=SpaceService(db=db, settings=settings),
        pages=PageService(db=db, clock=clock, gate=gate),
        materials=MaterialService(db=db, blobs=blobs, clock=clock, settings=settings),
        forum=ForumService(db=db, clock=clock, gate=gate),
        bulletin=BulletinService(db=db, clock=clock),
        meetings=MeetingService(db=db, clock=clock, calendars=calendars),
        calendars=calendars,
        directory=ProjectDirectory(db=db),
        settings=settings,
    )
