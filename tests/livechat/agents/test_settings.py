"""Agent settings from the environment: defaults, parsing, errors naming the variable."""

from __future__ import annotations

import pytest

from livechat.agents.settings import AgentSettings
from livechat.errors import ConfigurationError


def test_defaults() -> None:
    settings = AgentSettings.from_env({}, env_file=None)
    assert settings == AgentSettings()
    assert (settings.session_hours, settings.auto_assign, settings.grace_seconds) == (12, True, 60)
    assert (settings.login_max_failures, settings.login_window_minutes) == (5, 15)


def test_values_and_secret_masking() -> None:
    settings = AgentSettings.from_env(
        {
            "ACTIONS_TOKEN": "s3cret",
            "AGENT_SESSION_HOURS": "8",
            "AUTO_ASSIGN": "off",
            "AGENT_GRACE_SECONDS": "0",
            "ALLOWED_ORIGINS": "https://Console.Ville.ca/, http://localhost:3000",
            "DEFAULT_WAIT_MINUTES": "4",
        },
        env_file=None,
    )
    assert settings.actions_token == "s3cret" and settings.auto_assign is False
    assert settings.grace_seconds == 0 and settings.session_hours == 8
    assert settings.allowed_origins == ("https://console.ville.ca", "http://localhost:3000")
    assert "s3cret" not in repr(settings) and "***" in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AGENT_SESSION_HOURS", "soon"),
        ("AGENT_GRACE_SECONDS", "-1"),
        ("AUTO_ASSIGN", "maybe"),
        ("ALLOWED_ORIGINS", "console.ville.ca"),
        ("LOGIN_MAX_FAILURES", "0"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        AgentSettings.from_env({name: value}, env_file=None)
