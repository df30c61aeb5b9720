"""``jumelage demo``: a small but realistic network to try Jumelage with.

Schools in five countries, a national support organisation admin, validated
teachers (one of them a school admin) and classes of pupils with generated
pseudonyms. Every account goes through the same domain services as a real
one (registration, validation, pupil creation), so the demo exercises the
product rather than writing rows behind its back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from community import IssuedPupil, NewSchool, Principal, TeacherRegistration
from protocol.api.accounts import AccountKind, AccountStatus, RoleAtSchool, SchoolType
from protocol.ids import UserId

from .demo_network import load_demo_network
from .demo_projects import PUPILS_PER_SCHOOL, load_demo_project
from .services import Services

DEMO_DOMAIN = "demo.jumelage.example"
DEMO_PASSWORD = "demo-password-2026"
DEMO_CLIENT = "demo"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoSchool:
    key: str
    name: str
    country: str
    city: str
    school_type: SchoolType
    ages: tuple[int, int]
    languages: tuple[str, ...]
    teachers: tuple[tuple[str, str], ...]
    """(e-mail local part, full name) of each teacher."""
    classes: tuple[tuple[str, int], ...]
    """(class label, number of pupils)."""


SCHOOLS = (
    DemoSchool(
        "lyon",
        "Collège Jean Moulin",
        "FR",
        "Lyon",
        SchoolType.LOWER_SECONDARY,
        (11, 15),
        ("fr", "en"),
        (("camille.martin", "Camille Martin"), ("hugo.bernard", "Hugo Bernard")),
        (("5e B", 12),),
    ),
    DemoSchool(
        "lille",
        "École primaire Voltaire",
        "FR",
        "Lille",
        SchoolType.PRIMARY,
        (6, 11),
        ("fr",),
        (("lea.petit", "Léa Petit"),),
        (("CM1", 8),),
    ),
    DemoSchool(
        "koeln",
        "Gesamtschule am Rhein",
        "DE",
        "Köln",
        SchoolType.LOWER_SECONDARY,
        (10, 16),
        ("de", "en"),
        (("jonas.mueller", "Jonas Müller"),),
        (("7a", 12),),
    ),
    DemoSchool(
        "torino",
        "Istituto Comprensivo Leonardo",
        "IT",
        "Torino",
        SchoolType.LOWER_SECONDARY,
        (11, 14),
        ("it", "en"),
        (("giulia.rossi", "Giulia Rossi"),),
        (("2B", 10),),
    ),
    DemoSchool(
        "krakow",
        "Szkoła Podstawowa nr 5",
        "PL",
        "Kraków",
        SchoolType.PRIMARY,
        (7, 15),
        ("pl", "en"),
        (("anna.nowak", "Anna Nowak"),),
        (("6c", 10),),
    ),
    DemoSchool(
        "sevilla",
        "IES Giralda",
        "ES",
        "Sevilla",
        SchoolType.UPPER_SECONDARY,
        (12, 18),
        ("es", "en"),
        (("lucia.garcia", "Lucía García"),),
        (("3º ESO A", 10),),
    ),
)


@dataclass
class DemoResult:
    """What was created, to print how to sign in."""

    platform_admin: str = ""
    nso_admins: list[str] = field(default_factory=list)
    teachers: list[str] = field(default_factory=list)
    pupils: dict[str, list[IssuedPupil]] = field(default_factory=dict)
    project_id: str = ""
    """The demo's European project (FR and DE)."""


class DemoAlreadyLoaded(Exception):
    """The demo accounts exist already."""


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


