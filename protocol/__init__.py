"""The wire contract shared by the server and the SDKs: ids, error codes, models.

This package does no I/O and imports nothing of the project, so that the SDK
can depend on it alone.
"""

from .base import Page, PageQuery, Problem, QueryModel, RequestModel, ResponseModel
from .errors import (
    CodedError,
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidPayload,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from .ids import (
    ApiKeyId,
    MessageId,
    NodeId,
    ParticipantId,
    ProjectId,
    RequestId,
    RoomId,
    SchoolId,
    UserId,
    new_id,
)
from .version import PROTOCOL_VERSION

__all__ = [
    "PROTOCOL_VERSION",
    "ApiKeyId",
    "CodedError",
    "Conflict",
    "ErrorCode",
    "Forbidden",
    "InvalidPayload",
    "MessageId",
    "NodeId",
    "NotFound",
    "Page",
    "PageQuery",
    "ParticipantId",
    "Problem",
    "ProjectId",
    "QueryModel",
    "RateLimited",
    "RequestId",
    "RequestModel",
    "ResponseModel",
    "RoomId",
    "SchoolId",
    "Unauthenticated",
    "Unavailable",
    "UserId",
    "new_id",
]
