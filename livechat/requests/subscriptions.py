"""Status-update subscriptions (SMS needs the citizen's "Oui"/"Yes") and satisfaction surveys."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from livechat.requests import reference
from livechat.requests.errors import RequestNotFound, ValidationError
from livechat.requests.models import (
    OutboxKind,
    ServiceRequest,
    Subscription,
    SubscriptionChannel,
    SubscriptionStatus,
    SurveyResponse,
)
from livechat.requests.outbox import enqueue
from livechat.requests.service import RequestService
from livechat.requests.validation import _email, _phone

CONFIRM_SMS = {
    "fr": "Ville – 311 : pour recevoir par texto les mises à jour de la demande {ref}, "
    "répondez « Oui ». Répondez STOP pour refuser.",
    "en": "City 311: to get text updates about request {ref}, reply “Yes”. Reply STOP to decline.",
}


def _address(channel: str, address: str) -> str:
    if channel == SubscriptionChannel.SMS:
        return _phone(address) or ""
    if channel == SubscriptionChannel.EMAIL:
        return _email(address.strip()) or ""
    raise ValidationError(
        f"unknown subscription channel {channel!r}",
        field="channel",
        fr="Les mises à jour sont offertes par texto (sms) ou par courriel (email).",
        en="Updates are available by text message (sms) or e-mail (email).",
    )


async def subscribe(
    service: RequestService,
    ref: str,
    channel: str,
    address: str,
    language: str,
    *,
    confirmed: bool = False,
) -> Subscription:
    """Subscribe ``address`` to a request's updates; idempotent per (request, channel, address).

    An SMS subscription stays pending (and a confirmation text asking for "Oui"/"Yes" is
    queued) unless ``confirmed``; a stopped one is re-activated the same way.
    """
    target = _address(channel, address)
    if not target:
        raise ValidationError(
            "address is required", field="address", fr="Adresse manquante.", en="Address missing."
        )
    if language not in ("fr", "en"):
        language = "fr"
    canonical = reference.normalize(ref)
    now = service.clock()
    async with service.sessionmaker.begin() as session:
        request = await session.scalar(
            select(ServiceRequest).where(ServiceRequest.service_request_id == canonical)
        )
        if request is None:
            raise RequestNotFound(
                f"no service request {canonical}",
                fr=f"Aucune demande ne porte le numéro {canonical}.",
                en=f"There is no request with number {canonical}.",
            )
        subscription = await session.scalar(
            select(Subscription).where(
                Subscription.request_id == request.id,
                Subscription.channel == channel,
                Subscription.address == target,
            )
        )
        wanted = SubscriptionStatus.CONFIRMED if confirmed else SubscriptionStatus.PENDING
        if subscription is None:
            subscription = Subscription(
                request_id=request.id, channel=channel, address=target, language=language,
                status=wanted.value, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(subscription)
        elif subscription.status != SubscriptionStatus.CONFIRMED:
            subscription.status, subscription.updated_at = wanted.value, now
        subscription.language = language
        await session.flush()
        if subscription.status == SubscriptionStatus.PENDING and channel == SubscriptionChannel.SMS:
            await enqueue(
                session,
                OutboxKind.SMS.value,
                {
                    "to": target,
                    "body": CONFIRM_SMS[language].format(ref=canonical),
                    "language": language,
                },
                dedup_key=f"subscription-confirm:{subscription.id}:{subscription.updated_at.isoformat()}",
                request_id=request.id,
                now=now,
            )
    return subscription


async def confirm(service: RequestService, channel: str, address: str) -> list[str]:
    """The citizen said "Oui"/"Yes": confirm their pending subscriptions; return the refs."""
    return await _set_status(
        service, channel, address, SubscriptionStatus.PENDING, SubscriptionStatus.CONFIRMED
    )


async def stop(service: RequestService, channel: str, address: str) -> list[str]:
    """The citizen said STOP: no update is ever sent to this address again (until re-subscribed)."""
    return await _set_status(service, channel, address, None, SubscriptionStatus.STOPPED)


async def _set_status(
    service: RequestService,
    channel: str,
    address: str,
    current: SubscriptionStatus | None,
    new: SubscriptionStatus,
) -> list[str]:
    target = _address(channel, address)
    async with service.sessionmaker.begin() as session:
        query = (
            select(Subscription.id, ServiceRequest.service_request_id)
            .join(ServiceRequest)
            .where(
                Subscription.channel == channel,
                Subscription.address == target,
                Subscription.status != new.value,
            )
        )
        if current is not None:
            query = query.where(Subscription.status == current.value)
        rows = (await session.execute(query)).all()
        if rows:
            await session.execute(
                update(Subscription)
                .where(Subscription.id.in_([row[0] for row in rows]))
                .values(status=new.value, updated_at=service.clock())
            )
    return sorted({row[1] for row in rows})


async def record_survey(
    service: RequestService,
    rating: int,
    channel: str,
    *,
    comment: str | None = None,
    language: str | None = None,
    ref: str | None = None,
    conversation_id: str | None = None,
) -> SurveyResponse:
    """Store a 1-5 satisfaction rating about a request or a conversation."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError(
            "rating must be a whole number from 1 to 5",
            field="rating",
            fr="La note doit être un chiffre de 1 à 5.",
            en="The rating must be a number from 1 to 5.",
        )
    request_id = None
    if ref:
        request_id = (await service.get(ref)).id
    conversation = None
    if conversation_id:
        async with service.sessionmaker() as session:
            conversation = await service._conversation(session, conversation_id)
    if request_id is None and conversation is None:
        raise ValidationError(
            "a survey is about a request or a conversation",
            field="service_request_id",
            fr="Le sondage doit porter sur une demande ou une conversation.",
            en="A survey is about a request or a conversation.",
        )
    survey = SurveyResponse(
        rating=rating,
        comment=(comment or "").strip()[:4000] or None,
        channel=channel[:16],
        language=language if language in ("fr", "en") else None,
        request_id=request_id,
        conversation_public_id=conversation if isinstance(conversation, uuid.UUID) else None,
    )
    async with service.sessionmaker.begin() as session:
        session.add(survey)
    return survey
