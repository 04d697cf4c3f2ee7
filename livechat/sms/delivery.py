"""The one way out for every SMS: render, split, store, check the opt-out, send, retry, flag.

Whatever writes to a citizen by SMS — the bot, an agent, the system (keyword answers, request
updates from the outbox) — ends in `SmsSender._transmit`, which refuses to send to a number
that texted STOP (the STOP confirmation itself is the only exception). Each SMS actually sent
is an outgoing Message whose `source_id` is Twilio's MessageSid; a message longer than three
segments is sent as several SMS, the later parts stored as their own messages pointing to the
first (`payload.sms.part_of`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.errors import LivechatError
from livechat.logging import mask_contacts
from livechat.metrics import GatewayMetrics
from livechat.models import DeliveryStatus, Direction, Sender
from livechat.sms import texts
from livechat.sms.delivery_records import FAILED_STATUSES
from livechat.sms.encoding import measure, plain_text, split_sms
from livechat.sms.render import render
from livechat.sms.store import SmsStore
from livechat.sms.twilio_client import UNSUBSCRIBED, SmsSendError, TwilioMessenger

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the first send and one retry
OptOutListener = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class _Mode:
    """How to send: the STOP confirmation passes the opt-out check; `raise_on_failure` leaves
    retrying to the caller."""

    opt_out_confirmation: bool = False
    raise_on_failure: bool = False


class SmsSender:
    """Sends SMS for the channel; `status_callback_url` is PUBLIC_URL/webhooks/twilio/status."""

    def __init__(
        self,
        store: ConversationStore,
        sms_store: SmsStore,
        messenger: TwilioMessenger,
        status_callback_url: str,
        retry_delay: float = 30.0,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or GatewayMetrics()
        self.sms_store = sms_store
        self.messenger = messenger
        self.status_callback_url = status_callback_url
        self.retry_delay = retry_delay
        # Called with the number when it opts out (e.g. stop its request subscriptions).
        self.opt_out_listeners: list[OptOutListener] = []
        self._retries: set[asyncio.Task[None]] = set()

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
        mode = _Mode(opt_out_confirmation, raise_on_failure)
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

    async def opt_out(self, phone: str) -> None:
        """Record STOP for the number and tell the listeners (subscriptions stop)."""
        await self.sms_store.set_opted_out(phone, True)
        for listener in self.opt_out_listeners:
            try:
                await listener(phone)
            except Exception:
                log.exception("opt-out listener failed", extra={"phone": mask_contacts(phone)})

    async def close(self) -> None:
        """Cancel pending retries (shutdown)."""
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)

    # -- inside -------------------------------------------------------------------------

    async def _deliver(
        self,
        conversation_id: int,
        phone: str,
        message: MessageInfo,
        text: str,
        mode: _Mode | None = None,
        *,
        opted_out: bool | None = None,
    ) -> None:
        """Split, store the later parts, send each; `opted_out`, when the caller just read
        it, saves reading it again."""
        mode = mode or _Mode()
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

    async def _transmit(
        self,
        message_id: int,
        conversation_id: int,
        phone: str,
        body: str,
        meta: dict[str, Any],
        attempt: int,
        mode: _Mode,
        previous_sids: list[str] | None = None,
        *,
        opted_out: bool | None = None,
    ) -> None:
        """The lowest send function: nothing reaches Twilio without passing here.
        `opted_out`: the number's opt-out as just read (None: read it here)."""
        size = measure(body)
        meta = {
            **meta,
            "encoding": size.encoding.value,
            "segments": size.segments,
            "attempts": attempt,
        }
        if previous_sids:
            meta["previous_sids"] = previous_sids
        if opted_out is None and not mode.opt_out_confirmation:
            opted_out = await self.sms_store.is_opted_out(phone)
        if opted_out and not mode.opt_out_confirmation:
            log.info("sms not sent: number opted out", extra={"phone": mask_contacts(phone)})
            await self.sms_store.record_attempt(
                message_id, content=body, sms={**meta, "blocked": "opted_out"},
                sid=None, status=None, error=None,
            )  # fmt: skip
            return
        try:
            sent = await self.messenger.send(phone, body, self.status_callback_url)
        except SmsSendError as error:
            self.metrics.error("delivery_failed")
            log.warning(
                "sms send failed",
                extra={"phone": mask_contacts(phone), "error": error.code, "attempt": attempt},
            )
            await self.sms_store.record_attempt(
                message_id, content=body, sms=meta,
                sid=None, status=DeliveryStatus.FAILED.value, error=error.code[:32],
            )  # fmt: skip
            if not mode.raise_on_failure:
                await self._after_failure(message_id, conversation_id, phone, error.code, attempt)
                return
            if error.code == UNSUBSCRIBED:
                await self.opt_out(phone)
            elif error.permanent:
                await self._flag(message_id, conversation_id, phone, error.code, attempt)
            raise
        known = {status.value for status in DeliveryStatus}
        status = sent.status if sent.status in known else DeliveryStatus.QUEUED.value
        await self.sms_store.record_attempt(
            message_id, content=body, sms=meta, sid=sent.sid, status=status, error=None
        )

    async def _after_failure(
        self, message_id: int, conversation_id: int, phone: str, error: str, attempts: int
    ) -> None:
        if error == UNSUBSCRIBED:
            # Twilio itself holds a STOP for this number: record it so nothing else is tried.
            await self.opt_out(phone)
            log.info("number unsubscribed at Twilio", extra={"phone": mask_contacts(phone)})
            return
        permanent = SmsSendError("", error).permanent
        if attempts < MAX_ATTEMPTS and not permanent:
            task = asyncio.create_task(self._retry(message_id, attempts + 1))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        await self._flag(message_id, conversation_id, phone, error, attempts)

    async def _retry(self, message_id: int, attempt: int) -> None:
        await asyncio.sleep(self.retry_delay * (attempt - 1))
        try:
            delivery = await self.sms_store.delivery(message_id)
            if delivery is None or delivery.status not in FAILED_STATUSES:
                return
            sms = delivery.payload.get("sms", {})
            previous = [*sms.get("previous_sids", []), *([delivery.sid] if delivery.sid else [])]
            meta = {key: value for key, value in sms.items() if key != "previous_sids"}
            await self._transmit(
                message_id,
                delivery.conversation_id,
                delivery.phone,
                delivery.content,
                meta,
                attempt,
                _Mode(opt_out_confirmation=bool(sms.get("opt_out_confirmation"))),
                previous,
            )
        except LivechatError:
            log.exception("sms retry failed", extra={"message_id": message_id})

    async def _flag(
        self, message_id: int, conversation_id: int, phone: str, error: str, attempts: int
    ) -> None:
        masked = mask_contacts(phone)
        log.warning(
            "sms delivery failed, flagged for agents",
            extra={"phone": masked, "message_id": message_id, "error": error, "attempts": attempts},
        )
        await self.store.append_message(
            conversation_id,
            direction=Direction.ACTIVITY,
            sender=Sender.SYSTEM,
            content=texts.both("delivery_failed", phone=masked, attempts=attempts, error=error),
            payload={"sms": {"delivery_failed": message_id, "error": error, "attempts": attempts}},
        )
