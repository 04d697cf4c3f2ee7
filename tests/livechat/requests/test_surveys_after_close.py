"""The satisfaction survey after a request is closed, on SQLite and PostgreSQL: one
invitation per request (SMS to a confirmed subscription, or an e-mailed single-use link),
the bilingual survey page, and SMS replies 1-5."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat import keys
from livechat.conversations.store import ConversationStore
from livechat.db import utcnow
from livechat.models import Contact, Direction, Message, Sender
from livechat.requests import subscriptions, surveys
from livechat.requests.models import Outbox, SurveyInvitation, SurveyResponse
from livechat.requests.outbox import OutboxWorker
from livechat.requests.service import RequestService
from livechat.requests.survey_sms import record_sms_survey_reply, sms_reply_hook
from livechat.requests.validation import NewRequest
from tests.livechat.requests.conftest import Clock, RequestsGateway

PHONE = "+16135550142"
LINK = re.compile(r"https://311\.ville\.example/survey/([A-Za-z0-9_-]{40,})\?lang=(fr|en)")


async def file(service: RequestService, **extra: Any) -> str:
    new = NewRequest(
        service_code="report_pothole",
        address="12, rue Principale",
        attributes={"size": "small"},
        **extra,
    )
    request, _ = await service.create_request(new)
    return request.service_request_id


async def close(service: RequestService, ref: str, status: str = "closed") -> bool:
    change = await service.change_status(ref, status, None, by="staff", language="fr")
    return change.survey_queued


async def survey_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Outbox).where(Outbox.dedup_key.like("survey%")).order_by(Outbox.id)
        )
        return list(rows.all())


async def invitations(sessionmaker: async_sessionmaker[AsyncSession]) -> list[SurveyInvitation]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(SurveyInvitation).order_by(SurveyInvitation.id))
        return list(rows.all())


async def responses(sessionmaker: async_sessionmaker[AsyncSession]) -> list[SurveyResponse]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(SurveyResponse))).all())


async def sms_subscriber(service: RequestService, ref: str, language: str = "fr") -> None:
    await subscriptions.subscribe(service, ref, "sms", "613-555-0142", language)
    assert await subscriptions.confirm(service, "sms", PHONE) == [ref]


# -- the invitation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ("Comment évaluez-vous notre service?", "Répondez de 1 à 5", "Nid-de-poule")),
        ("en", ("How would you rate our service?", "Reply 1 to 5", "Pothole")),
    ],
)
async def test_closing_texts_one_survey_to_a_confirmed_sms_subscription(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    language: str,
    words: tuple[str, ...],
) -> None:
    ref = await file(service, channel="sms", language=language)
    await sms_subscriber(service, ref, language)
    assert await close(service, ref, "in_progress") is False
    assert await close(service, ref) is True
    [row] = await survey_rows(sessionmaker)
    assert (row.kind, row.dedup_key, row.status) == ("sms", f"survey:{ref}", "pending")
    assert row.payload["to"] == PHONE and row.payload["language"] == language
    assert all(word in row.payload["body"] for word in (*words, ref))
    # Once per request: reopened and closed again, no second survey.
    assert await close(service, ref, "open") is False
    assert await close(service, ref) is False
    assert len(await survey_rows(sessionmaker)) == 1
    [invitation] = await invitations(sessionmaker)
    assert (invitation.channel, invitation.address, invitation.token_hash) == ("sms", PHONE, None)


async def test_no_sms_survey_unless_confirmed_and_not_stopped(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    stopped = await file(service, channel="sms")
    await sms_subscriber(service, stopped)
    await subscriptions.stop(service, "sms", PHONE)
    pending = await file(service, channel="sms")
    await subscriptions.subscribe(service, pending, "sms", PHONE, "fr")  # no "Oui" yet
    assert await close(service, pending) is False
    assert await close(service, stopped) is False

    other = "+16135550143"
    opted_out = await file(service, channel="sms")
    await subscriptions.subscribe(service, opted_out, "sms", other, "fr", confirmed=True)
    async with sessionmaker.begin() as session:  # the number texted STOP (SMS channel)
        session.add(Contact(phone=other, sms_opted_out_at=utcnow()))
    assert await close(service, opted_out) is False
    # Filed with a phone number only: SMS surveys go to confirmed subscriptions only.
    assert await close(service, await file(service, contact_phone=other)) is False
    assert await survey_rows(sessionmaker) == [] and await invitations(sessionmaker) == []


async def test_closing_e_mails_a_single_use_link(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ref = await file(service, language="en", contact_email="lea@example.org")
    assert await close(service, ref) is True
    [row] = await survey_rows(sessionmaker)
    assert (row.kind, row.dedup_key, row.payload["to"]) == (
        "email",
        f"survey:{ref}",
        "lea@example.org",
    )
    assert row.payload["subject"] == f"Your opinion on 311 request {ref}"
    text = row.payload["text"]
    assert "How would you rate our service?" in text and "(Pothole)" in text
    links = LINK.findall(text)
    assert [lang for _, lang in links] == ["en", "fr"]  # the French link too
    token = links[0][0]
    assert links[1][0] == token
    [invitation] = await invitations(sessionmaker)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.expires_at - invitation.created_at == surveys.LINK_LIFETIME


async def test_the_channel_used_comes_first(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    by_sms = await file(service, channel="sms")
    by_web = await file(service, channel="web")
    for ref in (by_sms, by_web):
        await subscriptions.subscribe(
            service, ref, "email", "lea@example.org", "fr", confirmed=True
        )
        await subscriptions.subscribe(service, ref, "sms", PHONE, "fr", confirmed=True)
        assert await close(service, ref) is True
    kinds = {row.dedup_key: row.kind for row in await survey_rows(sessionmaker)}
    assert kinds == {f"survey:{by_sms}": "sms", f"survey:{by_web}": "email"}


async def test_links_expire(
    service: RequestService, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ref = await file(service, contact_email="lea@example.org")
    await close(service, ref)
    token = LINK.findall((await survey_rows(sessionmaker))[0].payload["text"])[0][0]
    assert (await surveys.find_open(service, token)).ref == ref
    clock.advance(days=30)
    with pytest.raises(surveys.SurveyClosed):
        await surveys.find_open(service, token)
    with pytest.raises(surveys.SurveyClosed):
        await surveys.answer(service, token, 5)
    assert await responses(sessionmaker) == []


async def test_two_answers_at_once_record_one(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ref = await file(service, contact_email="lea@example.org")
    await close(service, ref)
    token = LINK.findall((await survey_rows(sessionmaker))[0].payload["text"])[0][0]
    results = await asyncio.gather(
        *(surveys.answer(service, token, rating) for rating in (2, 5)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["SurveyClosed", "SurveyResponse"]
    [saved] = await responses(sessionmaker)
    assert saved.channel == "email" and saved.request_id is not None


# -- the survey page, over HTTP ---------------------------------------------------------------


async def emailed_token(gw: RequestsGateway, language: str = "fr") -> tuple[str, str]:
    ref = await file(gw.service, language=language, contact_email="lea@example.org")
    await close(gw.service, ref)
    async with gw.app[keys.DB_SESSIONMAKER]() as session:
        row = await session.scalar(select(Outbox).where(Outbox.dedup_key == f"survey:{ref}"))
    assert row is not None
    return LINK.findall(row.payload["text"])[0][0], ref


async def fetch(
    gw: RequestsGateway, method: str, path: str, **kwargs: Any
) -> tuple[int, str, Mapping[str, str]]:
    async with gw.http.request(method, gw.url + path, **kwargs) as response:
        text = await response.text()
        assert "lea@example.org" not in text
        return response.status, text, response.headers


async def test_survey_page_in_both_languages(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    token, ref = await emailed_token(gw)
    status, page, headers = await fetch(gw, "GET", f"/survey/{token}")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="fr-CA">' in page
    assert f"Votre demande {ref} (Nid-de-poule) a été traitée." in page
    assert "Comment évaluez-vous notre service?" in page
    assert page.count('type="radio" name="rating"') == 5 and "5 – très satisfait" in page
    assert f'name="token" value="{token}"' in page and 'action="/api/v1/surveys"' in page
    assert f'href="/survey/{token}?lang=en"' in page and "<script" not in page
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in headers["Content-Security-Policy"]

    status, page, _ = await fetch(gw, "GET", f"/survey/{token}?lang=en")
    assert status == 200 and '<html lang="en-CA">' in page
    assert f"Your request {ref} (Pothole) has been completed." in page
    assert "How would you rate our service?" in page and "Send my rating" in page
    assert f'href="/survey/{token}?lang=fr"' in page


async def test_survey_form_works_once(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    token, _ = await emailed_token(gw, "en")
    form = {"token": token, "rating": "4", "comment": "Vite <b>fait</b>", "lang": "en"}
    status, page, _ = await fetch(gw, "POST", "/api/v1/surveys", data=form)
    assert status == 200 and "Your rating of 4 out of 5 has been recorded." in page
    [saved] = await responses(gw.app[keys.DB_SESSIONMAKER])
    assert (saved.rating, saved.comment, saved.channel, saved.language) == (
        4,
        "Vite <b>fait</b>",
        "email",
        "en",
    )
    status, page, _ = await fetch(gw, "POST", "/api/v1/surveys", data={**form, "rating": "1"})
    assert status == 410 and "Survey closed" in page
    status, page, _ = await fetch(gw, "GET", f"/survey/{token}")
    assert status == 410 and "This survey was already answered" in page  # its language
    status, page, _ = await fetch(gw, "GET", f"/survey/{token}?lang=fr")
    assert status == 410 and "Ce sondage a déjà reçu une réponse" in page
    status, body, _ = await fetch(gw, "POST", "/api/v1/surveys", json={"token": token, "rating": 5})
    assert status == 410 and '"survey_closed"' in body
    assert len(await responses(gw.app[keys.DB_SESSIONMAKER])) == 1


@pytest.mark.parametrize("rating", ["6", "0", "", "quatre", "4.5"])
async def test_invalid_form_ratings_show_the_form_again(
    requests_gateway: RequestsGateway, rating: str
) -> None:
    gw = requests_gateway
    token, _ = await emailed_token(gw)
    form = {"token": token, "rating": rating, "comment": "<script>x</script>", "lang": "fr"}
    status, page, _ = await fetch(gw, "POST", "/api/v1/surveys", data=form)
    assert status == 400
    assert 'role="alert">Choisissez une note de 1 à 5.' in page
    assert "&lt;script&gt;x&lt;/script&gt;</textarea>" in page and "<script>" not in page
    # Nothing was recorded and the link still works.
    status, page, _ = await fetch(gw, "POST", "/api/v1/surveys", data={**form, "rating": "5"})
    assert status == 200 and "Votre note de 5 sur 5 est enregistrée." in page


async def test_json_answers_with_a_token(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    token, _ = await emailed_token(gw)
    for rating in (0, 6, "4", True, 4.5, None):
        status, body, _ = await fetch(
            gw, "POST", "/api/v1/surveys", json={"token": token, "rating": rating}
        )
        assert status == 400 and '"field": "rating"' in body, rating
    status, body, _ = await fetch(
        gw, "POST", "/api/v1/surveys", json={"token": token, "rating": 3, "language": "en"}
    )
    assert status == 201 and '"id"' in body
    status, body, _ = await fetch(
        gw, "POST", "/api/v1/surveys", json={"token": "x" * 43, "rating": 3}
    )
    assert status == 404 and '"survey_not_found"' in body
    [saved] = await responses(gw.app[keys.DB_SESSIONMAKER])
    assert (saved.rating, saved.language) == (3, "en")


async def test_unknown_links_in_both_languages(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    status, page, _ = await fetch(gw, "GET", "/survey/not-a-real-token")
    assert status == 404 and "Sondage introuvable" in page and '<html lang="fr-CA">' in page
    status, page, _ = await fetch(
        gw, "GET", "/survey/not-a-real-token", headers={"Accept-Language": "en-CA,en;q=0.8"}
    )
    assert status == 404 and "Survey not found" in page
    status, page, _ = await fetch(gw, "GET", "/survey/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert status == 404 and "<script" not in page and "alert(1)" not in page
    form = {"token": "<b>nope</b>", "rating": "3", "lang": "en"}
    status, page, _ = await fetch(gw, "POST", "/api/v1/surveys", data=form)
    assert status == 404 and "Survey not found" in page and "<b>" not in page


# -- SMS replies ----------------------------------------------------------------------------


class RecordingSms:
    """Stands in for Twilio behind the outbox's "sms" kind: records what would be texted."""

    def __init__(self) -> None:
        self.sent: list[Mapping[str, Any]] = []

    async def __call__(self, payload: Mapping[str, Any]) -> None:
        self.sent.append(payload)


