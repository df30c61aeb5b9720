"""Cleaning the describing fields of a project (title, tags, texts, age range)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from protocol.errors import InvalidPayload
from storage.records_projects import ProjectFields

from ..accounts.names import clean_display_text
from ..network.vocabulary import vocabulary

MAX_TITLE_LEN = 200
MAX_TAG_LEN = 60
MAX_TEXT_LEN = 5000


@dataclass(frozen=True, slots=True)
class ProjectForm:
    """What a teacher types when founding or editing a project."""

    title: str
    description: str = ""
    subjects: Sequence[str] = ()
    languages: Sequence[str] = ()
    age_min: int = 0
    age_max: int = 0
    tools: Sequence[str] = ()
    aims: str = ""
    work_process: str = ""
    expected_results: str = ""


def _tags(values: Sequence[str], field: str) -> tuple[str, ...]:
    cleaned: list[str] = []
    for value in values:
        tag = clean_display_text(value, field=field, max_len=MAX_TAG_LEN)
        if tag.casefold() not in (t.casefold() for t in cleaned):
            cleaned.append(tag)
    return tuple(cleaned)


def _text(value: str, field: str) -> str:
    text = value.replace("\x00", "").strip()
    if len(text) > MAX_TEXT_LEN:
        raise InvalidPayload(
            f"{field} must have at most {MAX_TEXT_LEN} characters", details={"field": field}
        )
    return text


def clean_fields(form: ProjectForm) -> ProjectFields:
    """The stored form of a project's fields.

    Raises:
        InvalidPayload: Empty title, bad age range, overlong text, a subject
            or language not in the networking area's vocabulary (projects and
            partner search speak of the same subjects and languages).
    """
    if not 0 <= form.age_min <= form.age_max <= 99:
        raise InvalidPayload(
            "the pupils' age range must go from the youngest to the oldest age",
            details={"field": "age_min"},
        )
    return ProjectFields(
        title=clean_display_text(form.title, field="title", max_len=MAX_TITLE_LEN),
        description=_text(form.description, "description"),
        subjects=vocabulary().check_subjects(form.subjects, field="subjects"),
        languages=vocabulary().check_languages(form.languages, field="languages"),
        age_min=form.age_min,
        age_max=form.age_max,
        tools=_tags(form.tools, "tools"),
        aims=_text(form.aims, "aims"),
        work_process=_text(form.work_process, "work_process"),
        expected_results=_text(form.expected_results, "expected_results"),
    )
