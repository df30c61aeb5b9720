"""Room fan-out of chat-sized messages: our server against Node and bare python-socketio.

    python bench/chat_fanout.py [--quick] [--runs N] [--targets ...] [--compression off,on]

What it does, for each target and each compression setting, in each run:

1. starts the server pinned to core 0 (``taskset -c 0``) and the Node load
   generator (``bench/fanout/loadgen.mjs``) pinned to core 1;
2. opens 10 rooms x 31 participants (websocket only), one sender per room
   (on our server the per-user chat and connection limits are raised through
   its settings: ``BENCH_LIMITS``);
3. measures the server's CPU time per delivery at a fixed rate that every
   target passes (``/proc/<pid>/stat``; deliveries = messages x receivers);
4. ramps the per-room rate for a fixed window per step, stops at the first
   step with p99 > 100 ms, a lost or a duplicated message (failing twice in
   a row), and narrows the limit by bisection; the highest passing rate is
   the figure;
5. on a fresh server, opens 2,000 then 10,000 idle connections: time to
   connect, server RSS.

Targets: ``node-ref`` (minimal Node socket.io 4, ``bench/fanout/ref_server.mjs``),
``py-ref`` (bare python-socketio on aiohttp, ``bench/fanout/ref_server.py``;
``py-ref-uvloop`` when uvloop is installed), ``jumelage`` (``jumelage serve``;
``jumelage-uvloop`` the same on uvloop, ``realtime.event_loop``;
``jumelage-plain`` the same server with a pass-through chat gate, no
moderation pipeline and no storage, composed by the bench-only
``bench/fanout/plain_serve.py``: the rate that moderated chat must keep 0.8 of)
and ``jumelage-2node`` (two ``jumelage serve`` through Redis and a shared
PostgreSQL database, each room split across both). Compression ``on`` means
the clients offer permessage-deflate as browsers do, and the servers accept it
(python-engineio always does; the Node reference enables it with threshold 0,
so that every message is compressed, as python-engineio does; our server with
``JUMELAGE_REALTIME__COMPRESSION=true``); ``off`` means they do not.

Medians are over ``--runs`` runs (3 by default; 1 with ``--quick``). Progress
goes to stderr; the last stdout line is the JSON result (see
``/work/shared/BENCHMARKS.md``). Every process it starts is stopped on exit,
Ctrl-C included.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import queue
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadgen import process_cpu_s
from report import emit, median, progress, rounded, spread_pct

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FANOUT = HERE / "fanout"
PYTHON = ROOT / ".venv" / "bin" / "python"
JUMELAGE = ROOT / ".venv" / "bin" / "jumelage"

SERVER_CORE = 0
LOADGEN_CORE = 1
ROOMS = 10
PARTICIPANTS = 31
P99_LIMIT_MS = 100.0
BUSY_SHARE = 0.85
"""A process using this much of its core during a failing step is what limited it."""
NOISY_SHARE = 0.10
"""A process kept waiting for its core this much of a step by other work: a noisy step."""
START_TIMEOUT_S = 120.0
ARRANGE_TIMEOUT_S = 900.0
COMMAND_TIMEOUT_S = 180.0
IDLE_LOCAL_ADDRESSES = [f"127.0.0.{i}" for i in range(2, 10)]
JUMELAGE_TARGETS = ("jumelage", "jumelage-plain", "jumelage-uvloop", "jumelage-2node")
PLAIN = "jumelage-plain"
"""Our server without moderated chat (``bench/fanout/plain_serve.py``)."""
PLAIN_RATE_RATIO = 0.8
"""Issue "Moderated chat": with the pipeline and storage, at least this share of the plain rate."""
UVLOOP_TARGETS = ("py-ref-uvloop", "jumelage-uvloop")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REFERENCE = "node-ref"
BENCH_LIMITS = {
    "JUMELAGE_REALTIME__CONNECT_BURST": "100000",
    "JUMELAGE_REALTIME__CONNECT_PER_S": "100000",
    "JUMELAGE_MODERATION__CHAT_BURST": "100000",
    "JUMELAGE_MODERATION__CHAT_PER_S": "100000",
    "JUMELAGE_MODERATION__ROOM_CHAT_BURST": "100000",
    "JUMELAGE_MODERATION__ROOM_CHAT_PER_S": "100000",
}
"""Our server's per-user and per-room limits (the realtime layer's on
connections, the moderation pipeline's on chat, its only limit since
d36569b), raised so that one person may send a room's every message and open
many connections (their defaults protect pupils). Every message still
crosses the whole moderation pipeline and is stored before it is sent
(``jumelage``; ``jumelage-plain`` has neither)."""


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run or ``--quick``."""

    runs: int
    ramp: tuple[int, ...]
    bisections: int
    window_s: float
    drain_s: float
    cpu_rate: int
    cpu_window_s: float
    warmup_s: float
    idle_counts: tuple[int, ...]
    retries: int
    """How many times a failing ramp step is tried again before it counts."""


FULL = Plan(
    runs=3,
    # Up to 3,000: with the load generator's receivers reading their numbers
    # off the frames' bytes, jumelage-plain passed 2,000 (its server at 98-99 %
    # of its core from 1,250 up); the ramp's last step must be one that fails.
    ramp=(
        *(10, 20, 30, 40, 60, 80, 100, 150, 200, 300, 400, 600, 800),
        *(1000, 1250, 1500, 2000, 2500, 3000),
    ),
    bisections=2,
    window_s=5.0,
    drain_s=3.0,
    cpu_rate=20,
    cpu_window_s=10.0,
    warmup_s=2.0,
    idle_counts=(2000, 10000),
    retries=1,
)
QUICK = Plan(
    runs=1,
    ramp=(10, 20, 50, 150, 300),
    bisections=0,
    window_s=1.0,
    drain_s=1.5,
    cpu_rate=20,
    cpu_window_s=2.0,
    warmup_s=0.5,
    idle_counts=(500, 1000),
    retries=0,
)


