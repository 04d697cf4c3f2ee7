"""The SMS channel records a bare "1".."5" answering a survey invitation before the bot sees it."""

from __future__ import annotations

from sqlalchemy import select

from livechat.requests.appkeys import OUTBOX_WORKER, SERVICE
from livechat.requests.models import SurveyResponse
from tests.livechat.fakes import FakeRasa
from tests.livechat.sms.conftest import CITIZEN, SmsGateway
from tests.livechat.sms.test_wing import file_request_by_sms


async def send_outbox(gateway: SmsGateway, expected_sms: int) -> None:
    await gateway.app[OUTBOX_WORKER].run_once()
    await gateway.twilio.wait_for(expected_sms)


async def ratings(gateway: SmsGateway) -> list[tuple[int, str]]:
    async with gateway.sessionmaker() as session:
        rows = await session.execute(select(SurveyResponse.rating, SurveyResponse.channel))
        return [(rating, channel) for rating, channel in rows.all()]


async def closed_with_survey_sent(gateway: SmsGateway, language: str) -> str:
    """A request filed by SMS, its updates confirmed ("Oui"), then closed: the survey SMS out."""
    ref = await file_request_by_sms(gateway, language)
    await send_outbox(gateway, 1)
    await gateway.sms("Oui" if language == "fr" else "Yes")
    change = await gateway.app[SERVICE].change_status(
        ref, "closed", None, by="staff", language=language
    )
    assert change.survey_queued
    await send_outbox(gateway, 4)  # the ask, the thank-you, the update, the survey
    return ref


async def test_a_rating_answering_the_survey_is_recorded_not_sent_to_the_bot(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    ref = await closed_with_survey_sent(sms_gateway, "fr")
    invitation = sms_gateway.twilio.messages[3]
    assert (
        invitation.to == CITIZEN
        and "Répondez de 1 à 5" in invitation.body
        and ref in invitation.body
    )

    await sms_gateway.sms("4")

    assert await ratings(sms_gateway) == [(4, "sms")]
    assert fake_rasa.received == []
    await send_outbox(sms_gateway, 5)
    assert sms_gateway.twilio.messages[4].body == (
        "Ville - 311 : merci! Votre note de 4 sur 5 est enregistrée."
    )
    # Answered once: a second "5" is for the bot.
    await sms_gateway.sms("5")
    assert await ratings(sms_gateway) == [(4, "sms")]
    assert [r["message"] for r in fake_rasa.received] == ["5"]


async def test_anything_but_a_rating_goes_to_the_bot(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await closed_with_survey_sent(sms_gateway, "en")

    await sms_gateway.sms("4 potholes on my street")

    assert await ratings(sms_gateway) == []
    assert [r["message"] for r in fake_rasa.received] == ["4 potholes on my street"]


async def test_a_digit_without_a_survey_goes_to_the_bot(
    sms_gateway: SmsGateway, fake_rasa: FakeRasa
) -> None:
    await sms_gateway.sms("3")
    assert await ratings(sms_gateway) == []
    assert [r["message"] for r in fake_rasa.received] == ["3"]
