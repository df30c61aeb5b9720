"""Networking records rendered as API views (one function per view)."""

from __future__ import annotations

from community import CountryDetail, PartnerPost, TeacherProfile
from protocol.api.network import (
    AuthorView,
    ContactView,
    CountryDetailView,
    FacetsView,
    FacetView,
    NsoView,
    PostView,
    ProfileView,
    SchoolSummaryView,
    SearchHitView,
    SearchResultView,
)
from protocol.ids import UserId
from storage.records_network import ContactEntryRecord
from storage.search import SearchHit, SearchPage


def country_view(detail: CountryDetail) -> CountryDetailView:
    country, nso = detail.country, detail.nso
    return CountryDetailView(
        code=country.code,
        name=country.name,
        group=country.group.value,
        timezone=country.timezone,
        joined=country.joined,
        left=country.left,
        is_participating=detail.is_participating,
        nso=None
        if nso is None
        else NsoView(
            name=nso.name,
            is_generic=nso.is_generic,
            verification=nso.verification,
            website=nso.website,
            source=nso.source,
            note=nso.note,
        ),
        version=detail.version,
    )


def profile_view(profile: TeacherProfile) -> ProfileView:
    card, fields = profile.card, profile.fields
    return ProfileView(
        user_id=card.user_id,
        full_name=card.full_name,
        school=SchoolSummaryView(
            id=card.school_id,
            name=card.school_name,
            city=card.city,
            country_code=card.country_code,
            school_type=card.school_type,
        ),
        bio=fields.bio,
        subjects=list(fields.subjects),
        languages=list(fields.languages),
        interests=list(fields.interests),
        age_min=fields.age_min,
        age_max=fields.age_max,
        looking_for_partners=fields.looking_for_partners,
        updated_at=profile.updated_at,
    )


def contact_view(entry: ContactEntryRecord, me: UserId) -> ContactView:
    contact, other = entry.contact, entry.other
    return ContactView(
        user_id=other.user_id,
        full_name=other.full_name,
        school_name=other.school_name,
        country_code=other.country_code,
        status=contact.status,
        is_incoming=contact.requester_id != me,
        requested_at=contact.requested_at,
        decided_at=contact.decided_at,
    )


def post_view(item: PartnerPost) -> PostView:
    post, author, fields = item.post, item.author, item.post.fields
    return PostView(
        id=post.id,
        author=AuthorView(
            user_id=author.user_id,
            full_name=author.full_name,
            school_name=author.school_name,
            country_code=author.country_code,
        ),
        title=fields.title,
        description=fields.description,
        subjects=list(fields.subjects),
        languages=list(fields.languages),
        age_min=fields.age_min,
        age_max=fields.age_max,
        wanted_countries=list(fields.wanted_countries),
        status=post.status,
        is_expired=item.is_expired,
        created_at=post.created_at,
        updated_at=post.updated_at,
        expires_at=post.expires_at,
        closed_at=post.closed_at,
    )


def hit_view(hit: SearchHit) -> SearchHitView:
    return SearchHitView(
        kind=hit.kind,
        id=hit.ref_id,
        owner_id=hit.owner_id,
        title=hit.title,
        summary=hit.summary,
        school_name=hit.school_name,
        city=hit.city,
        country_code=hit.country_code,
        school_type=hit.school_type,
        subjects=list(hit.subjects),
        languages=list(hit.languages),
        age_min=hit.age_min,
        age_max=hit.age_max,
        looking_for_partners=hit.looking_for_partners,
        expires_at=hit.expires_at,
        score=hit.relevance,
    )


def search_view(page: SearchPage) -> SearchResultView:
    facets = {
        name: [FacetView(value=f.value, count=f.count) for f in counts]
        for name, counts in page.facets.items()
    }
    return SearchResultView(
        items=[hit_view(h) for h in page.hits],
        next_cursor=page.next_cursor,
        total=page.total,
        facets=FacetsView(**facets),
    )
