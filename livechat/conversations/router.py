"""Decides who answers a citizen's message (bot, queue, agent) and sends replies back out.

The router knows no channel: adapters register an outbound sender per channel name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from livechat import i18n
from livechat.conversations.ordered import OrderedWorkers
from livechat.conversations.pending import PendingWrites
from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.errors import BotUnavailable, LivechatError, StorageUnavailable
from livechat.language import reply_language
from livechat.metrics import GatewayMetrics
from livechat.models import ConversationStatus, Direction, Sender
from livechat.rasa_client import RasaClient

log = logging.getLogger(__name__)

OutboundSender = Callable[[ConversationInfo, MessageInfo], Awaitable[None]]
# Stores and sends a bot reply itself, e.g. in one database round trip with what sending needs
# (the SMS channel): (conversation, text, payload, language) -> the reply as stored.
ReplySender = Callable[
    [ConversationInfo, str | None, dict[str, Any] | None, str | None], Awaitable[MessageInfo]
]
# Called for messages of conversations an agent owns (queued/open); set by the agent hub.
AgentHandoff = Callable[[ConversationInfo, MessageInfo], Awaitable[None]]
# Called before a bot-owned message goes to Rasa; True when it answered it itself (gateway
# quick-reply payloads such as "/leave_message"). Set by the agent hub.
Intercept = Callable[[ConversationInfo, MessageInfo, str | None], Awaitable[bool]]
# Called when Rasa is unavailable; True when it answered the citizen itself (e.g. offering an
# agent during business hours). Set by the agent hub.
BotOutage = Callable[[ConversationInfo, MessageInfo, str | None], Awaitable[bool]]


class ConversationRouter:
    """Routes stored citizen messages to their owner, one at a time per conversation.

    `submit()` queues a message; each conversation has its own FIFO worker task, so Rasa sees
    a conversation's messages in the order they were stored and replies go out in that order,
    while different conversations proceed concurrently.
    """

    def __init__(
        self, store: ConversationStore, rasa: RasaClient, metrics: GatewayMetrics | None = None
    ) -> None:
        self._store = store
        self._rasa = rasa
        self.metrics = metrics or GatewayMetrics()
        self._senders: dict[str, OutboundSender] = {}
        # Channels that show a bot reply without its stored id (web chat): sent while stored.
        self._send_while_storing: set[str] = set()
        self._reply_senders: dict[str, ReplySender] = {}
        # Replies sent while being stored, by conversation: history waits for them.
        self._storing = PendingWrites()
        self._workers = OrderedWorkers("message", key_field="conversation_id")
        self.agent_handoff: AgentHandoff | None = None
        self.intercept: Intercept | None = None
        self.bot_outage: BotOutage | None = None

    def register_sender(
        self,
        channel: str,
        sender: OutboundSender,
        *,
        needs_stored_id: bool = True,
        reply_sender: ReplySender | None = None,
    ) -> None:
        """Let a channel adapter deliver outgoing messages of its conversations.

        A channel whose delivery needs no message id (`needs_stored_id=False`) gets each bot
        reply while it is being stored rather than after; a `reply_sender` stores and sends
        bot replies itself. Both save a database round trip between Rasa's answer and the
        citizen. A reply is stored before the conversation's next message is handled.
        """
        self._senders[channel] = sender
        if needs_stored_id:
            self._send_while_storing.discard(channel)
        else:
            self._send_while_storing.add(channel)
        if reply_sender is None:
            self._reply_senders.pop(channel, None)
        else:
            self._reply_senders[channel] = reply_sender

    def submit(
        self,
        conversation: ConversationInfo,
        message: MessageInfo,
        channel_metadata: Mapping[str, Any] | None = None,
        language_hint: str | None = None,
        *,
        fresh: bool = False,
    ) -> None:
        """Queue a stored citizen message for handling after the ones already queued.

        `channel_metadata` is added to what Rasa receives; `language_hint` (e.g. the web page's
        language) is used when neither the message nor the conversation has a clear language.
        `fresh` says `conversation` was read after the message was stored (e.g. by
        `ConversationStore.append_and_read`): when nothing is queued ahead of the message, it
        is used as is instead of being read again.
        """
        self.metrics.message(conversation.channel, message.direction, message.sender)
        # A message waiting behind another one must see what handling that one changed
        # (e.g. a handoff), so only the first in line may skip the re-read.
        current = fresh and not self._workers.busy(conversation.id)
        metadata = dict(channel_metadata or {})
        self._workers.submit(
            conversation.id,
            lambda: self.handle_incoming(
                conversation, message, metadata, language_hint, current=current
            ),
        )

    async def join(self) -> None:
        """Wait until every queued message has been handled."""
        await self._workers.join()

    async def close(self, timeout: float = 5.0) -> None:
        """Cancel pending work (shutdown), but let replies already sent finish being stored."""
        await self._workers.close()
        await self._storing.close(timeout)

    async def handle_incoming(
        self,
        conversation: ConversationInfo,
        message: MessageInfo,
        channel_metadata: Mapping[str, Any] | None = None,
        language_hint: str | None = None,
        *,
        current: bool = False,
    ) -> list[MessageInfo]:
        """Hand one stored citizen message to its owner; return the replies sent.

        Unless `current` says `conversation` is up to date, its status is read again first.
        """
        if not current:
            # The database being down must not keep the bot from answering.
            with contextlib.suppress(StorageUnavailable):
                conversation = await self._store.get_conversation(conversation.id)
        current_info = conversation
        if current_info.status in (ConversationStatus.QUEUED, ConversationStatus.OPEN):
            # An agent owns the conversation: the agent hub shows it the stored message.
            if self.agent_handoff is not None:
                await self.agent_handoff(current_info, message)
            return []
        language = message.language or current_info.language or language_hint
        if self.intercept is not None:
            try:
                if await self.intercept(current_info, message, language):
                    return []
            except Exception:
                log.exception("intercept hook failed", extra={"conversation_id": current_info.id})
        return await self._ask_bot(current_info, message, channel_metadata or {}, language)

    async def _ask_bot(
        self,
        conversation: ConversationInfo,
        message: MessageInfo,
        channel_metadata: Mapping[str, Any],
        language: str | None,
    ) -> list[MessageInfo]:
        metadata = {
            **channel_metadata,
            "channel": conversation.channel,
            "conversation_id": conversation.rasa_sender,
            "language": language,
        }
        try:
            with self.metrics.bot_call():
                replies = await self._rasa.send_message(
                    conversation.rasa_sender, message.content or "", metadata
                )
        except BotUnavailable as error:
            log.warning(
                "bot unavailable",
                extra={"conversation_id": conversation.id, "error": str(error)},
            )
            if self.bot_outage is not None:
                try:
                    if await self.bot_outage(conversation, message, language):
                        return []
                except Exception:
                    log.exception(
                        "bot outage hook failed", extra={"conversation_id": conversation.id}
                    )
            text = i18n.text_for("bot_unavailable", language)
            notice = await self._store_outgoing(conversation, Sender.SYSTEM, text, None, language)
            await self._send(conversation, notice)
            return [notice]
        sent = []
        concurrent = conversation.channel in self._send_while_storing
        reply_sender = self._reply_senders.get(conversation.channel)
        for reply in replies:
            language = reply_language(reply.text)
            payload = reply.to_payload()
            if reply_sender is not None:
                sent.append(
                    await self._reply_through(
                        reply_sender, conversation, reply.text, payload, language
                    )
                )
                continue
            storing = self._store_outgoing(conversation, Sender.BOT, reply.text, payload, language)
            if concurrent:
                stored_task = self._storing.track(conversation.id, storing)
                await self._send(
                    conversation,
                    MessageInfo.unsaved(conversation.id, Sender.BOT, reply.text, payload, language),
                )
                # shielded: a shutdown cancelling this worker must not cancel the write
                stored = await asyncio.shield(stored_task)
            else:
                stored = await storing
                await self._send(conversation, stored)
            sent.append(stored)
        return sent

    async def _store_outgoing(
        self,
        conversation: ConversationInfo,
        sender: Sender,
        text: str | None,
        payload: dict[str, Any] | None,
        language: str | None,
    ) -> MessageInfo:
        try:
            return await self._store.append_message(
                conversation.id,
                direction=Direction.OUTGOING,
                sender=sender,
                content=text,
                payload=payload,
                language=language,
            )
        except LivechatError as error:
            # Still deliver the reply: the citizen must not be left without an answer.
            self.metrics.error("storage_unavailable")
            log.error(
                "reply not stored",
                extra={"conversation_id": conversation.id, "error": str(error)},
            )
            return MessageInfo.unsaved(conversation.id, sender, text, payload, language)

    async def stored(self, conversation_id: int) -> None:
        """Wait until the replies already sent in this conversation are stored (a history read
        right after a reply must include it); returns at once when none is in hand."""
        await self._storing.settled(conversation_id)

    async def _reply_through(
        self,
        reply_sender: ReplySender,
        conversation: ConversationInfo,
        text: str | None,
        payload: dict[str, Any] | None,
        language: str | None,
    ) -> MessageInfo:
        try:
            stored = await reply_sender(conversation, text, payload, language)
        except Exception:
            self.metrics.error("delivery_failed")
            log.exception("outbound send failed", extra={"conversation_id": conversation.id})
            return MessageInfo.unsaved(conversation.id, Sender.BOT, text, payload, language)
        self.metrics.message(conversation.channel, stored.direction, stored.sender)
        return stored

    async def deliver(self, conversation: ConversationInfo, message: MessageInfo) -> None:
        """Send a stored outgoing message (agent reply, system notice) through its channel."""
        await self._send(conversation, message)

    async def _send(self, conversation: ConversationInfo, message: MessageInfo) -> None:
        sender = self._senders.get(conversation.channel)
        if sender is None:
            log.error("no sender for channel", extra={"channel": conversation.channel})
            return
        try:
            await sender(conversation, message)
        except Exception:
            self.metrics.error("delivery_failed")
            log.exception("outbound send failed", extra={"conversation_id": conversation.id})
        else:
            self.metrics.message(conversation.channel, message.direction, message.sender)
