"""Project spaces: overview, pages (and the public view), forum and teacher bulletin.

Every route names its project first; a member of another project, a pupil of
another school or an NSO admin gets ``404 not_found`` exactly as for a
project (or a page, thread...) that does not exist.
"""

from __future__ import annotations

from community import PageDraft
from protocol.api.spaces import (
    BulletinListView,
    BulletinPostRequest,
    BulletinPostView,
    CreateDiscussionRequest,
    CreatePageRequest,
    CreatePostRequest,
    CreateThreadRequest,
    DiscussionListView,
    DiscussionView,
    PageListView,
    PageView,
    PostListView,
    PostView,
    PublicPageView,
    PublicProjectView,
    SpaceView,
    ThreadListView,
    ThreadView,
    UpdatePageRequest,
)
from protocol.ids import ProjectId

from .projects_views import (
    bulletin_view,
    discussion_view,
    page_summary_view,
    page_view,
    post_view,
    public_page_view,
    thread_view,
)
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("spaces",)
BASE = "/api/v1/projects/{project_id}"


@routes.get(f"{BASE}/space", access=Access.ACTIVE, summary="A project's space", tags=TAGS)
async def get_space(ctx: Ctx, project_id: str) -> SpaceView:
    """The caller's role and what it allows; members only."""
    seen = await ctx.services.projects.space.overview(ctx.actor, ProjectId(project_id))
    return SpaceView(
        project_id=seen.project.id,
        name=seen.space.name,
        description=seen.space.description,
        status=seen.status,
        my_role=seen.member.role,
        may=seen.may,
        storage_used_bytes=seen.project.storage_used_bytes,
        storage_quota_bytes=seen.quota_bytes,
    )


@routes.get(f"{BASE}/pages", access=Access.ACTIVE, summary="Pages of a space", tags=TAGS)
async def list_space_pages(ctx: Ctx, project_id: str) -> PageListView:
    """Only the pages the caller may see; drafts only for their editors."""
    pages = await ctx.services.projects.pages.list_pages(ctx.actor, ProjectId(project_id))
    return PageListView(pages=[page_summary_view(p) for p in pages])


@routes.post(f"{BASE}/pages", access=Access.ACTIVE, summary="Create a page", tags=TAGS, status=201)
async def create_space_page(ctx: Ctx, project_id: str, body: CreatePageRequest) -> PageView:
    """Teacher admins, teachers and pupil admins; only teachers make pages public."""
    page = await ctx.services.projects.pages.create_page(
        ctx.actor, ProjectId(project_id), PageDraft(**body.model_dump())
    )
    return page_view(page)


@routes.get(f"{BASE}/pages/{{page_id}}", access=Access.ACTIVE, summary="A page", tags=TAGS)
async def get_space_page(ctx: Ctx, project_id: str, page_id: str) -> PageView:
    page = await ctx.services.projects.pages.get_page(ctx.actor, ProjectId(project_id), page_id)
    return page_view(page)


@routes.patch(f"{BASE}/pages/{{page_id}}", access=Access.ACTIVE, summary="Edit a page", tags=TAGS)
async def update_space_page(
    ctx: Ctx, project_id: str, page_id: str, body: UpdatePageRequest
) -> PageView:
    """Editors of the page (by its edit scope); absent fields are kept."""
    pages = ctx.services.projects.pages
    current = await pages.get_page(ctx.actor, ProjectId(project_id), page_id)
    draft = PageDraft(
        title=body.title if body.title is not None else current.title,
        body=body.body if body.body is not None else current.body,
        view_scope=body.view_scope or current.view_scope,
        edit_scope=body.edit_scope or current.edit_scope,
        state=body.state or current.state,
    )
    return page_view(await pages.update_page(ctx.actor, ProjectId(project_id), page_id, draft))


@routes.delete(
    f"{BASE}/pages/{{page_id}}", access=Access.ACTIVE, summary="Delete a page", tags=TAGS
)
async def delete_space_page(ctx: Ctx, project_id: str, page_id: str) -> None:
    """Its author or a teacher admin."""
    await ctx.services.projects.pages.delete_page(ctx.actor, ProjectId(project_id), page_id)


@routes.get(
    "/api/v1/public/projects/{project_id}",
    access=Access.PUBLIC,
    summary="A project's public cover and public pages",
    tags=("public",),
)
async def get_public_project(ctx: Ctx, project_id: str) -> PublicProjectView:
    """Anyone; pupils are never named on public views."""
    found = await ctx.services.projects.pages.public_project(ProjectId(project_id))
    project = found.project
    return PublicProjectView(
        id=project.id,
        title=project.fields.title,
        description=project.fields.description,
        scope=project.scope,
        status=project.status,
        countries=list(project.countries),
        pages=[page_summary_view(p) for p in found.pages],
    )


