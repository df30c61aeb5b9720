"""Errors of file uploads.

Hierarchy::

    CodedError (protocol)
     ├── UploadTooLarge     the file is larger than one upload may be (payload_too_large)
     ├── QuotaExceeded      the file does not fit in what is left of the project's room
     ├── FileTypeRefused    the content is not of an allowed type, whatever its name says
     └── ImageTooLarge      an image with more pixels than we agree to decode
"""

from __future__ import annotations

from protocol.errors import CodedError, ErrorCode


class UploadTooLarge(CodedError):
    """``details["max_bytes"]`` is the limit."""

    code = ErrorCode.PAYLOAD_TOO_LARGE


class QuotaExceeded(CodedError):
    """``details["available_bytes"]`` is what is left."""

    code = ErrorCode.QUOTA_EXCEEDED


class FileTypeRefused(CodedError):
    """The type found in the content is not in the allowlist (or none was found)."""

    code = ErrorCode.FILE_TYPE_REFUSED


class ImageTooLarge(CodedError):
    """``details["max_pixels"]`` is the limit (a defence against decompression bombs)."""

    code = ErrorCode.IMAGE_TOO_LARGE
