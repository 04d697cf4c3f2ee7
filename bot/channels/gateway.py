"""The REST input channel the gateway talks to: `POST /webhooks/gateway/webhook`.

Same request and answer as Rasa's `rest` channel, with the gateway's metadata
({"channel", "conversation_id", "language", "session_id"}) passed on to the tracker only
when it is a JSON object: anything else (a string, a list, a body that is not JSON) is
dropped instead of reaching the session-start action and the NLU pipeline.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.request import Request


class GatewayInput(RestInput):
    """RestInput whose name is "gateway" and whose metadata is the body's "metadata" object."""

    @classmethod
    def name(cls) -> str:
        """The URL prefix: /webhooks/gateway/."""
        return "gateway"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The JSON body's "metadata" when it is a dict, else None."""
        try:
            body = request.json
        except Exception:  # sanic raises InvalidUsage on a body that is not JSON
            return None
        if not isinstance(body, dict):
            return None
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None
