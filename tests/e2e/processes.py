"""Real processes for the end-to-end suites: ``jumelage serve`` nodes and a private Redis.

A ``ServerNode`` is one ``jumelage serve`` process configured only through
``JUMELAGE_`` variables, as an operator would run it; its output goes to a
log file whose tail is shown when something goes wrong. ``RedisServer`` is a
``redis-server`` of our own on a free port, which a test may kill and start
again (same port, same append-only file) to play an outage. ``Deployment``
is two nodes sharing one database and one Redis namespace.

Every wait is bounded and polls its condition; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

START_TIMEOUT_S = 60.0
"""A node imports, connects to PostgreSQL and Redis and answers /ready (a busy
two-core machine is slow to import the world)."""
STOP_TIMEOUT_S = 20.0
POLL_S = 0.1
SECRET_KEY = "e2e-secret-key-for-two-nodes-0123456789abcdef"
LOG_TAIL_CHARS = 4000


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, condition: Callable[[], bool], timeout_s: float) -> float:
    """Poll ``condition`` until it holds; returns the seconds it took.

    Raises:
        TimeoutError: It did not hold within ``timeout_s``.
    """
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(POLL_S)
    return time.monotonic() - started


def http_get(url: str, timeout_s: float = 2.0) -> tuple[int, dict[str, object]]:
    """Status and JSON body of a GET; status 0 when nobody answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (OSError, ValueError):
        return 0, {}


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    """Send ``sig``, wait for the exit (SIGKILL after a while); the exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)
    return proc.returncode


@dataclass
class ServerNode:
    """One ``jumelage serve`` process.

    Args:
        name: Short name for logs (``a``, ``b``).
        workdir: Where its data directory and log live.
        env: Its ``JUMELAGE_`` settings (port and data directory are added).
    """

    name: str
    workdir: Path
    env: Mapping[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"node-{self.name}.log"

    @property
    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start the process (on the same port as before, if it ran already)."""
        assert not self.is_running, f"node {self.name} is running"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUMELAGE_")}
        env.update(self.env)
        env["JUMELAGE_DATA_DIR"] = str(self.workdir / f"data-{self.name}")
        command = [
            str(Path(sys.executable).parent / "jumelage"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n---- start #{self.starts} ----\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def ready(self) -> bool:
        """Whether /ready answers 200; fails at once if the process died."""
        if not self.is_running:
            raise RuntimeError(f"node {self.name} exited:\n{self.log_tail()}")
        return http_get(f"{self.url}/ready")[0] == 200

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> None:
        try:
            wait_for(f"node {self.name} ready", self.ready, timeout_s)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_tail()}") from None

    def kill(self) -> None:
        """SIGKILL: the node vanishes without a word (a crash)."""
        assert self.proc is not None
        _stop(self.proc, signal.SIGKILL)

    def stop(self) -> int:
        """SIGTERM, as a deploy would; the exit code."""
        return 0 if self.proc is None else _stop(self.proc, signal.SIGTERM)

    def log_tail(self) -> str:
        text = self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""
        return f"-- node {self.name} log tail --\n{text[-LOG_TAIL_CHARS:]}"


@dataclass
class RedisServer:
    """A private ``redis-server`` on a free port, with an append-only file so
    that a killed and restarted server keeps the rooms' state, as a production
    Redis with persistence does."""

    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [
            binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        with (self.workdir / "redis.log").open("ab") as log:
            self.proc = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for("private Redis answers", self.answers, 20.0)

    def answers(self) -> bool:
        try:
            return self.command("PING") == "PONG"
        except OSError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        _stop(self.proc, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGTERM)

    def command(self, *args: str) -> object:
        return redis_command(self.url, *args)


def redis_command(url: str, *args: str) -> object:
    """One Redis command over a fresh connection. RESP by hand: the tests judge
    the nodes' Redis client code, so they do not lean on it."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2.0) as conn:
        request = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
        conn.sendall(request.encode())
        return _read_reply(conn.makefile("rb"))


def _read_reply(stream: object) -> object:
    line = stream.readline().rstrip(b"\r\n")  # type: ignore[attr-defined]
    kind, rest = line[:1], line[1:].decode()
    if kind in (b"+", b"-"):
        return rest
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2].decode()  # type: ignore[attr-defined]
    if kind == b"*":
        return [_read_reply(stream) for _ in range(max(int(rest), 0))]
    raise OSError(f"unexpected Redis reply {line!r}")


@dataclass
class Deployment:
    """Two nodes, ``a`` and ``b``, sharing one database and one Redis namespace."""

    a: ServerNode
    b: ServerNode
    redis_url: str
    namespace: str

    @classmethod
    def create(
        cls,
        workdir: Path,
        *,
        database_url: str,
        redis_url: str,
        namespace: str,
        b_redis_url: str | None = None,
    ) -> Deployment:
        """Two nodes (not started yet).

        Args:
            b_redis_url: How node ``b`` reaches the same Redis, if not by
                ``redis_url`` (through a relay a test can cut).
        """
        env = {
            "JUMELAGE_AUTH__SECRET_KEY": SECRET_KEY,
            "JUMELAGE_DATABASE__URL": database_url,
            "JUMELAGE_DATABASE__POOL_SIZE": "5",
            "JUMELAGE_REDIS__URL": redis_url,
            "JUMELAGE_REDIS__NAMESPACE": namespace,
            "JUMELAGE_LOGGING__LEVEL": "INFO",
            "JUMELAGE_HTTP__SHUTDOWN_TIMEOUT_S": "2",
        }
        workdir.mkdir(parents=True, exist_ok=True)
        return cls(
            a=ServerNode("a", workdir, env),
            b=ServerNode("b", workdir, {**env, "JUMELAGE_REDIS__URL": b_redis_url or redis_url}),
            redis_url=redis_url,
            namespace=namespace,
        )

    @property
    def nodes(self) -> tuple[ServerNode, ServerNode]:
        return (self.a, self.b)

    def ensure_running(self) -> None:
        """Start whichever node is not running (a test may have killed one)."""
        stopped = [node for node in self.nodes if not node.is_running]
        for node in stopped:
            node.start()
        for node in stopped:
            node.wait_ready()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def forget(self) -> None:
        """Delete every key of the deployment's namespace (the Redis may be shared)."""
        cursor = "0"
        while True:
            reply = redis_command(
                self.redis_url, "SCAN", cursor, "MATCH", f"{self.namespace}:*", "COUNT", "1000"
            )
            assert isinstance(reply, list)
            cursor, keys = reply
            if keys:
                redis_command(self.redis_url, "DEL", *keys)
            if cursor == "0":
                return

    def room_log(self, room_id: str) -> list[tuple[int, str, str]]:
        """The room's replay window as the nodes keep it in Redis: ``(seq,
        audience, event name)`` of each event, oldest first."""
        lines = redis_command(
            self.redis_url, "LRANGE", f"{self.namespace}:room:{room_id}:log", "0", "-1"
        )
        assert isinstance(lines, list)
        # A line is "room\nseq\naudience\nname\neffects\npayload" (cluster.redis.room_scripts).
        fields = [str(line).split("\n", 5) for line in lines]
        return [(int(seq), audience, name) for _, seq, audience, name, *_ in fields]

    def channels(self) -> tuple[str, ...]:
        """The pub/sub channels every node must be subscribed to: the cluster
        bus, the room feed and python-socketio's own."""
        return (
            f"{self.namespace}:bus",
            f"{self.namespace}:rooms:feed",
            f"{self.namespace}:socketio",
        )


@contextmanager
def running_deployment(
    workdir: Path,
    *,
    database_url: str,
    redis_url: str,
    namespace: str,
    b_redis_url: str | None = None,
) -> Iterator[Deployment]:
    """Two nodes started and ready; stopped (and their Redis keys deleted) on exit."""
    deployment = Deployment.create(
        workdir,
        database_url=database_url,
        redis_url=redis_url,
        namespace=namespace,
        b_redis_url=b_redis_url,
    )
    try:
        deployment.ensure_running()
        yield deployment
    finally:
        deployment.stop()
        with suppress(OSError):  # a private Redis a test left down: nothing to delete
            deployment.forget()
