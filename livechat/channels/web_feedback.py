"""What a web-chat citizen does besides writing: end the conversation, rate it, type.

The base of `WebChatNamespace` (livechat.channels.web), which adds sessions and messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from livechat import i18n
from livechat.channels.web_events import conversation_room
from livechat.channels.web_input import ChatError, TokenBucket, check_session_id
from livechat.conversations.store import ConversationInfo, ConversationStore
from livechat.errors import LivechatError

log = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 4000
# Called when the citizen ends a conversation (the agent hub releases its agent).
EndListener = Callable[[ConversationInfo], Awaitable[None]]
TypingListener = Callable[[ConversationInfo, bool], Awaitable[None]]
TYPING_REPEAT_SECONDS = 3.0


@dataclass
class SocketState:
    """What one connected socket is allowed to see."""

    bucket: TokenBucket
    session_id: str | None = None
    conversation: ConversationInfo | None = None
    rooms: set[str] = field(default_factory=set)
    typing: bool = False
    typing_at: float = 0.0


class CitizenFeedback(socketio.AsyncNamespace):  # type: ignore[misc]
    """Socket.IO handlers for ending, rating and typing; the subclass sets the attributes."""

    store: ConversationStore
    sockets: dict[str, SocketState]
    # Set by the agent hub: told when a citizen starts or stops typing.
    typing_listener: TypingListener | None = None
    # Set by the agent hub: told when the citizen ends a conversation.
    end_listener: EndListener | None = None

    async def on_end_conversation(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The citizen pressed "End": resolve the conversation (the next message, or a new
        session, starts a new one). Ack {"ok": true, "conversation_id"?}."""
        state = self.sockets[sid]
        try:
            session_id = _event_session(state, data)
            conversation = await self.store.find_web_conversation(session_id)
            if conversation is None:
                return {"ok": True}
            ended = await self.store.resolve(conversation.id)
        except ChatError as error:
            return _refusal(error)
        except LivechatError as error:
            log.error("conversation not ended", extra={"error": str(error)})
            return _refusal(ChatError("storage_unavailable", _language(state)))
        if ended:
            log.info("citizen ended the conversation", extra={"conversation_id": conversation.id})
            if self.end_listener is not None:
                try:
                    await self.end_listener(conversation)
                except LivechatError as error:
                    log.warning("end of conversation not forwarded", extra={"error": str(error)})
        return {"ok": True, "conversation_id": conversation.public_id.hex}

    async def on_satisfaction(self, sid: str, data: Any = None) -> dict[str, Any]:
        """{"rating": 1..5, "language", "comment"?} about the session's latest conversation."""
        state = self.sockets[sid]
        language = _language(state)
        try:
            session_id = _event_session(state, data)
            data = data or {}
            if data.get("language") in i18n.LANGUAGES:
                language = data["language"]
            conversation = await self.store.find_web_conversation(session_id)
            language = language or (conversation.language if conversation else None)
            rating = data.get("rating")
            if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
                raise ChatError("invalid_rating", language)
            comment = data.get("comment")
            if comment is not None and not isinstance(comment, str):
                raise ChatError("invalid_payload", language)
            if conversation is None:
                raise ChatError("no_conversation", language)
            await self.store.record_satisfaction(
                conversation,
                rating,
                language=language,
                comment=(comment or "").strip()[:MAX_COMMENT_LENGTH] or None,
            )
        except ChatError as error:
            return _refusal(error)
        except LivechatError as error:
            log.error("rating not stored", extra={"error": str(error)})
            return _refusal(ChatError("storage_unavailable", language))
        return {"ok": True}

    async def send_typing(
        self, conversation: ConversationInfo, typing: bool, agent_name: str | None
    ) -> None:
        """Tell the citizen an agent is (no longer) typing."""
        await self.emit(
            "typing",
            {"typing": typing, "sender": "agent", "agent_name": agent_name},
            room=conversation_room(conversation),
        )

    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        """The citizen is (no longer) typing: forwarded to the assigned agent only."""
        state = self.sockets.get(sid)
        if state is None or state.conversation is None or state.session_id is None:
            return {"ok": False, "error": "no_session"}
        if not isinstance(data, dict) or not isinstance(data.get("typing"), bool):
            return {"ok": False, "error": "invalid_payload"}
        requested = data.get("session_id")
        if requested is not None and requested != state.session_id:
            return {"ok": False, "error": "session_mismatch"}
        typing = bool(data["typing"])
        now = time.monotonic()
        # Widgets send this on keystrokes: forward changes, and repeats at most every 3 s.
        if typing == state.typing and now - state.typing_at < TYPING_REPEAT_SECONDS:
            return {"ok": True}
        state.typing, state.typing_at = typing, now
        if self.typing_listener is not None:
            try:
                await self.typing_listener(state.conversation, typing)
            except LivechatError as error:
                log.warning("typing not forwarded", extra={"error": str(error)})
        return {"ok": True}


def _event_session(state: SocketState, data: Any) -> str:
    """The confirmed session of an event {"session_id"?: ...} (None/absent: the confirmed one)."""
    language = _language(state)
    if data is not None and not isinstance(data, dict):
        raise ChatError("invalid_payload", language)
    if state.session_id is None:
        raise ChatError("no_session", language)
    check_session_id((data or {}).get("session_id"), state.session_id, language)
    return state.session_id


def _language(state: SocketState) -> str | None:
    return state.conversation.language if state.conversation else None


def _refusal(error: ChatError) -> dict[str, Any]:
    """An ack refusing an event: code, text in the citizen's language (or both), fr, en."""
    body = error.body()
    return {"ok": False, "error": error.code, **{k: body[k] for k in ("text", "fr", "en")}}
