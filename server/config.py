"""The one typed settings object, read from the environment and a TOML file.

Sources, strongest first: explicit overrides (CLI flags, tests), environment
variables (``JUMELAGE_`` prefix, ``__`` between nested keys, e.g.
``JUMELAGE_HTTP__PORT=9000``), the TOML file named by ``JUMELAGE_CONFIG`` or
``--config``, then the defaults, which serve one machine: an SQLite file in
the data directory and no Redis.

A bad or conflicting value stops start-up with a message that names the key.
Secrets are ``SecretStr`` (masked in reprs and logs) and each has a ``*_file``
twin for secret stores that mount files. In development a missing secret key
is generated once and kept in the data directory; in production it is an error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from community.projects.settings import ProjectSettings
from community.settings import AccountSettings
from moderation.chat import ChatModerationSettings
from rooms.settings import RoomSettings

from .realtime.settings import RealtimeSettings

SECRET_KEY_FILE_NAME = "secret_key"
MIN_SECRET_KEY_LEN = 32
_ORIGIN_HOST = re.compile(
    r"([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)


class ConfigError(Exception):
    """The configuration is invalid; the message names each bad key."""


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class HttpSettings(Section):
    """The HTTP listener and the browser-facing policies."""

    host: str = "127.0.0.1"
    """Address to listen on."""
    port: int = Field(default=8080, ge=1, le=65535)
    """Port to listen on."""
    public_url: str | None = None
    """The URL users reach the server at (``https://...`` in production)."""
    cors_origins: tuple[str, ...] = ()
    """Exact origins allowed to call the API from a browser (no wildcard)."""
    frame_ancestors: tuple[str, ...] = ()
    """Origins allowed to embed Jumelage pages in a frame (schools' tools)."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or networks of reverse proxies whose X-Forwarded-* we trust."""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    """Largest JSON request body."""
    shutdown_timeout_s: float = Field(default=30.0, ge=0, le=600)
    """How long to let requests finish after SIGTERM."""

    @field_validator("cors_origins", "frame_ancestors")
    @classmethod
    def _exact_origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            parts = urlsplit(origin)
            # A host and port only: "https://*.example" is a wildcard to CSP, and
            # a space or ";" would smuggle more into the frame-ancestors header.
            if parts.scheme not in ("http", "https") or not _ORIGIN_HOST.fullmatch(parts.netloc):
                raise ValueError(f"{origin!r} is not an exact origin like https://school.example")
            if parts.path not in ("", "/") or parts.query or parts.fragment:
                raise ValueError(f"{origin!r} must be an origin only, without a path")
        return tuple(o.rstrip("/") for o in origins)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not an IP address or network") from exc
        return values


class DatabaseSettings(Section):
    """Where the data lives."""

    url: SecretStr | None = None
    """SQLAlchemy URL; empty means an SQLite file in the data directory."""
    url_file: Path | None = None
    """A file holding the URL (it may carry a password)."""
    pool_size: int = Field(default=10, ge=1, le=200)
    """PostgreSQL connections kept open."""
    migrate_on_start: bool = True
    """Apply pending migrations when ``serve`` starts."""


class RedisSettings(Section):
    """Redis, shared by several nodes. Absent means one node, in process."""

    url: SecretStr | None = None
    """``redis://[:password@]host:port/db``; empty means no Redis."""
    url_file: Path | None = None
    """A file holding the URL."""
    namespace: str = Field(default="jumelage:v1", pattern=r"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)*$")
    """Prefix of every key and channel: deployments (or tests) sharing one Redis
    keep apart by using different namespaces."""


class AuthSettings(Section):
    """The server's secret key."""

    secret_key: SecretStr | None = None
    """Signs tokens and keys rate-limit and API-key hashes; at least 32 characters."""
    secret_key_file: Path | None = None
    """A file holding the secret key."""
    previous_secret_keys: tuple[SecretStr, ...] = ()
    """Retired keys whose tokens are still accepted while they expire."""


class LoggingSettings(Section):
    """Structured logs."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "json"
    """``json`` for machines, ``console`` for people."""


class MailSettings(Section):
    """Outgoing e-mail to teachers and admins (pupils never get mail)."""

    smtp_host: str | None = None
    """SMTP server; empty means messages are written to the data directory's outbox."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    sender: str = "Jumelage <no-reply@jumelage.example>"


class Settings(BaseSettings):
    """Everything the server needs to start."""

    model_config = SettingsConfigDict(
        env_prefix="JUMELAGE_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
    )

    mode: Literal["development", "production"] = "development"
    """``production`` refuses insecure settings."""
    data_dir: Path = Path("data")
    """Where the SQLite file, the generated secret key and the mail outbox live."""
    node_id: str | None = None
    """This node's name among several; generated when absent."""
    http: HttpSettings = HttpSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    auth: AuthSettings = AuthSettings()
    logging: LoggingSettings = LoggingSettings()
    mail: MailSettings = MailSettings()
    accounts: AccountSettings = AccountSettings()
    projects: ProjectSettings = ProjectSettings()
    rooms: RoomSettings = RoomSettings()
    realtime: RealtimeSettings = RealtimeSettings()
    moderation: ChatModerationSettings = ChatModerationSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("JUMELAGE_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        pairs = [
            (
                "database.url",
                self.database.url,
                "database.url_file",
                self.database.url_file,
            ),
            ("redis.url", self.redis.url, "redis.url_file", self.redis.url_file),
            (
                "auth.secret_key",
                self.auth.secret_key,
                "auth.secret_key_file",
                self.auth.secret_key_file,
            ),
        ]
        for name, value, file_name, file_value in pairs:
            if value is not None and file_value is not None:
                raise ValueError(f"set {name} or {file_name}, not both")
        if (
            self.auth.secret_key is not None
            and len(self.auth.secret_key.get_secret_value()) < MIN_SECRET_KEY_LEN
        ):
            raise ValueError(f"auth.secret_key must have at least {MIN_SECRET_KEY_LEN} characters")
        if self.mode == "production":
            if self.auth.secret_key is None and self.auth.secret_key_file is None:
                raise ValueError("production mode needs auth.secret_key or auth.secret_key_file")
            if self.http.public_url is not None and not self.http.public_url.startswith("https://"):
                raise ValueError("http.public_url must be https:// in production mode")
        acc = self.accounts
        if acc.access_token_ttl_s > 3600 or acc.access_token_ttl_s < 30:
            raise ValueError("accounts.access_token_ttl_s must be between 30 and 3600 seconds")
        if acc.join_token_max_ttl_s > 3600 or acc.join_token_max_ttl_s < 30:
            raise ValueError("accounts.join_token_max_ttl_s must be between 30 and 3600 seconds")
        return self

    # -- resolved values ---------------------------------------------------

    def database_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/jumelage.sqlite3``."""
        if self.database.url is not None:
            return self.database.url.get_secret_value()
        if self.database.url_file is not None:
            return _read_secret_file(self.database.url_file, "database.url_file")
        return f"sqlite+aiosqlite:///{(self.data_dir / 'jumelage.sqlite3').resolve()}"

    def redis_url(self) -> str | None:
        """The Redis URL, or None for single-node mode."""
        if self.redis.url is not None:
            return self.redis.url.get_secret_value()
        if self.redis.url_file is not None:
            return _read_secret_file(self.redis.url_file, "redis.url_file")
        return None

    def secret_key(self) -> str:
        """The secret key: configured, read from its file, or (development
        only) generated once and kept in the data directory.

        Raises:
            ConfigError: No usable key.
        """
        if self.auth.secret_key is not None:
            return self.auth.secret_key.get_secret_value()
        if self.auth.secret_key_file is not None:
            return _read_secret_file(
                self.auth.secret_key_file, "auth.secret_key_file", check_mode=True
            )
        if self.mode == "production":
            raise ConfigError("auth.secret_key: production mode needs a secret key")
        path = self.data_dir / SECRET_KEY_FILE_NAME
        if not path.exists():
            _publish_new_secret(path)
        return _read_secret_file(path, "auth.secret_key_file", check_mode=True)


def _publish_new_secret(path: Path) -> None:
    """Write a fresh key beside ``path``, then link it into place.

    Two processes starting together on one data directory (a server and a
    CLI command) both find no key: the link is atomic, so exactly one key
    wins, the other process reads it, and nobody ever reads a half-written
    file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):  # another process won
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def _read_secret_file(path: Path, key: str, *, check_mode: bool = False) -> str:
    try:
        if check_mode and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{key}: {path} must be readable by its owner only (chmod 600)")
        value = path.read_text("utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc.strerror}") from exc
    if not value:
        raise ConfigError(f"{key}: {path} is empty")
    return value


_DOTTED_KEY = re.compile(r"\b([a-z_]+)\.([a-z_]+)\b")


def _env_name(loc: tuple[int | str, ...]) -> str:
    return "JUMELAGE_" + "__".join(str(part).upper() for part in loc)


def describe_validation_error(error: ValidationError) -> str:
    """One line per bad key, naming it as a dotted key and as a variable."""
    lines = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if p != "__root__")
        if loc:
            dotted = ".".join(str(p) for p in loc)
            lines.append(f"{dotted} ({_env_name(loc)}): {item['msg']}")
        else:
            # Checks across keys name their keys in the message: add each
            # key's variable there too.
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(_DOTTED_KEY.sub(lambda m: f"{m[0]} ({_env_name((m[1], m[2]))})", message))
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one clear message.

    Raises:
        ConfigError: Some key is bad; the message names it.
    """
    toml_path = os.environ.get("JUMELAGE_CONFIG")
    if toml_path and not Path(toml_path).is_file():
        raise ConfigError(f"JUMELAGE_CONFIG names {toml_path}, which is not a file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from exc
