"""What every HTTP request crosses: ids and logs, CORS, size limits, error mapping.

Order (outermost first): ``observe`` gives the request its id, resolves the
client's address, times it, writes the access log line and the metrics;
``cors`` answers preflights and marks allowed origins; ``limit_body`` refuses
a body larger than the limit before reading it; ``problems`` turns every
error into problem+json. Security headers are added to every response,
errors and static files included, in ``on_response_prepare``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import MatchInfoError

from protocol import CodedError, ErrorCode, new_id

from ..errors import problem_response
from ..logs import bind_context, clear_context
from ..metrics import Metrics
from .forwarding import ProxyPolicy

logger = logging.getLogger("server.http")
access_logger = logging.getLogger("server.http.access")

HandlerT = Callable[[web.Request], Awaitable[web.StreamResponse]]
CORS_ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id"
CORS_MAX_AGE_S = 600
STATUS_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
}

APP_KEY_PROXY = web.AppKey("proxy_policy", ProxyPolicy)
APP_KEY_CORS = web.AppKey("cors_origins", frozenset)
APP_KEY_MAX_BODY = web.AppKey("max_body_bytes", int)
APP_KEY_METRICS = web.AppKey("metrics", Metrics)
REQUEST_ID = web.RequestKey("request_id", str)
CLIENT = web.RequestKey("client", str)
USER_ID = web.RequestKey("user_id", str)


def _route_name(request: web.Request) -> str:
    info = request.match_info
    if isinstance(info, MatchInfoError) or info.route.resource is None:
        return "unmatched"
    return info.route.resource.canonical


@web.middleware
async def observe(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    """Request id, client address, access log, metrics."""
    request_id = new_id()
    request[REQUEST_ID] = request_id
    request[CLIENT] = request.app[APP_KEY_PROXY].client_address(request)
    clear_context()
    bind_context(request_id=request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        return response
    finally:
        elapsed = time.perf_counter() - started
        route = _route_name(request)
        metrics = request.app[APP_KEY_METRICS]
        metrics.http_requests.labels(route, request.method, str(status)).inc()
        metrics.http_latency.labels(route).observe(elapsed)
        access_logger.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
                "user_id": request.get(USER_ID),
            },
        )
        clear_context()


@web.middleware
async def cors(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    """CORS for exactly the configured origins; never a wildcard."""
    origin = request.headers.get("Origin")
    allowed = origin is not None and origin in request.app[APP_KEY_CORS]
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        if not allowed:
            return problem_response(
                ErrorCode.FORBIDDEN,
                "this origin may not call the API",
                request_id=request[REQUEST_ID],
            )
        preflight = web.Response(status=204)
        preflight.headers.update(
            {
                "Access-Control-Allow-Origin": origin or "",
                "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
                "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
                "Vary": "Origin",
            }
        )
        return preflight
    response = await handler(request)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin or ""
        response.headers["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After"
        response.headers.add("Vary", "Origin")
    return response


@web.middleware
async def limit_body(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    """Refuse a declared oversized body before reading any of it.

    A route that streams large uploads declares its own limit (the
    ``max_body_bytes`` attribute of its handler) and checks it again as it
    reads; a body without a declared length is capped by aiohttp's
    ``client_max_size`` while it is read.
    """
    length = request.content_length
    limit = getattr(request.match_info.handler, "max_body_bytes", request.app[APP_KEY_MAX_BODY])
    if length is not None and length > limit:
        return problem_response(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"the body must be at most {limit} bytes",
            request_id=request[REQUEST_ID],
            details={"max_bytes": limit},
        )
    return await handler(request)


@web.middleware
async def problems(request: web.Request, handler: HandlerT) -> web.StreamResponse:
    """Every error as problem+json with a stable code."""
    request_id = request[REQUEST_ID]
    metrics = request.app[APP_KEY_METRICS]
    try:
        return await handler(request)
    except CodedError as exc:
        metrics.errors.labels(exc.code.value).inc()
        details = dict(exc.details)
        errors = details.pop("errors", None)
        return problem_response(
            exc.code, exc.message, request_id=request_id, details=details, errors=errors
        )
    except web.HTTPException as exc:
        code = STATUS_CODES.get(exc.status)
        if code is None:
            if exc.status < 400:
                raise
            code = ErrorCode.INVALID_PAYLOAD if exc.status < 500 else ErrorCode.INTERNAL
        metrics.errors.labels(code.value).inc()
        response = problem_response(code, exc.reason, request_id=request_id, status=exc.status)
        if "Allow" in exc.headers:
            # RFC 9110 §15.5.6: a 405 names the methods the resource does allow.
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        metrics.errors.labels(ErrorCode.INTERNAL.value).inc()
        logger.exception("unhandled error", extra={"route": _route_name(request)})
        return problem_response(
            ErrorCode.INTERNAL,
            "something went wrong on our side; quote the request id",
            request_id=request_id,
        )


def security_headers(
    *, proxy: ProxyPolicy, frame_ancestors: tuple[str, ...]
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An ``on_response_prepare`` hook adding the security headers."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    csp = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        # A response may bring a stricter policy of its own (downloads are
        # sandboxed); browsers enforce every policy sent, so keep both.
        own_policies = headers.getall("Content-Security-Policy", [])
        headers["Content-Security-Policy"] = csp
        for policy in own_policies:
            headers.add("Content-Security-Policy", policy)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = (
            "camera=(self), microphone=(self), display-capture=(self), geolocation=()"
        )
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["X-Robots-Tag"] = "noindex, nofollow"
        if not frame_ancestors:
            headers["X-Frame-Options"] = "DENY"
        if proxy.is_https(request):
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.path.startswith("/api/") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"

    return add
