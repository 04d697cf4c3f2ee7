"""Satisfaction surveys after a request is closed.

When a request is closed, ``invite`` (called in ``change_status``'s transaction) queues one
invitation per request (outbox dedup key ``survey:<ref>``): by SMS to a confirmed SMS
subscription (the citizen replies 1 to 5), or by e-mail with
a link to ``/survey/<token>`` (a single-use, unguessable token; only its SHA-256 is
stored). SMS replies: ``livechat.requests.survey_sms``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livechat.models import Contact
from livechat.requests import survey_texts
from livechat.requests.catalogue import Catalogue
from livechat.requests.errors import RequestsError, ValidationError
from livechat.requests.models import (
    ServiceRequest,
    SubscriptionChannel,
    SubscriptionStatus,
    SurveyInvitation,
    SurveyResponse,
)
from livechat.requests.outbox import enqueue
from livechat.requests.texts import format_datetime

if TYPE_CHECKING:  # service.py imports this module
    from livechat.requests.service import RequestService

# An invitation (the e-mailed link, an SMS reply) is answerable this long.
LINK_LIFETIME = dt.timedelta(days=30)


class SurveyNotFound(RequestsError):
    """No survey invitation has this token."""

    code = "survey_not_found"


class SurveyClosed(RequestsError):
    """The survey was already answered (tokens are single-use) or has expired."""

    code = "survey_closed"
    # The language of the invitation, for the page that says so.
    language = "fr"


@dataclass(frozen=True)
class OpenSurvey:
    """What the survey page shows: the request's reference and service, no contact detail."""

    ref: str
    service_code: str
    language: str
    expires_at: dt.datetime


