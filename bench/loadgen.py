"""A small HTTP/1.1 load generator for servers on loopback.

Each of ``concurrency`` keep-alive connections sends one GET at a time and
waits for the whole answer before the next (a closed loop), for a bounded time
and a bounded count. It speaks only what a benchmark needs (``Content-Length``
answers, no chunked bodies, no TLS) so that it stays cheap: a load generator
on one core must not be what limits the figures, and ``LoadResult`` says how
busy it was (``client_cpu_share``) so a benchmark can check.

Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

REQUEST_TIMEOUT_S = 10.0
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class LoadError(Exception):
    """The server answered something the load generator cannot measure."""


@dataclass
class LoadResult:
    """One measured period of load on one path."""

    requests: int
    unexpected: int
    """Answers with another status than the expected one."""
    elapsed_s: float
    latencies_s: list[float] = field(repr=False)
    client_cpu_s: float
    cpu_s: dict[str, float]
    """CPU seconds of each probed process group (see ``run_load``)."""

    @property
    def per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def client_cpu_share(self) -> float:
        """Fraction of one core the load generator used (near 1.0: it may be the limit)."""
        return self.client_cpu_s / self.elapsed_s if self.elapsed_s else 0.0

    def cpu_us_per_request(self, probe: str) -> float:
        """CPU µs that the probed processes spent per request."""
        return self.cpu_s[probe] / self.requests * 1e6 if self.requests else 0.0

    def cpu_share(self, probe: str) -> float:
        """Fraction of one core the probed processes used."""
        return self.cpu_s[probe] / self.elapsed_s if self.elapsed_s else 0.0


def process_cpu_s(pid: int) -> float:
    """User plus system CPU seconds of a process and all its threads (Linux).

    A process that has gone counts as 0.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    # After ") ": state is field 3, utime field 14 and stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"{host} is not a loopback address; load stays on this machine")


class _Connection:
    """One keep-alive connection sending the same request again and again."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """The status and body of the answer to ``request``."""
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise LoadError("chunked answers are not supported by this load generator")
        body = await self._reader.readexactly(length) if length else b""
        return status, body

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


def build_request(host: str, port: int, path: str, headers: Mapping[str, str]) -> bytes:
    """The bytes of a keep-alive GET."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def get_once(
    host: str, port: int, path: str, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes]:
    """One GET on a fresh connection: status and body."""
    _require_loopback(host)
    connection = await _Connection.open(host, port)
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            return await connection.send(build_request(host, port, path, headers or {}))
    finally:
        await connection.close()


async def run_load(
    host: str,
    port: int,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    max_requests: int,
    expect_status: int = 200,
    cpu_probes: Mapping[str, Callable[[], float]] | None = None,
) -> LoadResult:
    """Load one path: warm up, then measure for ``duration_s`` or ``max_requests``.

    Args:
        cpu_probes: Named readers of CPU seconds (of the server, of its
            database); each is read at the start and the end of the measured
            period and the difference lands in ``LoadResult.cpu_s``.

    Raises:
        ValueError: ``host`` is not a loopback address.
        LoadError: An answer the generator cannot parse.
        TimeoutError: One request took longer than ``REQUEST_TIMEOUT_S``.
    """
    _require_loopback(host)
    request = build_request(host, port, path, headers or {})
    connections = [await _Connection.open(host, port) for _ in range(concurrency)]
    latencies: list[float] = []
    unexpected = 0
    budget = max_requests

    async def worker(connection: _Connection, until: float, record: bool) -> None:
        nonlocal unexpected, budget
        clock = time.perf_counter
        while clock() < until and budget > 0:
            if record:
                budget -= 1
            started = clock()
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status, _ = await connection.send(request)
            if record:
                latencies.append(clock() - started)
                if status != expect_status:
                    unexpected += 1

    try:
        warm_until = time.perf_counter() + warmup_s
        await asyncio.gather(*(worker(c, warm_until, False) for c in connections))
        probes = dict(cpu_probes or {})
        probed_before = {name: read() for name, read in probes.items()}
        cpu_before = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(worker(c, started + duration_s, True) for c in connections))
        elapsed = time.perf_counter() - started
        client_cpu = time.process_time() - cpu_before
        probed = {name: read() - probed_before[name] for name, read in probes.items()}
    finally:
        for connection in connections:
            await connection.close()
    return LoadResult(
        requests=len(latencies),
        unexpected=unexpected,
        elapsed_s=elapsed,
        latencies_s=latencies,
        client_cpu_s=client_cpu,
        cpu_s=probed,
    )
