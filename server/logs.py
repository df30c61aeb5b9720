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
from contextvars import ContextVar
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


def context_var(key: str) -> ContextVar[Any]:
    """The context variable behind structlog's context key ``key``.

    Setting it (and resetting it with the token) is what
    ``structlog.contextvars.bind_contextvars`` does, without building a
    keyword dict and the variable's name on every call; ``Ellipsis`` means
    unbound, as in structlog.
    """
    token = structlog.contextvars.bind_contextvars(**{key: ...})[key]
    token.var.reset(token)
    return token.var


class StickyContext:
    """Ids bound for the rest of the current task, set again only when they change.

    A realtime socket's commands all run in its session's task, one after
    another; binding its ids (and unbinding them) around every command was a
    few µs a command. Here ``bind`` compares each variable with the value
    wanted and sets only those that differ: the first command of a socket
    binds them, and they stay bound for its later log lines (its disconnect
    included). A task started meanwhile copies them, as with any context.

    Args:
        keys: The context keys, in the order ``bind`` takes their values.
    """

    def __init__(self, *keys: str) -> None:
        self._vars = tuple(context_var(key) for key in keys)

    def bind(self, *values: str | None) -> None:
        """Bind the values (None: unbound) in the current context, where they differ."""
        for var, value in zip(self._vars, values, strict=True):
            wanted = ... if value is None else value
            if var.get() != wanted:
                var.set(wanted)
