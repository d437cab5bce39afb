"""Configuration from FACTCHECK_* variables (SPEC §6)."""

from __future__ import annotations

import pytest

from factcheck.config import PROJECT_ROOT, Config, ConfigError, parse_fetch_allow


def test_one_variable_isolates_a_whole_instance(tmp_path):
    config = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'factcheck.db'}"
    assert config.index_dir == tmp_path / "index"
    assert config.archive_dir == tmp_path / "archive"
    assert config.queue_url == f"sqlite:///{tmp_path / 'queue.db'}"
    assert (tmp_path / "secret_key").is_file()


def test_defaults_live_in_the_project(tmp_path, monkeypatch):
    config = Config.from_env({"FACTCHECK_SECRET_KEY": "k"})
    assert config.instance_dir == PROJECT_ROOT / "instance"
    assert config.index_dir == PROJECT_ROOT / "index"
    assert config.public_url == "http://127.0.0.1:5000"
    assert (config.fetch_timeout, config.fetch_max_bytes) == (20.0, 10 * 1024 * 1024)


def test_the_secret_key_is_generated_once_and_kept(tmp_path):
    first = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path)}).secret_key
    second = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    given = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_SECRET_KEY": "given"})
    assert given.secret_key == "given"


def test_every_variable_is_read(tmp_path):
    config = Config.from_env({
        "FACTCHECK_INSTANCE_DIR": str(tmp_path),
        "FACTCHECK_DATABASE_URL": "postgresql://u@db/x",
        "FACTCHECK_INDEX_DIR": str(tmp_path / "idx"),
        "FACTCHECK_ARCHIVE_DIR": str(tmp_path / "arc"),
        "FACTCHECK_QUEUE_URL": "redis://127.0.0.1:6379/3",
        "FACTCHECK_PUBLIC_URL": "https://checks.example.org/",
        "FACTCHECK_ARCHIVE_ORIGIN": "https://replay.example.org",
        "FACTCHECK_FETCH_ALLOW": "127.0.0.1:8080, Intranet.Local:443",
        "FACTCHECK_FETCH_TIMEOUT": "5",
        "FACTCHECK_FETCH_MAX_BYTES": "1048576",
    })
    assert config.database_url == "postgresql+psycopg://u@db/x"
    assert config.index_dir == tmp_path / "idx"
    assert config.archive_dir == tmp_path / "arc"
    assert config.queue_is_redis and config.rate_limit_storage_url == "redis://127.0.0.1:6379/3"
    assert config.public_url == "https://checks.example.org"
    assert config.archive_origin == "https://replay.example.org"
    assert config.fetch_allow == frozenset({"127.0.0.1:8080", "intranet.local:443"})
    assert (config.fetch_timeout, config.fetch_max_bytes) == (5.0, 1048576)


@pytest.mark.parametrize(("name", "value"), [
    ("FACTCHECK_FETCH_TIMEOUT", "soon"), ("FACTCHECK_FETCH_TIMEOUT", "-1"),
    ("FACTCHECK_FETCH_ALLOW", "example.org"), ("FACTCHECK_FETCH_ALLOW", "example.org:99999"),
    ("FACTCHECK_PUBLIC_URL", "ftp://x"), ("FACTCHECK_ARCHIVE_ORIGIN", "replay.example.org"),
])
def test_bad_values_name_their_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), name: value})


def test_fetch_allow_is_exact_host_and_port():
    assert parse_fetch_allow("[::1]:8000,,") == frozenset({"::1:8000"})
