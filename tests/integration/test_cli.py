"""The ``jumelage`` command, run in-process (and once as a real process).

Each test points ``JUMELAGE_DATA_DIR`` at its own temporary directory, so the
commands use an SQLite file there; password hashing is made cheap through the
environment, as an operator would set it.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from community import InvalidCredentials, SignedIn
from server.cli import EXIT_CONFIG, EXIT_FAILED, main
from server.config import SECRET_KEY_FILE_NAME, load_settings
from server.runtime import open_services
from storage import head_revision

CHEAP_HASHING = {
    "JUMELAGE_ACCOUNTS__ARGON2_TIME_COST": "1",
    "JUMELAGE_ACCOUNTS__ARGON2_MEMORY_KIB": "1024",
}
SECRET = "cli-test-secret-key-0123456789abcdefghij"
CHOSEN_PASSWORD = "a chosen passphrase for 2026"


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An environment of its own: a temporary data dir and cheap hashing.

    The command configures the root logger and structlog; both are put back
    afterwards so that later tests log as before.
    """
    for name in list(os.environ):
        if name.startswith("JUMELAGE_"):
            monkeypatch.delenv(name)
    # ``--config`` sets JUMELAGE_CONFIG itself: make monkeypatch restore it.
    monkeypatch.setenv("JUMELAGE_CONFIG", "")
    monkeypatch.delenv("JUMELAGE_CONFIG")
    path = tmp_path / "data"
    monkeypatch.setenv("JUMELAGE_DATA_DIR", str(path))
    monkeypatch.setenv("JUMELAGE_LOGGING__LEVEL", "WARNING")
    for name, value in CHEAP_HASHING.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield path
    finally:
        root.handlers = handlers
        root.setLevel(level)
        structlog.reset_defaults()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def sign_in(login: str, password: str) -> SignedIn:
    async def attempt() -> SignedIn:
        async with open_services(load_settings()) as services:
            return await services.accounts.sessions.login(login, password, client="cli-test")

    return asyncio.run(attempt())


def one_time_password(out: str) -> str:
    match = re.search(r"one-time password: (\S+)", out)
    assert match is not None, out
    return match[1]


# -- db ---------------------------------------------------------------------------


def test_db_upgrade_then_current(data_dir: Path, capsys):
    code, out, err = run(capsys, "db", "current")
    assert code == 0, err
    assert f"database schema: empty (code head: {head_revision()})" in out

    code, out, err = run(capsys, "db", "upgrade")
    assert code == 0, err
    assert f"database schema: empty -> {head_revision()}" in out
    assert (data_dir / "jumelage.sqlite3").is_file()

    code, out, _ = run(capsys, "db", "current")
    assert code == 0
    assert f"database schema: {head_revision()} (code head: {head_revision()})" in out

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"database schema: {head_revision()} -> {head_revision()}" in out


# -- admin create ---------------------------------------------------------------------


def test_admin_create_prints_a_one_time_password_that_signs_in(data_dir: Path, capsys):
    code, out, err = run(
        capsys, "admin", "create", "--email", "Root@Example.org", "--name", "Ada Admin"
    )
    assert code == 0, err
    assert re.search(r"created platform_admin root@example\.org \(id [0-9a-f-]{36}\)", out)
    password = one_time_password(out)
    assert len(password) >= 20
    signed = sign_in("root@example.org", password)
    assert signed.access_token and signed.refresh_token
    with pytest.raises(InvalidCredentials):
        sign_in("root@example.org", password + "x")


def test_admin_create_with_password_on_stdin(data_dir: Path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(CHOSEN_PASSWORD + "\n"))
    code, out, err = run(
        capsys,
        "admin",
        "create",
        "--email",
        "officer@example.org",
        "--name",
        "Officer Nowak",
        "--kind",
        "nso_admin",
        "--country",
        "PL",
        "--password-stdin",
    )
    assert code == 0, err
    assert "created nso_admin officer@example.org" in out
    assert "one-time password" not in out
    assert CHOSEN_PASSWORD not in out + err
    assert sign_in("officer@example.org", CHOSEN_PASSWORD).user_id


