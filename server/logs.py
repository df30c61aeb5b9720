"""Structured logs: JSON lines with request, user and room ids, never personal data.

Every module logs through the standard library (``logging.getLogger(__name__)``);
structlog only formats. Context (request id, user id) comes from context
variables bound by the HTTP middleware and the realtime dispatcher, so it
reaches log lines written deep in the domain. As a second line of defence,
fields whose names suggest secrets or personal data are dropped before a line
is written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from .config import LoggingSettings

REDACTED_FIELDS = frozenset(
    {
        "password",
        "token",
        "access_token",
        "refresh_token",
        "join_token",
        "authorization",
        "secret",
        "secret_key",
        "email",
        "full_name",
        "display_name",
        "name",
        "text",
        "body",
    }
)


def _redact(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in REDACTED_FIELDS.intersection(event):
        event[key] = "[redacted]"
    return event


def configure_logging(settings: LoggingSettings, *, stream: Any = None) -> None:
    """Route every log record through structlog's formatter."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.level)
    # aiohttp's access log prints raw URLs; ours (server.http.middlewares)
    # prints the route pattern instead.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (addresses, hashes)
    # at DEBUG; keep that out whatever the level.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind_context(**values: str | None) -> None:
    """Add ids to every log line written in the current task."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v is not None})


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
