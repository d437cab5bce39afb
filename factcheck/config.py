"""Typed, immutable configuration read from the ``FACTCHECK_*`` environment variables (SPEC §6).

Every default path lives under the instance folder, so one variable (``FACTCHECK_INSTANCE_DIR``)
isolates a whole instance: database, queue, archive, secret key and, when set, the index.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from babel.dates import get_timezone
from flask import current_app

PACKAGE_ROOT = Path(__file__).resolve().parent  # templates, static files, migrations, translations


def _project_root() -> Path:
    """The source checkout the package runs from, or the working directory of an installed one."""
    checkout = PACKAGE_ROOT.parent
    return checkout if (checkout / "setup.cfg").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name


CONFIG_KEY = "FACTCHECK"  # where create_app keeps the Config in app.config


def current_config() -> Config:
    """The running app's configuration."""
    return config_of(current_app)


def config_of(app: Any) -> Config:
    """``app``'s configuration, where no app context is needed (while the app is built)."""
    config: Config = app.config[CONFIG_KEY]
    return config


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Config:
    """Everything the workbench needs to know about its surroundings."""

    instance_dir: Path
    database_url: str
    index_dir: Path
    archive_dir: Path
    queue_url: str
    secret_key: str
    public_url: str = "http://127.0.0.1:5000"
    site_name: str = "Factcheck Workbench"
    archive_origin: str | None = None
    fetch_allow: frozenset[str] = frozenset()
    fetch_timeout: float = 20.0
    fetch_max_bytes: int = 10 * 1024 * 1024
    extract_processes: int | None = None  # None: one less than the cores
    screenshot_max_bytes: int = 5 * 1024 * 1024
    login_rate_limit: str = "10 per minute"  # failed logins from one address
    login_account_limit: str = "20 per 15 minutes"  # failed logins for one account, from anywhere
    database_busy_timeout: float = 5.0  # seconds a write waits for SQLite's lock, then 503
    rate_limit_storage_url: str = "memory://"
    # None: no e-mail (notifications in the app only, staff reset passwords). Kept out of the
    # repr: it may hold the SMTP password.
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = ""  # "": factcheck@<host of public_url>, see sender
    timezone: str = "UTC"  # the zone times are shown in, unless a person chose their own
    reset_rate_limit: str = "5 per 15 minutes"  # password-reset e-mails asked for from one address
    testing: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some values changed (configs are immutable)."""
        return dataclasses.replace(self, **changes)

    @property
    def queue_is_redis(self) -> bool:
        return self.queue_url.startswith(("redis://", "rediss://", "unix://"))

    @property
    def smtp_server(self) -> SmtpServer | None:
        """Where mail goes (``smtp_url`` parsed), or None when no SMTP server is configured."""
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @property
    def sender(self) -> str:
        """The From address of the workbench's mail."""
        return self.mail_from or f"factcheck@{urlsplit(self.public_url).hostname or 'localhost'}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read the configuration from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        explicit_instance = env.get("FACTCHECK_INSTANCE_DIR")
        instance_dir = Path(explicit_instance or PROJECT_ROOT / "instance").resolve()
        default_index = instance_dir / "index" if explicit_instance else PROJECT_ROOT / "index"

        database_url = normalise_database_url(
            env.get("FACTCHECK_DATABASE_URL") or f"sqlite:///{instance_dir / 'factcheck.db'}"
        )
        queue_url = env.get("FACTCHECK_QUEUE_URL") or f"sqlite:///{instance_dir / 'queue.db'}"
        redis_url = queue_url if queue_url.startswith(("redis://", "rediss://")) else None
        return cls(
            instance_dir=instance_dir,
            database_url=database_url,
            index_dir=Path(env.get("FACTCHECK_INDEX_DIR") or default_index).resolve(),
            archive_dir=Path(env.get("FACTCHECK_ARCHIVE_DIR") or instance_dir / "archive").resolve(),
            queue_url=queue_url,
            secret_key=env.get("FACTCHECK_SECRET_KEY") or load_or_create_secret_key(instance_dir),
            public_url=_public_url(env.get("FACTCHECK_PUBLIC_URL") or "http://127.0.0.1:5000"),
            site_name=(env.get("FACTCHECK_SITE_NAME") or "Factcheck Workbench").strip()[:100],
            archive_origin=_optional_origin(env.get("FACTCHECK_ARCHIVE_ORIGIN")),
            fetch_allow=parse_fetch_allow(env.get("FACTCHECK_FETCH_ALLOW", "")),
            fetch_timeout=_positive_float(env, "FACTCHECK_FETCH_TIMEOUT", 20.0),
            fetch_max_bytes=int(_positive_float(env, "FACTCHECK_FETCH_MAX_BYTES", 10 * 1024 * 1024)),
            extract_processes=_optional_count(env, "FACTCHECK_EXTRACT_PROCESSES"),
            database_busy_timeout=_positive_float(env, "FACTCHECK_DATABASE_BUSY_TIMEOUT", 5.0),
            rate_limit_storage_url=redis_url or "memory://",
            smtp_url=_smtp_url(env.get("FACTCHECK_SMTP_URL")),
            mail_from=_mail_from(env.get("FACTCHECK_MAIL_FROM")),
            timezone=_timezone(env.get("FACTCHECK_TIMEZONE")),
        )


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def parse_fetch_allow(value: str) -> frozenset[str]:
    """Parse ``FACTCHECK_FETCH_ALLOW``: comma-separated exact ``host:port`` entries."""
    entries = set()
    for raw in value.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"FACTCHECK_FETCH_ALLOW: {raw.strip()!r} is not a host:port entry")
        entries.add(f"{host.strip('[]')}:{int(port)}")
    return frozenset(entries)


