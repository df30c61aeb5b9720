"""The space's rules, table by table."""

from __future__ import annotations

import pytest

from community.projects.roles import (
    Action,
    fits_member,
    invitation_kind_for,
    is_founder,
    kind_for_role,
    may,
    may_edit_page,
    may_see_meeting,
    may_transition,
    may_view_page,
    scope_for,
)
from protocol.api.projects import (
    InvitationKind,
    MemberKind,
    ProjectScope,
    ProjectStatus,
    SpaceRole,
)
from protocol.api.spaces import MeetingAudience, PageEditScope, PageState, PageViewScope
from protocol.ids import UserId

R = SpaceRole
A = Action

ALLOWED = {
    R.TEACHER_ADMIN: set(Action),
    R.TEACHER: {
        A.CREATE_PAGE,
        A.PUBLISH_PUBLICLY,
        A.CREATE_FOLDER,
        A.UPLOAD,
        A.CREATE_THREAD,
        A.POST_IN_FORUM,
        A.READ_BULLETIN,
        A.POST_BULLETIN,
    },
    R.OBSERVER: {A.UPLOAD, A.POST_IN_FORUM},
    R.GUEST: set(),
    R.PUPIL_ADMIN: {A.CREATE_PAGE, A.UPLOAD, A.CREATE_THREAD, A.POST_IN_FORUM},
    R.PUPIL: {A.POST_IN_FORUM},
}


@pytest.mark.parametrize("role", list(SpaceRole))
@pytest.mark.parametrize("action", list(Action))
def test_permission_table(role, action):
    assert may(role, action) is (action in ALLOWED[role])


@pytest.mark.parametrize("role", [R.PUPIL, R.PUPIL_ADMIN])
def test_pupils_never_read_the_bulletin_or_manage(role):
    for action in (
        A.READ_BULLETIN,
        A.POST_BULLETIN,
        A.MANAGE_MEMBERS,
        A.ADD_PUPILS,
        A.CREATE_MEETING,
    ):
        assert not may(role, action)


@pytest.mark.parametrize(
    ("scope", "editors"),
    [
        (PageEditScope.ADMINS, {R.TEACHER_ADMIN}),
        (PageEditScope.TEACHERS, {R.TEACHER_ADMIN, R.TEACHER}),
        (PageEditScope.TEACHERS_AND_PUPILS, {R.TEACHER_ADMIN, R.TEACHER, R.PUPIL_ADMIN, R.PUPIL}),
    ],
)
def test_edit_scopes(scope, editors):
    for role in SpaceRole:
        assert may_edit_page(role, scope) is (role in editors)
    assert not may_edit_page(None, scope)


@pytest.mark.parametrize(
    ("role", "view", "state", "edit", "seen"),
    [
        (None, PageViewScope.PUBLIC, PageState.PUBLISHED, PageEditScope.TEACHERS, True),
        (None, PageViewScope.MEMBERS, PageState.PUBLISHED, PageEditScope.TEACHERS, False),
        (None, PageViewScope.PUBLIC, PageState.DRAFT, PageEditScope.TEACHERS, False),
        (R.PUPIL, PageViewScope.MEMBERS, PageState.PUBLISHED, PageEditScope.TEACHERS, True),
        (R.PUPIL, PageViewScope.TEACHERS, PageState.PUBLISHED, PageEditScope.TEACHERS, False),
        (R.GUEST, PageViewScope.TEACHERS, PageState.PUBLISHED, PageEditScope.TEACHERS, True),
        (R.PUPIL, PageViewScope.MEMBERS, PageState.DRAFT, PageEditScope.TEACHERS, False),
        (R.PUPIL, PageViewScope.MEMBERS, PageState.DRAFT, PageEditScope.TEACHERS_AND_PUPILS, True),
        (R.TEACHER, PageViewScope.PUBLIC, PageState.DRAFT, PageEditScope.ADMINS, False),
        (R.TEACHER_ADMIN, PageViewScope.PUBLIC, PageState.DRAFT, PageEditScope.ADMINS, True),
        (R.OBSERVER, PageViewScope.MEMBERS, PageState.DRAFT, PageEditScope.TEACHERS, False),
    ],
)
def test_page_visibility(role, view, state, edit, seen):
    assert may_view_page(role, view_scope=view, edit_scope=edit, state=state) is seen


