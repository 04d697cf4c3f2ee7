"""Survey replies by SMS: a bare "1".."5" answering the survey invitation last texted to the
number (see ``livechat.requests.surveys``). The SMS channel calls ``record_sms_survey_reply``
before handing a message to the bot."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.db import utcnow
from livechat.models import Contact, Conversation, Direction, Message, Sender
from livechat.requests import survey_texts
from livechat.requests.errors import ValidationError
from livechat.requests.models import (
    Outbox,
    OutboxKind,
    OutboxStatus,
    ServiceRequest,
    SubscriptionChannel,
    SurveyInvitation,
    SurveyResponse,
)
from livechat.requests.outbox import enqueue
from livechat.requests.surveys import mark_answered
from livechat.requests.validation import _phone

# An SMS reply counts this long after the invitation was sent.
SMS_REPLY_WINDOW = dt.timedelta(days=3)
# "4", " 4 ", "4/5", "4 sur 5", "4 out of 5", "4." — a bare rating, nothing else.
_SMS_RATING = re.compile(r"\s*([1-5])\s*(?:(?:/|sur|out of)\s*5)?\s*[.!]?\s*", re.IGNORECASE)


async def record_sms_survey_reply(
    session: AsyncSession, phone: str, text: str, *, now: dt.datetime | None = None
) -> bool:
    """Record ``text`` as the rating of the survey last texted to ``phone``, if it is one.

    True (rating stored, a thank-you SMS queued, ``session`` committed) only when ``text`` is
    a bare rating 1-5, the number has an unanswered survey invitation sent less than
    ``SMS_REPLY_WINDOW`` ago, and neither the bot nor an agent has written to the number
    since (then "1" answers them, not the survey). False otherwise: hand the text to the bot.
    """
    match = _SMS_RATING.fullmatch(text or "")
    try:
        address = _phone(phone) if match else None
    except ValidationError:
        address = None
    if match is None or address is None:
        return False
    now = now or utcnow()
    survey_key = literal("survey:") + ServiceRequest.service_request_id
    found = (
        await session.execute(
            select(SurveyInvitation, Outbox.sent_at, ServiceRequest.service_request_id)
            .join(ServiceRequest, ServiceRequest.id == SurveyInvitation.request_id)
            .join(Outbox, Outbox.dedup_key == survey_key)
            .where(
                SurveyInvitation.channel == SubscriptionChannel.SMS.value,
                SurveyInvitation.address == address,
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at > now,
                Outbox.status == OutboxStatus.SENT.value,
                Outbox.sent_at > now - SMS_REPLY_WINDOW,
            )
            .order_by(Outbox.sent_at.desc(), SurveyInvitation.id.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        return False
    invitation, sent_at, ref = found
    if sent_at is None or await _spoken_to_since(session, address, sent_at):
        return False
    rating = int(match.group(1))
    response = SurveyResponse(
        rating=rating, channel=SubscriptionChannel.SMS.value, language=invitation.language,
        request_id=invitation.request_id, created_at=now,
    )  # fmt: skip
    session.add(response)
    await session.flush()
    if not await mark_answered(session, invitation.id, response.id, now):
        await session.rollback()
        return False
    await enqueue(
        session,
        OutboxKind.SMS.value,
        {
            "to": address,
            "body": survey_texts.SMS_THANKS[invitation.language].format(rating=rating),
            "language": invitation.language,
        },
        dedup_key=f"survey-thanks:{ref}",
        request_id=invitation.request_id,
        now=now,
    )
    await session.commit()
    return True


async def _spoken_to_since(session: AsyncSession, phone: str, since: dt.datetime) -> bool:
    """Whether the bot or an agent wrote to this number (SMS) after ``since``."""
    found = await session.scalar(
        select(Message.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            Contact.phone == phone,
            Conversation.channel == SubscriptionChannel.SMS.value,
            Message.direction == Direction.OUTGOING.value,
            Message.sender.in_([Sender.BOT.value, Sender.AGENT.value]),
            Message.created_at > since,
        )
        .limit(1)
    )
    return found is not None


def sms_reply_hook(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> Callable[[str, str], Awaitable[bool]]:
    """``async (phone, text) -> bool`` for the SMS channel: record_sms_survey_reply in a
    session of its own."""

    async def hook(phone: str, text: str) -> bool:
        if _SMS_RATING.fullmatch(text or "") is None:
            return False  # most messages: no session opened on the hot path
        async with sessionmaker() as session:
            return await record_sms_survey_reply(session, phone, text)

    return hook
