"""Settings from the environment and .env: defaults, parsing, errors, no secrets in repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from livechat.errors import ConfigurationError, LivechatError
from livechat.settings import Settings, mask_url_password, normalise_database_url


def test_defaults_without_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert settings == Settings()
    assert settings.database_url == "sqlite+aiosqlite:///var/livechat.db"
    assert settings.redis_url == ""
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.actions_url == "http://127.0.0.1:5055"
    assert settings.public_url == "http://127.0.0.1:8080"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.twilio_api_base == "https://api.twilio.com"
    assert settings.city_tz == "America/Toronto"
    assert settings.business_hours == "Mon-Fri 07:30-18:00"
    assert settings.holidays_province == "ON"
    assert settings.max_message_length == 2000
    assert settings.uses_sqlite


def test_environment_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://city:pw@db.internal:5432/live",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "RASA_URL": "http://rasa:5005/",
            "RASA_TOKEN": "rasa-secret",
            "RASA_TIMEOUT": "2.5",
            "PORT": "9000",
            "HOST": "0.0.0.0",
            "CITY_TZ": "America/Montreal",
            "HOLIDAYS_PROVINCE": "qc",
            "BUSINESS_HOURS": "Mon-Fri 08:00-17:00; Sat 09:00-12:00",
            "MAX_MESSAGE_LENGTH": "500",
            "SMTP_PORT": "2525",
            "LOG_LEVEL": "debug",
            "CORS_ALLOWED_ORIGINS": "https://ville.example, https://city.example/",
            "TWILIO_AUTH_TOKEN": "tw-secret",
        },
        env_file=None,
    )
    assert settings.database_url == "postgresql+asyncpg://city:pw@db.internal:5432/live"
    assert not settings.uses_sqlite
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.rasa_url == "http://rasa:5005"
    assert settings.rasa_token == "rasa-secret"
    assert settings.rasa_timeout == 2.5
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.city_tz == "America/Montreal"
    assert settings.holidays_province == "QC"
    assert settings.business_hours == "Mon-Fri 08:00-17:00; Sat 09:00-12:00"
    assert settings.max_message_length == 500
    assert settings.smtp_port == 2525
    assert settings.log_level == "DEBUG"
    assert settings.cors_allowed_origins == ("https://ville.example", "https://city.example")


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_URL=http://from-file:5005\nOPEN311_API_KEY=file-key\nPORT=8181\n")
    settings = Settings.from_env({"PORT": "8282"}, env_file=env_file)
    assert settings.rasa_url == "http://from-file:5005"
    assert settings.open311_api_key == "file-key"
    assert settings.port == 8282


def test_empty_values_mean_default() -> None:
    settings = Settings.from_env({"REDIS_URL": "", "PORT": "  "}, env_file=None)
    assert settings.redis_url == ""
    assert settings.port == 8080


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
    ],
)
def test_database_urls_are_normalised(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT: expected a whole number"),
        ("PORT", "70000", "PORT: expected a number from 0 to 65535"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL: unsupported database scheme"),
        ("DATABASE_URL", "livechat.db", "DATABASE_URL: not a URL"),
        ("RASA_URL", "rasa:5005", "RASA_URL: expected an http(s) URL"),
        ("REDIS_URL", "http://redis", "REDIS_URL: expected a redis://"),
        ("RASA_TIMEOUT", "-1", "RASA_TIMEOUT: expected a positive number"),
        ("CITY_TZ", "Mars/Olympus", "CITY_TZ: unknown time zone"),
        ("HOLIDAYS_PROVINCE", "XX", "HOLIDAYS_PROVINCE: expected a Canadian province"),
        ("BUSINESS_HOURS", "weekdays 9-5", "BUSINESS_HOURS: expected e.g."),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: expected one of"),
        ("MAX_MESSAGE_LENGTH", "0", "MAX_MESSAGE_LENGTH: expected a number from 1"),
        ("CORS_ALLOWED_ORIGINS", "ville.example", "CORS_ALLOWED_ORIGINS: expected '*'"),
        ("SQLITE_SYNCHRONOUS", "off", "SQLITE_SYNCHRONOUS: expected one of normal, full"),
    ],
)
def test_invalid_values_raise_a_clear_error(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env({name: value}, env_file=None)
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, LivechatError)


def test_sqlite_durability_defaults_to_normal_and_accepts_full() -> None:
    assert Settings.from_env({}, env_file=None).sqlite_synchronous == "normal"
    full = Settings.from_env({"SQLITE_SYNCHRONOUS": "FULL"}, env_file=None)
    assert full.sqlite_synchronous == "full"


def test_secrets_never_appear_in_repr() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://city:db-password@db/live",
            "RASA_TOKEN": "rasa-secret",
            "TWILIO_AUTH_TOKEN": "tw-secret",
            "OPEN311_API_KEY": "o311-secret",
            "SMTP_PASSWORD": "smtp-secret",
            "REDIS_URL": "redis://:redis-password@127.0.0.1:6379/0",
        },
        env_file=None,
    )
    shown = repr(settings) + str(settings) + str(settings.safe_items())
    for secret in (
        "db-password",
        "rasa-secret",
        "tw-secret",
        "o311-secret",
        "smtp-secret",
        "redis-password",
    ):
        assert secret not in shown
    assert "postgresql+asyncpg://city:***@db/live" in shown
    assert "rasa_token='***'" in shown


def test_mask_url_password_leaves_urls_without_password() -> None:
    assert mask_url_password("http://127.0.0.1:5005") == "http://127.0.0.1:5005"
    assert mask_url_password("redis://u:p@h:1/0") == "redis://u:***@h:1/0"


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
