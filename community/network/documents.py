"""What partner search indexes of a profile or a post (pure functions).

The domain chooses the words: besides what the teacher wrote, a document
carries the labels and other-language names of its subjects and the names of
its languages, the teacher's school and town, so that a search for
"Mathematik" or "Kraków" finds a profile whose teacher never typed them.
Storage folds and tokenizes; it adds the filter tags itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from protocol.api.accounts import AccountStatus
from protocol.api.network import SearchKind
from storage.records_network import PostRecord, ProfileFields, TeacherCardRecord
from storage.search import SearchDocument

from .vocabulary import Vocabulary

SUMMARY_LEN = 300
INACTIVE_AFTER = timedelta(days=365)
"""A teacher who has not signed in for this long is inactive: their profile
drops out of search and out of sight of other teachers, and comes back when
they sign in again (../shared/reference/etwinning-domain.md)."""


def inactive_from(card: TeacherCardRecord) -> datetime | None:
    """When the teacher becomes inactive if they do not sign in again (None:
    never signed in, so nothing to count from: such an account has no saved
    profile through the product, and an imported one stays visible)."""
    return None if card.last_login_at is None else card.last_login_at + INACTIVE_AFTER


def is_inactive(card: TeacherCardRecord, now: datetime) -> bool:
    """Whether the teacher's profile is out of sight of others at ``now``."""
    until = inactive_from(card)
    return until is not None and until <= now


def _terms_text(
    vocabulary: Vocabulary, subjects: tuple[str, ...], languages: tuple[str, ...]
) -> str:
    words: list[str] = []
    for code in subjects:
        term = vocabulary.subject(code)
        if term is not None:
            words += [term.label, *term.keywords]
    for code in languages:
        language = vocabulary.language(code)
        if language is not None:
            words.append(language.label)
    return " ".join(words)


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_LEN else flat[: SUMMARY_LEN - 1].rstrip() + "…"


def profile_document(
    card: TeacherCardRecord, fields: ProfileFields, vocabulary: Vocabulary
) -> SearchDocument:
    """The search document of a teacher's profile."""
    body = "\n".join(
        [
            fields.bio,
            " ".join(fields.interests),
            _terms_text(vocabulary, fields.subjects, fields.languages),
            card.school_name,
            card.city,
        ]
    )
    return SearchDocument(
        kind=SearchKind.PROFILE,
        ref_id=card.user_id,
        owner_id=card.user_id,
        owner_validated=card.status is AccountStatus.VALIDATED,
        title=card.full_name,
        body=body,
        summary=_summary(fields.bio),
        school_name=card.school_name,
        city=card.city,
        country_code=card.country_code,
        school_type=card.school_type,
        age_min=fields.age_min,
        age_max=fields.age_max,
        looking_for_partners=fields.looking_for_partners,
        subjects=fields.subjects,
        languages=fields.languages,
        expires_at=inactive_from(card),
    )


def post_document(
    post: PostRecord, author: TeacherCardRecord, vocabulary: Vocabulary
) -> SearchDocument:
    """The search document of an open partner-finding post."""
    fields = post.fields
    body = "\n".join(
        [
            fields.description,
            _terms_text(vocabulary, fields.subjects, fields.languages),
            author.full_name,
            author.school_name,
            author.city,
        ]
    )
    return SearchDocument(
        kind=SearchKind.POST,
        ref_id=post.id,
        owner_id=author.user_id,
        owner_validated=author.status is AccountStatus.VALIDATED,
        title=fields.title,
        body=body,
        summary=_summary(fields.description),
        school_name=author.school_name,
        city=author.city,
        country_code=author.country_code,
        school_type=author.school_type,
        age_min=fields.age_min,
        age_max=fields.age_max,
        looking_for_partners=True,
        subjects=fields.subjects,
        languages=fields.languages,
        wanted_countries=fields.wanted_countries,
        expires_at=post.expires_at,
    )


def is_expired(post: PostRecord, now: datetime) -> bool:
    """Whether a post has passed its expiry (it then drops out of search)."""
    return post.expires_at <= now