@routes.get(
    "/api/v1/public/projects/{project_id}/pages/{page_id}",
    access=Access.PUBLIC,
    summary="A public page",
    tags=("public",),
)
async def get_public_page(ctx: Ctx, project_id: str, page_id: str) -> PublicPageView:
    """Published public pages only; a pupil author is shown as "a pupil"."""
    page = await ctx.services.projects.pages.public_page(ProjectId(project_id), page_id)
    return public_page_view(page)


@routes.get(f"{BASE}/forum", access=Access.ACTIVE, summary="Forum discussions", tags=TAGS)
async def list_forum_discussions(ctx: Ctx, project_id: str) -> DiscussionListView:
    found = await ctx.services.projects.forum.list_discussions(ctx.actor, ProjectId(project_id))
    return DiscussionListView(discussions=[discussion_view(d) for d in found])


@routes.post(
    f"{BASE}/forum", access=Access.ACTIVE, summary="Open a discussion", tags=TAGS, status=201
)
async def create_forum_discussion(
    ctx: Ctx, project_id: str, body: CreateDiscussionRequest
) -> DiscussionView:
    """Teacher admins only."""
    found = await ctx.services.projects.forum.create_discussion(
        ctx.actor, ProjectId(project_id), body.title
    )
    return discussion_view(found)


@routes.get(
    f"{BASE}/forum/{{discussion_id}}/threads",
    access=Access.ACTIVE,
    summary="Threads of a discussion",
    tags=TAGS,
)
async def list_forum_threads(ctx: Ctx, project_id: str, discussion_id: str) -> ThreadListView:
    found = await ctx.services.projects.forum.list_threads(
        ctx.actor, ProjectId(project_id), discussion_id
    )
    return ThreadListView(threads=[thread_view(t) for t in found])


@routes.post(
    f"{BASE}/forum/{{discussion_id}}/threads",
    access=Access.ACTIVE,
    summary="Start a thread",
    tags=TAGS,
    status=201,
)
async def create_forum_thread(
    ctx: Ctx, project_id: str, discussion_id: str, body: CreateThreadRequest
) -> ThreadView:
    """Teacher admins, teachers and pupil admins; the body is the first post."""
    found = await ctx.services.projects.forum.create_thread(
        ctx.actor, ProjectId(project_id), discussion_id, title=body.title, body=body.body
    )
    return thread_view(found)


@routes.get(
    f"{BASE}/threads/{{thread_id}}/posts",
    access=Access.ACTIVE,
    summary="Posts of a thread",
    tags=TAGS,
)
async def list_forum_posts(ctx: Ctx, project_id: str, thread_id: str) -> PostListView:
    found = await ctx.services.projects.forum.list_posts(
        ctx.actor, ProjectId(project_id), thread_id
    )
    return PostListView(posts=[post_view(p) for p in found])


@routes.post(
    f"{BASE}/threads/{{thread_id}}/posts",
    access=Access.ACTIVE,
    summary="Reply in a thread",
    tags=TAGS,
    status=201,
)
async def reply_in_thread(
    ctx: Ctx, project_id: str, thread_id: str, body: CreatePostRequest
) -> PostView:
    """Every member but guests."""
    post = await ctx.services.projects.forum.reply(
        ctx.actor, ProjectId(project_id), thread_id, body.body
    )
    return post_view(post)


@routes.get(f"{BASE}/bulletin", access=Access.ACTIVE, summary="The teacher bulletin", tags=TAGS)
async def list_teacher_bulletin(ctx: Ctx, project_id: str) -> BulletinListView:
    """Teacher admins and teachers; never pupils."""
    found = await ctx.services.projects.bulletin.list_posts(ctx.actor, ProjectId(project_id))
    return BulletinListView(posts=[bulletin_view(p) for p in found])


@routes.post(
    f"{BASE}/bulletin",
    access=Access.ACTIVE,
    summary="Post to the teacher bulletin",
    tags=TAGS,
    status=201,
)
async def post_teacher_bulletin(
    ctx: Ctx, project_id: str, body: BulletinPostRequest
) -> BulletinPostView:
    post = await ctx.services.projects.bulletin.post(ctx.actor, ProjectId(project_id), body.body)
    return bulletin_view(post)