def load_or_create_secret_key(instance_dir: Path) -> str:
    """Read the instance's secret key, generating and keeping it on first use.

    The file is created exclusively, so concurrent first starts agree on one key.
    """
    path = instance_dir / SECRET_KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    return path.read_text().strip()


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be positive")
    return value


def _optional_count(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 64:
        raise ConfigError(f"{name}: a whole number from 0 to 64")
    return int(raw)


def _public_url(value: str, name: str = "FACTCHECK_PUBLIC_URL") -> str:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: must start with http:// or https://")
    return value.rstrip("/")


def _optional_origin(value: str | None) -> str | None:
    return _public_url(value, "FACTCHECK_ARCHIVE_ORIGIN") if value else None


# -- e-mail and time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    """``FACTCHECK_SMTP_URL`` taken apart. ``smtps`` speaks TLS from the start (port 465 by
    default); ``smtp`` (port 25 by default) upgrades with STARTTLS when the server offers it."""

    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"


def parse_smtp_url(value: str, name: str = "FACTCHECK_SMTP_URL") -> SmtpServer:
    """Parse ``smtp://user:pass@host:port`` or ``smtps://…`` (user and password percent-encoded).

    Messages never repeat the URL: it may hold a password.
    """
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name}: not a URL of the form smtp://user:password@host:port") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ConfigError(f"{name}: must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ConfigError(f"{name}: names no host (smtp://user:password@host:port)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{name}: only smtp://user:password@host:port, without a path or query")
    if parts.password is not None and not parts.username:
        raise ConfigError(f"{name}: a password without a user name")
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _smtp_url(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    parse_smtp_url(value)
    return value.strip()


def _mail_from(value: str | None, name: str = "FACTCHECK_MAIL_FROM") -> str:
    if not value or not value.strip():
        return ""
    value = value.strip()
    _display, address = parseaddr(value)
    if "\r" in value or "\n" in value or "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ConfigError(f"{name}: {value!r} is not an e-mail address (e.g. factcheck@example.org)")
    return value


@functools.cache
def _system_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to this system and to Babel, which formats
    times ("UTC", "Asia/Kolkata"; not "localtime" or a file path)."""
    if name != "UTC" and name not in _system_time_zones():
        return False
    try:
        get_timezone(name)
    except LookupError:
        return False
    return True


def _timezone(value: str | None, name: str = "FACTCHECK_TIMEZONE") -> str:
    if not value or not value.strip():
        return "UTC"
    value = value.strip()
    if not is_time_zone(value):
        raise ConfigError(f"{name}: {value!r} is not an IANA time zone name (e.g. Asia/Kolkata or UTC)")
    return value
