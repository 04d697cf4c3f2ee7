"""Web chat adapter: Rasa's socketio channel protocol on the default namespace.

A Rasa-compatible widget connects unchanged: `session_request` -> `session_confirm`,
`user_uttered` {message, session_id, metadata?} -> `bot_uttered` {text, quick_replies?, ...}.
Each socket joins the room of its own conversation only. What a citizen sends is checked by
livechat.channels.web_input; what they see is shaped by livechat.channels.web_events.
"""

from __future__ import annotations

import functools
import logging
import uuid
from typing import Any

from livechat.channels.web_events import (
    bot_uttered_events,
    conversation_room,
    history_item,
    speaker_fields,
    system_message_event,
)
from livechat.channels.web_feedback import CitizenFeedback, SocketState
from livechat.channels.web_input import (
    ChatError,
    TokenBucket,
    WidgetMetadata,
    check_session_id,
    message_language,
    widget_metadata,
)
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import (
    ConversationInfo,
    ConversationStore,
    DuplicateMessage,
    MessageInfo,
)
from livechat.errors import ConversationNotFound, LivechatError
from livechat.models import Direction, Sender
from livechat.settings import Settings
from livechat.storable import storable_json

log = logging.getLogger(__name__)

HISTORY_LIMIT = 500


class WebChatNamespace(CitizenFeedback):
    """The citizen web chat on the default namespace "/": sessions, messages, history (and,
    from CitizenFeedback, ending, rating and typing)."""

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
        router.register_sender("web", self.send_to_conversation, needs_stored_id=False)

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Every event's data made storable first (a lone surrogate or NUL would fail in the
        database, after the citizen was told nothing): see livechat.storable."""
        if event not in ("connect", "disconnect") and len(args) > 1:
            args = (args[0], *(storable_json(arg) for arg in args[1:]))
        return await super().trigger_event(event, *args)

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
            check_session_id(session_id, None)
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
            text, language, metadata = self._validate_utterance(state, data, known_language)
        except ChatError as error:
            return await self._emit_error(sid, error)
        assert state.session_id is not None
        append = functools.partial(
            self.store.append_and_read,
            direction=Direction.INCOMING,
            sender=Sender.CITIZEN,
            content=text,
            payload=metadata.stored(),
            language=language,
            client_message_id=metadata.client_message_id,
        )
        conversation = state.conversation
        try:
            stored: tuple[ConversationInfo, MessageInfo] | None = None
            if conversation is not None:
                # Fast path: the session's known conversation, unless it was resolved meanwhile
                # (one transaction instead of looking the conversation up first).
                try:
                    stored = await append(conversation.id, unresolved_only=True)
                except ConversationNotFound:
                    stored = None
            if stored is None:
                conversation = await self.store.open_web_conversation(state.session_id)
                stored = await append(conversation.id)
            conversation, message = stored
            await self._join(sid, state, conversation)
        except DuplicateMessage as duplicate:
            # A resend after a lost ack: acknowledge the stored copy, do not route it again.
            if conversation is not None:
                await self._join(sid, state, conversation)
            state.conversation = conversation
            return {"ok": True, "message_id": duplicate.existing.id, "duplicate": True}
        except LivechatError as error:
            self.router.metrics.error("storage_unavailable")
            log.error("citizen message not stored", extra={"error": str(error)})
            lang = language or known_language
            return await self._emit_error(sid, ChatError("storage_unavailable", lang))
        # The conversation as the storing transaction left it (its language is the message's
        # clear language, if any: errors speak it).
        state.conversation = conversation
        channel_metadata = {"session_id": state.session_id, **metadata.for_rasa()}
        self.router.submit(conversation, message, channel_metadata, metadata.language, fresh=True)
        return {"ok": True, "message_id": message.id}

    async def is_known_session(self, session_id: str) -> bool:
        """Whether a socket of this gateway confirmed this session, or it has a conversation."""
        if any(state.session_id == session_id for state in self.sockets.values()):
            return True
        return await self.store.find_web_conversation(session_id) is not None

    async def on_history_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        state = self.sockets[sid]
        try:
            if data is not None and not isinstance(data, dict):
                raise ChatError("invalid_payload")
            if state.session_id is None:
                raise ChatError("no_session")
            requested = (data or {}).get("session_id")
            if requested is not None:
                check_session_id(requested, state.session_id)
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
        if conversation is not None:
            await self.router.stored(conversation.id)  # a reply just emitted is in the history
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
        speaker = speaker_fields(message)
        for event in bot_uttered_events(message):
            await self.emit("bot_uttered", {**event, **speaker}, room=room)
        system = system_message_event(message)
        if system is not None:
            await self.emit("system_message", system, room=room)

    def _validate_utterance(
        self, state: SocketState, data: Any, known_language: str | None
    ) -> tuple[str, str | None, WidgetMetadata]:
        if not isinstance(data, dict):
            raise ChatError("invalid_payload", known_language)
        text = data.get("message")
        limit = self.settings.max_message_length
        metadata = widget_metadata(data.get("metadata"), limit)
        language = message_language(text, metadata, limit)
        error_language = language or known_language
        if state.session_id is None:
            raise ChatError("no_session", error_language)
        check_session_id(data.get("session_id"), state.session_id, error_language)
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
        return text, language, metadata

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
