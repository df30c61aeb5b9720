"""Fixtures of the projects suite: contacts made through the networking area's
service, and an active European project with members in every role.

``team`` is one project (FR founder, DE co-founder) with a teacher partner, an
observer, a pupil admin and pupils of the founder's school, plus outsiders: a
teacher of another school, a pupil of another project and an NSO admin.
Everything is arranged through the domain services, as the product would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from community import ProjectForm
from protocol.api.projects import SpaceRole
from protocol.ids import ProjectId
from tests.support import Actor, World


async def make_contacts(world: World, a: Actor, b: Actor) -> None:
    """``a`` asks, ``b`` accepts: they are contacts."""
    contacts = world.services.network.contacts
    await contacts.request(a.principal, b.user_id)
    await contacts.accept(b.principal, a.user_id)


def form(title: str = "Our rivers") -> ProjectForm:
    return ProjectForm(
        title=title,
        description="Pupils compare the rivers of their towns.",
        subjects=("geography", "natural_sciences"),
        languages=("en", "fr", "de"),
        age_min=11,
        age_max=14,
        tools=("padlet",),
        aims="Know our rivers",
        work_process="One activity a month",
        expected_results="An e-book",
    )


async def found_active(
    world: World, founder: Actor, co_founder: Actor, title: str = "Our rivers"
) -> ProjectId:
    """A project founded by ``founder`` with ``co_founder``, accepted, so active."""
    projects = world.services.projects
    await make_contacts(world, founder, co_founder)
    project = await projects.projects.found(
        founder.principal, form(title), co_founder_ids=[co_founder.user_id]
    )
    (invitation,) = await projects.invitations.list_mine(co_founder.principal)
    await projects.invitations.accept(co_founder.principal, invitation.id)
    return project.id


async def join_as(
    world: World, project_id: ProjectId, admin: Actor, teacher: Actor, role: SpaceRole
) -> None:
    """``admin`` invites their contact ``teacher`` with ``role``; they accept."""
    projects = world.services.projects
    await make_contacts(world, admin, teacher)
    invitation = await projects.invitations.invite(
        admin.principal, project_id, teacher.user_id, role
    )
    await projects.invitations.accept(teacher.principal, invitation.id)


@dataclass
class Team:
    project_id: ProjectId
    founder: Actor
    co_founder: Actor
    teacher: Actor
    observer: Actor
    pupil_admin: Actor
    pupil: Actor
    outsider_teacher: Actor
    other_pupil: Actor
    """A pupil member of another project (of the founder's school)."""
    other_project_id: ProjectId
    nso_admin: Actor
    extra: dict[str, Any]

    def url(self, path: str = "") -> str:
        return f"/api/v1/projects/{self.project_id}{path}"


@pytest.fixture
async def team(world: World) -> Team:
    founder = await world.teacher(country="FR")
    co_founder = await world.teacher(country="DE")
    project_id = await found_active(world, founder, co_founder)
    teacher = await world.teacher(country="IT")
    observer = await world.teacher(country="PL")
    await join_as(world, project_id, founder, teacher, SpaceRole.TEACHER)
    await join_as(world, project_id, founder, observer, SpaceRole.OBSERVER)
    pupil_admin, pupil, other_pupil = await world.pupils(founder, 3)
    members = world.services.projects.members
    await members.add_pupils(founder.principal, project_id, [pupil.user_id])
    await members.add_pupils(
        founder.principal, project_id, [pupil_admin.user_id], SpaceRole.PUPIL_ADMIN
    )
    other_partner = await world.teacher(country="ES")
    other_project_id = await found_active(world, founder, other_partner, "Other project")
    await members.add_pupils(founder.principal, other_project_id, [other_pupil.user_id])
    outsider = await world.teacher(country="FR")
    nso = await world.nso_admin("FR")
    return Team(
        project_id=project_id,
        founder=founder,
        co_founder=co_founder,
        teacher=teacher,
        observer=observer,
        pupil_admin=pupil_admin,
        pupil=pupil,
        outsider_teacher=outsider,
        other_pupil=other_pupil,
        other_project_id=other_project_id,
        nso_admin=nso,
        extra={},
    )
