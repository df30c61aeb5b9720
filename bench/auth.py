"""What authentication costs: logins, token checks, and authorising one request.

    python bench/auth.py            # full run: 5 runs, about 10 minutes
    python bench/auth.py --quick    # 3 runs, same output shape, under a minute when quiet

Measures, each over several runs (medians over the runs; latency percentiles
are the median of each run's percentile, except for logins with default
argon2, whose few samples are pooled over the runs):

1. ``SessionService.login`` per second, CPU per login and latency at
   concurrency 1 and 4, with the default argon2 parameters
   (``AccountSettings``), then with the cheap ones the tests use, so the
   argon2 share shows.
2. ``TokenSigner.verify_access`` per second, µs and CPU µs per call, on one core.
3. ``SessionService.authenticate`` (token check plus the one read of the auth
   subject) µs and CPU µs per call on SQLite and PostgreSQL; and the whole
   HTTP path: ``GET /api/v1/me`` and the cheaper authenticated ``GET
   /api/v1/schools/{id}/api-keys`` against ``GET /health`` (no auth) on the
   same ``jumelage serve`` process, at concurrency 1 and 16, with the
   server's CPU per request.

Everything it needs lives in a temporary directory and, when PostgreSQL
answers on loopback, in a fresh database that is dropped at the end. The
server runs pinned to CPU 0 (``taskset``) in a session of its own, this
process (the load generator) on CPU 1. Progress goes to standard error; the
last line of standard output is the JSON result. ``bench/README.md`` says why
it is built this way and how to read the figures on a busy machine.
"""

from __future__ import annotations

from checkout import use_checkout

REPO = use_checkout()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import ctypes  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import AsyncIterator, Callable, Mapping  # noqa: E402
from contextlib import asynccontextmanager, suppress  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from loadgen import LoadResult, get_once, process_cpu_s, run_load  # noqa: E402
from report import emit, median, percentile, progress, rounded, spread_pct  # noqa: E402

from community import NewSchool, TeacherRegistration  # noqa: E402
from community.auth.sessions import SessionService  # noqa: E402
from community.auth.tokens import TokenSigner  # noqa: E402
from protocol.api.accounts import (  # noqa: E402
    AccountKind,
    AccountStatus,
    RoleAtSchool,
    SchoolType,
)
from protocol.ids import SchoolId  # noqa: E402
from server.config import Settings  # noqa: E402
from server.runtime import open_services  # noqa: E402
from server.services import Services  # noqa: E402
from storage import Database  # noqa: E402

