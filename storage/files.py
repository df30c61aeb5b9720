"""Uploaded files on local disk, under generated names only.

A file's path is made from a random key (128 bits, hex) and nothing else: the
name the uploader gave never reaches the file system, so path traversal
("../../etc/passwd", absolute paths, NUL bytes, backslashes) cannot happen by
construction, and a key that is not exactly 32 hex digits is refused before
any path is built. Uploads are written to ``tmp/`` first and moved into place
only once checked, so a refused upload never becomes readable.

Blocking file calls run in a worker thread so that a slow disk never stalls
the event loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")


class BlobKeyInvalid(ValueError):
    """A key that this store did not make."""


def new_blob_key() -> str:
    """A fresh random key (128 bits)."""
    return secrets.token_hex(16)


class PendingBlob:
    """An upload being written; commit it to keep it, discard it otherwise."""

    def __init__(self, store: LocalBlobStore, key: str, handle: BinaryIO, path: Path) -> None:
        self._store = store
        self.key = key
        self._handle: BinaryIO | None = handle
        self.path = path
        """Where the unchecked bytes are; only for the checks that read them."""
        self.size_bytes = 0

    async def write(self, chunk: bytes) -> None:
        """Append a chunk."""
        assert self._handle is not None, "write after close"
        await asyncio.to_thread(self._handle.write, chunk)
        self.size_bytes += len(chunk)

    async def close(self) -> None:
        """Finish writing (the bytes stay pending)."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            await asyncio.to_thread(handle.close)

    async def commit(self) -> str:
        """Move the checked file into place; returns its key."""
        await self.close()
        final = self._store.path_of(self.key)
        await asyncio.to_thread(_move, self.path, final)
        return self.key

    async def discard(self) -> None:
        """Forget the upload; safe to call more than once."""
        await self.close()
        await asyncio.to_thread(self.path.unlink, missing_ok=True)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def _open_new(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


class LocalBlobStore:
    """Files in a directory tree under ``root`` (``<root>/ab/cd/<key>``).

    Args:
        root: A directory of its own, such as ``<data_dir>/blobs``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, key: str) -> Path:
        """Where a committed blob lives.

        Raises:
            BlobKeyInvalid: The key is not one this store makes.
        """
        if not KEY_PATTERN.fullmatch(key):
            raise BlobKeyInvalid("not a blob key")
        return self.root / key[:2] / key[2:4] / key

    async def open_upload(self) -> PendingBlob:
        """Start writing a new blob under a fresh key, in ``tmp/``."""
        key = new_blob_key()
        path = self.root / "tmp" / key
        handle = await asyncio.to_thread(_open_new, path)
        return PendingBlob(self, key, handle, path)

    async def open_read(self, key: str) -> BinaryIO:
        """Open a committed blob for reading; the caller closes it.

        Raises:
            BlobKeyInvalid: Not a key of this store.
            FileNotFoundError: No such blob.
        """
        path = self.path_of(key)
        return await asyncio.to_thread(path.open, "rb")

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def delete(self, key: str) -> None:
        """Remove a committed blob; a missing one is not an error."""
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)
