"""Gateway configuration from environment variables and an optional .env file."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from livechat.errors import ConfigurationError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_FIELDS = frozenset(
    {"rasa_token", "twilio_auth_token", "open311_api_key", "smtp_password", "metrics_token"}
)
_PROVINCES = frozenset(
    {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
)
_DAY = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_HOURS_SEGMENT = rf"{_DAY}(-{_DAY})? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d"
# One or more "Days HH:MM-HH:MM" segments separated by ";" (livechat.calendar interprets them).
_BUSINESS_HOURS = re.compile(rf"^{_HOURS_SEGMENT}(\s*;\s*{_HOURS_SEGMENT})*$")


@dataclass(frozen=True)
class Settings:
    """Validated gateway settings; build with `Settings.from_env()`."""

    database_url: str = "sqlite+aiosqlite:///var/livechat.db"
    # SQLite only: "normal" survives a crash of the gateway (not of the machine) and saves an
    # fsync per commit; "full" also survives a power cut. PostgreSQL ignores it.
    sqlite_synchronous: str = "normal"
    redis_url: str = ""
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout: float = 30.0
    actions_url: str = "http://127.0.0.1:5055"
    public_url: str = "http://127.0.0.1:8080"
    host: str = "127.0.0.1"
    port: int = 8080
    cors_allowed_origins: tuple[str, ...] = ("*",)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    twilio_api_base: str = "https://api.twilio.com"
    open311_api_key: str = ""
    city_tz: str = "America/Toronto"
    business_hours: str = "Mon-Fri 07:30-18:00"
    holidays_province: str = "ON"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    max_message_length: int = 2000
    rate_limit_burst: int = 10
    rate_limit_per_minute: int = 30
    # SMS (livechat.sms): messages per number per minute; delay before re-sending a failed SMS.
    sms_rate_limit_per_minute: int = 10
    sms_retry_delay: float = 30.0
    log_level: str = "INFO"
    log_format: str = "json"
    # Web chat: where uploaded photos are kept (served at /uploads/), and the widget's folder
    # (demo/ pages and the built dist/); empty means the repository's widget/.
    media_dir: str = "var/uploads"
    widget_dir: str = ""
    # GET /metrics needs `Authorization: Bearer <token>` when set (open when empty).
    metrics_token: str = ""

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = ".env",
    ) -> Settings:
        """Read settings from `environ` (default os.environ) over an optional .env file.

        Raises ConfigurationError naming the variable when a value is invalid.
        """
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        kwargs: dict[str, Any] = {}
        for field in fields(cls):
            raw = values.get(field.name.upper())
            if raw is None or raw.strip() == "":
                continue
            parser = _PARSERS.get(field.name, _text)
            try:
                kwargs[field.name] = parser(raw.strip())
            except ValueError as error:
                raise ConfigurationError(f"{field.name.upper()}: {error}") from None
        return cls(**kwargs)

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.safe_items().items())})"

    def safe_items(self) -> dict[str, Any]:
        """Settings as a dict fit for logs: secrets and URL passwords are masked."""
        items: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in SECRET_FIELDS:
                value = "***" if value else ""
            elif field.name.endswith("_url") and isinstance(value, str):
                value = mask_url_password(value)
            items[field.name] = value
        return items

    @property
    def uses_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def mask_url_password(url: str) -> str:
    """Replace the password of a URL such as postgresql://u:secret@h/db with ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{userinfo}:***@{netloc[1]}"))


def normalise_database_url(url: str) -> str:
    """Map postgres[ql]:// and sqlite:// onto the async drivers the gateway uses."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("not a URL (expected e.g. sqlite+aiosqlite:///var/livechat.db)")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database scheme {scheme!r} (use sqlite or postgresql)")


def _text(raw: str) -> str:
    return raw


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL, got {mask_url_password(raw)!r}")
    return raw.rstrip("/")


def _http_urls(raw: str) -> str:
    """One URL, or several comma-separated (Rasa servers sharing their stores), each checked."""
    urls = [_http_url(part.strip()) for part in raw.split(",") if part.strip()]
    if not urls:
        raise ValueError("expected an http(s) URL")
    return ",".join(urls)


def _redis_url(raw: str) -> str:
    scheme = urlsplit(raw).scheme
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected a redis://, rediss:// or unix:// URL")
    return raw


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a number from {low} to {high}, got {value}")
        return value

    return parse


def _choice(raw: str, choices: tuple[str, ...]) -> str:
    value = raw.lower()
    if value not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
    return value


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"expected a positive number of seconds, got {raw!r}")
    return value


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {raw!r}") from None
    return raw


def _province(raw: str) -> str:
    value = raw.upper()
    if value not in _PROVINCES:
        raise ValueError(f"expected a Canadian province or territory code, got {raw!r}")
    return value


def _business_hours(raw: str) -> str:
    if not _BUSINESS_HOURS.match(raw):
        raise ValueError(f"expected e.g. 'Mon-Fri 07:30-18:00' (';' between several), got {raw!r}")
    return raw


def _log_level(raw: str) -> str:
    value = raw.upper()
    if value not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return value


def _log_format(raw: str) -> str:
    value = raw.lower()
    if value not in ("json", "text"):
        raise ValueError(f"expected json or text, got {raw!r}")
    return value


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        if origin != "*" and not urlsplit(origin).scheme:
            raise ValueError(f"expected '*' or a comma-separated list of origins, got {raw!r}")
    return origins


_PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": normalise_database_url,
    "sqlite_synchronous": lambda raw: _choice(raw, ("normal", "full")),
    "redis_url": _redis_url,
    "rasa_url": _http_urls,
    "rasa_timeout": _positive_float,
    "actions_url": _http_url,
    "public_url": _http_url,
    "twilio_api_base": _http_url,
    "port": _int_between(0, 65535),
    "smtp_port": _int_between(1, 65535),
    "max_message_length": _int_between(1, 100_000),
    "rate_limit_burst": _int_between(1, 10_000),
    "rate_limit_per_minute": _int_between(1, 100_000),
    "sms_rate_limit_per_minute": _int_between(1, 10_000),
    "sms_retry_delay": _positive_float,
    "city_tz": _timezone,
    "holidays_province": _province,
    "business_hours": _business_hours,
    "log_level": _log_level,
    "log_format": _log_format,
    "cors_allowed_origins": _origins,
}
