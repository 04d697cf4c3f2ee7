"""Sending one SMS, and what follows a failure: the opt-out check, the retry, the flag.

The base of `SmsSender` (livechat.sms.delivery), which renders, splits and stores what it sends.
`SmsTransmission._transmit` is the lowest send function: nothing reaches Twilio without passing
it, and it refuses a number that texted STOP (the STOP confirmation itself is the only
exception). A failed SMS (refused at once, or failed in a status callback) is tried once more
after `retry_delay`, then flagged to the agents as an activity message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livechat.background import BackgroundTasks
from livechat.conversations.store import ConversationStore
from livechat.errors import LivechatError
from livechat.logging import mask_contacts
from livechat.metrics import GatewayMetrics
from livechat.models import DeliveryStatus, Direction, Sender
from livechat.sms import texts
from livechat.sms.delivery_records import FAILED_STATUSES
from livechat.sms.encoding import measure
from livechat.sms.store import SmsStore
from livechat.sms.twilio_client import UNSUBSCRIBED, SmsSendError, TwilioMessenger

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # the first send and one retry
OptOutListener = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class SendMode:
    """How to send: the STOP confirmation passes the opt-out check; `raise_on_failure` leaves
    retrying to the caller."""

    opt_out_confirmation: bool = False
    raise_on_failure: bool = False


class SmsTransmission:
    """Twilio sends, STOP checks, retries and failure flags for the SMS channel;
    `status_callback_url` is PUBLIC_URL/webhooks/twilio/status."""

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
        self._retries = BackgroundTasks()

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
        await self._retries.close()

    async def _transmit(
        self,
        message_id: int,
        conversation_id: int,
        phone: str,
        body: str,
        meta: dict[str, Any],
        attempt: int,
        mode: SendMode,
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
            self._retries.spawn(self._retry(message_id, attempts + 1))
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
                SendMode(opt_out_confirmation=bool(sms.get("opt_out_confirmation"))),
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
