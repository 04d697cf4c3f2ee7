"""The bot's JSON API and the staff endpoint, over plain HTTP against a running gateway."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from livechat import keys
from livechat.requests import reference
from livechat.requests.models import Outbox, Subscription, SurveyResponse
from tests.livechat.requests.conftest import STAFF_TOKEN, RequestsGateway

ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def pothole(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_code": "report_pothole",
        "address": "88, rue King Est",
        "description": "Trou dans la voie cyclable",
        "attributes": {"size": "small"},
        "language": "fr",
        "channel": "web",
        "contact": {"phone": "+1 613 555 0101", "email": "paul@example.org"},
        "idempotency_key": "conv-abc:1",
    }
    body.update(overrides)
    return body


async def call(
    gw: RequestsGateway, method: str, path: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with gw.http.request(method, gw.url + path, **kwargs) as response:
        text = await response.text()
        # No contact detail ever comes back (0 never occurs in a reference number).
        for private in ("paul@example.org", "lea@example.org", "0101", "0102"):
            assert private not in text
        return response.status, json.loads(text)


async def test_file_a_request_and_retry_it(requests_gateway: RequestsGateway) -> None:
    status, body = await call(requests_gateway, "POST", "/api/v1/requests", json=pothole())
    assert status == 201, body
    assert reference.validate(body["service_request_id"])
    assert body["status"] == "open"
    assert body["service_name"] == {"fr": "Nid-de-poule", "en": "Pothole"}
    assert ISO_WITH_ZONE.match(body["expected_datetime"])
    assert body["created"] is True
    status, again = await call(requests_gateway, "POST", "/api/v1/requests", json=pothole())
    assert status == 200
    assert again["service_request_id"] == body["service_request_id"]
    assert again["created"] is False


async def test_get_a_request_with_history(
    requests_gateway: RequestsGateway, conversation_id: str
) -> None:
    _, filed = await call(
        requests_gateway,
        "POST",
        "/api/v1/requests",
        json=pothole(conversation_id=conversation_id),
    )
    ref = filed["service_request_id"]
    status, body = await call(requests_gateway, "GET", f"/api/v1/requests/{ref.lower()}")
    assert status == 200
    assert body["service_request_id"] == ref
    assert body["status"] == "open" and body["status_notes"] is None
    assert body["department"] == {"fr": "Travaux publics – Voirie", "en": "Public Works – Roads"}
    assert [event["kind"] for event in body["history"]] == ["created"]
    assert "contact" not in body and "conversation_public_id" not in body


@pytest.mark.parametrize(
    ("path", "status", "error", "fr_fragment"),
    [
        ("/api/v1/requests/311-AAA-AAA-AAA", 400, "invalid_reference", "faute de frappe"),
        ("/api/v1/requests/hello", 400, "invalid_reference", "311-K7M-4PX-9QD"),
    ],
)
async def test_get_bad_references(
    requests_gateway: RequestsGateway, path: str, status: int, error: str, fr_fragment: str
) -> None:
    got, body = await call(requests_gateway, "GET", path)
    assert (got, body["error"]) == (status, error)
    assert fr_fragment in body["message"]["fr"]
    assert body["message"]["en"]


async def test_unknown_reference_is_404(requests_gateway: RequestsGateway) -> None:
    ref = reference.generate()
    status, body = await call(requests_gateway, "GET", f"/api/v1/requests/{ref}")
    assert status == 404
    assert body == {
        "error": "not_found",
        "field": None,
        "message": {
            "fr": f"Aucune demande ne porte le numéro {ref}.",
            "en": f"There is no request with number {ref}.",
        },
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"json": pothole(service_code="report_ufo")}, "unknown_service", "service_code"),
        ({"json": pothole(address=None)}, "validation_error", "address_string"),
        ({"json": pothole(attributes={"size": "huge"})}, "validation_error", "attribute[size]"),
        ({"json": pothole(description=["not", "text"])}, "validation_error", "description"),
        ({"json": pothole(service_code=None)}, "validation_error", "service_code"),
        ({"json": pothole(conversation_id="nope")}, "validation_error", "conversation_id"),
        ({"json": ["a", "list"]}, "bad_request", None),
        (
            {"data": "not json", "headers": {"Content-Type": "application/json"}},
            "bad_request",
            None,
        ),
    ],
)
async def test_bad_filings_are_400_in_both_languages(
    requests_gateway: RequestsGateway, kwargs: dict[str, Any], error: str, field: str | None
) -> None:
    status, body = await call(requests_gateway, "POST", "/api/v1/requests", **kwargs)
    assert status == 400
    assert (body["error"], body["field"]) == (error, field)
    assert body["message"]["fr"] and body["message"]["en"]


async def test_services_and_hours(requests_gateway: RequestsGateway) -> None:
    status, body = await call(requests_gateway, "GET", "/api/v1/services")
    assert status == 200
    assert len(body["services"]) == 12
    assert body["default_language"] == "fr"
    status, hours = await call(requests_gateway, "GET", "/api/v1/hours")
    assert status == 200
    assert isinstance(hours["open"], bool)
    assert ISO_WITH_ZONE.match(hours["next_opening"])
    assert hours["description"]["fr"].startswith("du lundi au vendredi, de 7 h 30 à 18 h")
    assert hours["short"] == {
        "fr": "lun. au ven., 7 h 30 à 18 h",
        "en": "Mon to Fri, 7:30 a.m. to 6 p.m.",
    }


async def test_staff_status_change_needs_the_token(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    _, filed = await call(gw, "POST", "/api/v1/requests", json=pothole())
    ref = filed["service_request_id"]
    path = f"/api/v1/requests/{ref}/status"
    change = {"status": "in_progress", "note": "Équipe en route", "language": "fr"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": STAFF_TOKEN + "x"}):
        status, body = await call(gw, "POST", path, json=change, headers=headers)
        assert status == 401 and body["error"] == "unauthorized"
    assert (await gw.service.get(ref)).status == "open"

    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    status, body = await call(gw, "POST", path, json=change, headers=auth)
    assert status == 200, body
    assert (body["status"], body["status_notes"], body["changed"]) == (
        "in_progress",
        "Équipe en route",
        True,
    )
    assert [event["kind"] for event in body["history"]] == ["created", "status_change"]
    status, body = await call(gw, "POST", path, json={"status": "done"}, headers=auth)
    assert (status, body["field"]) == (400, "status")


async def test_subscriptions_and_updates_end_to_end(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    _, filed = await call(gw, "POST", "/api/v1/requests", json=pothole())
    ref = filed["service_request_id"]
    status, body = await call(
        gw,
        "POST",
        f"/api/v1/requests/{ref}/subscriptions",
        json={"channel": "email", "address": "lea@example.org", "language": "en"},
    )
    assert (status, body) == (201, {"status": "confirmed"})
    status, body = await call(
        gw,
        "POST",
        f"/api/v1/requests/{ref}/subscriptions",
        json={"channel": "sms", "address": "613-555-0102", "language": "fr"},
    )
    assert (status, body) == (201, {"status": "pending"})
    status, body = await call(
        gw, "POST", f"/api/v1/requests/{ref}/subscriptions", json={"channel": "pigeon"}
    )
    assert (status, body["field"]) == (400, "channel")

    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    status, body = await call(
        gw,
        "POST",
        f"/api/v1/requests/{ref}/status",
        json={"status": "closed", "note": "Réparé ce matin", "language": "fr"},
        headers=auth,
    )
    assert body["notifications"] == 1  # the e-mail; the SMS still waits for "Oui"

    # The running gateway's outbox worker delivers the department e-mail, the update and
    # (closed) the satisfaction survey invitation to the SMTP server.
    for _ in range(200):
        if len(gw.smtp.mailbox.messages) >= 3:
            break
        await asyncio.sleep(0.05)
    recipients = sorted(str(m["To"]) for m in gw.smtp.mailbox.messages)
    assert recipients == ["lea@example.org", "lea@example.org", "voirie@ville.example"]
    subjects = {m["Subject"] for m in gw.smtp.mailbox.messages if m["To"] == "lea@example.org"}
    assert subjects == {
        f"311 request {ref}: closed (completed)",
        f"Your opinion on 311 request {ref}",
    }
    async with gw.app[keys.DB_SESSIONMAKER]() as session:
        subs = (await session.scalars(select(Subscription))).all()
        assert sorted(s.status for s in subs) == ["confirmed", "pending"]
        sms = (await session.scalars(select(Outbox).where(Outbox.kind == "sms"))).all()
        assert [row.status for row in sms] == ["pending"]  # no SMS sender in this test


async def test_surveys(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    _, filed = await call(gw, "POST", "/api/v1/requests", json=pothole())
    status, body = await call(
        gw,
        "POST",
        "/api/v1/surveys",
        json={"rating": 4, "comment": "Merci", "service_request_id": filed["service_request_id"]},
    )
    assert status == 201 and body["id"]
    status, body = await call(gw, "POST", "/api/v1/surveys", json={"rating": 9})
    assert (status, body["field"]) == (400, "rating")
    async with gw.app[keys.DB_SESSIONMAKER]() as session:
        assert len((await session.scalars(select(SurveyResponse))).all()) == 1
