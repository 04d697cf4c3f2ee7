"""Errors of the agent side; all derive from livechat.errors.LivechatError."""

from __future__ import annotations

from typing import Any

from livechat.agents import texts
from livechat.errors import LivechatError


class AgentError(LivechatError):
    """A refused agent action; `code` names its bilingual message in texts.ERRORS."""

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(detail or code)
        self.code = code
        self.params = params

    def body(self) -> dict[str, Any]:
        """{"error": code, "message": {"fr", "en"}}."""
        return texts.error_body(self.code, **self.params)


class AccountError(AgentError):
    """An account operation was refused (duplicate email, short password, unknown agent)."""