def token_hash(token: str) -> str:
    """What the database keeps of a survey token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_rating(value: object) -> int:
    """A whole rating from 1 to 5 (an int, or its digit as text from a form)."""
    if isinstance(value, str) and value.strip() in ("1", "2", "3", "4", "5"):
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise ValidationError(
        "rating must be a whole number from 1 to 5",
        field="rating",
        fr="La note doit être un chiffre de 1 à 5.",
        en="The rating must be a number from 1 to 5.",
    )


# -- inviting -------------------------------------------------------------------------------


async def _sms_opted_out(session: AsyncSession, phone: str) -> bool:
    opted_out = await session.scalar(select(Contact.sms_opted_out_at).where(Contact.phone == phone))
    return opted_out is not None


async def _target(session: AsyncSession, request: ServiceRequest) -> tuple[str, str, str] | None:
    """(channel, address, language): a confirmed subscription, the request's own channel
    first; else the e-mail address given when filing. SMS only to a confirmed subscription
    of a number that did not text STOP."""
    confirmed = [s for s in request.subscriptions if s.status == SubscriptionStatus.CONFIRMED]
    sms, email = SubscriptionChannel.SMS.value, SubscriptionChannel.EMAIL.value
    for channel in (sms, email) if request.channel == sms else (email, sms):
        for subscription in sorted(confirmed, key=lambda s: s.id):
            if subscription.channel != channel:
                continue
            if channel == sms and await _sms_opted_out(session, subscription.address):
                continue
            return channel, subscription.address, subscription.language
    if request.contact_email:
        return email, request.contact_email, request.language
    return None


async def invite(
    session: AsyncSession,
    request: ServiceRequest,
    catalogue: Catalogue,
    public_url: str,
    now: dt.datetime,
    tz: ZoneInfo,
) -> bool:
    """Queue the survey invitation of a request just closed, in the caller's transaction
    (``request.subscriptions`` loaded). At most once per request; False when nothing is
    queued (already invited, or no way to reach the citizen)."""
    already = await session.scalar(
        select(SurveyInvitation.id).where(SurveyInvitation.request_id == request.id)
    )
    target = None if already is not None else await _target(session, request)
    if target is None:
        return False
    channel, address, language = target
    token = secrets.token_urlsafe(32) if channel == SubscriptionChannel.EMAIL else None
    invitation = SurveyInvitation(
        request_id=request.id, channel=channel, address=address, language=language,
        token_hash=token_hash(token) if token else None, created_at=now,
        expires_at=now + LINK_LIFETIME,
    )  # fmt: skip
    session.add(invitation)
    await session.flush()
    ref = request.service_request_id
    service = catalogue.services.get(request.service_code)
    name = service.name.get(language) if service else request.service_code
    payload: dict[str, Any] = {"to": address, "language": language}
    if token is None:
        payload["body"] = survey_texts.SMS_INVITATION[language].format(ref=ref, name=name)
    else:
        url = f"{public_url.rstrip('/')}/survey/{token}"
        other = "en" if language == "fr" else "fr"
        payload["subject"] = survey_texts.EMAIL_SUBJECT[language].format(ref=ref)
        payload["text"] = survey_texts.EMAIL_BODY[language].format(
            ref=ref, name=name, url=f"{url}?lang={language}", url_other=f"{url}?lang={other}",
            expires=format_datetime(invitation.expires_at, language, tz),
        )  # fmt: skip
    return await enqueue(
        session, channel, payload, dedup_key=f"survey:{ref}", request_id=request.id, now=now
    )


# -- answering by the e-mailed link ---------------------------------------------------------


async def find_open(service: RequestService, token: str) -> OpenSurvey:
    """The unanswered, unexpired survey of ``token``; SurveyNotFound or SurveyClosed."""
    if len(token) > 200:
        raise _not_found()
    async with service.sessionmaker() as session:
        row = (
            await session.execute(
                select(
                    SurveyInvitation, ServiceRequest.service_request_id, ServiceRequest.service_code
                )
                .join(ServiceRequest, ServiceRequest.id == SurveyInvitation.request_id)
                .where(SurveyInvitation.token_hash == token_hash(token))
            )
        ).first()
    if row is None:
        raise _not_found()
    invitation, ref, code = row
    if invitation.answered_at is not None or invitation.expires_at <= service.clock():
        raise _closed(invitation.language)
    return OpenSurvey(ref, code, invitation.language, invitation.expires_at)


async def answer(
    service: RequestService,
    token: str,
    rating: object,
    comment: str | None = None,
    language: str | None = None,
) -> SurveyResponse:
    """Record the rating of an e-mailed survey; the token works once (SurveyClosed after)."""
    value = check_rating(rating)
    if len(token) > 200:
        raise _not_found()
    now = service.clock()
    async with service.sessionmaker.begin() as session:
        invitation = await session.scalar(
            select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
        )
        if invitation is None:
            raise _not_found()
        response = SurveyResponse(
            rating=value,
            comment=(comment or "").strip()[:4000] or None,
            channel=invitation.channel,
            language=survey_texts.language(language, invitation.language),
            request_id=invitation.request_id,
            created_at=now,
        )
        session.add(response)
        await session.flush()
        if not await mark_answered(session, invitation.id, response.id, now):
            raise _closed(invitation.language)  # rolls the response back
    return response


async def mark_answered(
    session: AsyncSession, invitation_id: int, response_id: int, now: dt.datetime
) -> bool:
    """Single use, even with concurrent answers: only one conditional UPDATE can win."""
    result = await session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.answered_at.is_(None),
            SurveyInvitation.expires_at > now,
        )
        .values(answered_at=now, survey_response_id=response_id)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _not_found() -> SurveyNotFound:
    texts = survey_texts.PAGE
    return SurveyNotFound(
        "no survey with this token", fr=texts["fr"]["not_found"], en=texts["en"]["not_found"]
    )


def _closed(language: str) -> SurveyClosed:
    texts = survey_texts.PAGE
    error = SurveyClosed(
        "this survey was already answered or has expired",
        fr=texts["fr"]["closed"],
        en=texts["en"]["closed"],
    )
    error.language = language
    return error
