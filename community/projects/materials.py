"""Materials of a project space: folders, and files checked before they are kept.

The order of an upload is what keeps it safe and cheap:

1. membership, role, state and folder are checked before one byte is read;
2. a declared ``Content-Length`` over the per-file limit or over what is left
   of the project's quota is refused at once;
3. the body is streamed to a pending file and counted as it comes, and the
   upload stops at the first chunk past either limit;
4. the type is read from the content (never the name or the declared type)
   and must be on the allowlist;
5. images are re-encoded (metadata such as EXIF/GPS dropped; pixel limit);
6. in one transaction, with the project's row locked, the quota is checked
   again with the final size and the material recorded; only then is the
   file moved into place under its generated name.

Anything refused on the way leaves no file behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from typing import BinaryIO

from cluster import Clock
from protocol.errors import InvalidPayload, NotFound
from protocol.ids import ProjectId, new_id
from storage import Database
from storage.files import LocalBlobStore, PendingBlob
from storage.records import Slice
from storage.records_projects import FolderRecord, MaterialRecord

from ..accounts.names import clean_display_text
from ..clock import utc_now
from ..files.errors import FileTypeRefused, QuotaExceeded
from ..files.images import reencode
from ..files.intake import check_declared, receive
from ..files.names import clean_stem, download_name
from ..files.sniffing import HEAD_BYTES, FileKind, sniff
from ..principal import Principal
from .access import enter_space, require, require_writable
from .roles import Action
from .settings import ProjectSettings

logger = logging.getLogger(__name__)

MAX_TITLE_LEN = 200
MAX_PAGE = 100


def _read_head(blob: PendingBlob) -> bytes:
    with blob.path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


class MaterialService:
    """Folders and files of project spaces."""

    def __init__(
        self,
        *,
        db: Database,
        blobs: LocalBlobStore,
        clock: Clock,
        settings: ProjectSettings,
    ) -> None:
        self._db = db
        self._blobs = blobs
        self._clock = clock
        self._settings = settings
        self._images = asyncio.Semaphore(settings.image_concurrency)

    # -- folders ----------------------------------------------------------

    async def list_folders(self, actor: Principal, project_id: ProjectId) -> list[FolderRecord]:
        """Raises: NotFound: not a member."""
        async with self._db.transaction("spaces.list_folders") as uow:
            await enter_space(uow, project_id, actor)
            return await uow.spaces.list_folders(project_id)

    async def create_folder(
        self, actor: Principal, project_id: ProjectId, title: str
    ) -> FolderRecord:
        """Raises: NotFound, Forbidden, SpaceReadOnly, InvalidPayload."""
        clean = clean_display_text(title, field="title", max_len=MAX_TITLE_LEN)
        now = utc_now(self._clock)
        async with self._db.transaction("spaces.create_folder") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.CREATE_FOLDER)
            require_writable(seat)
            return await uow.spaces.add_folder(
                folder_id=new_id(),
                project_id=project_id,
                title=clean,
                author_id=actor.user_id,
                now=now,
            )

    # -- materials --------------------------------------------------------

    async def list_materials(
        self,
        actor: Principal,
        project_id: ProjectId,
        *,
        folder_id: str | None,
        cursor: str | None,
        limit: int,
    ) -> Slice[MaterialRecord]:
        """Newest first. Raises: NotFound: not a member."""
        async with self._db.transaction("spaces.list_materials") as uow:
            await enter_space(uow, project_id, actor)
            return await uow.spaces.list_materials(
                project_id, folder_id=folder_id, cursor=cursor, limit=min(limit, MAX_PAGE)
            )

    async def get_material(
        self, actor: Principal, project_id: ProjectId, material_id: str
    ) -> MaterialRecord:
        """Raises: NotFound: not a member, or no such material in this project."""
        async with self._db.transaction("spaces.get_material") as uow:
            await enter_space(uow, project_id, actor)
            material = await uow.spaces.find_material(project_id, material_id)
        if material is None:
            raise NotFound("no such material")
        return material

    async def open_material(
        self, actor: Principal, project_id: ProjectId, material_id: str
    ) -> tuple[MaterialRecord, BinaryIO]:
        """The material and its content, opened for reading; the caller closes it.

        Raises:
            NotFound: Not a member, or no such material in this project.
        """
        material = await self.get_material(actor, project_id, material_id)
        try:
            handle = await self._blobs.open_read(material.blob_key)
        except FileNotFoundError as exc:
            logger.error("material file missing", extra={"material_id": material_id})
            raise NotFound("no such material") from exc
        return material, handle

    async def upload(
        self,
        actor: Principal,
        project_id: ProjectId,
        folder_id: str,
        *,
        file_name: str,
        title: str | None,
        declared_bytes: int | None,
        chunks: AsyncIterable[bytes],
    ) -> MaterialRecord:
        """Check and keep one uploaded file.

        Args:
            file_name: The uploader's name for the file; only a cleaned copy
                is kept, as the download name.
            declared_bytes: The request's ``Content-Length``, if any.
            chunks: The body, as it streams in.

        Raises:
            NotFound: Not a member, or no such folder in this project.
            Forbidden: The role may not upload.
            SpaceReadOnly: Closed or archived.
            UploadTooLarge: Over the per-file limit (declared or streamed).
            QuotaExceeded: Over what is left of the project's quota.
            FileTypeRefused: The content is not of an allowed type.
            ImageTooLarge: An image with too many pixels.
            InvalidPayload: An empty file, or an empty title.
        """
        async with self._db.transaction("spaces.check_upload") as uow:
            seat = await enter_space(uow, project_id, actor)
            require(seat, Action.UPLOAD)
            require_writable(seat)
            if await uow.spaces.find_folder(project_id, folder_id) is None:
                raise NotFound("no such folder")
        available = self._settings.project_quota_bytes - seat.project.storage_used_bytes
        limit = self._settings.max_upload_bytes
        check_declared(declared_bytes, max_bytes=limit, available_bytes=available)
        if declared_bytes == 0:
            raise InvalidPayload("the file is empty")
        stem = clean_stem(file_name)
        clean_title = clean_display_text(title or stem, field="title", max_len=MAX_TITLE_LEN)
        blob = await self._blobs.open_upload()
        try:
            received = await receive(chunks, blob, max_bytes=limit, available_bytes=available)
            await blob.close()
            if received == 0:
                raise InvalidPayload("the file is empty")
            kind = sniff(await asyncio.to_thread(_read_head, blob))
            if kind is None:
                raise FileTypeRefused(
                    "this type of file is not accepted (allowed: images, PDF, office "
                    "documents, audio and video)"
                )
            if kind.is_image:
                blob, kind = await self._reencoded(blob, kind)
            return await self._keep(
                actor,
                project_id,
                folder_id,
                blob=blob,
                kind=kind,
                title=clean_title,
                file_name=download_name(stem, kind.extension),
            )
        finally:
            # A kept upload was moved away already; this removes refused ones.
            await blob.discard()

    async def _reencoded(self, blob: PendingBlob, kind: FileKind) -> tuple[PendingBlob, FileKind]:
        clean = await self._blobs.open_upload()
        try:
            await clean.close()
            async with self._images:
                out_kind = await asyncio.to_thread(
                    reencode,
                    blob.path,
                    clean.path,
                    kind,
                    max_pixels=self._settings.max_image_pixels,
                )
            clean.size_bytes = (await asyncio.to_thread(clean.path.stat)).st_size
        except BaseException:
            await clean.discard()
            raise
        finally:
            await blob.discard()
        return clean, out_kind

    async def _keep(
        self,
        actor: Principal,
        project_id: ProjectId,
        folder_id: str,
        *,
        blob: PendingBlob,
        kind: FileKind,
        title: str,
        file_name: str,
    ) -> MaterialRecord:
        now = utc_now(self._clock)
        key: str | None = None
        try:
            async with self._db.transaction("spaces.upload") as uow:
                # Again, under the project's lock: membership or state may have
                # changed while the body streamed, and two uploads may race.
                seat = await enter_space(uow, project_id, actor, lock=True)
                require(seat, Action.UPLOAD)
                require_writable(seat)
                if await uow.spaces.find_folder(project_id, folder_id) is None:
                    raise NotFound("no such folder")
                available = self._settings.project_quota_bytes - seat.project.storage_used_bytes
                if blob.size_bytes > available:
                    raise QuotaExceeded(
                        "the project has no room left for this file",
                        details={"available_bytes": max(available, 0)},
                    )
                material = await uow.spaces.add_material(
                    material_id=new_id(),
                    project_id=project_id,
                    folder_id=folder_id,
                    title=title,
                    file_name=file_name,
                    content_type=kind.mime,
                    size_bytes=blob.size_bytes,
                    blob_key=blob.key,
                    author_id=actor.user_id,
                    now=now,
                )
                await uow.projects.add_storage_used(project_id, blob.size_bytes)
                key = await blob.commit()
        except BaseException:
            if key is not None:
                await self._blobs.delete(key)
            raise
        logger.info(
            "material uploaded",
            extra={"project_id": project_id, "material_id": material.id, "bytes": blob.size_bytes},
        )
        return material

    async def delete_material(
        self, actor: Principal, project_id: ProjectId, material_id: str
    ) -> None:
        """Its uploader or a teacher admin deletes a material; its room is given back.

        Raises:
            NotFound: Not a member, or no such material in this project.
            Forbidden: Neither the uploader nor a teacher admin.
            SpaceReadOnly: Closed or archived.
        """
        async with self._db.transaction("spaces.delete_material") as uow:
            seat = await enter_space(uow, project_id, actor, lock=True)
            material = await uow.spaces.find_material(project_id, material_id)
            if material is None:
                raise NotFound("no such material")
            if material.uploaded_by.user_id != actor.user_id:
                require(seat, Action.MANAGE_CONTENT)
            require_writable(seat)
            await uow.spaces.delete_material(project_id, material_id)
            await uow.projects.add_storage_used(project_id, -material.size_bytes)
        await self._blobs.delete(material.blob_key)
