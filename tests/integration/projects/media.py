"""Small files made on the spot for upload tests (no fixtures on disk)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

from PIL import Image


def png_bytes(size: tuple[int, int] = (8, 8), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF carries a GPS position and a camera model."""
    image = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0110] = "Spy Camera 3000"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 3.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


async def chunks_of(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