async def load_demo(services: Services, progress: Progress) -> DemoResult:
    """Create the demo network through the domain services.

    Raises:
        DemoAlreadyLoaded: The demo's platform admin already exists.
    """
    accounts = services.accounts
    result = DemoResult()
    async with services.db.transaction("demo.check") as uow:
        if await uow.accounts.login_exists(_email("admin")):
            raise DemoAlreadyLoaded("the demo is already loaded in this database")

    steps = 5
    progress(f"[1/{steps}] administrators")
    admin = await accounts.staff.create_admin(
        None,
        kind=AccountKind.PLATFORM_ADMIN,
        email=_email("admin"),
        full_name="Platform Admin",
        country_code=None,
        password=DEMO_PASSWORD,
    )
    admin_principal = Principal(
        admin.record.user_id,
        AccountKind.PLATFORM_ADMIN,
        AccountStatus.ACTIVE,
        None,
        None,
    )
    result.platform_admin = admin.record.email
    for country in sorted({s.country for s in SCHOOLS}):
        nso = await accounts.staff.create_admin(
            admin_principal,
            kind=AccountKind.NSO_ADMIN,
            email=_email(f"nso.{country.lower()}"),
            full_name=f"NSO officer {country}",
            country_code=country,
            password=DEMO_PASSWORD,
        )
        result.nso_admins.append(nso.record.email)

    progress(f"[2/{steps}] schools and teachers' registrations")
    school_ids: dict[str, str] = {}
    for school in SCHOOLS:
        for index, (local, name) in enumerate(school.teachers):
            existing = school_ids.get(school.key)
            await accounts.registration.register_teacher(
                TeacherRegistration(
                    email=_email(local),
                    password=DEMO_PASSWORD,
                    full_name=name,
                    role_at_school=RoleAtSchool.TEACHER,
                    school_id=None if existing is None else existing,  # type: ignore[arg-type]
                    new_school=None
                    if existing is not None
                    else NewSchool(
                        name=school.name,
                        country_code=school.country,
                        city=school.city,
                        school_type=school.school_type,
                        age_min=school.ages[0],
                        age_max=school.ages[1],
                        languages=school.languages,
                    ),
                ),
                client=f"{DEMO_CLIENT}-{school.key}-{index}",
            )
            if existing is None:
                signed = await accounts.sessions.login(
                    _email(local), DEMO_PASSWORD, client=DEMO_CLIENT
                )
                me = await accounts.sessions.authenticate(signed.access_token)
                assert me.school_id is not None
                school_ids[school.key] = me.school_id
            result.teachers.append(_email(local))

    progress(f"[3/{steps}] national support organisations validate the teachers")
    teachers = await accounts.validation.list_teachers(
        admin_principal,
        status=AccountStatus.PENDING,
        country_code=None,
        cursor=None,
        limit=100,
    )
    first_in_school: dict[str, UserId] = {}
    for teacher in teachers.items:
        await accounts.validation.decide(
            admin_principal, teacher.user_id, AccountStatus.VALIDATED, reason="demo"
        )
        first_in_school.setdefault(teacher.school_id, teacher.user_id)

    progress(f"[4/{steps}] school admins")
    for teacher_id in first_in_school.values():
        await accounts.validation.set_school_admin(admin_principal, teacher_id, True)

    progress(f"[5/{steps}] pupils")
    total = sum(n for s in SCHOOLS for _, n in s.classes)
    done = 0
    for school in SCHOOLS:
        local = school.teachers[0][0]
        signed = await accounts.sessions.login(_email(local), DEMO_PASSWORD, client=DEMO_CLIENT)
        host = await accounts.sessions.authenticate(signed.access_token)
        for label, count in school.classes:
            issued = await accounts.pupils.create_pupils(
                host, class_label=label, display_names=[None] * count
            )
            result.pupils.setdefault(f"{school.name} ({school.country}) — {label}", []).extend(
                issued
            )
            done += count
            progress(f"      {done}/{total} pupils")

    await load_demo_network(
        services, email=_email, password=DEMO_PASSWORD, client=DEMO_CLIENT, progress=progress
    )

    def first_pupils(school_key: str) -> list[UserId]:
        school = next(s for s in SCHOOLS if s.key == school_key)
        group = f"{school.name} ({school.country}) — {school.classes[0][0]}"
        return [p.record.user_id for p in result.pupils[group][:PUPILS_PER_SCHOOL]]

    result.project_id = await load_demo_project(
        services,
        email=_email,
        password=DEMO_PASSWORD,
        client=DEMO_CLIENT,
        pupil_ids={"founder": first_pupils("lyon"), "co_founder": first_pupils("koeln")},
        progress=progress,
    )
    return result


def describe(result: DemoResult, base_url: str) -> str:
    """How to sign in to the demo, for the terminal."""
    lines = [
        "",
        f"Demo loaded. Every adult's password is: {DEMO_PASSWORD}",
        f"  platform admin : {result.platform_admin}",
        f"  project        : {result.project_id} (Camille Martin and Jonas Müller)",
        *(f"  NSO admin      : {e}" for e in result.nso_admins),
        *(f"  teacher        : {e}" for e in result.teachers),
        "",
        "Pupils (login / password), shown only now:",
    ]
    for group, pupils in result.pupils.items():
        lines.append(f"  {group}")
        lines.extend(
            f"    {p.record.display_name:<20} {p.record.login:<26} {p.password}" for p in pupils[:3]
        )
        if len(pupils) > 3:
            lines.append(
                f"    … and {len(pupils) - 3} more (teachers can reset any pupil's password)"
            )
    lines += [
        "",
        f"Sign in: curl -s -X POST {base_url}/api/v1/auth/login \\",
        "           -H 'Content-Type: application/json' \\",
        f'           -d \'{{"login": "{result.teachers[0]}", "password": "{DEMO_PASSWORD}"}}\'',
        f"API documentation: {base_url}/api/v1/docs",
    ]
    return "\n".join(lines)