# ---------------------------------------------------------------------------
# Processes


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 65536:
        hard = 65536
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Children:
    """Every process the benchmark starts, each in its own process group,
    stopped (TERM, then KILL) by :meth:`stop_all` whatever happens."""

    def __init__(self, log_dir: Path, nice: int = 0) -> None:
        self._procs: list[subprocess.Popen[Any]] = []
        self._log_dir = log_dir
        self._nice = nice

    def start(
        self,
        name: str,
        args: Sequence[str],
        *,
        core: int | None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        pipes: bool = False,
    ) -> subprocess.Popen[Any]:
        log = open(self._log_dir / f"{name}.log", "ab")  # noqa: SIM115 (owned by the child)
        proc = subprocess.Popen(
            [*(["taskset", "-c", str(core)] if core is not None else []), *args],
            env=env,
            cwd=cwd,
            stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
            stdout=subprocess.PIPE if pipes else log,
            stderr=log,
            text=pipes,
            start_new_session=True,
            preexec_fn=_raise_fd_limit,
        )
        log.close()
        self._procs.append(proc)
        if self._nice and core is not None:
            # The kernel shares CPU between sessions (autogroups) before it looks
            # at a process's nice value; each child leads its own session, so
            # its autogroup's nice is what gives it priority over other work.
            try:
                Path(f"/proc/{proc.pid}/autogroup").write_text(str(-self._nice))
            except OSError as exc:
                progress(f"cannot raise the priority of {name}: {exc}")
        return proc

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self._log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, proc: subprocess.Popen[Any], timeout_s: float = 10.0) -> None:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        if proc in self._procs:
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._procs)):
            self.stop(proc, timeout_s=5.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(
    proc: subprocess.Popen[Any], port: int, what: str, log_tail: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{what} exited with status {proc.returncode} while starting:\n{log_tail()}"
            )
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {START_TIMEOUT_S:.0f} s")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def run_delay_s(pid: int) -> float:
    """Seconds a process's main thread spent runnable but waiting for a CPU
    (/proc/<pid>/schedstat): how much other work on its core held it back."""
    with open(f"/proc/{pid}/schedstat") as schedstat:
        return int(schedstat.read().split()[1]) / 1e9


def core_busy_s() -> dict[int, float]:
    """Busy CPU seconds of each core since boot (/proc/stat, all but idle and iowait)."""
    ticks = os.sysconf("SC_CLK_TCK")
    busy: dict[int, float] = {}
    with open("/proc/stat") as stat:
        for line in stat:
            name, *values = line.split()
            if name.startswith("cpu") and name != "cpu":
                numbers = [int(v) for v in values[:8]]
                busy[int(name[3:])] = (sum(numbers) - numbers[3] - numbers[4]) / ticks
    return busy


# ---------------------------------------------------------------------------
# The Node side: installing it and driving the load generator


def ensure_node_modules() -> None:
    if (FANOUT / "node_modules" / "socket.io" / "package.json").exists() and (
        FANOUT / "node_modules" / "ws" / "package.json"
    ).exists():
        return
    if not shutil.which("npm") or not shutil.which("node"):
        raise RuntimeError("node and npm are needed (Node 20 or later)")
    verb = "ci" if (FANOUT / "package-lock.json").exists() else "install"
    progress(f"installing the Node load generator and reference (npm {verb}) …")
    subprocess.run(
        ["npm", verb, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=FANOUT,
        check=True,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )


class LoadGen:
    """``loadgen.mjs`` on core 1, one JSON command and one JSON answer a line."""

    def __init__(self, children: Children) -> None:
        self._children = children
        self.proc = children.start(
            "loadgen",
            ["node", "--max-old-space-size=4096", "loadgen.mjs"],
            core=LOADGEN_CORE,
            cwd=FANOUT,
            pipes=True,
        )
        self._answers: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._answers.put(line)
        self._answers.put(None)

    def request(
        self, command: dict[str, Any], timeout_s: float = COMMAND_TIMEOUT_S
    ) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        try:
            line = self._answers.get(timeout=timeout_s)
        except queue.Empty:
            raise RuntimeError(f"load generator: no answer to {command['cmd']}") from None
        if line is None:
            tail = self._children.log_tail("loadgen")
            raise RuntimeError(f"load generator exited during {command['cmd']}:\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok", False):
            raise RuntimeError(f"load generator: {command['cmd']}: {answer.get('error')}")
        return answer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.request({"cmd": "exit"}, timeout_s=10)
        self._children.stop(self.proc)


# ---------------------------------------------------------------------------
# Targets


@dataclass
class Server:
    """A started target: its processes (pids for CPU and RSS) and how to reach it."""

    procs: list[subprocess.Popen[Any]]
    urls: list[str]
    adapter: str
    members: Callable[[int, int], list[dict[str, Any]]]
    """``members(room, count)``: the participants of one room (url, auth, token)."""
    idle_member: Callable[[int], dict[str, Any]]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def cpu_s(self) -> float:
        return sum(process_cpu_s(pid) for pid in self.pids)

    def rss_mb(self) -> float:
        return sum(rss_mb(pid) for pid in self.pids)


def start_node_ref(children: Children, compress: bool) -> Server:
    port = free_port()
    args = ["node", "ref_server.mjs", "--port", str(port)]
    if compress:
        args += ["--compress", "--threshold", "0"]
    proc = children.start("node-ref", args, core=SERVER_CORE, cwd=FANOUT)
    wait_listening(proc, port, "the Node reference")
    return _reference_server(proc, port, "node-ref")


def start_py_ref(children: Children, compress: bool, uvloop: bool = False) -> Server:
    del compress  # python-engineio accepts compression whenever the client offers it
    port = free_port()
    args = [str(PYTHON), "ref_server.py", "--port", str(port)]
    if uvloop:
        args.append("--uvloop")
    proc = children.start("py-ref", args, core=SERVER_CORE, cwd=FANOUT)
    wait_listening(proc, port, "the python-socketio reference")
    return _reference_server(proc, port, "py-ref")


def _reference_server(proc: subprocess.Popen[Any], port: int, adapter: str) -> Server:
    url = f"http://127.0.0.1:{port}"

    def members(room: int, count: int) -> list[dict[str, Any]]:
        del room
        return [{"url": url, "auth": None, "token": None} for _ in range(count)]

    return Server(
        procs=[proc],
        urls=[url],
        adapter=adapter,
        members=members,
        idle_member=lambda i: {"url": url, "auth": None, "token": None},
    )


def jumelage_unavailable() -> str | None:
    """Why our server cannot run the scenario yet, or None when it can."""
    protocol = ROOT / "docs" / "protocol.md"
    if not (ROOT / "server" / "realtime").is_dir():
        return "server/realtime does not exist yet (no Socket.IO endpoint in `jumelage serve`)"
    if "realtime" not in (ROOT / "server" / "app.py").read_text():
        return "server/app.py does not attach the realtime endpoint to `jumelage serve` yet"
    if not protocol.exists():
        return "docs/protocol.md does not exist yet"
    text = protocol.read_text()
    needed = ("room.join", "chat.send", "chat.message_posted")
    missing = [name for name in needed if name not in text]
    if missing:
        return f"docs/protocol.md does not document {', '.join(missing)} yet"
    return None


TARGET_ORDER = (
    "node-ref",
    "py-ref",
    "py-ref-uvloop",
    "jumelage",
    "jumelage-plain",
    "jumelage-uvloop",
    "jumelage-2node",
)


class JumelageWorld:
    """Our server's data for one topology, arranged once per benchmark run and
    reused by every server start: a data directory, and for two nodes a fresh
    PostgreSQL database and an empty Redis database, all removed at the end."""

    def __init__(self, children: Children, work_dir: Path, nodes: int, idle: int) -> None:
        self.nodes = nodes
        self.env = dict(os.environ)
        self.data_dir = work_dir / f"jumelage-{nodes}node"
        self.env.update(
            {
                "JUMELAGE_DATA_DIR": str(self.data_dir),
                "JUMELAGE_AUTH__SECRET_KEY": secrets.token_urlsafe(48),
                "JUMELAGE_LOGGING__LEVEL": "WARNING",
                **BENCH_LIMITS,
            }
        )
        self._undo: list[Callable[[], None]] = []
        self._children = children
        self._plan: dict[str, Any] | None = None
        self._out = work_dir / f"arranged-{nodes}node.json"
        try:
            if nodes > 1:
                database = f"jumelage_bench_{secrets.token_hex(4)}"
                _postgres("createdb", database)
                self._undo.append(lambda: _postgres("dropdb", "--force", database))
                # Arranging commits thousands of small transactions; nothing here
                # needs to survive a crash of the host.
                _postgres(
                    "psql",
                    "-d",
                    database,
                    "-c",
                    f"ALTER DATABASE {database} SET synchronous_commit TO off",
                )
                self.env["JUMELAGE_DATABASE__URL"] = (
                    f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
                )
                redis_db = free_redis_db()
                self._undo.append(lambda: redis_command(redis_db, "FLUSHDB"))
                self.env["JUMELAGE_REDIS__URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}"
            progress(f"  arranging people, a project and {ROOMS} meetings ({nodes} node(s))")
            self._arranger = children.start(
                f"arrange-{nodes}node",
                [
                    str(PYTHON),
                    str(FANOUT / "jumelage_setup.py"),
                    *("--rooms", str(ROOMS), "--participants", str(PARTICIPANTS)),
                    *("--idle", str(idle), "--out", str(self._out)),
                ],
                core=None,
                env=self.env,
                cwd=ROOT,
            )
        except BaseException:
            self.close()
            raise

    @property
    def plan(self) -> dict[str, Any]:
        """The arranged rooms and tokens (waits for the arrangement to finish)."""
        if self._plan is None:
            try:
                code = self._arranger.wait(ARRANGE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                code = None
            self._children.stop(self._arranger)
            if code != 0:
                tail = self._children.log_tail(f"arrange-{self.nodes}node", 30)
                raise RuntimeError(f"arranging our server failed ({code}):\n{tail}")
            self._plan = json.loads(self._out.read_text())
        return self._plan

    def close(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except Exception as exc:  # cleanup must go on
                progress(f"cleanup failed: {exc}")
        self._undo.clear()


def _postgres(command: str, *args: str) -> None:
    subprocess.run(
        [command, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, *args],
        check=True,
        capture_output=True,
        timeout=60,
    )


def redis_command(db: int, *command: str) -> Any:
    """One command on Redis database ``db`` (RESP over a plain socket)."""

    def encode(*parts: str) -> bytes:
        out = f"*{len(parts)}\r\n"
        for part in parts:
            out += f"${len(part.encode())}\r\n{part}\r\n"
        return out.encode()

    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=5) as conn:
        conn.sendall(encode("SELECT", str(db)) + encode(*command))
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
    second = reply.split(b"\r\n")[1]
    if second.startswith(b"-"):
        raise RuntimeError(f"redis: {second.decode()}")
    return int(second[1:]) if second.startswith(b":") else second.decode()


def free_redis_db() -> int:
    """An empty Redis database, from the highest number down."""
    for db in range(15, 0, -1):
        if redis_command(db, "DBSIZE") == 0:
            return db
    raise RuntimeError("no empty Redis database among 1..15")


def start_jumelage(
    children: Children,
    world: JumelageWorld,
    compress: bool,
    *,
    event_loop: str = "asyncio",
    plain: bool = False,
) -> Server:
    """Start our server's nodes (``plain``: with the pass-through chat gate)."""
    command = [str(PYTHON), str(FANOUT / "plain_serve.py")] if plain else [str(JUMELAGE), "serve"]
    rooms = world.plan["rooms"]  # arranged (and migrated) before any node starts
    procs, urls = [], []
    for node in range(world.nodes):
        port = free_port()
        env = dict(world.env)
        env["JUMELAGE_HTTP__PORT"] = str(port)
        # Our server refuses permessage-deflate unless this is on (its default: off).
        env["JUMELAGE_REALTIME__COMPRESSION"] = "true" if compress else "false"
        env["JUMELAGE_NODE_ID"] = f"bench-node-{node}"
        env["JUMELAGE_REALTIME__EVENT_LOOP"] = event_loop
        proc = children.start(f"jumelage-{node}", command, core=SERVER_CORE, env=env, cwd=ROOT)
        procs.append(proc)
        urls.append(f"http://127.0.0.1:{port}")
    for node, (proc, url) in enumerate(zip(procs, urls, strict=True)):
        tail = functools.partial(children.log_tail, f"jumelage-{node}", 25)
        wait_listening(proc, int(url.rsplit(":", 1)[1]), "jumelage serve", tail)

    def member(token: str, index: int) -> dict[str, Any]:
        # Participants alternate between the nodes; index 0 (the sender) is on node 0.
        return {
            "url": urls[index % len(urls)],
            "auth": {"token": token, "protocol": 1},
            "token": token,
        }

    def members(room: int, count: int) -> list[dict[str, Any]]:
        tokens = [rooms[room]["host"], *rooms[room]["pupils"]][:count]
        return [member(token, i) for i, token in enumerate(tokens)]

    idle_tokens = world.plan["idle"]
    return Server(
        procs=procs,
        urls=urls,
        adapter="jumelage",
        members=members,
        idle_member=lambda i: member(idle_tokens[i % len(idle_tokens)], i),
    )


@dataclass
class Bench:
    """What every measurement needs: the processes, the plan, our server's data."""

    children: Children
    work_dir: Path
    plan: Plan
    client: str
    worlds: dict[int, JumelageWorld] = field(default_factory=dict)

    def world(self, nodes: int) -> JumelageWorld:
        """Our server's data for ``nodes`` nodes, arranged on first use."""
        if nodes not in self.worlds:
            idle = max(self.plan.idle_counts)
            self.worlds[nodes] = JumelageWorld(self.children, self.work_dir, nodes, idle)
        return self.worlds[nodes]

    def close(self) -> None:
        self.children.stop_all()
        for world in self.worlds.values():
            world.close()


def start_target(bench: Bench, name: str, compress: bool) -> Server:
    children = bench.children
    if name == "node-ref":
        return start_node_ref(children, compress)
    if name == "py-ref":
        return start_py_ref(children, compress)
    if name == "py-ref-uvloop":
        return start_py_ref(children, compress, uvloop=True)
    nodes = 2 if name == "jumelage-2node" else 1
    event_loop = "uvloop" if name == "jumelage-uvloop" else "asyncio"
    return start_jumelage(
        children, bench.world(nodes), compress, event_loop=event_loop, plain=name == PLAIN
    )


def stop_server(children: Children, server: Server) -> None:
    for proc in server.procs:
        children.stop(proc)


# ---------------------------------------------------------------------------
# Measuring


def wait_quiet(server: Server, max_s: float = 15.0, share: float = 0.1) -> None:
    """Wait until the server's CPU falls below ``share`` of a core (backlog drained)."""
    deadline = time.monotonic() + max_s
    before = server.cpu_s()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = server.cpu_s()
        if (now - before) / 0.3 < share:
            return
        before = now


def measured_step(
    loadgen: LoadGen, server: Server, *, step: int, rate: float, seconds: float, drain_s: float
) -> dict[str, Any]:
    """One window at ``rate`` messages/s per sender, with CPU of everyone around it."""
    cores_before = core_busy_s()
    server_before = server.cpu_s()
    loadgen_before = process_cpu_s(loadgen.proc.pid)
    server_wait_before = sum(run_delay_s(pid) for pid in server.pids)
    loadgen_wait_before = run_delay_s(loadgen.proc.pid)
    result = loadgen.request(
        {"cmd": "step", "step": step, "rate": rate, "seconds": seconds, "drain_s": drain_s}
    )
    server_cpu = server.cpu_s() - server_before
    loadgen_cpu = process_cpu_s(loadgen.proc.pid) - loadgen_before
    cores_after = core_busy_s()
    server_wait = sum(run_delay_s(pid) for pid in server.pids) - server_wait_before
    loadgen_wait = run_delay_s(loadgen.proc.pid) - loadgen_wait_before
    elapsed = result["elapsed_s"]
    result["server_wait_share"] = server_wait / elapsed
    result["loadgen_wait_share"] = loadgen_wait / elapsed
    result["server_cpu_s"] = server_cpu
    result["server_core_share"] = server_cpu / elapsed
    result["loadgen_core_share"] = loadgen_cpu / elapsed
    result["other_share_core0"] = max(
        0.0, (cores_after[SERVER_CORE] - cores_before[SERVER_CORE] - server_cpu) / elapsed
    )
    result["other_share_core1"] = max(
        0.0, (cores_after[LOADGEN_CORE] - cores_before[LOADGEN_CORE] - loadgen_cpu) / elapsed
    )
    deliveries = result["received"]
    result["server_cpu_us_per_delivery"] = server_cpu / deliveries * 1e6 if deliveries else None
    result["loadgen_cpu_us_per_delivery"] = loadgen_cpu / deliveries * 1e6 if deliveries else None
    result["passed"] = (
        result["lost"] == 0
        and result["duplicates"] == 0
        and result["p99_ms"] is not None
        and result["p99_ms"] <= P99_LIMIT_MS
    )
    return result


def describe_cpu(r: dict[str, Any]) -> str:
    """The server's CPU per delivery, or why there is none (nothing delivered)."""
    if not r["received"]:
        return f"nothing delivered ({r['sent']} sent; refused: {r.get('refused') or 'none'})"
    return f"{r['server_cpu_us_per_delivery']:.2f} µs per delivery ({r['received']} deliveries)"


def describe_step(r: dict[str, Any]) -> str:
    return (
        f"rate {r['rate']:>5g}/s/sender: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
        f"lost {r['lost']}, dup {r['duplicates']}; server {r['server_core_share']:.0%}, "
        f"loadgen {r['loadgen_core_share']:.0%} of a core; waiting for their core "
        f"{r['server_wait_share']:.0%}/{r['loadgen_wait_share']:.0%}; others on cores 0/1 "
        f"{r['other_share_core0']:.0%}/{r['other_share_core1']:.0%}"
        f" -> {'pass' if r['passed'] else 'FAIL'}"
    )


def what_limited(failing: dict[str, Any] | None, highest_step: int) -> str:
    if failing is None:
        return f"nothing up to the last step ({highest_step}/s per sender)"
    reasons = []
    if failing["server_core_share"] >= BUSY_SHARE:
        reasons.append(f"server CPU ({failing['server_core_share']:.0%} of its core)")
    if failing["loadgen_core_share"] >= BUSY_SHARE:
        reasons.append(f"load generator CPU ({failing['loadgen_core_share']:.0%} of its core)")
    for who in ("server", "loadgen"):
        waited = failing[f"{who}_wait_share"]
        if waited >= NOISY_SHARE:
            reasons.append(f"other work on the host ({who} waited {waited:.0%} of the step)")
    if not reasons:
        reasons.append("latency with neither process saturated")
    return "; ".join(reasons)


def ramp(
    loadgen: LoadGen,
    server: Server,
    plan: Plan,
    first_step: int,
    reconnect: Callable[[], None],
) -> dict[str, Any]:
    """Ramp the per-sender rate; return the highest passing rate and why it stopped.

    A failing step may leave sockets closed (a server aborts a reader that
    falls too far behind, for its client to resume): every step after it
    would then lose everything whatever its rate, so ``reconnect`` connects
    the rooms again first.
    """
    step_id = first_step
    passed_rate = 0.0
    failing: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = []

    def run(rate: float) -> dict[str, Any]:
        # A failing step is tried once more: on a shared host one burst of
        # other work can push a single window's p99 over the limit.
        nonlocal step_id
        for _attempt in range(1 + plan.retries):
            step_id += 1
            if steps and steps[-1].get("closed_sockets"):
                progress(f"    {steps[-1]['closed_sockets']} sockets were closed: connecting again")
                reconnect()
            wait_quiet(server)
            result = measured_step(
                loadgen,
                server,
                step=step_id,
                rate=rate,
                seconds=plan.window_s,
                drain_s=plan.drain_s,
            )
            progress("    " + describe_step(result))
            steps.append(result)
            if result["passed"]:
                break
        return result

    for rate in plan.ramp:
        result = run(rate)
        if not result["passed"]:
            failing = result
            break
        passed_rate = rate
    if failing is not None:
        low, high = passed_rate, failing["rate"]
        for _ in range(plan.bisections):
            middle = round((low + high) / 2 / 5) * 5
            if middle <= low or middle >= high:
                break
            result = run(middle)
            if result["passed"]:
                low = middle
            else:
                high, failing = middle, result
        passed_rate = low
    return {
        "highest_rate": passed_rate,
        "limited_by": what_limited(failing, plan.ramp[-1]),
        "failing_step": failing,
        "steps": steps,
    }


def rooms_plan(server: Server) -> list[dict[str, Any]]:
    return [
        {"name": f"room-{r}", "sender": 0, "members": server.members(r, PARTICIPANTS)}
        for r in range(ROOMS)
    ]


def measure_rooms(bench: Bench, name: str, compress: bool) -> dict[str, Any]:
    """CPU per delivery at the fixed rate, then the ramp, on one fresh server."""
    children, plan, client = bench.children, bench.plan, bench.client
    server = start_target(bench, name, compress)
    loadgen = LoadGen(children)
    try:
        setup_command = {
            "cmd": "setup",
            "adapter": server.adapter,
            "client": client,
            "compress": compress,
            "rooms": rooms_plan(server),
        }
        setup = loadgen.request(setup_command)

        def reconnect() -> None:
            loadgen.request({"cmd": "close"})
            again = loadgen.request(setup_command)
            progress(f"    {again['connected']} participants connected again")

        progress(
            f"  {setup['connected']} participants connected and joined in {setup['seconds']:.1f} s "
            f"({setup['receivers_per_room']} receivers a room)"
        )
        measured_step(
            loadgen, server, step=0, rate=plan.cpu_rate, seconds=plan.warmup_s, drain_s=plan.drain_s
        )
        wait_quiet(server)
        cpu = measured_step(
            loadgen,
            server,
            step=1,
            rate=plan.cpu_rate,
            seconds=plan.cpu_window_s,
            drain_s=plan.drain_s,
        )
        progress(
            f"  CPU at {plan.cpu_rate}/s per sender: {describe_cpu(cpu)}; {describe_step(cpu)}"
        )
        ramped = ramp(loadgen, server, plan, first_step=1, reconnect=reconnect)
        return {
            "cpu": cpu,
            "receivers_per_room": setup["receivers_per_room"],
            "connect_s": setup["seconds"],
            **ramped,
        }
    finally:
        loadgen.close()
        stop_server(children, server)


def measure_idle(bench: Bench, name: str, compress: bool) -> dict[str, Any]:
    """Open the idle connections in steps (e.g. 2,000 then 10,000) on a fresh server."""
    children, plan, client = bench.children, bench.plan, bench.client
    server = start_target(bench, name, compress)
    loadgen = LoadGen(children)
    try:
        time.sleep(0.5)
        baseline = server.rss_mb()
        figures: dict[str, Any] = {"baseline_rss_mb": baseline}
        opened = 0
        elapsed = 0.0
        for count in plan.idle_counts:
            members = [server.idle_member(i) for i in range(opened, count)]
            answer = loadgen.request(
                {
                    "cmd": "idle",
                    "adapter": server.adapter,
                    "client": client,
                    "compress": compress,
                    "members": members,
                    "concurrency": 200,
                    "local_addresses": IDLE_LOCAL_ADDRESSES,
                },
                timeout_s=COMMAND_TIMEOUT_S * 2,
            )
            elapsed += answer["seconds"]
            opened = answer["connected"]
            time.sleep(1.0)
            rss = server.rss_mb()
            figures[str(count)] = {
                "connected": answer["connected"],
                "failed": answer["failed"],
                "connect_s": elapsed,
                "rss_mb": rss,
                "kb_per_connection": (rss - baseline) * 1024 / max(1, answer["connected"]),
                "loadgen_rss_mb": answer["loadgen_rss_mb"],
            }
            progress(
                f"  {answer['connected']} idle connections ({answer['failed']} failed"
                + (f": {answer['first_error']}" if answer["failed"] else "")
                + f") in {elapsed:.1f} s; server RSS {rss:.0f} MB "
                f"({figures[str(count)]['kb_per_connection']:.1f} kB each)"
            )
            if answer["failed"]:
                break
        loadgen.request({"cmd": "close"})
        return figures
    finally:
        loadgen.close()
        stop_server(children, server)


# ---------------------------------------------------------------------------
# Summaries


def variant_key(name: str, compress: bool) -> str:
    return f"{name}/{'deflate' if compress else 'plain'}"


def summarise(
    rooms: dict[str, list[dict[str, Any]]],
    idle: dict[str, list[dict[str, Any]]],
    plan: Plan,
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for key, runs in rooms.items():
        rates = [r["highest_rate"] for r in runs]
        cpus = [r["cpu"]["server_cpu_us_per_delivery"] for r in runs if r["cpu"]["received"]]
        entry: dict[str, Any] = {
            "highest_rate_msgs_per_s_per_sender": median(rates),
            "highest_rate_by_run": rates,
            "limited_by_by_run": [r["limited_by"] for r in runs],
            "cpu_us_per_delivery": rounded(median(cpus)) if cpus else None,
            "cpu_us_per_delivery_by_run": [rounded(c) for c in cpus],
            "cpu_spread_pct": rounded(spread_pct(cpus)) if len(cpus) > 1 else None,
            "loadgen_cpu_us_per_delivery": rounded(
                median([r["cpu"]["loadgen_cpu_us_per_delivery"] or 0 for r in runs])
            ),
            "receivers_per_room": runs[0]["receivers_per_room"],
            "mean_packet_chars": runs[0]["cpu"]["mean_packet_chars"],
            f"p99_ms_at_{plan.cpu_rate}": rounded(median([r["cpu"]["p99_ms"] or 0 for r in runs])),
            f"lost_at_{plan.cpu_rate}": sum(r["cpu"]["lost"] for r in runs),
            "failing_step_loadgen_core_share": [
                rounded(r["failing_step"]["loadgen_core_share"]) if r["failing_step"] else None
                for r in runs
            ],
            "failing_step_server_core_share": [
                rounded(r["failing_step"]["server_core_share"]) if r["failing_step"] else None
                for r in runs
            ],
        }
        summary[key] = entry
    for key, entry in summary.items():
        reference = summary.get(variant_key(REFERENCE, key.endswith("/deflate")))
        if reference is None:
            continue
        if reference["highest_rate_msgs_per_s_per_sender"]:
            entry["rate_ratio_to_node"] = rounded(
                entry["highest_rate_msgs_per_s_per_sender"]
                / reference["highest_rate_msgs_per_s_per_sender"]
            )
        if reference["cpu_us_per_delivery"] and entry["cpu_us_per_delivery"]:
            entry["cpu_ratio_to_node"] = rounded(
                entry["cpu_us_per_delivery"] / reference["cpu_us_per_delivery"]
            )
    for key, entry in summary.items():
        if key.startswith("jumelage/"):
            compare_with_plain(
                entry, rooms[key], rooms.get(variant_key(PLAIN, key.endswith("/deflate")))
            )
    for key, runs in idle.items():
        entry = summary.setdefault(key, {})
        for count in plan.idle_counts:
            measured = [r[str(count)] for r in runs if str(count) in r]
            if not measured:
                continue
            entry[f"idle_{count}_connect_s"] = rounded(median([m["connect_s"] for m in measured]))
            entry[f"idle_{count}_rss_mb"] = rounded(median([m["rss_mb"] for m in measured]))
            entry[f"idle_{count}_kb_per_connection"] = rounded(
                median([m["kb_per_connection"] for m in measured])
            )
            entry[f"idle_{count}_failed"] = max(m["failed"] for m in measured)
    return summary


def compare_with_plain(
    entry: dict[str, Any], runs: list[dict[str, Any]], plain: list[dict[str, Any]] | None
) -> None:
    """Moderated chat's cost, side by side: rate and CPU per delivery of
    ``jumelage`` ÷ those of ``jumelage-plain`` in each run (the same run's
    servers met the same host), and the median of those ratios."""
    if not plain:
        return
    pairs = list(zip(runs, plain, strict=False))
    rates = [
        ours["highest_rate"] / base["highest_rate"] for ours, base in pairs if base["highest_rate"]
    ]
    cpus = [
        ours["cpu"]["server_cpu_us_per_delivery"] / base["cpu"]["server_cpu_us_per_delivery"]
        for ours, base in pairs
        if ours["cpu"]["received"] and base["cpu"]["received"]
    ]
    entry["rate_ratio_to_plain_by_run"] = [rounded(r) for r in rates]
    entry["rate_ratio_to_plain"] = rounded(median(rates)) if rates else None
    entry["cpu_ratio_to_plain_by_run"] = [rounded(c) for c in cpus]
    entry["cpu_ratio_to_plain"] = rounded(median(cpus)) if cpus else None


def idle_rss_10000(entry: dict[str, Any], plan: Plan) -> tuple[float | None, bool]:
    """RSS at 10,000 idle connections: measured, or extrapolated from the quick counts."""
    if "idle_10000_rss_mb" in entry:
        return entry["idle_10000_rss_mb"], False
    largest = max(plan.idle_counts)
    if f"idle_{largest}_rss_mb" not in entry:
        return None, False
    rss = entry[f"idle_{largest}_rss_mb"]
    per_connection = entry[f"idle_{largest}_kb_per_connection"] / 1024
    return rounded(rss + per_connection * (10000 - largest)), True


def build_targets(
    summary: dict[str, Any], plan: Plan, ours: str, unavailable: str | None
) -> list[dict[str, Any]]:
    mine = summary.get(variant_key(ours, False), {})
    rate_ratio = mine.get("rate_ratio_to_node")
    cpu_ratio = mine.get("cpu_ratio_to_node")
    rss, extrapolated = idle_rss_10000(mine, plan)
    targets = [
        {
            "name": "jumelage_to_node_highest_rate_ratio",
            "value": rate_ratio,
            "limit": 0.5,
            "better": "higher",
        },
        {
            "name": "jumelage_to_node_cpu_per_delivery_ratio",
            "value": cpu_ratio,
            "limit": 2.0,
            "better": "lower",
        },
        {"name": "jumelage_idle_10000_rss_mb", "value": rss, "limit": 1024, "better": "lower"},
        {
            "name": "jumelage_to_plain_highest_rate_ratio",
            "value": mine.get("rate_ratio_to_plain"),
            "limit": PLAIN_RATE_RATIO,
            "better": "higher",
        },
    ]
    if extrapolated:
        targets[2]["note"] = f"extrapolated from {max(plan.idle_counts)} connections (--quick)"
    if unavailable:
        for target in targets:
            target["note"] = f"not measured: {unavailable}"
    return targets


# ---------------------------------------------------------------------------


def available_targets(requested: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    skipped: dict[str, str] = {}
    chosen = []
    reason = jumelage_unavailable()
    for name in requested:
        if name not in TARGET_ORDER:
            raise SystemExit(f"unknown target {name}; choose among {', '.join(TARGET_ORDER)}")
        if name in UVLOOP_TARGETS and not _has_uvloop():
            skipped[name] = "uvloop is not installed in .venv"
        elif name in JUMELAGE_TARGETS and reason:
            skipped[name] = reason
        else:
            chosen.append(name)
    return chosen, skipped


def _has_uvloop() -> bool:
    probe = subprocess.run([str(PYTHON), "-c", "import uvloop"], capture_output=True, check=False)
    return probe.returncode == 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run (< 1 minute)")
    parser.add_argument("--runs", type=int, help="repetitions (default 3, --quick 1)")
    parser.add_argument(
        "--targets",
        default=None,
        help="comma-separated, among "
        + ", ".join(TARGET_ORDER)
        + " (default: all; --quick: all but jumelage-2node)",
    )
    parser.add_argument(
        "--compression",
        default=None,
        help="off,on (default both; --quick: off)",
    )
    parser.add_argument("--no-idle", action="store_true", help="skip the idle connections")
    parser.add_argument(
        "--only-idle",
        action="store_true",
        help="measure the idle connections only (no rooms, no ramp): minutes instead of an hour",
    )
    parser.add_argument(
        "--idle-runs",
        type=int,
        help="measure the idle connections in the first N runs only (default: every run)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="give the servers and the load generator N nice levels of priority over other "
        "sessions' work (their autogroups; needs root), so that a shared host disturbs them "
        "less; off by default",
    )
    parser.add_argument(
        "--client",
        choices=["lean", "socket.io-client"],
        default="lean",
        help="the load generator's client: a lean engine.io/socket.io client on `ws` "
        "(default; 15-25 %% less load-generator CPU per message at high rates) "
        "or socket.io-client itself",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.only_idle and args.no_idle:
        raise SystemExit("--only-idle and --no-idle exclude each other")
    plan = QUICK if args.quick else FULL
    runs = args.runs or plan.runs
    compressions = [
        c == "on" for c in (args.compression or ("off" if args.quick else "off,on")).split(",")
    ]
    requested = args.targets.split(",") if args.targets else list(TARGET_ORDER)
    if args.quick and not args.targets:
        requested.remove("jumelage-2node")
    targets, skipped = available_targets([t for t in requested if t])
    for name, why in skipped.items():
        progress(f"skipping {name}: {why}")
    if not shutil.which("taskset"):
        raise SystemExit("taskset (util-linux) is needed to pin the server and the load generator")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("two cores are needed: one for the server, one for the load generator")
    ensure_node_modules()

    # SQLite and the arrangement commit thousands of transactions: keep them in memory.
    shm = Path("/dev/shm")
    work_dir = Path(tempfile.mkdtemp(prefix="chat_fanout-", dir=shm if shm.is_dir() else None))
    bench = Bench(Children(work_dir, nice=args.nice), work_dir, plan, args.client)
    rooms: dict[str, list[dict[str, Any]]] = {}
    idle: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, list[str]] = {}

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started in the background
    started = time.monotonic()
    try:
        if args.quick:
            # Arrange our server's data while the references are measured (it
            # takes longer than they do); a full run keeps the host quiet instead.
            for name in targets:
                if name in JUMELAGE_TARGETS:
                    bench.world(2 if name == "jumelage-2node" else 1)
        for run in range(runs):
            # Rotate the order so that no target always runs first (or last).
            order = targets[run % len(targets) :] + targets[: run % len(targets)]
            for name in order:
                for compress in compressions:
                    key = variant_key(name, compress)
                    try:
                        if not args.only_idle:
                            progress(f"run {run + 1}/{runs}: {key}: rooms")
                            rooms.setdefault(key, []).append(measure_rooms(bench, name, compress))
                        if not args.no_idle and run < (args.idle_runs or runs):
                            progress(f"run {run + 1}/{runs}: {key}: idle connections")
                            idle.setdefault(key, []).append(measure_idle(bench, name, compress))
                    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                        # One target failing must not cost the others' figures.
                        progress(f"run {run + 1}/{runs}: {key} failed: {exc}")
                        errors.setdefault(key, []).append(str(exc)[-2000:])
    except KeyboardInterrupt:
        progress("interrupted; stopping everything")
        bench.close()
        raise SystemExit(130) from None
    finally:
        bench.close()
        shutil.rmtree(work_dir, ignore_errors=True)

    summary = summarise(rooms, idle, plan)
    ours = "jumelage"
    figures = {
        "date": dt.date.today().isoformat(),
        "runs": runs,
        "quick": args.quick,
        "seconds": round(time.monotonic() - started),
        "rooms": ROOMS,
        "participants_per_room": PARTICIPANTS,
        "message_frame_bytes": 200,
        "p99_limit_ms": P99_LIMIT_MS,
        "ramp_window_s": plan.window_s,
        "cpu_rate_msgs_per_s_per_sender": plan.cpu_rate,
        "client": args.client,
        "nice": -args.nice,
        "idle_runs": 0 if args.no_idle else min(runs, args.idle_runs or runs),
        "only_idle": args.only_idle,
        "server_core": SERVER_CORE,
        "loadgen_core": LOADGEN_CORE,
        "skipped": skipped,
        "errors": errors,
        "results": summary,
    }
    for key, entry in summary.items():
        if "highest_rate_msgs_per_s_per_sender" in entry:
            progress(
                f"{key:>26}: highest {entry['highest_rate_msgs_per_s_per_sender']:g}/s per sender "
                f"(runs {entry['highest_rate_by_run']}), {entry['cpu_us_per_delivery']} µs CPU "
                f"per delivery, ratios to Node: rate {entry.get('rate_ratio_to_node')}, "
                f"CPU {entry.get('cpu_ratio_to_node')}"
                + (
                    f"; to {PLAIN}: rate {entry['rate_ratio_to_plain']} "
                    f"(runs {entry['rate_ratio_to_plain_by_run']}), "
                    f"CPU {entry['cpu_ratio_to_plain']}"
                    if "rate_ratio_to_plain" in entry
                    else ""
                )
            )
    emit("chat_fanout", figures, build_targets(summary, plan, ours, skipped.get(ours)))


if __name__ == "__main__":
    main()