BENCH = "auth"
HOST = "127.0.0.1"
SERVER_CPU = 0
CLIENT_CPU = 1
POSTGRES_URL = os.environ.get(
    "JUMELAGE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "tandem-lantern-orchard-47"
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
"""The tests' argon2 parameters (``tests/conftest.py``); the hashing slots stay at the default."""
NO_LOGIN_LIMITS = {"login_attempts_per_account": 10**9, "login_attempts_per_address": 10**9}
"""Logins are throttled per account and address; the limiter still runs, but never refuses."""
LOGIN_CONCURRENCY = (1, 4)
HTTP_CONCURRENCY = (1, 16)
ROUTES = ("health", "api_keys", "me")
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0
MAX_REQUESTS_PER_PERIOD = 200_000
LOGIN_RUN_CAP_S = 60.0
PR_SET_PDEATHSIG = 1
WORKDIR_PREFIX = "jumelage-bench-auth-"
DATABASE_PREFIX = "jumelage_bench_auth_"
SIGTERM_NUMBER = int(signal.SIGTERM)


@dataclass(frozen=True)
class Plan:
    """How much of each thing to do; ``--quick`` is a smaller one."""

    runs: int
    default_logins_per_worker: Mapping[int, int]
    cheap_logins_per_worker: Mapping[int, int]
    verifications: int
    authentications: int
    http_duration_s: float
    http_warmup_s: float


FULL = Plan(
    runs=5,
    default_logins_per_worker={1: 8, 4: 4},
    cheap_logins_per_worker={1: 100, 4: 40},
    verifications=10_000,
    authentications=500,
    http_duration_s=3.0,
    http_warmup_s=0.5,
)
QUICK = Plan(
    runs=3,
    default_logins_per_worker={1: 1, 4: 1},
    cheap_logins_per_worker={1: 10, 4: 4},
    verifications=2_000,
    authentications=100,
    http_duration_s=0.25,
    http_warmup_s=0.05,
)


# -- the environment ---------------------------------------------------------


def pin_process(cpus: set[int]) -> bool:
    """Pin every thread of this process (and those it starts later) to ``cpus``."""
    available = os.sched_getaffinity(0)
    if not cpus <= available:
        return False
    for task in os.listdir("/proc/self/task"):
        with suppress(ProcessLookupError):
            os.sched_setaffinity(int(task), cpus)
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1"):
        return f"{host} is not on loopback"
    try:
        with socket.create_connection((host, parts.port or 5432), timeout=1.0):
            return None
    except OSError as exc:
        return f"not reachable at {parts.netloc}: {exc.strerror or exc}"


def left_by_dead_run(name: str, prefix: str) -> bool:
    """Whether ``name`` is ``<prefix><pid>_...`` of a run whose process is gone."""
    pid = name.removeprefix(prefix).split("_", 1)[0]
    if not name.startswith(prefix) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def remove_stale_workdirs() -> None:
    """Working directories of earlier runs that were killed before their clean-up."""
    for path in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        if left_by_dead_run(path.name, WORKDIR_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
            progress(f"removed {path}, left by a run that was killed")


@asynccontextmanager
async def fresh_postgres(url: str) -> AsyncIterator[str]:
    """A new, empty database on the server of ``url``, dropped on the way out.

    Databases left by earlier runs that were killed are dropped first.
    """
    name = f"{DATABASE_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"

    async def run(sql: str) -> list[Any]:
        admin = Database(url)
        try:
            async with admin.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                result = await autocommit.exec_driver_sql(sql)
                return list(result) if result.returns_rows else []
        finally:
            await admin.close()

    existing = await run(f"SELECT datname FROM pg_database WHERE datname LIKE '{DATABASE_PREFIX}%'")
    for (stale,) in existing:
        if left_by_dead_run(stale, DATABASE_PREFIX):
            await run(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')
            progress(f"dropped PostgreSQL database {stale}, left by a run that was killed")
    await run(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        progress(f"dropped PostgreSQL database {name}")


@dataclass(frozen=True)
class Engine:
    """One database to measure on, in its own data directory."""

    name: str
    data_dir: Path
    database_url: str | None
    """None: the default SQLite file in the data directory."""

    def settings(self, secret: str, *, argon2: Mapping[str, int] | None = None) -> Settings:
        """Explicit settings (the process environment was cleared of JUMELAGE_*)."""
        values: dict[str, Any] = {
            "data_dir": self.data_dir,
            "auth": {"secret_key": secret},
            "logging": {"level": "WARNING"},
            "accounts": {**NO_LOGIN_LIMITS, **(argon2 or {}), "access_token_ttl_s": 3600},
        }
        if self.database_url is not None:
            values["database"] = {"url": self.database_url}
        return Settings(**values)

    def server_env(self, secret: str, port: int) -> dict[str, str]:
        """The environment of ``jumelage serve`` on this database, defaults otherwise."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUMELAGE_")}
        env |= {
            "JUMELAGE_DATA_DIR": str(self.data_dir),
            "JUMELAGE_HTTP__HOST": HOST,
            "JUMELAGE_HTTP__PORT": str(port),
            "JUMELAGE_HTTP__SHUTDOWN_TIMEOUT_S": "2",
            "JUMELAGE_AUTH__SECRET_KEY": secret,
        }
        if self.database_url is not None:
            env["JUMELAGE_DATABASE__URL"] = self.database_url
        return env


# -- arranging accounts through the domain -----------------------------------


async def create_staff(services: Services, email: str) -> None:
    await services.accounts.staff.create_admin(
        None,
        kind=AccountKind.PLATFORM_ADMIN,
        email=email,
        full_name="Bench Admin",
        country_code=None,
        password=PASSWORD,
    )


@dataclass(frozen=True)
class SchoolAdmin:
    """A validated teacher who administers their school, signed in."""

    access_token: str
    school_id: SchoolId


async def arrange_school_admin(services: Services) -> SchoolAdmin:
    """Register, validate and promote a teacher as the product would."""
    sessions = services.accounts.sessions
    await create_staff(services, "bench-platform@example.org")
    signed = await sessions.login("bench-platform@example.org", PASSWORD, client="bench")
    platform_admin = await sessions.authenticate(signed.access_token)
    email = "bench-teacher@example.org"
    await services.accounts.registration.register_teacher(
        TeacherRegistration(
            email=email,
            password=PASSWORD,
            full_name="Ada Teacher",
            role_at_school=RoleAtSchool.TEACHER,
            school_id=None,
            new_school=NewSchool(
                name="Bench Lower Secondary",
                country_code="FR",
                city="Lyon",
                school_type=SchoolType.LOWER_SECONDARY,
                age_min=10,
                age_max=15,
                languages=("fr", "en"),
            ),
        ),
        client="bench",
    )
    teacher = await sessions.login(email, PASSWORD, client="bench")
    validation = services.accounts.validation
    await validation.decide(platform_admin, teacher.user_id, AccountStatus.VALIDATED, reason=None)
    await validation.set_school_admin(platform_admin, teacher.user_id, True)
    signed = await sessions.login(email, PASSWORD, client="bench")
    principal = await sessions.authenticate(signed.access_token)
    if not principal.is_school_admin or principal.school_id is None:
        raise RuntimeError("the arranged teacher is not a school admin")
    return SchoolAdmin(signed.access_token, SchoolId(principal.school_id))


# -- 1. logins -----------------------------------------------------------------


@dataclass
class Runs:
    """Per-run rates, CPU costs and latency samples of one measurement.

    The CPU cost (this process's CPU time per operation, every thread counted)
    does not grow while other work holds the core, so on a busy machine it is
    the steadier of the figures; rates and latencies are wall-clock.
    """

    per_s: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    latencies_s: list[list[float]] = field(default_factory=list)

    def add(self, elapsed_s: float, cpu_s: float, latencies_s: list[float]) -> None:
        self.per_s.append(len(latencies_s) / elapsed_s)
        self.cpu_us.append(cpu_s / len(latencies_s) * 1e6)
        self.latencies_s.append(latencies_s)

    def median_per_s(self) -> float:
        return median(self.per_s)

    def median_cpu_us(self) -> float:
        return median(self.cpu_us)

    def pooled_ms(self, q: float) -> float:
        return percentile([x for run in self.latencies_s for x in run], q) * 1e3

    def run_median_us(self, q: float) -> float:
        """The median over runs of each run's ``q``-th percentile, in µs."""
        return median(percentile(run, q) for run in self.latencies_s) * 1e6


async def login_run(
    sessions: SessionService, logins: list[str], per_worker: int, into: Runs
) -> None:
    """One run: each worker signs its own account in ``per_worker`` times."""
    latencies: list[float] = []
    deadline = time.perf_counter() + LOGIN_RUN_CAP_S

    async def worker(index: int, login: str) -> None:
        for done in range(per_worker):
            if done and time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            await sessions.login(login, PASSWORD, client=f"bench-client-{index}")
            latencies.append(time.perf_counter() - started)

    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i, login) for i, login in enumerate(logins)))
    into.add(time.perf_counter() - started, time.process_time() - cpu, latencies)


async def measure_logins(
    engine: Engine,
    secret: str,
    argon2: Mapping[str, int],
    per_worker: Mapping[int, int],
    plan: Plan,
) -> dict[int, Runs]:
    label = "default" if not argon2 else "cheap"
    async with open_services(engine.settings(secret, argon2=argon2), migrate=True) as services:
        logins = [f"bench-login-{label}-{i}@example.org" for i in range(max(LOGIN_CONCURRENCY))]
        for login in logins:
            await create_staff(services, login)
        sessions = services.accounts.sessions
        await sessions.login(logins[0], PASSWORD, client="bench-client-0")  # warm up
        measured = {c: Runs() for c in LOGIN_CONCURRENCY}
        for run in range(plan.runs):
            for concurrency in LOGIN_CONCURRENCY:
                runs = measured[concurrency]
                await login_run(sessions, logins[:concurrency], per_worker[concurrency], runs)
                progress(
                    f"  login {engine.name} {label} argon2 c={concurrency} run {run + 1}: "
                    f"{runs.per_s[-1]:.1f}/s, p50 {median(runs.latencies_s[-1]) * 1e3:.1f} ms, "
                    f"CPU {runs.cpu_us[-1] / 1e3:.1f} ms/login"
                )
    return measured


# -- 2. token verification ------------------------------------------------------


def measure_verify(signer: TokenSigner, token: str, plan: Plan) -> Runs:
    measured = Runs()
    verify = signer.verify_access
    for _ in range(1000):  # warm up
        verify(token)
    for run in range(plan.runs):
        latencies = []
        clock = time.perf_counter
        cpu, started = time.process_time(), clock()
        for _ in range(plan.verifications):
            before = clock()
            verify(token)
            latencies.append(clock() - before)
        measured.add(clock() - started, time.process_time() - cpu, latencies)
        progress(
            f"  verify_access run {run + 1}: {measured.per_s[-1]:,.0f}/s, "
            f"CPU {measured.cpu_us[-1]:.0f} µs/call"
        )
    return measured


# -- 3a. authenticate, in process ----------------------------------------------


async def measure_authenticate(sessions: SessionService, token: str, plan: Plan) -> Runs:
    measured = Runs()
    for _ in range(200):  # warm up
        await sessions.authenticate(token)
    for run in range(plan.runs):
        latencies = []
        clock = time.perf_counter
        cpu, started = time.process_time(), clock()
        for _ in range(plan.authentications):
            before = clock()
            await sessions.authenticate(token)
            latencies.append(clock() - before)
        measured.add(clock() - started, time.process_time() - cpu, latencies)
        progress(
            f"  authenticate run {run + 1}: {1e6 / measured.per_s[-1]:.0f} µs/call, "
            f"CPU {measured.cpu_us[-1]:.0f} µs/call"
        )
    return measured


# -- 3b. the HTTP path -----------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def cpu_probes(self) -> dict[str, Callable[[], float]]:
        """CPU seconds of the server process (SQLite's work included, PostgreSQL's not)."""
        return {"server": lambda: process_cpu_s(self.process.pid)}


_PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # resolved before any fork


def _end_with_parent() -> None:
    """In the child before exec: SIGTERM it when this process dies, however it dies."""
    _PRCTL(PR_SET_PDEATHSIG, SIGTERM_NUMBER)


def start_server(engine: Engine, secret: str, pinned: bool) -> Server:
    """Start ``jumelage serve`` (as ``python -m server serve``) on a free loopback port.

    It leads a session of its own, so that the kernel gives it its own share of
    CPU (an autogroup) beside other sessions' work instead of splitting one
    share with this process; it still ends with this process.
    """
    port = free_port()
    log = engine.data_dir / "server.log"
    command = [sys.executable, "-m", "server", "serve"]
    if pinned:
        command = ["taskset", "-c", str(SERVER_CPU), *command]
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=engine.server_env(secret, port),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
    return Server(process, port, log)


async def stop_server(server: Server) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it lingers."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


@asynccontextmanager
async def serving(
    engines: list[Engine], secret: str, pinned: bool
) -> AsyncIterator[dict[str, Server]]:
    """One server per engine, started side by side (an idle one costs nothing)."""
    servers: dict[str, Server] = {}
    try:
        for engine in engines:
            servers[engine.name] = start_server(engine, secret, pinned)
        await asyncio.gather(*(wait_until_serving(s) for s in servers.values()))
        yield servers
    finally:
        await asyncio.gather(*(stop_server(s) for s in servers.values()))


async def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        with suppress(OSError, TimeoutError):
            status, _ = await get_once(HOST, server.port, "/health")
            if status == 200:
                return
        await asyncio.sleep(0.1)
    tail = server.log.read_text("utf-8", "replace")[-3000:]
    raise RuntimeError(f"the server did not start; its log ends with:\n{tail}")


@dataclass
class HttpRuns:
    """Load results per (route, concurrency), one per run."""

    results: dict[tuple[str, int], list[LoadResult]] = field(default_factory=dict)

    def of(self, route: str, concurrency: int) -> list[LoadResult]:
        return self.results.setdefault((route, concurrency), [])


async def measure_http(server: Server, admin: SchoolAdmin, plan: Plan, name: str) -> HttpRuns:
    auth = {"Authorization": f"Bearer {admin.access_token}"}
    paths: dict[str, tuple[str, dict[str, str]]] = {
        "health": ("/health", {}),
        "api_keys": (f"/api/v1/schools/{admin.school_id}/api-keys", auth),
        "me": ("/api/v1/me", auth),
    }
    for path, headers in paths.values():
        status, body = await get_once(HOST, server.port, path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    measured = HttpRuns()
    for run in range(plan.runs):
        # Interleaved, so that a noisy moment hits every route alike.
        for route in ROUTES:
            path, headers = paths[route]
            for concurrency in HTTP_CONCURRENCY:
                result = await run_load(
                    HOST,
                    server.port,
                    path,
                    headers=headers,
                    concurrency=concurrency,
                    duration_s=plan.http_duration_s,
                    warmup_s=plan.http_warmup_s,
                    max_requests=MAX_REQUESTS_PER_PERIOD,
                    cpu_probes=server.cpu_probes(),
                )
                if result.unexpected:
                    raise RuntimeError(f"GET {path}: {result.unexpected} unexpected answers")
                measured.of(route, concurrency).append(result)
                progress(
                    f"  http {name} {route} c={concurrency} run {run + 1}: "
                    f"{result.per_s:,.0f} req/s, p50 {percentile(result.latencies_s, 50) * 1e3:.2f}"
                    " ms, CPU/req: "
                    + ", ".join(
                        f"{probe} {result.cpu_us_per_request(probe):.0f} µs"
                        for probe in result.cpu_s
                    )
                    + f", client CPU {result.client_cpu_share:.0%}"
                )
    return measured


# -- putting figures together ------------------------------------------------------


def login_figures(prefix: str, measured: dict[int, Runs], pooled: bool) -> dict[str, float]:
    figures = {}
    for concurrency, runs in measured.items():
        key = f"{prefix}_c{concurrency}"
        figures[f"{key}_logins_per_s"] = runs.median_per_s()
        figures[f"{key}_cpu_ms_per_login"] = runs.median_cpu_us() / 1e3
        if pooled:
            figures[f"{key}_latency_p50_ms"] = runs.pooled_ms(50)
            figures[f"{key}_latency_p99_ms"] = runs.pooled_ms(99)
        else:
            figures[f"{key}_latency_p50_ms"] = runs.run_median_us(50) / 1e3
            figures[f"{key}_latency_p99_ms"] = runs.run_median_us(99) / 1e3
    return figures


def http_figures(name: str, measured: HttpRuns) -> dict[str, float]:
    figures: dict[str, float] = {}
    top = max(HTTP_CONCURRENCY)
    for route in ROUTES:
        for concurrency in HTTP_CONCURRENCY:
            results = measured.of(route, concurrency)
            key = f"http_{name}_{route}_c{concurrency}"
            figures[f"{key}_requests_per_s"] = median(r.per_s for r in results)
            figures[f"{key}_p50_ms"] = median(percentile(r.latencies_s, 50) for r in results) * 1e3
            figures[f"{key}_p99_ms"] = median(percentile(r.latencies_s, 99) for r in results) * 1e3
            if concurrency == top:
                for probe in results[0].cpu_s:
                    figures[f"{key}_{probe}_cpu_us_per_request"] = median(
                        r.cpu_us_per_request(probe) for r in results
                    )
    # What auth adds, as differences paired within each run (same moment, same server).
    health_c1, health_top = measured.of("health", 1), measured.of("health", top)
    for route in ROUTES[1:]:
        key = f"http_{name}_{route}_vs_health"
        c1 = list(zip(measured.of(route, 1), health_c1, strict=True))
        c_top = list(zip(measured.of(route, top), health_top, strict=True))
        figures[f"{key}_c1_extra_latency_p50_us"] = median(
            (percentile(r.latencies_s, 50) - percentile(h.latencies_s, 50)) * 1e6 for r, h in c1
        )
        figures[f"{key}_c1_latency_p50_ratio"] = median(
            percentile(r.latencies_s, 50) / percentile(h.latencies_s, 50) for r, h in c1
        )
        figures[f"{key}_c{top}_throughput_ratio"] = median(h.per_s / r.per_s for r, h in c_top)
        figures[f"{key}_c{top}_extra_us_per_request"] = median(
            (1 / r.per_s - 1 / h.per_s) * 1e6 for r, h in c_top
        )
        for probe in health_top[0].cpu_s:
            figures[f"{key}_c{top}_extra_{probe}_cpu_us_per_request"] = median(
                r.cpu_us_per_request(probe) - h.cpu_us_per_request(probe) for r, h in c_top
            )
    every = [r for results in measured.results.values() for r in results]
    figures[f"http_{name}_client_cpu_share_max"] = max(r.client_cpu_share for r in every)
    figures[f"http_{name}_c{top}_server_cpu_share"] = median(
        r.cpu_share("server") for route in ROUTES for r in measured.of(route, top)
    )
    return figures


def note_noisy(per_run: dict[str, list[float]]) -> None:
    """Say on stderr which medians come from runs that lie far apart."""
    for name, values in per_run.items():
        if len(values) > 1 and spread_pct(values) > 25:
            progress(f"note: {name} varied by {spread_pct(values):.0f}% across runs")


# -- the whole benchmark ----------------------------------------------------------


async def benchmark(plan: Plan, *, use_postgres: bool, workdir: Path) -> dict[str, Any]:
    secret = secrets.token_urlsafe(48)
    figures: dict[str, Any] = {"mode": "quick" if plan is QUICK else "full", "runs": plan.runs}
    figures["load_average_1m_at_start"] = os.getloadavg()[0]
    spreads: dict[str, list[float]] = {}
    engines = [Engine("sqlite", workdir / "sqlite", None)]

    skipped = postgres_unreachable(POSTGRES_URL) if use_postgres else "--no-postgres was given"
    figures["postgres"] = "measured" if skipped is None else f"skipped: {skipped}"
    if skipped is not None:
        progress(f"PostgreSQL skipped: {skipped}")

    async with _postgres_if(skipped is None) as pg_url:
        if pg_url is not None:
            engines.append(Engine("postgres", workdir / "postgres", pg_url))
            progress("PostgreSQL: a fresh database for this run")

        # 1. Logins use both cores: argon2 runs in threads (hash_concurrency slots).
        progress("1. SessionService.login, default argon2 parameters (slow by design)")
        default = await measure_logins(engines[0], secret, {}, plan.default_logins_per_worker, plan)
        figures |= login_figures("login_sqlite_default_argon2", default, pooled=True)
        for engine in engines:
            progress(f"1. SessionService.login, cheap argon2 parameters, {engine.name}")
            cheap = await measure_logins(
                engine, secret, CHEAP_ARGON2, plan.cheap_logins_per_worker, plan
            )
            figures |= login_figures(f"login_{engine.name}_cheap_argon2", cheap, pooled=False)
            spreads[f"login_{engine.name}_cheap_c1"] = cheap[1].per_s
        spreads["login_default_c1"] = default[1].per_s
        # CPU per login, not latency: it stays put while other work holds the cores.
        figures["login_argon2_share_of_cpu_pct"] = (
            1
            - figures["login_sqlite_cheap_argon2_c1_cpu_ms_per_login"]
            / figures["login_sqlite_default_argon2_c1_cpu_ms_per_login"]
        ) * 100

        # From here on, this process (the load generator too) keeps to one core.
        pinned = pin_process({CLIENT_CPU}) and shutil.which("taskset") is not None
        figures["pinning"] = (
            f"server cpu{SERVER_CPU} (taskset), bench and load generator cpu{CLIENT_CPU}"
            if pinned
            else "none (fewer than 2 cores or no taskset)"
        )
        admins: dict[str, SchoolAdmin] = {}
        for engine in engines:
            async with open_services(
                engine.settings(secret, argon2=CHEAP_ARGON2), migrate=True
            ) as services:
                admins[engine.name] = admin = await arrange_school_admin(services)
                if engine is engines[0]:
                    progress("2. TokenSigner.verify_access, one core")
                    verify = measure_verify(services.accounts.signer, admin.access_token, plan)
                    figures["token_verify_per_s"] = verify.median_per_s()
                    figures["token_verify_us"] = 1e6 / verify.median_per_s()
                    figures["token_verify_cpu_us"] = verify.median_cpu_us()
                    figures["token_verify_p50_us"] = verify.run_median_us(50)
                    figures["token_verify_p99_us"] = verify.run_median_us(99)
                    spreads["token_verify"] = verify.per_s
                progress(f"3. SessionService.authenticate, {engine.name}")
                auth = await measure_authenticate(
                    services.accounts.sessions, admin.access_token, plan
                )
                key = f"authenticate_{engine.name}"
                figures[f"{key}_us"] = 1e6 / auth.median_per_s()
                figures[f"{key}_cpu_us"] = auth.median_cpu_us()
                figures[f"{key}_p50_us"] = auth.run_median_us(50)
                figures[f"{key}_p99_us"] = auth.run_median_us(99)
                figures[f"{key}_per_s"] = auth.median_per_s()
                figures[f"{key}_beyond_token_cpu_us"] = (
                    figures[f"{key}_cpu_us"] - figures["token_verify_cpu_us"]
                )
                spreads[key] = auth.per_s

        progress("3. HTTP: starting jumelage serve on each database")
        async with serving(engines, secret, pinned) as servers:
            measured = {}
            for engine in engines:
                progress(f"3. HTTP through jumelage serve, {engine.name}")
                server = servers[engine.name]
                measured[engine.name] = await measure_http(
                    server, admins[engine.name], plan, engine.name
                )
        for engine in engines:
            http = measured[engine.name]
            figures |= http_figures(engine.name, http)
            for route in ROUTES:
                spreads[f"http_{engine.name}_{route}_c16"] = [
                    r.per_s for r in http.of(route, max(HTTP_CONCURRENCY))
                ]
            share = figures[f"http_{engine.name}_client_cpu_share_max"]
            if share > 0.9:
                progress(
                    f"warning: the load generator used {share:.0%} of its core on "
                    f"{engine.name}; it may limit the figures"
                )
            busy = figures[f"http_{engine.name}_c16_server_cpu_share"]
            if busy < 0.9:
                progress(
                    f"note: at c=16 the server got {busy:.0%} of its core on {engine.name} "
                    "(other work or the database shared it); server CPU µs per request "
                    "is the steadier figure"
                )
    figures["load_average_1m_at_end"] = os.getloadavg()[0]
    note_noisy(spreads)
    return figures


@asynccontextmanager
async def _postgres_if(wanted: bool) -> AsyncIterator[str | None]:
    if not wanted:
        yield None
        return
    async with fresh_postgres(POSTGRES_URL) as url:
        yield url


def tidy(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: rounded(v) if isinstance(v, float) else v for k, v in figures.items()}


async def main_async(plan: Plan, use_postgres: bool) -> dict[str, Any]:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    remove_stale_workdirs()
    workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}_"))
    progress(f"working in {workdir} ({'quick' if plan is QUICK else 'full'} run)")
    try:
        return await benchmark(plan, use_postgres=use_postgres, workdir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        progress(f"removed {workdir}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a shorter run, under a minute")
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    args = parser.parse_args(argv)
    # The settings are explicit; a JUMELAGE_* variable of the caller must not leak in.
    for name in [n for n in os.environ if n.startswith("JUMELAGE_")]:
        del os.environ[name]
    plan = QUICK if args.quick else FULL
    started = time.monotonic()
    figures = asyncio.run(main_async(plan, use_postgres=not args.no_postgres))
    figures["wall_s"] = time.monotonic() - started
    emit(BENCH, tidy(figures), targets=[])
    return 0


if __name__ == "__main__":
    sys.exit(main())
