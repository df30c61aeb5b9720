"""``jumelage demo`` builds a European project between the FR and DE teachers."""

from __future__ import annotations

from community import vocabulary
from protocol.ids import ProjectId
from server.demo import DEMO_PASSWORD, load_demo


async def test_the_demo_has_a_european_project_with_everything_in_it(services, app_client):
    result = await load_demo(services, lambda _line: None)
    assert result.project_id
    signed = await services.accounts.sessions.login(
        "camille.martin@demo.jumelage.example", DEMO_PASSWORD, client="test-demo"
    )
    camille = await services.accounts.sessions.authenticate(signed.access_token)
    projects = services.projects
    project_id = ProjectId(result.project_id)
    sight = await projects.projects.get(camille, project_id)
    assert sight.project.status.value == "active"
    assert sight.project.scope.value == "european"
    # The project's subjects are the networking area's codes, so that search
    # and the project space speak of the same subjects.
    assert vocabulary().check_subjects(sight.project.fields.subjects, field="subjects")
    members = await projects.members.list_members(camille, project_id)
    pupils = [m for m in members if m.kind.value == "pupil"]
    assert {m.country_code for m in pupils} == {"FR", "DE"}
    assert len(await projects.pages.list_pages(camille, project_id)) == 2
    materials = await projects.materials.list_materials(
        camille, project_id, folder_id=None, cursor=None, limit=10
    )
    assert [m.content_type for m in materials.items] == ["image/png"]
    (discussion,) = await projects.forum.list_discussions(camille, project_id)
    assert len(await projects.forum.list_threads(camille, project_id, discussion.id)) == 1
    seen = await projects.meetings.list_meetings(camille, project_id)
    assert len(seen.meetings) == 1 and seen.meetings[0].room_id
    public = await app_client.get(f"/api/v1/public/projects/{project_id}")
    assert (await public.json())["title"] == "Rivers of Europe"
