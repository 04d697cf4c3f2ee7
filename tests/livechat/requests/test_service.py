"""The service layer on SQLite and PostgreSQL: filing, idempotency, routing, status changes."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.requests import reference, subscriptions
from livechat.requests.errors import (
    IdempotencyConflict,
    InvalidReference,
    RequestNotFound,
    UnknownService,
    ValidationError,
)
from livechat.requests.models import (
    Outbox,
    ServiceRequest,
    ServiceRequestEvent,
    Subscription,
    SurveyResponse,
)
from livechat.requests.service import RequestFilter, RequestService
from livechat.requests.validation import NewRequest
from tests.livechat.requests.conftest import Clock

TORONTO = ZoneInfo("America/Toronto")


def pothole(**overrides: object) -> NewRequest:
    values: dict[str, object] = {
        "service_code": "report_pothole",
        "description": "Gros trou devant l'école",
        "address": "123, rue Principale",
        "attributes": {"size": "large", "position": "bike_lane"},
        "language": "fr",
        "channel": "web",
    }
    values.update(overrides)
    return NewRequest(**values)  # type: ignore[arg-type]


async def outbox_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Outbox]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Outbox).order_by(Outbox.id))).all())


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


# -- filing ------------------------------------------------------------------------------


async def test_create_request_stores_everything_and_routes_to_department(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    request, created = await service.create_request(
        pothole(contact_phone="613 555 0123", contact_name="Marie Tremblay")
    )
    assert created
    assert reference.validate(request.service_request_id)
    assert request.status == "open"
    assert request.attributes == {"size": "large", "position": "bike_lane"}
    assert request.contact_phone == "+16135550123"
    assert request.requested_datetime == clock.now
    # Target 5 business days from Monday 2025-03-03 -> Monday 2025-03-10 18:00 (EDT by then).
    assert request.expected_datetime == dt.datetime(2025, 3, 10, 18, 0, tzinfo=TORONTO)

    stored = await service.get(request.service_request_id.lower().replace("-", " "))
    assert stored.id == request.id
    assert [event.kind for event in stored.events] == ["created"]

    [mail] = await outbox_rows(sessionmaker)
    assert mail.kind == "email" and mail.status == "pending"
    assert mail.dedup_key == f"department:{request.service_request_id}"
    assert mail.payload["to"] == "voirie@ville.example"
    assert mail.payload["language"] == "fr"  # the roads department works in French
    text = mail.payload["text"]
    assert mail.payload["subject"] == f"[311] Nid-de-poule – {request.service_request_id}"
    assert "Numéro de référence : " + request.service_request_id in text
    assert "Adresse : 123, rue Principale" in text
    assert "Gros trou devant l'école" in text
    assert "Quelle est la taille du nid-de-poule? Grand (plus qu'un pneu)" in text
    assert "Reçue le : 3 mars 2025 à 10 h" in text
    assert "Délai visé : 10 mars 2025 à 18 h" in text
    assert "Téléphone : +16135550123" in text  # departments may call back; never public
    assert (
        f"https://311.ville.example/open311/v2/requests/{request.service_request_id}.json" in text
    )


async def test_department_email_in_english_for_an_english_department(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    request, _ = await service.create_request(
        NewRequest(
            service_code="report_streetlight",
            lat=45.4215,
            long=-75.6972,
            attributes={"problem": "flickering", "pole_number": "A-1234"},
            media_urls=["https://photos.example/lamp.jpg"],
            language="fr",
            channel="sms",
        )
    )
    [mail] = await outbox_rows(sessionmaker)
    assert mail.payload["to"] == "eclairage@ville.example"
    assert mail.payload["language"] == "en"
    text = mail.payload["text"]
    assert "New 311 request routed to: Street Lighting" in text
    assert "Service: Streetlight out (report_streetlight)" in text
    assert "Received: March 3, 2025 at 10:00 a.m." in text
    assert "What is the problem? Flickering" in text
    assert "Location: 45.421500, -75.697200" in text
    assert "https://www.openstreetmap.org/?mlat=45.421500&mlon=-75.697200" in text
    assert "https://photos.example/lamp.jpg" in text
    assert "Received by: text message (SMS)" in text
    assert "Citizen's language: French" in text
    assert "Citizen contact" not in text
    assert request.media_urls == ["https://photos.example/lamp.jpg"]


async def test_idempotency_key_never_files_twice(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    first, created = await service.create_request(pothole(idempotency_key="conv-1:filing-1"))
    again, created_again = await service.create_request(pothole(idempotency_key="conv-1:filing-1"))
    assert created and not created_again
    assert again.service_request_id == first.service_request_id
    assert await count(sessionmaker, ServiceRequest) == 1
    assert len(await outbox_rows(sessionmaker)) == 1
    with pytest.raises(IdempotencyConflict) as info:
        await service.create_request(
            pothole(idempotency_key="conv-1:filing-1", description="Autre chose")
        )
    assert "autre demande" in info.value.localized("fr")


async def test_concurrent_retries_file_once(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    results = await asyncio.gather(
        *(service.create_request(pothole(idempotency_key="race")) for _ in range(5))
    )
    assert len({request.service_request_id for request, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await count(sessionmaker, ServiceRequest) == 1
    assert len(await outbox_rows(sessionmaker)) == 1


async def test_conversation_link(service: RequestService, conversation_id: str) -> None:
    request, _ = await service.create_request(pothole(conversation_id=conversation_id))
    assert request.conversation_public_id is not None
    assert request.conversation_public_id.hex == conversation_id
    with pytest.raises(ValidationError) as info:
        await service.create_request(pothole(conversation_id="0" * 32))
    assert info.value.field == "conversation_id"


@pytest.mark.parametrize(
    ("overrides", "field", "en_fragment"),
    [
        ({"service_code": "report_ufo"}, "service_code", "There is no service"),
        ({"address": None}, "address_string", "We need the address"),
        ({"address": None, "lat": 45.0}, "lat", "go together"),
        ({"lat": 95.0, "long": 10.0}, "lat", "between -90 and 90"),
        ({"lat": "abc", "long": 10.0}, "lat", "between -90 and 90"),
        ({"description": "x" * 4001}, "description", "too long"),
        ({"address": "y" * 256}, "address_string", "too long"),
        ({"attributes": {}}, "attribute[size]", "A required detail is missing"),
        ({"media_urls": ["file:///etc/passwd"]}, "media_url", "http(s)"),
        ({"media_urls": ["https://a.example/x.jpg"] * 6}, "media_url", "At most 5"),
        ({"contact_email": "not-an-email"}, "email", "e-mail address is not valid"),
        ({"contact_phone": "12"}, "phone", "phone number is not valid"),
        ({"language": "es"}, "language", "fr or en"),
        ({"channel": "pigeon"}, "channel", "Unknown channel"),
        ({"idempotency_key": "k" * 129}, "idempotency_key", "too long"),
    ],
)
async def test_invalid_requests_are_refused_in_both_languages(
    service: RequestService,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, object],
    field: str,
    en_fragment: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        await service.create_request(pothole(**overrides))
    assert info.value.field == field
    assert en_fragment in info.value.localized("en")
    assert info.value.localized("fr") != info.value.localized("en")
    assert await count(sessionmaker, ServiceRequest) == 0


async def test_services_without_location_and_with_required_description(
    service: RequestService,
) -> None:
    suggestion, _ = await service.create_request(
        NewRequest(service_code="suggestion", description="Plus de bancs au parc", language="fr")
    )
    assert suggestion.address is None
    with pytest.raises(ValidationError, match="description is required"):
        await service.create_request(NewRequest(service_code="complaint", language="en"))
    with pytest.raises(ValidationError, match="takes no photo"):
        await service.create_request(
            NewRequest(
                service_code="suggestion",
                description="Idée",
                media_urls=["https://a.example/p.jpg"],
            )
        )
    with pytest.raises(UnknownService):
        await service.create_request(NewRequest(service_code="report_ufo"))


# -- reading -----------------------------------------------------------------------------


async def test_get_unknown_and_invalid_references(service: RequestService) -> None:
    with pytest.raises(RequestNotFound) as info:
        await service.get(reference.generate())
    assert "Aucune demande" in info.value.localized("fr")
    with pytest.raises(InvalidReference):
        await service.get("311-OOO-OOO-OOO")


async def test_list_filters(service: RequestService, clock: Clock) -> None:
    old, _ = await service.create_request(pothole())
    clock.advance(days=100)
    graffiti, _ = await service.create_request(
        NewRequest(
            service_code="report_graffiti",
            address="1 rue du Parc",
            attributes={"surface": "public", "offensive": "no"},
        )
    )
    clock.advance(hours=1)
    recent, _ = await service.create_request(pothole())
    await service.change_status(recent.service_request_id, "in_progress", None, "staff", "fr")

    def refs(requests: list[ServiceRequest]) -> list[str]:
        return [r.service_request_id for r in requests]

    # Default window: the last 90 days, newest first.
    default = await service.list_requests(RequestFilter())
    assert refs(default) == [recent.service_request_id, graffiti.service_request_id]
    assert refs(await service.list_requests(RequestFilter(service_codes=["report_pothole"]))) == [
        recent.service_request_id
    ]
    assert refs(await service.list_requests(RequestFilter(statuses=["open"]))) == [
        graffiti.service_request_id
    ]
    by_id = await service.list_requests(
        RequestFilter(service_request_ids=[old.service_request_id.lower()])
    )
    assert refs(by_id) == [old.service_request_id]
    start = clock.now - dt.timedelta(days=200)
    everything = await service.list_requests(RequestFilter(start=start))
    assert len(everything) == 3
    until = await service.list_requests(
        RequestFilter(start=start, end=clock.now - dt.timedelta(days=1))
    )
    assert refs(until) == [old.service_request_id]
    assert len(await service.list_requests(RequestFilter(start=start, limit=2))) == 2


# -- status changes and notifications ----------------------------------------------------


async def test_change_status_writes_history_and_notifies_confirmed_subscribers_once(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    request, _ = await service.create_request(pothole(language="fr"))
    ref = request.service_request_id
    confirmed_sms = await subscriptions.subscribe(service, ref, "sms", "613-555-0188", "fr")
    assert confirmed_sms.status == "pending"
    assert await subscriptions.confirm(service, "sms", "+1 613 555 0188") == [ref]
    await subscriptions.subscribe(service, ref, "email", "jo@example.org", "en", confirmed=True)
    await subscriptions.subscribe(service, ref, "sms", "613-555-0199", "en")  # never says Oui
    await subscriptions.subscribe(service, ref, "sms", "613-555-0177", "fr", confirmed=True)
    assert await subscriptions.stop(service, "sms", "6135550177") == [ref]

    clock.advance(hours=2)
    change = await service.change_status(
        ref, "in_progress", "Équipe prévue demain matin", "agent:alice", "fr"
    )
    assert change.changed and change.notifications == 2
    stored = await service.get(ref)
    assert stored.status == "in_progress"
    assert stored.status_notes == "Équipe prévue demain matin"
    assert stored.updated_datetime == clock.now
    event = stored.events[-1]
    assert (event.kind, event.status_from, event.status_to) == (
        "status_change",
        "open",
        "in_progress",
    )
    assert (event.actor, event.language, event.note) == (
        "agent:alice",
        "fr",
        "Équipe prévue demain matin",
    )

    rows = [row for row in await outbox_rows(sessionmaker) if row.dedup_key.startswith("status:")]
    by_to = {row.payload["to"]: row for row in rows}
    assert set(by_to) == {"+16135550188", "jo@example.org"}
    sms = by_to["+16135550188"]
    assert sms.kind == "sms"
    assert sms.payload["body"] == (
        f"Ville – 311 : votre demande {ref} (Nid-de-poule) est maintenant en cours de traitement."
        " Note : Équipe prévue demain matin Répondez STOP pour ne plus recevoir de mises à jour."
    )
    mail = by_to["jo@example.org"]
    assert mail.kind == "email"
    assert mail.payload["subject"] == f"311 request {ref}: in progress"
    assert mail.payload["text"].startswith(
        f"City 311: your request {ref} (Pothole) is now in progress."
    )

    # The same change again (a retried call) changes and sends nothing.
    again = await service.change_status(
        ref, "in_progress", "Équipe prévue demain matin", "agent:alice", "fr"
    )
    assert not again.changed
    assert (
        len([r for r in await outbox_rows(sessionmaker) if r.dedup_key.startswith("status:")]) == 2
    )
    assert await count(sessionmaker, ServiceRequestEvent) == 2

    # A note without a status change is a note event, still notified.
    note = await service.change_status(ref, "in_progress", "Retard: pluie", "staff", "fr")
    assert note.events[0].kind == "note" and note.notifications == 2
    closed = await service.change_status(ref, "closed", None, "staff", "en")
    assert closed.notifications == 2
    assert (await service.get(ref)).status_notes == "Retard: pluie"


async def test_stopped_subscription_never_notified(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    request, _ = await service.create_request(pothole())
    ref = request.service_request_id
    await subscriptions.subscribe(service, ref, "sms", "+16135550111", "fr", confirmed=True)
    await subscriptions.stop(service, "sms", "+16135550111")
    # Saying "Oui" after STOP does not re-activate a stopped subscription.
    assert await subscriptions.confirm(service, "sms", "+16135550111") == []
    change = await service.change_status(ref, "closed", "Réparé", "staff", "fr")
    assert change.notifications == 0
    sms_rows = [r for r in await outbox_rows(sessionmaker) if r.kind == "sms"]
    assert sms_rows == []
    # Subscribing again asks for a fresh "Oui".
    again = await subscriptions.subscribe(service, ref, "sms", "+16135550111", "fr")
    assert again.status == "pending"
    [prompt] = [r for r in await outbox_rows(sessionmaker) if r.kind == "sms"]
    assert "répondez « Oui »" in prompt.payload["body"]


async def test_pending_sms_subscription_asks_for_oui_once(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    request, _ = await service.create_request(pothole())
    ref = request.service_request_id
    first = await subscriptions.subscribe(service, ref, "sms", "613 555 0100", "en")
    second = await subscriptions.subscribe(service, ref, "sms", "+1-613-555-0100", "en")
    assert first.id == second.id
    prompts = [r for r in await outbox_rows(sessionmaker) if r.kind == "sms"]
    assert len(prompts) == 1
    assert prompts[0].payload == {
        "to": "+16135550100",
        "body": f"City 311: to get text updates about request {ref}, reply “Yes”. "
        "Reply STOP to decline.",
        "language": "en",
    }
    assert await count(sessionmaker, Subscription) == 1
    with pytest.raises(ValidationError):
        await subscriptions.subscribe(service, ref, "fax", "123", "en")


async def test_change_status_validation(service: RequestService) -> None:
    request, _ = await service.create_request(pothole())
    with pytest.raises(ValidationError, match="status must be"):
        await service.change_status(request.service_request_id, "done", None, "staff", "fr")
    with pytest.raises(ValidationError, match="note is longer"):
        await service.change_status(request.service_request_id, "closed", "n" * 4001, "staff", "fr")
    with pytest.raises(RequestNotFound):
        await service.change_status(reference.generate(), "closed", None, "staff", "fr")


async def test_survey_responses(
    service: RequestService, sessionmaker: async_sessionmaker[AsyncSession], conversation_id: str
) -> None:
    request, _ = await service.create_request(pothole())
    survey = await subscriptions.record_survey(
        service, 5, "web", comment="Rapide!", language="fr", ref=request.service_request_id
    )
    assert survey.request_id == request.id
    chat = await subscriptions.record_survey(service, 2, "sms", conversation_id=conversation_id)
    assert chat.conversation_public_id is not None
    for bad in (0, 6, True):
        with pytest.raises(ValidationError, match="rating"):
            await subscriptions.record_survey(service, bad, "web", ref=request.service_request_id)
    with pytest.raises(ValidationError, match="request or a conversation"):
        await subscriptions.record_survey(service, 3, "web")
    assert await count(sessionmaker, SurveyResponse) == 2