def test_a_weak_password_on_stdin_creates_nothing(data_dir: Path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, out, err = run(
        capsys, "admin", "create", "--email", "a@example.org", "--name", "Ada", "--password-stdin"
    )
    assert code == EXIT_FAILED
    assert "at least 12 characters" in err
    assert "created" not in out
    with pytest.raises(InvalidCredentials):
        sign_in("a@example.org", "short")


def test_a_duplicate_admin_exits_1_and_keeps_the_first(data_dir: Path, capsys):
    args = ("admin", "create", "--email", "root@example.org", "--name", "Ada Admin")
    code, out, _ = run(capsys, *args)
    assert code == 0
    first_password = one_time_password(out)

    code, out, err = run(capsys, *args)
    assert code == EXIT_FAILED
    assert "jumelage: this e-mail address already has an account" in err
    assert "one-time password" not in out
    assert sign_in("root@example.org", first_password).user_id


def test_an_nso_admin_needs_a_participating_country(data_dir: Path, capsys):
    base = ("admin", "create", "--email", "nso@example.org", "--name", "Officer", "--kind")
    for extra in ((), ("--country", "GB"), ("--country", "ZZ")):
        code, out, err = run(capsys, *base, "nso_admin", *extra)
        assert code == EXIT_FAILED, extra
        assert "participating country" in err
        assert "created" not in out


# -- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [("db", "upgrade"), ("config",), ("demo",)])
def test_a_bad_setting_exits_2_naming_the_key(data_dir: Path, capsys, monkeypatch, command):
    monkeypatch.setenv("JUMELAGE_HTTP__PORT", "99999")
    code, out, err = run(capsys, *command)
    assert code == EXIT_CONFIG
    assert "http.port" in err and "JUMELAGE_HTTP__PORT" in err
    assert out == ""
    assert not (data_dir / "jumelage.sqlite3").exists()


def test_a_missing_config_file_exits_2(data_dir: Path, capsys, tmp_path: Path):
    missing = tmp_path / "absent.toml"
    code, _, err = run(capsys, "--config", str(missing), "config")
    assert code == EXIT_CONFIG
    assert str(missing) in err


def test_config_file_from_the_command_line(data_dir: Path, capsys, tmp_path: Path):
    path = tmp_path / "jumelage.toml"
    path.write_text("[http]\nport = 9123\n", "utf-8")
    code, out, err = run(capsys, "--config", str(path), "config")
    assert code == 0, err
    assert json.loads(out)["http"]["port"] == 9123


def test_config_never_prints_secrets(data_dir: Path, capsys, monkeypatch):
    monkeypatch.setenv("JUMELAGE_AUTH__SECRET_KEY", SECRET)
    monkeypatch.setenv("JUMELAGE_DATABASE__URL", "postgresql+asyncpg://app:db-pw-123@db/j")
    monkeypatch.setenv("JUMELAGE_REDIS__URL", "redis://:redis-pw-456@cache:6379/0")
    code, out, err = run(capsys, "config")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["auth"]["secret_key"] == "**********"
    for secret in (SECRET, "db-pw-123", "redis-pw-456"):
        assert secret not in out + err


def test_config_never_prints_the_generated_secret(data_dir: Path, capsys):
    code, out, err = run(capsys, "config")
    assert code == 0, err
    generated = (data_dir / SECRET_KEY_FILE_NAME).read_text("utf-8").strip()
    assert len(generated) >= 32
    assert generated not in out + err


# -- demo ---------------------------------------------------------------------------


PUPIL_LINE = re.compile(r"^ {4}(\S+ \S+)\s+([a-z]+-[a-z]+-\d{3})\s+(\S+)$", re.MULTILINE)


@pytest.mark.slow
def test_demo_loads_once_and_its_logins_sign_in(data_dir: Path, capsys):
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "Demo loaded." in out
    assert "camille.martin@demo.jumelage.example" in out
    pupils = PUPIL_LINE.findall(out)
    assert len(pupils) >= 6, out
    _, login, password = pupils[0]
    assert sign_in(login, password).user_id
    assert sign_in("camille.martin@demo.jumelage.example", "demo-password-2026").user_id

    code, out, err = run(capsys, "demo")
    assert code == EXIT_FAILED
    assert "already loaded" in err
    assert "Demo loaded." not in out


# -- serve, as a real process -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_line_until(proc: subprocess.Popen[bytes], needle: bytes, deadline: float) -> bytes:
    """Read the process's stdout until a line contains ``needle`` (or time runs out)."""
    assert proc.stdout is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while needle not in seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or proc.poll() is not None:
                break
            if selector.select(timeout=remaining):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
    return seen


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_serve_stops_cleanly_on_sigterm(tmp_path: Path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUMELAGE_")}
    env.update(CHEAP_HASHING)
    env.update(
        {
            "JUMELAGE_DATA_DIR": str(tmp_path / "data"),
            "JUMELAGE_LOGGING__LEVEL": "WARNING",
            "JUMELAGE_HTTP__SHUTDOWN_TIMEOUT_S": "5",
        }
    )
    command = [str(Path(sys.executable).parent / "jumelage"), "serve", "--port", str(port)]
    with (tmp_path / "stderr.log").open("wb") as errors:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors)
        try:
            started = read_line_until(proc, b"serving on", time.monotonic() + 90)
            assert b"serving on" in started, (started, (tmp_path / "stderr.log").read_text())
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as reply:
                assert reply.status == 200
                assert json.loads(reply.read())["status"] == "ok"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0, (tmp_path / "stderr.log").read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
