"""Settings: defaults, environment, TOML file, validation messages and secrets.

The environment is changed only through ``monkeypatch`` inside a test, after
every ``JUMELAGE_`` variable of the outer process has been removed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from community.settings import AccountSettings
from server.config import (
    MIN_SECRET_KEY_LEN,
    SECRET_KEY_FILE_NAME,
    ConfigError,
    Settings,
    load_settings,
)

SECRET = "s3cret-key-for-the-config-tests-0123456789"
DB_PASSWORD = "db-pa55word-xyz"
REDIS_PASSWORD = "redis-pa55word-xyz"
SMTP_PASSWORD = "smtp-pa55word-xyz"
OLD_SECRET = "an-older-secret-key-for-the-config-tests-98765"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A monkeypatch with no ``JUMELAGE_`` variable left in the environment."""
    for name in list(os.environ):
        if name.startswith("JUMELAGE_"):
            monkeypatch.delenv(name)
    return monkeypatch


def config_error(**overrides) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(**overrides)
    return str(caught.value)


def write_secret(path: Path, value: str, mode: int = 0o600) -> Path:
    path.write_text(value + "\n", "utf-8")
    path.chmod(mode)
    return path


# -- defaults -----------------------------------------------------------------


def test_defaults_serve_one_machine(env, tmp_path: Path):
    settings = load_settings(data_dir=tmp_path)
    assert settings.mode == "development"
    assert settings.database_url() == f"sqlite+aiosqlite:///{tmp_path.resolve()}/jumelage.sqlite3"
    assert settings.redis_url() is None
    assert settings.http.host == "127.0.0.1"
    assert settings.http.port == 8080
    assert settings.http.cors_origins == ()
    assert settings.http.trusted_proxies == ()
    assert settings.accounts == AccountSettings()


def test_relative_data_dir_gives_an_absolute_database_path(env, tmp_path: Path):
    env.chdir(tmp_path)
    url = load_settings(data_dir=Path("var")).database_url()
    assert url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/var/jumelage.sqlite3"


# -- environment ----------------------------------------------------------------


def test_environment_variables_fill_nested_sections(env, tmp_path: Path):
    env.setenv("JUMELAGE_DATA_DIR", str(tmp_path))
    env.setenv("JUMELAGE_HTTP__PORT", "9000")
    env.setenv("JUMELAGE_HTTP__TRUSTED_PROXIES", '["10.0.0.0/8", "::1"]')
    env.setenv("JUMELAGE_DATABASE__URL", f"postgresql+asyncpg://app:{DB_PASSWORD}@db/jumelage")
    env.setenv("JUMELAGE_REDIS__URL", f"redis://:{REDIS_PASSWORD}@cache:6379/0")
    env.setenv("JUMELAGE_AUTH__SECRET_KEY", SECRET)
    env.setenv("JUMELAGE_ACCOUNTS__ARGON2_TIME_COST", "2")
    env.setenv("JUMELAGE_LOGGING__FORMAT", "console")
    settings = load_settings()
    assert settings.data_dir == tmp_path
    assert settings.http.port == 9000
    assert settings.http.trusted_proxies == ("10.0.0.0/8", "::1")
    assert settings.database_url() == f"postgresql+asyncpg://app:{DB_PASSWORD}@db/jumelage"
    assert settings.redis_url() == f"redis://:{REDIS_PASSWORD}@cache:6379/0"
    assert settings.secret_key() == SECRET
    assert settings.accounts.argon2_time_cost == 2
    assert settings.accounts.argon2_memory_kib == AccountSettings().argon2_memory_kib
    assert settings.logging.format == "console"


