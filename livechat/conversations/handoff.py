"""What the citizen is told when people take over from the bot, and pausing the bot.

System notices and agent replies are stored, then delivered through the conversation's
channel by the router (web chat or SMS alike). A notice's payload keeps its structured form
(`{"system": {"kind", "fr", "en", ...}}`) so the web chat can also emit `system_message`.
Rasa's tracker is paused (ConversationPaused) while agents own a conversation and resumed
after; those calls run in the background because Rasa locks a conversation while one of its
actions runs -- and the hand-off request comes from such an action.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.db import utcnow
from livechat.errors import BotUnavailable
from livechat.i18n import LANGUAGES
from livechat.models import Direction, Sender
from livechat.rasa_client import PAUSE_EVENTS, RESUME_EVENTS, RasaClient

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 1.0, 3.0, 10.0, 30.0)


def pick(texts: Mapping[str, str], language: str | None) -> str:
    """The text in `language`, or French then English when it is unknown."""
    if language in LANGUAGES:
        return texts[language]
    return f"{texts['fr']}\n\n{texts['en']}"


class CitizenNotifier:
    """Stores and delivers notices, agent replies, notes and activity lines."""

    def __init__(self, store: ConversationStore, router: ConversationRouter) -> None:
        self._store = store
        self._router = router

    async def notice(
        self,
        conversation: ConversationInfo,
        kind: str,
        texts: Mapping[str, str],
        *,
        extra: Mapping[str, Any] | None = None,
        buttons: Sequence[Mapping[str, str]] = (),
        keep: bool = True,
    ) -> MessageInfo:
        """Tell the citizen something (`kind` as in system_message); `keep=False` sends it
        without storing it (queue position updates)."""
        language = conversation.language
        payload: dict[str, Any] = {
            "system": {"kind": kind, "fr": texts["fr"], "en": texts["en"], **(extra or {})}
        }
        if buttons:
            payload["buttons"] = [dict(b) for b in buttons]
        text = pick(texts, language)
        if keep:
            message = await self._store.append_message(
                conversation.id,
                direction=Direction.OUTGOING,
                sender=Sender.SYSTEM,
                content=text,
                payload=payload,
                language=language,
            )
        else:
            message = MessageInfo(
                id=None,
                conversation_id=conversation.id,
                direction=Direction.OUTGOING.value,
                sender=Sender.SYSTEM.value,
                content=text,
                payload=payload,
                language=language,
                private=False,
                created_at=utcnow(),
            )
        await self._router.deliver(conversation, message)
        return message

    async def agent_reply(
        self, conversation: ConversationInfo, agent_id: int, agent_name: str, text: str
    ) -> MessageInfo:
        """Store an agent's message, then deliver it through the channel."""
        message = await self._store.append_message(
            conversation.id,
            direction=Direction.OUTGOING,
            sender=Sender.AGENT,
            content=text,
            payload={"agent": {"id": agent_id, "name": agent_name}},
            language=conversation.language,
        )
        await self._router.deliver(conversation, message)
        return message

    async def note(
        self, conversation_id: int, agent_id: int, agent_name: str, text: str
    ) -> MessageInfo:
        """A private note between agents: stored, never delivered."""
        return await self._store.append_message(
            conversation_id,
            direction=Direction.ACTIVITY,
            sender=Sender.AGENT,
            content=text,
            payload={"agent": {"id": agent_id, "name": agent_name}},
            private=True,
        )

    async def activity(
        self, conversation_id: int, kind: str, texts: Mapping[str, str]
    ) -> MessageInfo:
        """A line of the transcript only agents see ("taken by ...", "transferred ...")."""
        return await self._store.append_message(
            conversation_id,
            direction=Direction.ACTIVITY,
            sender=Sender.SYSTEM,
            content=texts["fr"],
            payload={"activity": {"kind": kind, "fr": texts["fr"], "en": texts["en"]}},
        )


class BotControl:
    """Pauses and resumes Rasa's tracker of a conversation, in order, in the background."""

    def __init__(self, rasa: RasaClient, delays: Sequence[float] = RETRY_DELAYS) -> None:
        self._rasa = rasa
        self._delays = tuple(delays)
        self._last: dict[str, asyncio.Task[bool]] = {}

    def pause(self, sender: str) -> asyncio.Task[bool]:
        """Append ConversationPaused (Rasa then ignores the conversation's messages)."""
        return self._schedule(sender, PAUSE_EVENTS)

    def resume(self, sender: str) -> asyncio.Task[bool]:
        """Append ConversationResumed."""
        return self._schedule(sender, RESUME_EVENTS)

    async def join(self) -> None:
        """Wait for every pending call (shutdown, tests)."""
        while self._last:
            await asyncio.gather(*self._last.values(), return_exceptions=True)

    def _schedule(self, sender: str, events: Sequence[Mapping[str, Any]]) -> asyncio.Task[bool]:
        previous = self._last.get(sender)
        task = asyncio.create_task(self._append(sender, events, previous))
        self._last[sender] = task
        task.add_done_callback(lambda done: self._forget(sender, done))
        return task

    def _forget(self, sender: str, done: asyncio.Task[bool]) -> None:
        if self._last.get(sender) is done:
            del self._last[sender]

    async def _append(
        self,
        sender: str,
        events: Sequence[Mapping[str, Any]],
        previous: asyncio.Task[bool] | None,
    ) -> bool:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        for attempt, delay in enumerate((0.0, *self._delays)):
            if delay:
                await asyncio.sleep(delay)
            try:
                await self._rasa.append_events(sender, events)
                return True
            except BotUnavailable as error:
                log.warning(
                    "tracker event not appended",
                    extra={
                        "event": events[0].get("event"),
                        "attempt": attempt,
                        "error": str(error),
                    },
                )
        return False

    async def close(self) -> None:
        """Cancel pending calls."""
        tasks = list(self._last.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