async def texted_survey(
    service: RequestService, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession]
) -> tuple[str, RecordingSms]:
    """A closed request whose SMS survey invitation was sent (by the real outbox worker)."""
    ref = await file(service, channel="sms")
    await sms_subscriber(service, ref)
    await close(service, ref)
    sms = RecordingSms()
    await OutboxWorker(sessionmaker, {"sms": sms}, clock=clock).run_once()
    assert any(f"survey:{ref}" == p["dedup_key"] for p in sms.sent)
    return ref, sms


@pytest.mark.parametrize("reply", ["4", " 4 ", "4/5", "4 sur 5", "4."])
async def test_an_sms_rating_is_recorded_once(
    service: RequestService,
    clock: Clock,
    sessionmaker: async_sessionmaker[AsyncSession],
    reply: str,
) -> None:
    ref, _ = await texted_survey(service, clock, sessionmaker)
    async with sessionmaker() as session:
        assert await record_sms_survey_reply(session, PHONE, reply, now=clock.now)
    [saved] = await responses(sessionmaker)
    assert (saved.rating, saved.channel, saved.language) == (4, "sms", "fr")
    [invitation] = await invitations(sessionmaker)
    assert invitation.answered_at == clock.now and invitation.survey_response_id == saved.id
    async with sessionmaker() as session:
        thanks = await session.scalar(
            select(Outbox).where(Outbox.dedup_key == f"survey-thanks:{ref}")
        )
    assert thanks is not None and thanks.payload["to"] == PHONE
    assert thanks.payload["body"] == "Ville – 311 : merci! Votre note de 4 sur 5 est enregistrée."
    async with sessionmaker() as session:  # single use: "5" now goes to the bot
        assert not await record_sms_survey_reply(session, PHONE, "5", now=clock.now)
    assert len(await responses(sessionmaker)) == 1