def test_explicit_values_beat_the_environment(env, tmp_path: Path):
    env.setenv("JUMELAGE_HTTP__PORT", "9000")
    assert load_settings(data_dir=tmp_path, http={"port": 9001}).http.port == 9001


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("JUMELAGE_HTTP__PORT", "99999", "http.port"),
        ("JUMELAGE_HTTP__PORT", "0", "http.port"),
        ("JUMELAGE_HTTP__PORT", "eighty", "http.port"),
        ("JUMELAGE_HTTP__MAX_BODY_BYTES", "10", "http.max_body_bytes"),
        ("JUMELAGE_HTTP__PROT", "8080", "http.prot"),
        ("JUMELAGE_MODE", "staging", "mode"),
        ("JUMELAGE_LOGGING__LEVEL", "LOUD", "logging.level"),
        ("JUMELAGE_DATABASE__POOL_SIZE", "-1", "database.pool_size"),
        ("JUMELAGE_ACCOUNTS__ARGON2_TIME_COST", "lots", "accounts.argon2_time_cost"),
        ("JUMELAGE_HTTP__CORS_ORIGINS", '["*"]', "http.cors_origins"),
    ],
)
def test_a_bad_variable_is_named_as_key_and_variable(env, tmp_path, variable, value, key):
    env.setenv(variable, value)
    message = config_error(data_dir=tmp_path)
    assert key in message
    assert variable in message


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"accounts": {"access_token_ttl_s": 10}}, "accounts.access_token_ttl_s"),
        ({"accounts": {"join_token_max_ttl_s": 7200}}, "accounts.join_token_max_ttl_s"),
        ({"http": {"shutdown_timeout_s": -1}}, "http.shutdown_timeout_s"),
    ],
)
def test_bad_explicit_values_name_their_key(env, tmp_path, overrides, key):
    message = config_error(data_dir=tmp_path, **overrides)
    assert key in message
    assert "JUMELAGE_" + key.upper().replace(".", "__") in message


# -- conflicts and insecure settings ----------------------------------------------


@pytest.mark.parametrize(
    ("section", "value_key", "file_key", "value"),
    [
        ("database", "url", "url_file", "sqlite+aiosqlite:///x.sqlite3"),
        ("redis", "url", "url_file", "redis://127.0.0.1:6379/0"),
        ("auth", "secret_key", "secret_key_file", SECRET),
    ],
)
def test_a_value_and_its_file_conflict(env, tmp_path, section, value_key, file_key, value):
    secret_file = write_secret(tmp_path / "value", value)
    message = config_error(
        data_dir=tmp_path, **{section: {value_key: value, file_key: secret_file}}
    )
    for key in (f"{section}.{value_key}", f"{section}.{file_key}"):
        assert key in message
        assert "JUMELAGE_" + key.upper().replace(".", "__") in message


def test_a_short_secret_is_refused(env, tmp_path: Path):
    message = config_error(data_dir=tmp_path, auth={"secret_key": "x" * (MIN_SECRET_KEY_LEN - 1)})
    assert "auth.secret_key" in message and "JUMELAGE_AUTH__SECRET_KEY" in message
    assert str(MIN_SECRET_KEY_LEN) in message
    assert "x" * (MIN_SECRET_KEY_LEN - 1) not in message
    just_long_enough = "x" * MIN_SECRET_KEY_LEN
    settings = load_settings(data_dir=tmp_path, auth={"secret_key": just_long_enough})
    assert settings.secret_key() == just_long_enough


def test_production_needs_a_secret(env, tmp_path: Path):
    message = config_error(data_dir=tmp_path, mode="production")
    assert "auth.secret_key" in message and "JUMELAGE_AUTH__SECRET_KEY" in message
    assert not (tmp_path / SECRET_KEY_FILE_NAME).exists()


def test_production_accepts_a_secret_file(env, tmp_path: Path):
    secret_file = write_secret(tmp_path / "key", SECRET)
    settings = load_settings(
        data_dir=tmp_path, mode="production", auth={"secret_key_file": secret_file}
    )
    assert settings.secret_key() == SECRET


@pytest.mark.parametrize("url", ["http://jumelage.example", "ftp://jumelage.example", "x"])
def test_production_needs_an_https_public_url(env, tmp_path: Path, url: str):
    message = config_error(
        data_dir=tmp_path, mode="production", auth={"secret_key": SECRET}, http={"public_url": url}
    )
    assert "http.public_url" in message and "JUMELAGE_HTTP__PUBLIC_URL" in message


