"""The SMS channel over Twilio: the incoming-message webhook and the status callback.

`POST /webhooks/twilio/sms` checks Twilio's signature, stores the message (its MessageSid is the
unique `source_id`, so a retried webhook is stored once), answers empty TwiML at once and
handles the message in the background (livechat.channels.sms_handling), in arrival order per
number. `POST /webhooks/twilio/status` records delivery statuses of what we sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import phonenumbers
from aiohttp import web
from multidict import MultiDictProxy
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from livechat.background import BackgroundTasks
from livechat.calendar import BusinessCalendar
from livechat.channels.sms_handling import SmsHandling
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationStore
from livechat.errors import StorageUnavailable
from livechat.language import detect_language
from livechat.logging import mask_contacts
from livechat.models import DeliveryStatus
from livechat.settings import Settings
from livechat.sms import texts
from livechat.sms.delivery import SmsSender
from livechat.sms.ratelimit import PhoneRateLimiter
from livechat.storable import storable_text

log = logging.getLogger(__name__)

SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = "<Response/>"
MAX_MEDIA = 10  # Twilio sends at most 10 media per MMS
MESSAGE_SID = re.compile(r"[A-Za-z0-9]{1,64}")


def normalise_phone(raw: str, region: str = "CA") -> str | None:
    """E.164 form of a phone number (Canadian numbers may omit +1), None when not a number."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _twiml(text: str | None = None) -> web.Response:
    if text is None:
        body = EMPTY_TWIML
    else:
        response = MessagingResponse()
        response.message(text)
        body = str(response)
    return web.Response(text=body, content_type="text/xml")


