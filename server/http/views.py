"""Domain records rendered as API views (one function per view)."""

from __future__ import annotations

from community import AccountView, IssuedPupil
from protocol.api.accounts import (
    IssuedPupilView,
    MeView,
    PupilView,
    SchoolView,
    TeacherView,
)
from protocol.api.integrations import ApiKeyView
from storage.records import ApiKeyRecord, PupilRecord, SchoolRecord, TeacherRecord


def school_view(school: SchoolRecord) -> SchoolView:
    return SchoolView(
        id=school.id,
        name=school.name,
        country_code=school.country_code,
        city=school.city,
        school_type=school.school_type,
        age_min=school.age_min,
        age_max=school.age_max,
        languages=list(school.languages),
    )


def me_view(account: AccountView) -> MeView:
    return MeView(
        user_id=account.user_id,
        kind=account.kind,
        status=account.status,
        display_name=account.display_name,
        login=account.login,
        email=account.email,
        school=None if account.school is None else school_view(account.school),
        country_code=account.country_code,
        is_school_admin=account.is_school_admin,
        class_label=account.class_label,
    )


def teacher_view(teacher: TeacherRecord) -> TeacherView:
    return TeacherView(
        user_id=teacher.user_id,
        email=teacher.email,
        full_name=teacher.full_name,
        school_id=teacher.school_id,
        country_code=teacher.country_code,
        role_at_school=teacher.role_at_school,
        is_school_admin=teacher.is_school_admin,
        status=teacher.status,
        status_reason=teacher.status_reason,
        decided_at=teacher.decided_at,
        registered_at=teacher.created_at,
    )


def pupil_view(pupil: PupilRecord) -> PupilView:
    return PupilView(
        user_id=pupil.user_id,
        login=pupil.login,
        display_name=pupil.display_name,
        class_label=pupil.class_label,
        status=pupil.status,
        created_at=pupil.created_at,
    )


def issued_pupil_view(issued: IssuedPupil) -> IssuedPupilView:
    return IssuedPupilView(**pupil_view(issued.record).model_dump(), password=issued.password)


def api_key_view(key: ApiKeyRecord) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=list(key.scopes),
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )
