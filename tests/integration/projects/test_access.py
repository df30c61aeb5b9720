"""Every route of projects and spaces, walked with every kind of caller.

The table below says what each caller gets from each route. A route of
``server/http/projects*.py`` or ``spaces*.py`` without an entry makes the test
fail, so a new route cannot ship without an explicit decision about who may
call it. Destructive routes run last, and permitted callers last within a
route, so that one call does not change what the next one sees.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import server.http
from community import MeetingPlan, PageDraft
from protocol.api.projects import SpaceRole
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from tests.integration.projects.conftest import make_contacts
from tests.integration.projects.media import chunks_of, png_bytes

ROLES = (
    "anonymous",
    "nso_admin",
    "non_member_teacher",
    "other_project_pupil",
    "pupil",
    "observer",
    "teacher",
    "teacher_admin",
)
MEMBERS = ("pupil", "observer", "teacher", "teacher_admin")


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Statuses per role: ``default`` for members, 401 for anonymous, 404 for
    outsiders of the project, unless overridden."""
    table = {
        "anonymous": 401,
        "nso_admin": 404,
        "non_member_teacher": 404,
        "other_project_pupil": 404,
    }
    table.update({role: default for role in MEMBERS})
    table.update(overrides)
    return table


TEACHER_GATE = {"pupil": 403, "other_project_pupil": 403, "nso_admin": 403}
"""Routes open to validated teachers only: pupils and NSO admins stop at the gate."""
ADMIN_ONLY = {"observer": 403, "teacher": 403}
P = "/api/v1/projects/{project_id}"

EXPECTATIONS: dict[tuple[str, str], dict[str, int]] = {
    # projects
    ("POST", "/api/v1/projects"): expect(
        403, teacher_admin=201, non_member_teacher=403, **TEACHER_GATE
    ),
    ("GET", "/api/v1/projects"): expect(
        200, nso_admin=200, non_member_teacher=200, other_project_pupil=200
    ),
    ("GET", P): expect(200, nso_admin=200),
    ("PATCH", P): expect(200, **TEACHER_GATE, **ADMIN_ONLY),
    ("GET", f"{P}/members"): expect(200),
    ("POST", f"{P}/pupils"): expect(201, **TEACHER_GATE, **ADMIN_ONLY),
    ("PATCH", f"{P}/members/{{user_id}}"): expect(200, **TEACHER_GATE, **ADMIN_ONLY),
    ("GET", f"{P}/invitations"): expect(200, **TEACHER_GATE, **ADMIN_ONLY),
    ("POST", f"{P}/invitations"): expect(201, **TEACHER_GATE, **ADMIN_ONLY),
    ("GET", "/api/v1/invitations"): expect(200, non_member_teacher=200, **TEACHER_GATE),
    ("POST", "/api/v1/invitations/{invitation_id}/accept"): expect(404, **TEACHER_GATE),
    ("POST", "/api/v1/invitations/{invitation_id}/decline"): expect(404, **TEACHER_GATE),
    ("GET", f"{P}/audit"): expect(200, **TEACHER_GATE, **ADMIN_ONLY),
    ("GET", "/api/v1/admin/project-approvals"): expect(
        403, nso_admin=200, non_member_teacher=403, other_project_pupil=403
    ),
    ("POST", f"{P}/approvals/{{country_code}}"): expect(
        403, nso_admin=404, non_member_teacher=403, other_project_pupil=403
    ),
    # public
    ("GET", "/api/v1/public/projects/{project_id}"): dict.fromkeys(ROLES, 200),
    ("GET", "/api/v1/public/projects/{project_id}/pages/{page_id}"): dict.fromkeys(ROLES, 200),
    # space, pages
    ("GET", f"{P}/space"): expect(200),
    ("GET", f"{P}/pages"): expect(200),
    ("POST", f"{P}/pages"): expect(201, pupil=403, observer=403),
    ("GET", f"{P}/pages/{{page_id}}"): expect(200),
    ("PATCH", f"{P}/pages/{{page_id}}"): expect(200, pupil=403, observer=403),
    # forum and bulletin
    ("GET", f"{P}/forum"): expect(200),
    ("POST", f"{P}/forum"): expect(201, pupil=403, observer=403, teacher=403),
    ("GET", f"{P}/forum/{{discussion_id}}/threads"): expect(200),
    ("POST", f"{P}/forum/{{discussion_id}}/threads"): expect(201, pupil=403, observer=403),
    ("GET", f"{P}/threads/{{thread_id}}/posts"): expect(200),
    ("POST", f"{P}/threads/{{thread_id}}/posts"): expect(201),
    ("GET", f"{P}/bulletin"): expect(200, pupil=403, observer=403),
    ("POST", f"{P}/bulletin"): expect(201, pupil=403, observer=403),
    # materials
    ("GET", f"{P}/folders"): expect(200),
    ("POST", f"{P}/folders"): expect(201, pupil=403, observer=403),
    ("GET", f"{P}/materials"): expect(200),
    ("POST", f"{P}/folders/{{folder_id}}/materials"): expect(201, pupil=403),
    ("GET", f"{P}/materials/{{material_id}}"): expect(200),
    ("GET", f"{P}/materials/{{material_id}}/content"): expect(200),
    # meetings and calendars
    ("GET", f"{P}/meetings"): expect(200),
    ("POST", f"{P}/meetings"): expect(201, **TEACHER_GATE, **ADMIN_ONLY),
    ("GET", f"{P}/meetings/{{meeting_id}}"): expect(200),
    ("GET", f"{P}/meeting-slots"): expect(200, **TEACHER_GATE),
    ("GET", "/api/v1/schools/{school_id}/calendar"): expect(
        200, non_member_teacher=200, **TEACHER_GATE
    ),
    ("PUT", "/api/v1/schools/{school_id}/calendar"): expect(
        403, teacher_admin=200, non_member_teacher=403, **TEACHER_GATE
    ),
    # destructive, last
    ("DELETE", f"{P}/pages/{{page_id}}"): expect(204, pupil=403, observer=403, teacher=403),
    ("DELETE", f"{P}/materials/{{material_id}}"): expect(204, pupil=403, observer=403, teacher=403),
    ("DELETE", f"{P}/invitations/{{invitation_id}}"): expect(204, **TEACHER_GATE, **ADMIN_ONLY),
    ("DELETE", f"{P}/members/{{user_id}}"): expect(204, pupil=403, observer=403, teacher=403),
    ("POST", f"{P}/status"): expect(200, **TEACHER_GATE, **ADMIN_ONLY),
}