class SmsChannel:
    """Twilio webhooks in; each stored SMS handed to `handling`, one at a time per number."""

    def __init__(
        self,
        settings: Settings,
        store: ConversationStore,
        router: ConversationRouter,
        sender: SmsSender,
        calendar: BusinessCalendar | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.router = router
        self.sender = sender
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.handling = SmsHandling(
            store,
            router,
            sender,
            calendar or BusinessCalendar.from_settings(settings),
            PhoneRateLimiter(settings.sms_rate_limit_per_minute),
        )
        self._tasks = BackgroundTasks()
        # Per number, the turn of the latest webhook: each message is handled after the one
        # that arrived before it.
        self._turns: dict[str, asyncio.Future[None]] = {}
        router.register_sender("sms", sender.send_message, reply_sender=sender.send_reply)

    async def join(self) -> None:
        """Wait until every received message has been handled."""
        await self._tasks.join()

    async def close(self) -> None:
        """Cancel what is still being handled (shutdown)."""
        await self._tasks.close()

    # -- webhooks -----------------------------------------------------------------------

    def _signed(self, request: web.Request, params: MultiDictProxy[Any]) -> bool:
        """Twilio signed PUBLIC_URL + path (+ query) and the form parameters with our token."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature or not self.settings.twilio_auth_token:
            return False
        url = self.settings.public_url.rstrip("/") + request.raw_path
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        return bool(self.validator.validate(url, params, signature, algorithm))

    async def incoming(self, request: web.Request) -> web.Response:
        """Twilio's incoming-message webhook."""
        form = await _form(request)
        if not self._signed(request, form):
            log.warning(
                "twilio webhook refused: bad or missing signature", extra={"path": SMS_PATH}
            )
            raise web.HTTPForbidden(text="invalid Twilio signature")
        sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
        phone = normalise_phone(str(form.get("From", "")))
        if not sid:
            raise web.HTTPBadRequest(text="MessageSid is missing")
        if not MESSAGE_SID.fullmatch(sid):  # stored as the unique source_id, 64 at most
            raise web.HTTPBadRequest(text="MessageSid is not a Twilio message id")
        if phone is None:
            log.warning("sms from a sender that is not a phone number ignored")
            return _twiml()
        body = storable_text(str(form.get("Body", "")))
        media = _media(form)
        payload: dict[str, Any] | None = None
        if media:
            photos = [item["url"] for item in media if item["content_type"].startswith("image/")]
            payload = {"media": media, "photo_urls": photos}
        before, mine = self._take_turn(phone)
        try:
            received = await self.sender.sms_store.receive(
                phone,
                content=body,
                payload=payload,
                language=detect_language(body) if body.strip() else None,
                source_id=sid,
            )
        except BaseException as error:
            self._pass_turn(phone, before, mine)
            if not isinstance(error, StorageUnavailable):
                raise
            self.router.metrics.error("storage_unavailable")
            log.error("sms not stored: database unavailable", extra={"phone": mask_contacts(phone)})
            # Twilio sends this reply itself: the citizen is not left without an answer.
            return _twiml(texts.both("storage_unavailable"))
        if received is None:
            self._pass_turn(phone, before, mine)
            log.info("duplicate twilio webhook ignored", extra={"message_sid": sid})
            return _twiml()
        # What `receive` read is current unless a message of this number is still in hand.
        fresh = before is None
        self._spawn(phone, before, mine, lambda: self.handling.handle(received, phone, fresh))
        return _twiml()

    async def status(self, request: web.Request) -> web.Response:
        """Twilio's status callback for the SMS we sent."""
        form = await _form(request)
        if not self._signed(request, form):
            log.warning("twilio status callback refused: bad or missing signature")
            raise web.HTTPForbidden(text="invalid Twilio signature")
        sid = str(form.get("MessageSid") or form.get("SmsSid") or "")
        raw_status = str(form.get("MessageStatus") or form.get("SmsStatus") or "")
        try:
            status = DeliveryStatus(raw_status)
        except ValueError:
            return web.Response(status=204)  # e.g. "receiving": nothing to record
        error = str(form.get("ErrorCode") or "") or None
        if sid:
            await self.sender.on_status(sid, status, error)
        return web.Response(status=204)

    # -- handling, in order per number --------------------------------------------------

    def _take_turn(self, phone: str) -> tuple[asyncio.Future[None] | None, asyncio.Future[None]]:
        """This webhook's place among the number's messages: (the turn before, its own)."""
        before = self._turns.get(phone)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turns[phone] = mine
        return before, mine

    def _pass_turn(
        self, phone: str, before: asyncio.Future[None] | None, mine: asyncio.Future[None]
    ) -> None:
        """A webhook with nothing to handle (a retry, not stored) ends its turn when the turn
        before it ends, so that the next message still waits for the one in hand."""
        if before is None:
            self._end_turn(phone, mine)
        else:
            before.add_done_callback(lambda _: self._end_turn(phone, mine))

    def _end_turn(self, phone: str, mine: asyncio.Future[None]) -> None:
        if not mine.done():
            mine.set_result(None)
        if self._turns.get(phone) is mine:
            del self._turns[phone]

    def _spawn(
        self,
        phone: str,
        before: asyncio.Future[None] | None,
        mine: asyncio.Future[None],
        job: Callable[[], Awaitable[None]],
    ) -> None:
        self._tasks.spawn(self._in_order(phone, before, mine, job), name="sms-incoming")

    async def _in_order(
        self,
        phone: str,
        before: asyncio.Future[None] | None,
        mine: asyncio.Future[None],
        job: Callable[[], Awaitable[None]],
    ) -> None:
        try:
            if before is not None:
                # shield: being cancelled must not cancel the turn of the message before.
                await asyncio.shield(before)
            await job()
        except Exception:
            log.exception("sms handling failed", extra={"phone": mask_contacts(phone)})
        finally:
            self._end_turn(phone, mine)


async def _form(request: web.Request) -> MultiDictProxy[str]:
    """The webhook's form parameters; 400 for what Twilio never sends (a body that is not
    UTF-8 or not a well-formed form, a file), instead of failing while reading it."""
    try:
        form = await request.post()
    except (UnicodeDecodeError, ValueError, LookupError) as error:
        raise web.HTTPBadRequest(text=f"not a form body: {type(error).__name__}") from None
    if not all(isinstance(value, str) for value in form.values()):
        raise web.HTTPBadRequest(text="files are not accepted")
    return form  # type: ignore[return-value]  # checked above: only str values


def _media(form: Mapping[str, Any]) -> list[dict[str, str]]:
    """MediaUrl0..N / MediaContentType0..N of an MMS."""
    try:
        count = min(int(str(form.get("NumMedia", "0")) or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for index in range(count):
        url = storable_text(str(form.get(f"MediaUrl{index}", "")))
        if url:
            content_type = (
                storable_text(str(form.get(f"MediaContentType{index}", "")))
                or "application/octet-stream"
            )
            media.append({"url": url, "content_type": content_type})
    return media
