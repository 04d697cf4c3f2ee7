"""Wiring the SMS channel into the gateway: Twilio client, sender, webhooks, outbox, requests."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from aiohttp import web

from livechat import keys
from livechat.channels.sms import SMS_PATH, STATUS_PATH, SmsChannel, normalise_phone
from livechat.metrics import METRICS
from livechat.sms.delivery import SmsSender
from livechat.sms.store import SmsStore
from livechat.sms.twilio_client import SmsSendError, TwilioMessenger

log = logging.getLogger(__name__)

SMS_CHANNEL = web.AppKey("sms_channel", SmsChannel)
SMS_SENDER = web.AppKey("sms_sender", SmsSender)
SHUTDOWN_GRACE = 5.0


def setup_sms(app: web.Application) -> None:
    """Routes now; the channel itself once the database and router exist (cleanup_ctx)."""
    app.router.add_post(SMS_PATH, _incoming)
    app.router.add_post(STATUS_PATH, _status)
    app.cleanup_ctx.append(_sms_context)


async def _incoming(request: web.Request) -> web.Response:
    return await request.app[SMS_CHANNEL].incoming(request)


async def _status(request: web.Request) -> web.Response:
    return await request.app[SMS_CHANNEL].status(request)


async def _sms_context(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    messenger = TwilioMessenger(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
        settings.twilio_api_base,
    )
    if not messenger.configured:
        log.warning("TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN/TWILIO_FROM not all set: no SMS sent")
    if not settings.twilio_auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: every Twilio webhook is refused (403)")
    await messenger.start()
    store = app[keys.STORE]
    sender = SmsSender(
        store,
        SmsStore(app[keys.DB_SESSIONMAKER], app.get(keys.SQLITE_THREAD)),
        messenger,
        settings.public_url.rstrip("/") + STATUS_PATH,
        retry_delay=settings.sms_retry_delay,
        metrics=app[METRICS],
    )
    channel = SmsChannel(settings, store, app[keys.ROUTER], sender)
    app[SMS_SENDER] = sender
    app[SMS_CHANNEL] = channel
    leave_requests_wing = _join_requests_wing(app, channel, sender)
    yield
    leave_requests_wing()
    try:
        await asyncio.wait_for(channel.join(), SHUTDOWN_GRACE)
    except TimeoutError:
        log.warning("shutting down with SMS still being handled")
    await channel.close()
    await sender.close()
    await messenger.close()


def _join_requests_wing(
    app: web.Application, channel: SmsChannel, sender: SmsSender
) -> Callable[[], None]:
    """When the requests wing runs: a request filed with a phone (or from an SMS conversation)
    asks the citizen to reply "Oui", "Oui" confirms subscriptions, STOP stops them, a bare
    "1".."5" answers a survey, and its outbox sends its SMS through us. Returns the undoing."""
    try:
        from livechat.requests import subscriptions
        from livechat.requests.appkeys import OUTBOX_SENDERS, SERVICE
        from livechat.requests.models import ServiceRequest
        from livechat.requests.outbox import PermanentDeliveryError
        from livechat.requests.survey_sms import sms_reply_hook
    except ImportError:
        return lambda: None
    service = app.get(SERVICE)
    if service is None:
        log.warning("requests wing not running: SMS subscriptions and updates are off")
        return lambda: None

    async def ask_to_opt_in(filed: ServiceRequest) -> None:
        phone = await _phone_to_ask(filed.contact_phone, filed.conversation_public_id, sender)
        if phone is None or await sender.sms_store.is_opted_out(phone):
            return
        language = filed.language if filed.language in ("fr", "en") else "fr"
        await subscriptions.subscribe(service, filed.service_request_id, "sms", phone, language)

    async def confirm(phone: str) -> list[str]:
        return await subscriptions.confirm(service, "sms", phone)

    async def stop(phone: str) -> None:
        await subscriptions.stop(service, "sms", phone)

    async def send_outbox_sms(payload: Mapping[str, Any]) -> None:
        phone = normalise_phone(str(payload.get("to", "")))
        if phone is None:
            raise PermanentDeliveryError("not a phone number")
        language = payload.get("language")
        try:
            sent = await sender.send_text(
                phone,
                str(payload.get("body", "")),
                language=language if language in ("fr", "en") else None,
                raise_on_failure=True,  # the outbox retries with its own backoff
                note={"outbox": str(payload.get("dedup_key", ""))},
            )
        except SmsSendError as error:
            if error.permanent:
                raise PermanentDeliveryError(f"Twilio error {error.code}") from error
            raise
        if not sent:
            raise PermanentDeliveryError("the number opted out of SMS (STOP)")

    channel.handling.confirm_subscriptions = confirm
    channel.handling.survey_reply = sms_reply_hook(app[keys.DB_SESSIONMAKER])
    sender.opt_out_listeners.append(stop)
    service.filed_hooks.append(ask_to_opt_in)
    if OUTBOX_SENDERS in app:
        app[OUTBOX_SENDERS]["sms"] = send_outbox_sms

    def leave() -> None:
        if ask_to_opt_in in service.filed_hooks:
            service.filed_hooks.remove(ask_to_opt_in)
        if OUTBOX_SENDERS in app:
            app[OUTBOX_SENDERS].pop("sms", None)

    return leave


async def _phone_to_ask(
    contact_phone: str | None, conversation: uuid.UUID | None, sender: SmsSender
) -> str | None:
    """The number to ask for "Oui": the request's contact phone, else the number of the SMS
    conversation it was filed from; None when there is neither."""
    if contact_phone:
        return normalise_phone(contact_phone)
    if conversation is None:
        return None
    return await sender.sms_store.phone_of_sms_conversation(conversation)