def test_production_with_https_public_url(env, tmp_path: Path):
    settings = load_settings(
        data_dir=tmp_path,
        mode="production",
        auth={"secret_key": SECRET},
        http={"public_url": "https://jumelage.example"},
    )
    assert settings.http.public_url == "https://jumelage.example"
    # Development mode does not insist on https.
    development = load_settings(data_dir=tmp_path, http={"public_url": "http://localhost:8080"})
    assert development.http.public_url == "http://localhost:8080"


# -- TOML file ----------------------------------------------------------------------


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jumelage.toml"
    path.write_text(text, "utf-8")
    return path


def test_toml_file_named_by_jumelage_config(env, tmp_path: Path):
    path = write_toml(
        tmp_path,
        f"""
mode = "development"
data_dir = "{tmp_path}"

[http]
port = 9100
cors_origins = ["https://school.example"]

[accounts]
argon2_time_cost = 4
""",
    )
    env.setenv("JUMELAGE_CONFIG", str(path))
    settings = load_settings()
    assert settings.http.port == 9100
    assert settings.http.cors_origins == ("https://school.example",)
    assert settings.accounts.argon2_time_cost == 4
    assert settings.data_dir == tmp_path
    # The environment beats the file, and explicit values beat both.
    env.setenv("JUMELAGE_HTTP__PORT", "9200")
    assert load_settings().http.port == 9200
    assert load_settings(http={"port": 9300}).http.port == 9300


def test_missing_toml_file_is_a_clear_error(env, tmp_path: Path):
    missing = tmp_path / "nowhere.toml"
    env.setenv("JUMELAGE_CONFIG", str(missing))
    message = config_error()
    assert "JUMELAGE_CONFIG" in message and str(missing) in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[http]\nport = 70000\n", "http.port"),
        ("[http]\nprot = 8080\n", "http.prot"),
        ("[auth]\nsecret_key = 'short'\n", "auth.secret_key"),
    ],
)
def test_bad_value_in_the_toml_file_names_the_key(env, tmp_path: Path, text: str, key: str):
    env.setenv("JUMELAGE_CONFIG", str(write_toml(tmp_path, text)))
    assert key in config_error(data_dir=tmp_path)


# -- secret key --------------------------------------------------------------------


def test_development_secret_is_generated_once_and_kept(env, tmp_path: Path):
    data_dir = tmp_path / "data"
    first = load_settings(data_dir=data_dir).secret_key()
    path = data_dir / SECRET_KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= MIN_SECRET_KEY_LEN
    assert path.read_text("utf-8").strip() == first
    # The next start (a new Settings object) reads the same key.
    assert load_settings(data_dir=data_dir).secret_key() == first
    assert load_settings(data_dir=data_dir).secret_key() == first


