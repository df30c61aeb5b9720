"""The allowlist of file types and the check of a file's type by its content.

The type is read from the first bytes of the file (magic numbers, through
``filetype``); the name and the declared ``Content-Type`` are ignored, since
both are chosen by the uploader. Anything without a recognised signature is
refused: that is what keeps out HTML, SVG (an XML text that can carry
scripts; we refuse it rather than sanitise it), PHP and other scripts
whatever their extension.

The allowlist and why:

- images (PNG, JPEG, GIF, WebP): pupils' work and photos; re-encoded, which
  drops metadata (EXIF, GPS) and any bytes hidden after the image;
- PDF: worksheets and posters; served as an attachment in a sandbox;
- office documents in the open XML formats (docx, xlsx, pptx) and
  OpenDocument (odt, ods, odp): the formats schools exchange. The legacy
  binary formats (doc, xls, ppt) are refused because they carry macros;
- audio (MP3, Ogg, M4A, WAV) and short video (MP4, WebM): pupils' recordings
  in the formats that browsers and phones produce and play; the upload size
  limit keeps them short.

Archives (zip, rar, 7z) and executables are refused: they cannot be checked
and are the usual carriers of malware.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

HEAD_BYTES = 8192
"""How much of the file the signatures need."""


@dataclass(frozen=True, slots=True)
class FileKind:
    """An allowed type."""

    mime: str
    """The type found in the content."""
    extension: str
    """The extension the download gets, whatever the uploader's name said."""
    is_image: bool = False


ALLOWED: dict[str, FileKind] = {
    kind.mime: kind
    for kind in (
        FileKind("image/png", "png", is_image=True),
        FileKind("image/jpeg", "jpg", is_image=True),
        FileKind("image/gif", "gif", is_image=True),
        FileKind("image/webp", "webp", is_image=True),
        FileKind("application/pdf", "pdf"),
        FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        FileKind(
            "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
        ),
        FileKind("application/vnd.oasis.opendocument.text", "odt"),
        FileKind("application/vnd.oasis.opendocument.spreadsheet", "ods"),
        FileKind("application/vnd.oasis.opendocument.presentation", "odp"),
        FileKind("audio/mpeg", "mp3"),
        FileKind("audio/ogg", "ogg"),
        FileKind("audio/mp4", "m4a"),
        FileKind("audio/x-wav", "wav"),
        FileKind("video/mp4", "mp4"),
        FileKind("video/webm", "webm"),
    )
}


def sniff(head: bytes) -> FileKind | None:
    """The allowed type of a file from its first bytes, or None when not allowed."""
    found = filetype.guess(head[:HEAD_BYTES])
    if found is None:
        return None
    return ALLOWED.get(str(found.mime))
