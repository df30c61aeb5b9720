"""Re-encoding uploaded images with Pillow.

Decoding the pixels and encoding them again into a fresh image keeps the
picture and drops everything else: EXIF (camera, GPS position, time), XMP,
comments, ICC profiles and any bytes appended after the image (polyglots).
The orientation stored in EXIF is applied first, so photos stay upright.
The pixel count is checked from the header before anything is decoded, so
a small file that would expand into gigabytes (a decompression bomb) is
refused cheaply. GIFs become PNGs of their first frame (animation is not
kept).

This is CPU-heavy and blocking: callers run it in a worker thread behind a
semaphore.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import FileTypeRefused, ImageTooLarge
from .sniffing import ALLOWED, FileKind

OUTPUT_FORMAT: dict[str, tuple[str, str]] = {
    # input mime: (Pillow format, output mime)
    "image/png": ("PNG", "image/png"),
    "image/jpeg": ("JPEG", "image/jpeg"),
    "image/gif": ("PNG", "image/png"),
    "image/webp": ("WEBP", "image/webp"),
}
JPEG_QUALITY = 90


def _fresh_copy(image: Image.Image, *, for_jpeg: bool) -> Image.Image:
    """A new image holding only the pixels (no info, no EXIF, no palette tricks)."""
    if for_jpeg:
        mode = "L" if image.mode in ("1", "L") else "RGB"
    else:
        mode = image.mode if image.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def reencode(source: Path, target: Path, kind: FileKind, *, max_pixels: int) -> FileKind:
    """Decode ``source`` and write a clean copy to ``target``.

    Returns:
        The kind of the written file (a GIF becomes a PNG).

    Raises:
        ImageTooLarge: More than ``max_pixels`` pixels.
        FileTypeRefused: The content is not a decodable image after all.
    """
    pillow_format, out_mime = OUTPUT_FORMAT[kind.mime]
    try:
        with warnings.catch_warnings():
            # Pillow warns (and our tests turn warnings into errors) for large
            # images; our own limit below is lower and applies first.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise ImageTooLarge(
                        f"images may have at most {max_pixels} pixels",
                        details={"max_pixels": max_pixels},
                    )
                opened.seek(0)
                upright = ImageOps.exif_transpose(opened)
                clean = _fresh_copy(upright, for_jpeg=pillow_format == "JPEG")
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(
            f"images may have at most {max_pixels} pixels", details={"max_pixels": max_pixels}
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise FileTypeRefused("the image could not be read") from exc
    options: dict[str, object] = {}
    if pillow_format == "JPEG":
        options["quality"] = JPEG_QUALITY
    clean.save(target, format=pillow_format, **options)
    return ALLOWED[out_mime]