def test_development_secrets_differ_between_data_dirs(env, tmp_path: Path):
    one = load_settings(data_dir=tmp_path / "one").secret_key()
    two = load_settings(data_dir=tmp_path / "two").secret_key()
    assert one != two


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o610])
def test_a_secret_file_readable_by_others_is_refused(env, tmp_path: Path, mode: int):
    secret_file = write_secret(tmp_path / "key", SECRET, mode)
    settings = load_settings(data_dir=tmp_path, auth={"secret_key_file": secret_file})
    with pytest.raises(ConfigError) as caught:
        settings.secret_key()
    assert "auth.secret_key_file" in str(caught.value)
    assert "600" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_loosened_generated_secret_is_refused(env, tmp_path: Path):
    settings = load_settings(data_dir=tmp_path)
    settings.secret_key()
    (tmp_path / SECRET_KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(ConfigError):
        settings.secret_key()


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_an_owner_only_secret_file_is_read(env, tmp_path: Path, mode: int):
    secret_file = write_secret(tmp_path / "key", SECRET, mode)
    settings = load_settings(data_dir=tmp_path, auth={"secret_key_file": secret_file})
    assert settings.secret_key() == SECRET


def test_a_missing_or_empty_secret_file_is_refused(env, tmp_path: Path):
    missing = load_settings(data_dir=tmp_path, auth={"secret_key_file": tmp_path / "absent"})
    with pytest.raises(ConfigError, match=r"auth\.secret_key_file"):
        missing.secret_key()
    empty_file = write_secret(tmp_path / "empty", "   ")
    empty = load_settings(data_dir=tmp_path, auth={"secret_key_file": empty_file})
    with pytest.raises(ConfigError, match="empty"):
        empty.secret_key()


def test_url_files_are_read(env, tmp_path: Path):
    db_file = write_secret(tmp_path / "db", f"postgresql+asyncpg://app:{DB_PASSWORD}@db/j")
    redis_file = write_secret(tmp_path / "redis", f"redis://:{REDIS_PASSWORD}@cache/0")
    settings = load_settings(
        data_dir=tmp_path,
        database={"url_file": db_file},
        redis={"url_file": redis_file},
    )
    assert settings.database_url() == f"postgresql+asyncpg://app:{DB_PASSWORD}@db/j"
    assert settings.redis_url() == f"redis://:{REDIS_PASSWORD}@cache/0"


def test_secrets_never_show_in_repr_str_or_json(env, tmp_path: Path):
    settings = load_settings(
        data_dir=tmp_path,
        database={"url": f"postgresql+asyncpg://app:{DB_PASSWORD}@db/jumelage"},
        redis={"url": f"redis://:{REDIS_PASSWORD}@cache:6379/0"},
        auth={"secret_key": SECRET, "previous_secret_keys": [OLD_SECRET]},
        mail={"smtp_host": "smtp.example", "smtp_password": SMTP_PASSWORD},
    )
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        for secret in (SECRET, OLD_SECRET, DB_PASSWORD, REDIS_PASSWORD, SMTP_PASSWORD):
            assert secret not in shown
    # ... while the values are still there for the code that needs them.
    assert settings.secret_key() == SECRET
    assert DB_PASSWORD in settings.database_url()


# -- browser policies and proxies ----------------------------------------------------


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        (["https://school.example"], ("https://school.example",)),
        (["https://school.example/"], ("https://school.example",)),
        (
            ["http://localhost:3000", "https://a.example"],
            ("http://localhost:3000", "https://a.example"),
        ),
        (
            ["http://127.0.0.1:8080", "http://[::1]:8080"],
            ("http://127.0.0.1:8080", "http://[::1]:8080"),
        ),
    ],
)
@pytest.mark.parametrize("field", ["cors_origins", "frame_ancestors"])
def test_exact_origins_are_accepted(env, tmp_path, field, origins, expected):
    settings = load_settings(data_dir=tmp_path, http={field: origins})
    assert getattr(settings.http, field) == expected


@pytest.mark.parametrize(
    "origin",
    [
        "*",
        "https://*.example",
        "https://a.example; script-src *",
        "https://a.example https://b.example",
        "https://user@a.example",
        "https://school.example/moodle",
        "https://school.example/?a=1",
        "https://school.example/#x",
        "school.example",
        "ftp://school.example",
        "javascript:alert(1)",
        "null",
        "",
    ],
)
@pytest.mark.parametrize("field", ["cors_origins", "frame_ancestors"])
def test_anything_but_an_exact_origin_is_refused(env, tmp_path, field, origin):
    message = config_error(data_dir=tmp_path, http={field: [origin]})
    assert f"http.{field}" in message


@pytest.mark.parametrize("value", ["10.0.0.1", "10.0.0.0/8", "192.168.1.0/24", "::1", "fd00::/8"])
def test_trusted_proxies_accept_addresses_and_networks(env, tmp_path, value):
    settings = load_settings(data_dir=tmp_path, http={"trusted_proxies": [value]})
    assert settings.http.trusted_proxies == (value,)


@pytest.mark.parametrize("value", ["proxy.local", "10.0.0.0/33", "256.1.1.1", "*", ""])
def test_trusted_proxies_refuse_anything_else(env, tmp_path, value):
    message = config_error(data_dir=tmp_path, http={"trusted_proxies": [value]})
    assert "http.trusted_proxies" in message and "JUMELAGE_HTTP__TRUSTED_PROXIES" in message


def test_settings_are_frozen(env, tmp_path: Path):
    settings = load_settings(data_dir=tmp_path)
    with pytest.raises(ValueError):
        settings.mode = "production"  # type: ignore[misc]
    assert isinstance(settings, Settings)
