"""The ``jumelage`` command: serve, migrate, create admins, load the demo.

Every command reads the same settings (environment, ``--config`` TOML file)
and stops with a message naming the bad key when they are wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from protocol import CodedError
from protocol.api.accounts import AccountKind
from storage import Database, current_revision, head_revision, upgrade

from .app import build_app
from .config import ConfigError, Settings, load_settings
from .demo import DemoAlreadyLoaded, describe, load_demo
from .logs import configure_logging
from .realtime.loop import new_event_loop
from .runtime import open_services

logger = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jumelage", description="Live classrooms for partner schools."
    )
    parser.add_argument("--config", help="a TOML settings file (or set JUMELAGE_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="run the server (embedded default: SQLite, one process)"
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply every pending migration")
    db_commands.add_parser("current", help="print the schema revision")

    admin = commands.add_parser("admin", help="administrator accounts")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser("create", help="create a platform or NSO admin")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="the admin's full name")
    create.add_argument("--kind", choices=["platform_admin", "nso_admin"], default="platform_admin")
    create.add_argument("--country", help="ISO code of an NSO admin's country")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else one is generated and printed)",
    )

    commands.add_parser(
        "demo", help="fill the database with a demo network and print how to sign in"
    )
    commands.add_parser("config", help="print the effective settings (secrets masked)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    if args.config:
        os.environ["JUMELAGE_CONFIG"] = args.config
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None) is not None or getattr(args, "port", None) is not None:
        http: dict[str, Any] = {}
        if args.host is not None:
            http["host"] = args.host
        if args.port is not None:
            http["port"] = args.port
        overrides["http"] = http
    settings = load_settings(**overrides)
    settings.secret_key()  # fail now, with the key's name, rather than at the first request
    return settings


async def _freeze_startup_heap(_: web.Application) -> None:
    """Leave what exists once the server has started out of every later full
    garbage collection.

    Modules, classes, schemas, settings and services are about 170,000
    objects that live as long as the process. A full collection walks every
    tracked object: here about 120 ms of CPU per pass on a busy host, with
    the event loop stopped, and a room's chat under load triggers one every
    few seconds, each a latency spike far above the events' own cost.
    Frozen, they are skipped; only what was made since is walked.
    """
    gc.collect()
    gc.freeze()


def _serve(settings: Settings) -> None:
    app = build_app(settings)
    # After the app's own startup (its cleanup contexts open the services first).
    app.on_startup.append(_freeze_startup_heap)
    url = f"http://{settings.http.host}:{settings.http.port}"

    def announce(_: str) -> None:
        print(f"Jumelage is serving on {url}  (stop with Ctrl-C)", flush=True)

    web.run_app(
        app,
        loop=new_event_loop(settings.realtime),
        host=settings.http.host,
        port=settings.http.port,
        shutdown_timeout=settings.http.shutdown_timeout_s,
        access_log=None,
        print=announce,
        handle_signals=True,
    )


async def _db(settings: Settings, command: str) -> None:
    db = Database(settings.database_url())
    try:
        if command == "upgrade":
            before = await current_revision(db)
            await upgrade(db)
            print(f"database schema: {before or 'empty'} -> {head_revision()}")
        else:
            print(
                f"database schema: {await current_revision(db) or 'empty'} "
                f"(code head: {head_revision()})"
            )
    finally:
        await db.close()


async def _create_admin(settings: Settings, args: argparse.Namespace) -> None:
    password = None
    if args.password_stdin:
        password = (
            sys.stdin.readline().rstrip("\n")
            if not sys.stdin.isatty()
            else getpass.getpass("Password: ")
        )
    async with open_services(settings, migrate=True) as services:
        created = await services.accounts.staff.create_admin(
            None,
            kind=AccountKind(args.kind),
            email=args.email,
            full_name=args.name,
            country_code=args.country,
            password=password,
        )
    print(
        f"created {created.record.kind.value} {created.record.email} (id {created.record.user_id})"
    )
    if created.generated_password:
        print(f"one-time password: {created.generated_password}  (change it after signing in)")


async def _demo(settings: Settings) -> None:
    async with open_services(settings, migrate=True) as services:
        print("Loading the demo network…", flush=True)
        result = await load_demo(services, lambda line: print(line, flush=True))
    base = settings.http.public_url or f"http://{settings.http.host}:{settings.http.port}"
    print(describe(result, base))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jumelage`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ConfigError as exc:
        print(f"jumelage: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.logging)
    try:
        if args.command == "serve":
            _serve(settings)
        elif args.command == "db":
            asyncio.run(_db(settings, args.db_command))
        elif args.command == "admin":
            asyncio.run(_create_admin(settings, args))
        elif args.command == "demo":
            asyncio.run(_demo(settings))
        elif args.command == "config":
            print(settings.model_dump_json(indent=2))
    except (CodedError, DemoAlreadyLoaded) as exc:
        message = exc.message if isinstance(exc, CodedError) else str(exc)
        print(f"jumelage: {message}", file=sys.stderr)
        return EXIT_FAILED
    except ConfigError as exc:
        print(f"jumelage: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return 0
