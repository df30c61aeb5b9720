"""The projects part of ``jumelage demo``: a European project between the
French and the German demo teachers, with pupils of both schools, pages, a
material (a small generated PNG), a forum thread and a scheduled meeting.

Everything goes through the domain services, contacts included, so the demo
walks the product's real path: contacts first, founding, the co-founder's
acceptance (and the NSOs' approval when the setting asks for it).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from PIL import Image

from community import MeetingPlan, PageDraft, Principal, ProjectForm
from community.clock import utc_now
from protocol.api.projects import ApprovalDecision, ProjectStatus
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from protocol.ids import ProjectId, UserId

from .services import Services

FOUNDER_EMAIL_LOCAL = "camille.martin"
CO_FOUNDER_EMAIL_LOCAL = "jonas.mueller"
PUPILS_PER_SCHOOL = 3


async def _principal(services: Services, email: str, password: str, client: str) -> Principal:
    sessions = services.accounts.sessions
    signed = await sessions.login(email, password, client=client)
    return await sessions.authenticate(signed.access_token)


def _poster_png() -> bytes:
    image = Image.new("RGB", (64, 32), (0, 51, 153))
    for x in range(8, 56, 8):
        image.putpixel((x, 16), (255, 204, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def load_demo_project(
    services: Services,
    *,
    email: Callable[[str], str],
    password: str,
    client: str,
    pupil_ids: dict[str, list[UserId]],
    progress: Callable[[str], None],
) -> ProjectId:
    """Create the demo's European project.

    Args:
        email: Turns a demo e-mail local part into the address.
        pupil_ids: Pupils of the founder's (``"founder"``) and the
            co-founder's (``"co_founder"``) schools.
    """
    projects = services.projects
    progress("[projects] contacts, a European project, its space and a meeting")
    camille = await _principal(services, email(FOUNDER_EMAIL_LOCAL), password, client)
    jonas = await _principal(services, email(CO_FOUNDER_EMAIL_LOCAL), password, client)
    await services.network.contacts.request(camille, jonas.user_id)
    await services.network.contacts.accept(jonas, camille.user_id)
    project = await projects.projects.found(
        camille,
        ProjectForm(
            title="Rivers of Europe",
            description="Pupils in Lyon and Köln compare the Rhône and the Rhine.",
            subjects=("geography", "natural_sciences", "foreign_languages"),
            languages=("en", "fr", "de"),
            age_min=11,
            age_max=15,
            tools=("forum", "live meetings", "shared pages"),
            aims="Discover how rivers shape our towns; practise English together.",
            work_process="One shared activity a month and a live meeting each term.",
            expected_results="A bilingual e-book of our rivers.",
        ),
        co_founder_ids=[jonas.user_id],
    )
    (invitation,) = [
        i for i in await projects.invitations.list_mine(jonas) if i.project_id == project.id
    ]
    accepted = await projects.invitations.accept(jonas, invitation.id)
    if accepted.status is ProjectStatus.PENDING_NSO:
        admin = await _principal(services, email("admin"), password, client)
        for country in accepted.countries:
            await projects.approvals.decide(
                admin, project.id, country, ApprovalDecision.APPROVED, note="demo"
            )
    await projects.members.add_pupils(camille, project.id, pupil_ids["founder"])
    await projects.members.add_pupils(jonas, project.id, pupil_ids["co_founder"])
    await projects.pages.create_page(
        camille,
        project.id,
        PageDraft(
            "Welcome",
            "Two classes, two rivers, one project. Follow our work here.",
            PageViewScope.PUBLIC,
            PageEditScope.TEACHERS,
            PageState.PUBLISHED,
        ),
    )
    await projects.pages.create_page(
        jonas,
        project.id,
        PageDraft(
            "Our e-safety rules",
            "Use your pseudonym, no faces in photos, be kind.",
            PageViewScope.MEMBERS,
            PageEditScope.TEACHERS_AND_PUPILS,
            PageState.PUBLISHED,
        ),
    )
    (folder,) = await projects.materials.list_folders(camille, project.id)
    poster = _poster_png()
    await projects.materials.upload(
        camille,
        project.id,
        folder.id,
        file_name="river-poster.png",
        title="River poster",
        declared_bytes=len(poster),
        chunks=_once(poster),
    )
    discussion = await projects.forum.create_discussion(camille, project.id, "Introductions")
    await projects.forum.create_thread(
        jonas,
        project.id,
        discussion.id,
        title="Hallo from Köln!",
        body="Our class is 7a; we live next to the Rhine. Who are you?",
    )
    start = (utc_now(services.cluster.clock) + timedelta(days=7)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    await projects.meetings.schedule(
        camille,
        project.id,
        MeetingPlan(
            "First live meeting", start, start + timedelta(minutes=45), MeetingAudience.ALL_MEMBERS
        ),
    )
    return project.id