def project_routes() -> list[Any]:
    """Every route declared in server/http/projects*.py and spaces*.py."""
    found = []
    for module in pkgutil.iter_modules(server.http.__path__):
        if module.name.startswith(("projects", "spaces")):
            loaded = importlib.import_module(f"server.http.{module.name}")
            table = getattr(loaded, "routes", None)
            if table is not None:
                found.extend(table.routes)
    return found


def test_every_route_of_projects_and_spaces_has_an_expectation():
    declared = {(r.method, r.path) for r in project_routes()}
    missing = sorted(declared - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - declared)
    assert not missing, f"routes without an access expectation: {missing}"
    assert not stale, f"expectations of routes that no longer exist: {stale}"
    for key, table in EXPECTATIONS.items():
        assert set(table) == set(ROLES), key


async def _arrange(world, team) -> dict[str, Any]:
    """Content to point the routes at, and the callers' headers."""
    services = world.services.projects
    founder = team.founder.principal
    pid = team.project_id

    async def page(view: PageViewScope, title: str) -> str:
        draft = PageDraft(title, "text", view, PageEditScope.TEACHERS, PageState.PUBLISHED)
        return (await services.pages.create_page(founder, pid, draft)).id

    members_page = await page(PageViewScope.MEMBERS, "Members")
    public_page = await page(PageViewScope.PUBLIC, "Public")
    doomed_page = await page(PageViewScope.MEMBERS, "Doomed")
    discussion = await services.forum.create_discussion(founder, pid, "Hello")
    thread = await services.forum.create_thread(
        founder, pid, discussion.id, title="Hi", body="first"
    )
    (folder,) = await services.materials.list_folders(founder, pid)

    async def material(name: str) -> str:
        data = png_bytes()
        return (
            await services.materials.upload(
                founder,
                pid,
                folder.id,
                file_name=name,
                title=None,
                declared_bytes=len(data),
                chunks=chunks_of(data),
            )
        ).id

    kept, doomed = await material("kept.png"), await material("doomed.png")
    from datetime import timedelta

    from community.clock import utc_now

    start = utc_now(world.clock) + timedelta(days=1)
    meeting = await services.meetings.schedule(
        founder,
        pid,
        MeetingPlan("Live", start, start + timedelta(hours=1), MeetingAudience.ALL_MEMBERS),
    )
    spare, victim = await world.pupils(team.founder, 2)
    await services.members.add_pupils(founder, pid, [victim.user_id])
    invitee, pending = await world.teacher(country="AT"), await world.teacher(country="BE")
    await make_contacts(world, team.founder, invitee)
    await make_contacts(world, team.founder, pending)
    invitation = await services.invitations.invite(founder, pid, pending.user_id, SpaceRole.TEACHER)
    callers = {
        "anonymous": {},
        "nso_admin": team.nso_admin.headers,
        "non_member_teacher": team.outsider_teacher.headers,
        "other_project_pupil": team.other_pupil.headers,
        "pupil": team.pupil.headers,
        "observer": team.observer.headers,
        "teacher": team.teacher.headers,
        "teacher_admin": team.founder.headers,
    }
    params = {
        "project_id": pid,
        "page_id": members_page,
        "discussion_id": discussion.id,
        "thread_id": thread.id,
        "folder_id": folder.id,
        "material_id": kept,
        "meeting_id": meeting.meetings[0].id,
        "invitation_id": invitation.id,
        "user_id": team.teacher.user_id,
        "country_code": "FR",
        "school_id": team.founder.school_id,
    }
    overrides = {
        ("GET", "/api/v1/public/projects/{project_id}/pages/{page_id}"): {"page_id": public_page},
        ("DELETE", f"{P}/pages/{{page_id}}"): {"page_id": doomed_page},
        ("DELETE", f"{P}/materials/{{material_id}}"): {"material_id": doomed},
        ("DELETE", f"{P}/members/{{user_id}}"): {"user_id": victim.user_id},
    }
    day = (start + timedelta(days=1)).date().isoformat()
    bodies = {
        ("POST", "/api/v1/projects"): {
            "title": "Second",
            "age_min": 10,
            "age_max": 12,
            "co_founders": [team.co_founder.user_id],
        },
        ("PATCH", P): {"aims": "Sharper aims"},
        ("POST", f"{P}/pupils"): {"user_ids": [spare.user_id]},
        ("PATCH", f"{P}/members/{{user_id}}"): {"role": "teacher"},
        ("POST", f"{P}/invitations"): {"user_id": invitee.user_id, "role": "teacher"},
        ("POST", f"{P}/approvals/{{country_code}}"): {"decision": "approved"},
        ("POST", f"{P}/pages"): {"title": "New page"},
        ("PATCH", f"{P}/pages/{{page_id}}"): {"title": "Renamed"},
        ("POST", f"{P}/forum"): {"title": "Topic"},
        ("POST", f"{P}/forum/{{discussion_id}}/threads"): {"title": "T", "body": "first post"},
        ("POST", f"{P}/threads/{{thread_id}}/posts"): {"body": "a reply"},
        ("POST", f"{P}/bulletin"): {"body": "teachers only"},
        ("POST", f"{P}/folders"): {"title": "Photos"},
        ("POST", f"{P}/meetings"): {
            "title": "Another",
            "starts_at": (start + timedelta(days=2)).isoformat(),
            "ends_at": (start + timedelta(days=2, hours=1)).isoformat(),
        },
        ("PUT", "/api/v1/schools/{school_id}/calendar"): {
            "time_zone": "Europe/Paris",
            "hours": [{"weekday": d, "opens": "08:00", "closes": "17:00"} for d in range(5)],
        },
        ("POST", f"{P}/status"): {"status": "closed"},
    }
    queries = {
        ("POST", f"{P}/folders/{{folder_id}}/materials"): "?file_name=photo.png",
        ("GET", f"{P}/meeting-slots"): f"?start_date={day}&end_date={day}&duration_minutes=30",
    }
    return {
        "callers": callers,
        "params": params,
        "overrides": overrides,
        "bodies": bodies,
        "queries": queries,
    }


