"""The networking area over HTTP: countries' NSOs, vocabularies, teacher
profiles, contacts, partner-finding posts and partner search.

Every route here is for validated teachers only (``Access.TEACHER``): pupils,
pending teachers and administrators get 403 before any handler runs.
"""

from __future__ import annotations

from community import (
    PostChanges,
    PostDraft,
    ProfileDraft,
    describe_country,
    vocabulary,
)
from protocol import Page
from protocol.api.network import (
    ContactListQuery,
    ContactRequestBody,
    ContactView,
    CountryDetailView,
    PostListQuery,
    PostRequest,
    PostUpdateRequest,
    PostView,
    ProfileRequest,
    ProfileView,
    SearchQuery,
    SearchResultView,
    TermView,
    VocabularyView,
)
from protocol.ids import UserId
from storage.records_network import PostFields
from storage.search import SearchRequest

from .network_views import contact_view, country_view, post_view, profile_view, search_view
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("networking",)


# -- reference data -------------------------------------------------------------------


@routes.get(
    "/api/v1/countries/{code}",
    access=Access.TEACHER,
    summary="A country and its national support organisation",
    tags=TAGS,
    errors=(404,),
)
async def get_country(ctx: Ctx, code: str) -> CountryDetailView:
    """Placeholders are marked ``is_generic`` where our sources name no organisation."""
    return country_view(describe_country(code, ctx.services.today()))


@routes.get(
    "/api/v1/network/vocabulary",
    access=Access.TEACHER,
    summary="Subject and language codes",
    tags=TAGS,
)
async def get_vocabulary(ctx: Ctx) -> VocabularyView:
    """The codes that profiles, posts and search filters use."""
    terms = vocabulary()
    return VocabularyView(
        version=terms.version,
        subjects=[TermView(code=t.code, label=t.label) for t in terms.subjects],
        languages=[TermView(code=t.code, label=t.label) for t in terms.languages],
    )


# -- profiles ---------------------------------------------------------------------------


@routes.get(
    "/api/v1/network/profiles/{user_id}",
    access=Access.TEACHER,
    summary="A teacher's profile",
    tags=TAGS,
    errors=(404,),
)
async def get_profile(ctx: Ctx, user_id: str) -> ProfileView:
    profile = await ctx.services.network.profiles.get_profile(ctx.actor, UserId(user_id))
    return profile_view(profile)


@routes.put(
    "/api/v1/network/profiles/{user_id}",
    access=Access.TEACHER,
    summary="Save your own profile",
    tags=TAGS,
    errors=(400,),
)
async def save_profile(ctx: Ctx, user_id: str, body: ProfileRequest) -> ProfileView:
    """Replaces the whole profile; it is searchable at once."""
    draft = ProfileDraft(
        bio=body.bio,
        subjects=tuple(body.subjects),
        languages=tuple(body.languages),
        interests=tuple(body.interests),
        age_min=body.age_min,
        age_max=body.age_max,
        looking_for_partners=body.looking_for_partners,
    )
    profile = await ctx.services.network.profiles.save_profile(ctx.actor, UserId(user_id), draft)
    return profile_view(profile)


# -- contacts ---------------------------------------------------------------------------


@routes.get(
    "/api/v1/network/contacts",
    access=Access.TEACHER,
    summary="Your contacts, or pending requests",
    tags=TAGS,
    errors=(400,),
)
async def list_contacts(ctx: Ctx, query: ContactListQuery) -> Page[ContactView]:
    found = await ctx.services.network.contacts.list_contacts(
        ctx.actor, query.status, cursor=query.cursor, limit=query.limit
    )
    me = ctx.actor.user_id
    return Page[ContactView](
        items=[contact_view(e, me) for e in found.items], next_cursor=found.next_cursor
    )


@routes.post(
    "/api/v1/network/contacts",
    access=Access.TEACHER,
    summary="Ask a teacher to become a contact",
    tags=TAGS,
    status=201,
    errors=(400, 404, 409, 429),
)
async def request_contact(ctx: Ctx, body: ContactRequestBody) -> ContactView:
    """After a decline, ask the same teacher again only after the cool-down (30 days)."""
    entry = await ctx.services.network.contacts.request(ctx.actor, UserId(body.user_id))
    return contact_view(entry, ctx.actor.user_id)


@routes.post(
    "/api/v1/network/contacts/{user_id}/accept",
    access=Access.TEACHER,
    summary="Accept a teacher's contact request",
    tags=TAGS,
    errors=(404, 409),
)
async def accept_contact(ctx: Ctx, user_id: str) -> ContactView:
    entry = await ctx.services.network.contacts.accept(ctx.actor, UserId(user_id))
    return contact_view(entry, ctx.actor.user_id)


