"""Reading an upload as it streams in, and stopping at the limit.

The body is never held in memory: chunks go to disk as they arrive, and the
count is checked *before* each chunk is written, so at most one chunk beyond
the limit is ever pulled from the client. The caller has already compared
the declared ``Content-Length`` with the same limits, so an honest client
with a too-large file is refused before sending anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Protocol

from .errors import QuotaExceeded, UploadTooLarge


class ChunkSink(Protocol):
    """Where the chunks go (a pending blob)."""

    size_bytes: int

    async def write(self, chunk: bytes) -> None: ...


def check_declared(declared_bytes: int | None, *, max_bytes: int, available_bytes: int) -> None:
    """Refuse a declared length over either limit, before reading anything.

    Raises:
        UploadTooLarge: Over the per-file limit.
        QuotaExceeded: Over what is left of the quota.
    """
    if declared_bytes is None:
        return
    if declared_bytes > max_bytes:
        raise UploadTooLarge(
            f"a file may have at most {max_bytes} bytes", details={"max_bytes": max_bytes}
        )
    if declared_bytes > available_bytes:
        raise QuotaExceeded(
            "the project has no room left for this file",
            details={"available_bytes": max(available_bytes, 0)},
        )


async def receive(
    chunks: AsyncIterable[bytes], sink: ChunkSink, *, max_bytes: int, available_bytes: int
) -> int:
    """Copy chunks into ``sink`` until the end, or refuse at the first limit crossed.

    Returns:
        The number of bytes received.

    Raises:
        UploadTooLarge: The stream went past ``max_bytes``.
        QuotaExceeded: The stream went past ``available_bytes``.
    """
    async for chunk in chunks:
        total = sink.size_bytes + len(chunk)
        if total > max_bytes:
            raise UploadTooLarge(
                f"a file may have at most {max_bytes} bytes", details={"max_bytes": max_bytes}
            )
        if total > available_bytes:
            raise QuotaExceeded(
                "the project has no room left for this file",
                details={"available_bytes": max(available_bytes, 0)},
            )
        await sink.write(chunk)
    return sink.size_bytes
