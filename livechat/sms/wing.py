"""Wiring the SMS channel into the gateway: Twilio client, sender, webhooks, outbox, requests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiohttp import web

from livechat import keys
from livechat.channels.sms import SMS_PATH, STATUS_PATH, SmsChannel, normalise_phone
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
        SmsStore(app[keys.DB_SESSIONMAKER]),
        messenger,
        settings.public_url.rstrip("/") + STATUS_PATH,
        retry_delay=settings.sms_retry_delay,
    )
    channel = SmsChannel(settings, store, app[keys.ROUTER], sender)
    app[SMS_SENDER] = sender
    app[SMS_CHANNEL] = channel
    _join_requests_wing(app, channel, sender)
    yield
    _leave_requests_wing(app)
    try:
        await asyncio.wait_for(channel.join(), SHUTDOWN_GRACE)
    except TimeoutError:
        log.warning("shutting down with SMS still being handled")
    await channel.close()
    await sender.close()
    await messenger.close()


def _join_requests_wing(app: web.Application, channel: SmsChannel, sender: SmsSender) -> None:
    """When the requests wing runs: "Oui" confirms subscriptions, STOP stops them, and its
    outbox sends its SMS (status updates, the "reply Oui" question) through us."""
    try:
        from livechat.requests import subscriptions
        from livechat.requests.appkeys import OUTBOX_SENDERS, SERVICE
        from livechat.requests.outbox import PermanentDeliveryError
    except ImportError:
        return
    service = app.get(SERVICE)
    if service is None:
        log.warning("requests wing not running: SMS subscriptions and updates are off")
        return

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

    channel.confirm_subscriptions = confirm
    sender.opt_out_listeners.append(stop)
    if OUTBOX_SENDERS in app:
        app[OUTBOX_SENDERS]["sms"] = send_outbox_sms


def _leave_requests_wing(app: web.Application) -> None:
    try:
        from livechat.requests.appkeys import OUTBOX_SENDERS
    except ImportError:
        return
    if OUTBOX_SENDERS in app:
        app[OUTBOX_SENDERS].pop("sms", None)
