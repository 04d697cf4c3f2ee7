"""The one way out for every SMS: render, split, store, then transmit (livechat.sms.transmission).

Whatever writes to a citizen by SMS — the bot, an agent, the system (keyword answers, request
updates from the outbox) — ends in `SmsTransmission._transmit`, which refuses to send to a
number that texted STOP. Each SMS actually sent is an outgoing Message whose `source_id` is
Twilio's MessageSid; a message longer than three segments is sent as several SMS, the later
parts stored as their own messages pointing to the first (`payload.sms.part_of`).
"""

from __future__ import annotations

import logging
from typing import Any

from livechat.conversations.store import ConversationInfo, MessageInfo
from livechat.errors import LivechatError
from livechat.logging import mask_contacts
from livechat.models import DeliveryStatus, Direction, Sender
from livechat.sms.delivery_records import FAILED_STATUSES
from livechat.sms.encoding import plain_text, split_sms
from livechat.sms.render import render
from livechat.sms.transmission import SendMode, SmsTransmission

log = logging.getLogger(__name__)


class SmsSender(SmsTransmission):
    """Renders, splits and stores what the channel sends, then transmits each part."""

    # -- what the rest of the gateway calls ---------------------------------------------

    async def send_message(self, conversation: ConversationInfo, message: MessageInfo) -> None:
        """Deliver a stored outgoing message (bot, agent or system) of an SMS conversation:
        the router's outbound sender for the "sms" channel."""
        if message.direction != Direction.OUTGOING.value or message.private:
            return
        phone, opted_out = await self.sms_store.recipient(conversation.contact_id)
        if phone is None:
            log.error(
                "sms conversation without a phone", extra={"conversation_id": conversation.id}
            )
            return
        language = message.language or conversation.language
        text = render(message, language)
        await self._deliver(conversation.id, phone, message, text, opted_out=opted_out)

    async def send_reply(
        self,
        conversation: ConversationInfo,
        text: str | None,
        payload: dict[str, Any] | None,
        language: str | None,
    ) -> MessageInfo:
        """Store a bot reply of an SMS conversation and send it: the router's reply sender
        for the "sms" channel (storing and reading the recipient are one round trip)."""
        try:
            message, phone, opted_out = await self.sms_store.store_reply(
                conversation, sender=Sender.BOT, content=text, payload=payload, language=language
            )
        except LivechatError as error:
            # Nothing is sent: the opt-out could not be checked either.
            self.metrics.error("storage_unavailable")
            log.error(
                "sms reply not stored, not sent",
                extra={"conversation_id": conversation.id, "error": str(error)},
            )
            return MessageInfo.unsaved(conversation.id, Sender.BOT, text, payload, language)
        if phone is None:
            log.error(
                "sms conversation without a phone", extra={"conversation_id": conversation.id}
            )
            return message
        text_out = render(message, language or conversation.language)
        await self._deliver(conversation.id, phone, message, text_out, opted_out=opted_out)
        return message

    async def send_text(
        self,
        phone: str,
        text: str,
        *,
        sender: Sender = Sender.SYSTEM,
        language: str | None = None,
        conversation: ConversationInfo | None = None,
        opt_out_confirmation: bool = False,
        raise_on_failure: bool = False,
        note: dict[str, Any] | None = None,
    ) -> bool:
        """Store `text` as an outgoing message of the number's SMS conversation and send it;
        False (nothing stored or sent) when the number opted out.

        `raise_on_failure`: a refused send raises SmsSendError instead of being retried here
        (the caller retries, e.g. the requests outbox). `note` is kept in `payload.sms`."""
        mode = SendMode(opt_out_confirmation, raise_on_failure)
        mark = {"opt_out_confirmation": True} if opt_out_confirmation else {}
        if not opt_out_confirmation and await self.sms_store.is_opted_out(phone):
            log.info("sms not sent: number opted out", extra={"phone": mask_contacts(phone)})
            return False
        if conversation is None:
            conversation = await self.store.open_phone_conversation(phone)
        message = await self.store.append_message(
            conversation.id,
            direction=Direction.OUTGOING,
            sender=sender,
            content=text,
            payload={"sms": {**(note or {}), **mark}} if (note or mark) else None,
            language=language,
        )
        await self._deliver(conversation.id, phone, message, text, mode)
        return True

    async def on_status(self, sid: str, status: DeliveryStatus, error: str | None) -> bool:
        """A status callback: record it; a failed SMS is retried once, then flagged.
        False when the sid is unknown or the callback is stale."""
        delivery = await self.sms_store.update_status(sid, status, error)
        if delivery is None:
            return False
        if status in FAILED_STATUSES:
            self.metrics.error("delivery_failed")
            await self._after_failure(
                delivery.message_id,
                delivery.conversation_id,
                delivery.phone,
                error or status.value,
                delivery.attempts,
            )
        return True

    async def _deliver(
        self,
        conversation_id: int,
        phone: str,
        message: MessageInfo,
        text: str,
        mode: SendMode | None = None,
        *,
        opted_out: bool | None = None,
    ) -> None:
        """Split, store the later parts, send each; `opted_out`, when the caller just read
        it, saves reading it again."""
        mode = mode or SendMode()
        bodies = split_sms(plain_text(text))
        if not bodies:
            return
        if message.id is None:
            # The router could not store the reply (database down): the opt-out cannot be
            # checked either, so nothing is sent.
            log.error("sms not sent: reply not stored", extra={"conversation_id": conversation_id})
            return
        first = message.id
        parts: list[tuple[int, str, dict[str, Any]]] = []
        for number, body in enumerate(bodies, start=1):
            meta: dict[str, Any] = {"part": number, "parts": len(bodies)}
            if number == 1:
                if message.content and message.content != body:
                    meta["text"] = message.content  # what was written, before rendering/splitting
                parts.append((first, body, meta))
                continue
            meta["part_of"] = first
            if mode.opt_out_confirmation:
                meta["opt_out_confirmation"] = True
            stored = await self.store.append_message(
                conversation_id,
                direction=Direction.OUTGOING,
                sender=Sender(message.sender),
                content=body,
                payload={"sms": meta},
                language=message.language,
            )
            assert stored.id is not None
            parts.append((stored.id, body, meta))
        for message_id, body, meta in parts:
            await self._transmit(
                message_id, conversation_id, phone, body, meta, 1, mode, opted_out=opted_out
            )
