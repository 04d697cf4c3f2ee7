"""Web chat adapter: Rasa's socketio channel protocol on the default namespace.

A Rasa-compatible widget connects unchanged: `session_request` -> `session_confirm`,
`user_uttered` {message, session_id, metadata?} -> `bot_uttered` {text, quick_replies?, ...}.
Each socket joins the room of its own conversation only.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from livechat import i18n
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.errors import LivechatError
from livechat.language import detect_language
from livechat.models import Direction, Sender
from livechat.settings import Settings

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
TypingListener = Callable[[ConversationInfo, bool], Awaitable[None]]
HISTORY_LIMIT = 500
TYPING_REPEAT_SECONDS = 3.0


class TokenBucket:
    """Allows `burst` messages at once, refilled at `per_minute` messages a minute."""

    def __init__(self, burst: int, per_minute: int) -> None:
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.rate = per_minute / 60.0
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token; False when none is left."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class SocketState:
    """What one connected socket is allowed to see."""

    bucket: TokenBucket
    session_id: str | None = None
    conversation: ConversationInfo | None = None
    rooms: set[str] = field(default_factory=set)
    typing: bool = False
    typing_at: float = 0.0


class ChatError(LivechatError):
    """Refused citizen input; `code` names the i18n text."""

    def __init__(self, code: str, language: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.language = language
        self.params = params

    def body(self) -> dict[str, Any]:
        """The `chat_error` event: code, text in the citizen's language (or both), fr, en."""
        return {
            "code": self.code,
            "text": i18n.text_for(self.code, self.language, **self.params),
            **i18n.both(self.code, **self.params),
        }


def conversation_room(conversation: ConversationInfo) -> str:
    """The Socket.IO room of a conversation."""
    return f"conversation:{conversation.public_id.hex}"


def bot_uttered_events(message: MessageInfo) -> list[dict[str, Any]]:
    """A stored outgoing message as Rasa's SocketIOOutput would emit it (one or more events)."""
    payload = message.payload or {}
    events: list[dict[str, Any]] = []
    buttons = payload.get("buttons") or []
    if message.content is not None or buttons:
        parts = (message.content or "").strip().split("\n\n")
        events.extend({"text": part} for part in parts)
        if buttons:
            events[-1]["quick_replies"] = [
                {"content_type": "text", "title": b["title"], "payload": b["payload"]}
                for b in buttons
            ]
    if payload.get("image") is not None:
        events.append({"attachment": {"type": "image", "payload": {"src": payload["image"]}}})
    if payload.get("attachment") is not None:
        events.append({"attachment": payload["attachment"]})
    if payload.get("custom") is not None:
        events.append(payload["custom"])
    return events


def history_item(message: MessageInfo) -> dict[str, Any]:
    """A message for `history` / the messages API: no contact details, no internal fields."""
    item: dict[str, Any] = {
        "id": message.id,
        "sender": message.sender,
        "text": message.content,
        "created_at": message.created_at.isoformat(),
    }
    if message.direction == Direction.OUTGOING:
        for event in bot_uttered_events(message):
            for key in ("quick_replies", "attachment"):
                if key in event:
                    item[key] = event[key]
        if (message.payload or {}).get("custom") is not None:
            item["custom"] = message.payload["custom"]  # type: ignore[index]
        item.update(_speaker(message))
    return item


def _speaker(message: MessageInfo) -> dict[str, Any]:
    """Who wrote an outgoing message, for widgets: an agent (name) or a system notice (kind)."""
    payload = message.payload or {}
    agent = payload.get("agent")
    if message.sender == Sender.AGENT.value and isinstance(agent, dict):
        return {"sender": "agent", "agent_name": agent.get("name")}
    system = payload.get("system")
    if isinstance(system, dict):
        return {"sender": "system", "kind": system.get("kind")}
    return {}


def system_message_event(message: MessageInfo) -> dict[str, Any] | None:
    """The structured `system_message` of a stored notice (payload["system"]), else None."""
    system = (message.payload or {}).get("system")
    if not isinstance(system, dict):
        return None
    event: dict[str, Any] = {**system, "text": message.content}
    buttons = (message.payload or {}).get("buttons") or []
    if buttons:
        event["quick_replies"] = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
    return event


class WebChatNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """The citizen web chat on the default namespace "/"."""

    def __init__(
        self,
        store: ConversationStore,
        router: ConversationRouter,
        settings: Settings,
        namespace: str = "/",
    ) -> None:
        super().__init__(namespace)
        self.store = store
        self.router = router
        self.settings = settings
        self.sockets: dict[str, SocketState] = {}
        # Set by the agent hub: told when a citizen starts or stops typing.
        self.typing_listener: TypingListener | None = None
        router.register_sender("web", self.send_to_conversation)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self.sockets[sid] = SocketState(
            bucket=TokenBucket(self.settings.rate_limit_burst, self.settings.rate_limit_per_minute)
        )

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        self.sockets.pop(sid, None)

    async def on_session_request(self, sid: str, data: Any = None) -> None:
        state = self.sockets[sid]
        try:
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise ChatError("invalid_payload")
            session_id = data.get("session_id")
            if session_id is None:
                session_id = uuid.uuid4().hex
            _check_session_id(session_id, None)
        except ChatError as error:
            await self._emit_error(sid, error)
            return
        try:
            conversation = await self.store.find_web_conversation(session_id)
        except LivechatError as error:
            # Confirm anyway: the widget stays usable and its next message says what is wrong.
            log.error("conversation lookup failed", extra={"error": str(error)})
            conversation = None
        if state.session_id != session_id:
            await self._leave_rooms(sid, state)
        state.session_id = session_id
        state.conversation = conversation
        if conversation is not None:
            await self._join(sid, state, conversation)
        await self.emit("session_confirm", session_id, to=sid)

    async def on_user_uttered(self, sid: str, data: Any = None) -> dict[str, Any]:
        state = self.sockets[sid]
        known_language = state.conversation.language if state.conversation else None
        try:
            text, language, hint = self._validate_utterance(state, data, known_language)
        except ChatError as error:
            return await self._emit_error(sid, error)
        assert state.session_id is not None
        try:
            conversation = await self.store.open_web_conversation(state.session_id)
            await self._join(sid, state, conversation)
            message = await self.store.append_message(
                conversation.id,
                direction=Direction.INCOMING,
                sender=Sender.CITIZEN,
                content=text,
                language=language,
            )
        except LivechatError as error:
            log.error("citizen message not stored", extra={"error": str(error)})
            lang = language or known_language
            return await self._emit_error(sid, ChatError("storage_unavailable", lang))
        state.conversation = conversation
        self.router.submit(conversation, message, {"session_id": state.session_id}, hint)
        return {"ok": True, "message_id": message.id}

    async def on_history_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        state = self.sockets[sid]
        try:
            if data is not None and not isinstance(data, dict):
                raise ChatError("invalid_payload")
            if state.session_id is None:
                raise ChatError("no_session")
            requested = (data or {}).get("session_id")
            if requested is not None:
                _check_session_id(requested, state.session_id)
            body = await self.session_history(state.session_id)
        except ChatError as error:
            return await self._emit_error(sid, error)
        except LivechatError:
            return await self._emit_error(sid, ChatError("storage_unavailable"))
        await self.emit("history", body, to=sid)
        return {"ok": True, **body}

    async def session_history(self, session_id: str) -> dict[str, Any]:
        """{"session_id", "messages": [...]} for the session's current conversation."""
        conversation = await self.store.find_web_conversation(session_id)
        messages = (
            []
            if conversation is None
            else await self.store.history(conversation.id, limit=HISTORY_LIMIT)
        )
        return {"session_id": session_id, "messages": [history_item(m) for m in messages]}

    async def send_to_conversation(
        self, conversation: ConversationInfo, message: MessageInfo
    ) -> None:
        """Outbound sender for the router: emit `bot_uttered` to the conversation's room
        (agent replies and system notices say so), plus `system_message` for notices."""
        room = conversation_room(conversation)
        speaker = _speaker(message)
        for event in bot_uttered_events(message):
            await self.emit("bot_uttered", {**event, **speaker}, room=room)
        system = system_message_event(message)
        if system is not None:
            await self.emit("system_message", system, room=room)

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

    def _validate_utterance(
        self, state: SocketState, data: Any, known_language: str | None
    ) -> tuple[str, str | None, str | None]:
        if not isinstance(data, dict):
            raise ChatError("invalid_payload", known_language)
        text = data.get("message")
        limit = self.settings.max_message_length
        # The start of an over-long message is enough to answer in its language.
        language = detect_language(text[:limit]) if isinstance(text, str) else None
        error_language = language or known_language
        if state.session_id is None:
            raise ChatError("no_session", error_language)
        _check_session_id(data.get("session_id"), state.session_id, error_language)
        if "message" not in data or text is None:
            raise ChatError("missing_message", error_language)
        if not isinstance(text, str):
            raise ChatError("not_a_string", error_language)
        if not text.strip():
            raise ChatError("empty_message", error_language)
        if len(text) > limit:
            raise ChatError("too_long", error_language, limit=limit)
        if not state.bucket.take():
            raise ChatError("rate_limited", error_language)
        return text, language, _language_hint(data.get("metadata"))

    async def _join(self, sid: str, state: SocketState, conversation: ConversationInfo) -> None:
        room = conversation_room(conversation)
        if room not in state.rooms:
            await self._leave_rooms(sid, state)
            await self.enter_room(sid, room)
            state.rooms.add(room)

    async def _leave_rooms(self, sid: str, state: SocketState) -> None:
        for room in state.rooms:
            await self.leave_room(sid, room)
        state.rooms.clear()

    async def _emit_error(self, sid: str, error: ChatError) -> dict[str, Any]:
        body = error.body()
        await self.emit("chat_error", body, to=sid)
        return {"ok": False, "error": error.code, **{k: body[k] for k in ("text", "fr", "en")}}


def _check_session_id(value: Any, confirmed: str | None, language: str | None = None) -> None:
    """A well-formed session id equal to the confirmed one (None means "the confirmed one")."""
    if value is None and confirmed is not None:
        return
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        raise ChatError("invalid_session_id", language)
    if confirmed is not None and value != confirmed:
        raise ChatError("session_mismatch", language)


def _language_hint(metadata: Any) -> str | None:
    """The widget's page language from metadata {"language": "fr"|"en"}, if given."""
    if isinstance(metadata, str):  # Rasa's channel also accepts metadata as a JSON string
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if isinstance(metadata, dict) and metadata.get("language") in i18n.LANGUAGES:
        return str(metadata["language"])
    return None