@routes.post(
    "/api/v1/network/contacts/{user_id}/decline",
    access=Access.TEACHER,
    summary="Decline a teacher's contact request",
    tags=TAGS,
    errors=(404, 409),
)
async def decline_contact(ctx: Ctx, user_id: str) -> ContactView:
    entry = await ctx.services.network.contacts.decline(ctx.actor, UserId(user_id))
    return contact_view(entry, ctx.actor.user_id)


@routes.delete(
    "/api/v1/network/contacts/{user_id}",
    access=Access.TEACHER,
    summary="Remove a contact, or withdraw your request",
    tags=TAGS,
    errors=(404, 409),
)
async def remove_contact(ctx: Ctx, user_id: str) -> None:
    await ctx.services.network.contacts.remove(ctx.actor, UserId(user_id))


# -- partner-finding posts ------------------------------------------------------------------


@routes.post(
    "/api/v1/network/posts",
    access=Access.TEACHER,
    summary="Publish a partner-finding post",
    tags=TAGS,
    status=201,
    errors=(400, 409),
)
async def create_post(ctx: Ctx, body: PostRequest) -> PostView:
    """A project idea and the partners you look for; searchable until it expires."""
    draft = PostDraft(
        fields=PostFields(
            title=body.title,
            description=body.description,
            subjects=tuple(body.subjects),
            languages=tuple(body.languages),
            age_min=body.age_min,
            age_max=body.age_max,
            wanted_countries=tuple(body.wanted_countries),
        ),
        expires_at=body.expires_at,
    )
    return post_view(await ctx.services.network.posts.create_post(ctx.actor, draft))


@routes.get(
    "/api/v1/network/posts",
    access=Access.TEACHER,
    summary="A teacher's posts",
    tags=TAGS,
    errors=(400, 404),
)
async def list_posts(ctx: Ctx, query: PostListQuery) -> Page[PostView]:
    """Your own posts (closed and expired too), or another teacher's open ones."""
    author = None if query.author_id is None else UserId(query.author_id)
    found = await ctx.services.network.posts.list_posts(
        ctx.actor, author, cursor=query.cursor, limit=query.limit
    )
    return Page[PostView](items=[post_view(p) for p in found.items], next_cursor=found.next_cursor)


@routes.get(
    "/api/v1/network/posts/{post_id}",
    access=Access.TEACHER,
    summary="A partner-finding post",
    tags=TAGS,
    errors=(404,),
)
async def get_post(ctx: Ctx, post_id: str) -> PostView:
    return post_view(await ctx.services.network.posts.get_post(ctx.actor, post_id))


@routes.patch(
    "/api/v1/network/posts/{post_id}",
    access=Access.TEACHER,
    summary="Change your open post",
    tags=TAGS,
    errors=(400, 404, 409),
)
async def update_post(ctx: Ctx, post_id: str, body: PostUpdateRequest) -> PostView:
    changes = PostChanges(
        title=body.title,
        description=body.description,
        subjects=None if body.subjects is None else tuple(body.subjects),
        languages=None if body.languages is None else tuple(body.languages),
        age_min=body.age_min,
        age_max=body.age_max,
        wanted_countries=None if body.wanted_countries is None else tuple(body.wanted_countries),
        expires_at=body.expires_at,
    )
    return post_view(await ctx.services.network.posts.update_post(ctx.actor, post_id, changes))


@routes.post(
    "/api/v1/network/posts/{post_id}/close",
    access=Access.TEACHER,
    summary="Close your post",
    tags=TAGS,
    errors=(404, 409),
)
async def close_post(ctx: Ctx, post_id: str) -> PostView:
    """It leaves partner search for good; its page stays readable."""
    return post_view(await ctx.services.network.posts.close_post(ctx.actor, post_id))


@routes.delete(
    "/api/v1/network/posts/{post_id}",
    access=Access.TEACHER,
    summary="Delete your post",
    tags=TAGS,
    errors=(404,),
)
async def delete_post(ctx: Ctx, post_id: str) -> None:
    await ctx.services.network.posts.delete_post(ctx.actor, post_id)


# -- partner search -----------------------------------------------------------------------


@routes.get(
    "/api/v1/network/search",
    access=Access.TEACHER,
    summary="Partner search over teachers and posts",
    tags=TAGS,
    errors=(400,),
)
async def search(ctx: Ctx, query: SearchQuery) -> SearchResultView:
    """Ranked by relevance; facets count the whole filtered result."""
    request = SearchRequest(
        text=query.q,
        kind=query.kind,
        countries=tuple(query.country),
        subjects=tuple(query.subject),
        languages=tuple(query.language),
        school_types=tuple(query.school_type),
        age_min=query.age_min,
        age_max=query.age_max,
        looking_for_partners=query.looking_for_partners,
        open_to=query.open_to,
    )
    page = await ctx.services.network.search.search(
        ctx.actor, request, cursor=query.cursor, limit=query.limit
    )
    return search_view(page)
