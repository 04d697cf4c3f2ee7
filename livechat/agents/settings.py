"""Settings of the agent side, from environment variables (and the optional .env)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from livechat.errors import ConfigurationError

SECRET_FIELDS = frozenset({"actions_token"})


@dataclass(frozen=True)
class AgentSettings:
    """ACTIONS_TOKEN, AGENT_SESSION_HOURS, AUTO_ASSIGN, AGENT_GRACE_SECONDS, ALLOWED_ORIGINS,
    DEFAULT_WAIT_MINUTES, LOGIN_MAX_FAILURES, LOGIN_WINDOW_MINUTES, CANNED_RESPONSES_PATH,
    AGENT_HEARTBEAT_SECONDS."""

    actions_token: str = ""
    session_hours: float = 12.0
    auto_assign: bool = True
    grace_seconds: float = 60.0
    allowed_origins: tuple[str, ...] = ()
    default_wait_minutes: int = 3
    login_max_failures: int = 5
    login_window_minutes: float = 15.0
    canned_path: str = ""
    heartbeat_seconds: float = 15.0

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = ".env",
    ) -> AgentSettings:
        """Read the settings; ConfigurationError names the variable of a bad value."""
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            raw = values.get(name)
            return raw.strip() if raw is not None and raw.strip() else None

        kwargs: dict[str, object] = {}
        try:
            if (raw := get("ACTIONS_TOKEN")) is not None:
                kwargs["actions_token"] = raw
            for env, key, low in (
                ("AGENT_SESSION_HOURS", "session_hours", 0.01),
                ("AGENT_GRACE_SECONDS", "grace_seconds", 0.0),
                ("LOGIN_WINDOW_MINUTES", "login_window_minutes", 0.01),
                ("AGENT_HEARTBEAT_SECONDS", "heartbeat_seconds", 0.1),
            ):
                if (raw := get(env)) is not None:
                    kwargs[key] = _number(env, raw, low)
            for env, key in (
                ("DEFAULT_WAIT_MINUTES", "default_wait_minutes"),
                ("LOGIN_MAX_FAILURES", "login_max_failures"),
            ):
                if (raw := get(env)) is not None:
                    kwargs[key] = int(_number(env, raw, 1, whole=True))
            if (raw := get("AUTO_ASSIGN")) is not None:
                kwargs["auto_assign"] = _boolean(raw)
            if (raw := get("ALLOWED_ORIGINS")) is not None:
                kwargs["allowed_origins"] = _origins(raw)
            if (raw := get("CANNED_RESPONSES_PATH")) is not None:
                kwargs["canned_path"] = raw
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        return cls(**kwargs)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        shown = {
            name: ("***" if name in SECRET_FIELDS and value else value)
            for name, value in self.__dict__.items()
        }
        return f"AgentSettings({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _number(name: str, raw: str, low: float, whole: bool = False) -> float:
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None
    if value < low:
        raise ValueError(f"{name}: expected at least {low}, got {raw!r}")
    return value


def _boolean(raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"AUTO_ASSIGN: expected true or false, got {raw!r}")


def _origins(raw: str) -> tuple[str, ...]:
    origins = []
    for part in raw.split(","):
        part = part.strip().rstrip("/")
        if not part:
            continue
        parts = urlsplit(part)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"ALLOWED_ORIGINS: {part!r} is not an origin like https://city.ca")
        origins.append(origin_of(part))
    return tuple(origins)