ME = UserId("me")


@pytest.mark.parametrize(
    ("role", "audience", "invited", "seen"),
    [
        (R.PUPIL, MeetingAudience.ALL_MEMBERS, (), True),
        (R.PUPIL, MeetingAudience.TEACHERS, (), False),
        (R.PUPIL, MeetingAudience.CHOSEN, (), False),
        (R.PUPIL, MeetingAudience.CHOSEN, (ME,), True),
        (R.OBSERVER, MeetingAudience.TEACHERS, (), True),
        (R.GUEST, MeetingAudience.TEACHERS, (), False),
        (R.TEACHER, MeetingAudience.CHOSEN, (), False),
        (R.TEACHER_ADMIN, MeetingAudience.CHOSEN, (), True),
    ],
)
def test_meeting_audiences(role, audience, invited, seen):
    assert may_see_meeting(role, ME, audience=audience, invited_user_ids=invited) is seen


@pytest.mark.parametrize(
    ("role", "pupil", "fits"),
    [
        (R.PUPIL, True, True),
        (R.PUPIL_ADMIN, True, True),
        (R.TEACHER, True, False),
        (R.TEACHER_ADMIN, False, True),
        (R.GUEST, False, True),
        (R.PUPIL, False, False),
    ],
)
def test_roles_fit_their_kind(role, pupil, fits):
    assert fits_member(role, is_pupil=pupil) is fits


@pytest.mark.parametrize(
    ("role", "kind", "invitation"),
    [
        (R.TEACHER_ADMIN, MemberKind.PARTNER, InvitationKind.PARTNER),
        (R.TEACHER, MemberKind.PARTNER, InvitationKind.PARTNER),
        (R.OBSERVER, MemberKind.GUEST, InvitationKind.GUEST),
        (R.GUEST, MemberKind.GUEST, InvitationKind.GUEST),
    ],
)
def test_kinds_follow_roles(role, kind, invitation):
    assert kind_for_role(role) is kind
    assert invitation_kind_for(role) is invitation


def test_only_founders_are_protected():
    assert {k for k in MemberKind if is_founder(k)} == {MemberKind.FOUNDER, MemberKind.CO_FOUNDER}


S = ProjectStatus


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.PENDING_PARTNER, S.ACTIVE, True),
        (S.PENDING_PARTNER, S.PENDING_NSO, True),
        (S.PENDING_PARTNER, S.DECLINED, True),
        (S.PENDING_NSO, S.ACTIVE, True),
        (S.PENDING_NSO, S.REJECTED, True),
        (S.ACTIVE, S.CLOSED, True),
        (S.ACTIVE, S.ARCHIVED, True),
        (S.CLOSED, S.ARCHIVED, True),
        (S.CLOSED, S.ACTIVE, False),
        (S.ARCHIVED, S.ACTIVE, False),
        (S.REJECTED, S.ACTIVE, False),
        (S.DECLINED, S.ACTIVE, False),
        (S.PENDING_PARTNER, S.CLOSED, False),
    ],
)
def test_project_transitions(current, target, allowed):
    assert may_transition(current, target) is allowed


@pytest.mark.parametrize(
    ("a", "b", "scope"),
    [
        ("FR", "DE", ProjectScope.EUROPEAN),
        ("FR", "FR", ProjectScope.NATIONAL),
        ("fr", "FR", ProjectScope.NATIONAL),
    ],
)
def test_scope(a, b, scope):
    assert scope_for(a, b) is scope
