"""Materials of project spaces: folders, streamed uploads and safe downloads.

The upload route streams: it never calls ``request.read()``. Its handler
declares its own body ceiling (``max_body_bytes``, read by ``limit_body`` for
a declared ``Content-Length``); the domain then applies the configured
per-file limit and the project's quota to the declared length first and to
the bytes as they stream in, stopping at the first chunk past a limit.

Downloads are served as attachments with the type found in the content,
``nosniff``, a cleaned file name and a sandboxing Content-Security-Policy,
so that even a file that fooled the checks cannot run in our origin.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from protocol import Page
from protocol.api.spaces import (
    CreateFolderRequest,
    FolderListView,
    FolderView,
    MaterialListQuery,
    MaterialView,
    UploadQuery,
)
from protocol.ids import ProjectId

from .projects_views import folder_view, material_view
from .routing import Access, Ctx, RouteTable

routes = RouteTable()
TAGS = ("materials",)
BASE = "/api/v1/projects/{project_id}"
UPLOAD_CEILING_BYTES = 1024 * 1024 * 1024
"""No upload route ever takes more; the configured limit (25 MiB by default) is lower."""
DOWNLOAD_CSP = "sandbox; default-src 'none'"


@routes.get(f"{BASE}/folders", access=Access.ACTIVE, summary="Material folders", tags=TAGS)
async def list_material_folders(ctx: Ctx, project_id: str) -> FolderListView:
    found = await ctx.services.projects.materials.list_folders(ctx.actor, ProjectId(project_id))
    return FolderListView(folders=[folder_view(f) for f in found])


@routes.post(
    f"{BASE}/folders", access=Access.ACTIVE, summary="Create a folder", tags=TAGS, status=201
)
async def create_material_folder(
    ctx: Ctx, project_id: str, body: CreateFolderRequest
) -> FolderView:
    """Teacher admins and teachers."""
    folder = await ctx.services.projects.materials.create_folder(
        ctx.actor, ProjectId(project_id), body.title
    )
    return folder_view(folder)


@routes.get(f"{BASE}/materials", access=Access.ACTIVE, summary="Materials", tags=TAGS)
async def list_project_materials(
    ctx: Ctx, project_id: str, query: MaterialListQuery
) -> Page[MaterialView]:
    found = await ctx.services.projects.materials.list_materials(
        ctx.actor,
        ProjectId(project_id),
        folder_id=query.folder_id,
        cursor=query.cursor,
        limit=query.limit,
    )
    return Page[MaterialView](
        items=[material_view(m) for m in found.items], next_cursor=found.next_cursor
    )


@routes.post(
    f"{BASE}/folders/{{folder_id}}/materials",
    access=Access.ACTIVE,
    summary="Upload a file (the body is the file)",
    tags=TAGS,
    status=201,
    errors=(413, 415),
)
async def upload_material(
    ctx: Ctx, project_id: str, folder_id: str, query: UploadQuery
) -> MaterialView:
    """Images, PDF, office documents, audio and short video, checked by content;
    images are re-encoded without their metadata. The name is kept only for
    downloads."""
    request = ctx.request
    material = await ctx.services.projects.materials.upload(
        ctx.actor,
        ProjectId(project_id),
        folder_id,
        file_name=query.file_name,
        title=query.title,
        declared_bytes=request.content_length,
        chunks=request.content.iter_chunked(ctx.services.settings.projects.upload_chunk_bytes),
    )
    return material_view(material)


upload_material.max_body_bytes = UPLOAD_CEILING_BYTES  # type: ignore[attr-defined]


@routes.get(
    f"{BASE}/materials/{{material_id}}", access=Access.ACTIVE, summary="A material", tags=TAGS
)
async def get_project_material(ctx: Ctx, project_id: str, material_id: str) -> MaterialView:
    material = await ctx.services.projects.materials.get_material(
        ctx.actor, ProjectId(project_id), material_id
    )
    return material_view(material)


def _disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


@routes.get(
    f"{BASE}/materials/{{material_id}}/content",
    access=Access.ACTIVE,
    summary="Download a material",
    tags=TAGS,
)
async def download_material(ctx: Ctx, project_id: str, material_id: str) -> web.Response:
    """Always an attachment, with the verified type and a sandbox policy."""
    material, handle = await ctx.services.projects.materials.open_material(
        ctx.actor, ProjectId(project_id), material_id
    )
    # aiohttp streams an open file from a worker thread and closes it after.
    response = web.Response(body=handle, content_type=material.content_type)
    response.headers["Content-Disposition"] = _disposition(material.file_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@routes.delete(
    f"{BASE}/materials/{{material_id}}",
    access=Access.ACTIVE,
    summary="Delete a material",
    tags=TAGS,
)
async def delete_project_material(ctx: Ctx, project_id: str, material_id: str) -> None:
    """Its uploader or a teacher admin."""
    await ctx.services.projects.materials.delete_material(
        ctx.actor, ProjectId(project_id), material_id
    )