@pytest.mark.parametrize(
    "callers",
    [ROLES[:4], ROLES[4:6], ROLES[6:]],
    ids=["outsiders", "pupil-observer", "teachers"],
)
async def test_every_route_answers_every_caller_as_the_table_says(world, app_client, team, callers):
    """Split in three only to stay well inside the per-test time limit; each
    part runs on a fresh project, with the teacher admin last in the last."""
    arranged = await _arrange(world, team)
    order = list(EXPECTATIONS)
    routes = {(r.method, r.path): r for r in project_routes()}
    failures = []
    for key in order:
        route = routes[key]
        params = {**arranged["params"], **arranged["overrides"].get(key, {})}
        path = route.path.format(**{name: params[name] for name in route.path_params})
        path += arranged["queries"].get(key, "")
        for role in callers:
            headers = dict(arranged["callers"][role])
            kwargs: dict[str, Any] = {"headers": headers}
            if key == ("POST", f"{P}/folders/{{folder_id}}/materials"):
                kwargs["data"] = png_bytes()
            elif route.body_model is not None:
                kwargs["json"] = arranged["bodies"][key]
            response = await app_client.request(route.method, path, **kwargs)
            wanted = EXPECTATIONS[key][role]
            if response.status != wanted:
                text = await response.text()
                failures.append(f"{key} as {role}: {response.status} != {wanted} {text[:200]}")
    assert not failures, "\n".join(failures)