async def test_what_is_not_an_sms_rating(
    service: RequestService, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    ref = await file(service, channel="sms")
    await sms_subscriber(service, ref)
    await close(service, ref)
    async with sessionmaker() as session:  # queued, not sent yet: no open survey
        assert not await record_sms_survey_reply(session, PHONE, "4", now=clock.now)
    await OutboxWorker(sessionmaker, {"sms": RecordingSms()}, clock=clock).run_once()
    async with sessionmaker() as session:
        for text in ("6", "0", "45", "4 nids-de-poule", "merci", "", "Oui", "STOP"):
            assert not await record_sms_survey_reply(session, PHONE, text, now=clock.now), text
        assert not await record_sms_survey_reply(session, "+16135550143", "4", now=clock.now)
        assert not await record_sms_survey_reply(session, "not a phone", "4", now=clock.now)
        later = clock.now + dt.timedelta(days=4)
        assert not await record_sms_survey_reply(session, PHONE, "4", now=later)
    assert await responses(sessionmaker) == []


async def test_a_digit_after_the_bot_spoke_is_for_the_bot(
    service: RequestService, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    clock.now = utcnow()  # the hook reads the real clock
    store = ConversationStore(sessionmaker)
    conversation = await store.open_phone_conversation(PHONE)
    earlier = await store.append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.BOT, content="1. Oui 2. Non"
    )
    async with sessionmaker.begin() as session:  # before the survey was texted: no matter
        await session.execute(
            update(Message)
            .where(Message.id == earlier.id)
            .values(created_at=clock.now - dt.timedelta(hours=1))
        )
    await texted_survey(service, clock, sessionmaker)
    hook = sms_reply_hook(sessionmaker)
    # The store stamps the real time, after the invitation was sent: the bot asked since.
    await store.append_message(
        conversation.id, direction=Direction.OUTGOING, sender=Sender.BOT, content="1. Oui 2. Non"
    )
    assert not await hook(PHONE, "1")
    async with sessionmaker.begin() as session:
        await session.execute(  # had it asked before the survey, the digit is a rating
            update(Message)
            .where(Message.conversation_id == conversation.id)
            .values(created_at=clock.now - dt.timedelta(hours=1))
        )
    assert await hook(PHONE, "1")
    [saved] = await responses(sessionmaker)
    assert saved.rating == 1
