"""The JSON API the bot's actions use (``/api/v1/...``) and the staff status endpoint."""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from livechat import keys
from livechat.requests import subscriptions, survey_page
from livechat.requests.appkeys import CALENDAR, CATALOGUE, SERVICE
from livechat.requests.errors import (
    IdempotencyConflict,
    InvalidReference,
    RequestNotFound,
    RequestsError,
    ValidationError,
)
from livechat.requests.http import NO_STORE, BadRequest, api_error
from livechat.requests.validation import NewRequest
from livechat.requests.views import api_request, iso

routes = web.RouteTableDef()


def _status_for(error: RequestsError) -> int:
    if isinstance(error, RequestNotFound):
        return 404
    if isinstance(error, IdempotencyConflict):
        return 409
    return 400


async def _json_object(request: web.Request) -> Mapping[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadRequest("the body must be JSON", "Le corps doit être du JSON.") from error
    if not isinstance(data, Mapping):
        raise BadRequest("the body must be a JSON object", "Le corps doit être un objet JSON.")
    return data


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError(
            f"{key} must be a string",
            field=key,
            fr=f"{key} : texte attendu.",
            en=f"{key}: text expected.",
        )
    return str(value)


def _new_request(data: Mapping[str, Any]) -> NewRequest:
    contact = data.get("contact") or {}
    attributes = data.get("attributes") or {}
    media = data.get("media_urls") or ([data["media_url"]] if data.get("media_url") else [])
    if not isinstance(contact, Mapping) or not isinstance(attributes, Mapping):
        raise ValidationError(
            "contact and attributes must be objects",
            field="attributes",
            fr="Format des détails invalide.",
            en="Invalid details format.",
        )
    if not isinstance(media, list):
        raise ValidationError(
            "media_urls must be a list",
            field="media_url",
            fr="Liste de photos invalide.",
            en="Invalid photo list.",
        )
    return NewRequest(
        service_code=_optional_str(data, "service_code") or "",
        description=_optional_str(data, "description"),
        address=_optional_str(data, "address"),
        address_id=_optional_str(data, "address_id"),
        lat=data.get("lat"),
        long=data.get("long"),
        media_urls=[str(url) for url in media],
        attributes=dict(attributes),
        language=_optional_str(data, "language") or "fr",
        channel=_optional_str(data, "channel") or "web",
        conversation_id=_optional_str(data, "conversation_id"),
        contact_name=_optional_str(contact, "name"),
        contact_email=_optional_str(contact, "email"),
        contact_phone=_optional_str(contact, "phone"),
        idempotency_key=_optional_str(data, "idempotency_key"),
    )


@routes.post("/api/v1/requests")
async def create_request(request: web.Request) -> web.Response:
    """File a request for the bot: 201 when filed, 200 when an idempotent retry."""
    try:
        new = _new_request(await _json_object(request))
        if not new.service_code:
            raise ValidationError(
                "service_code is required", field="service_code",
                fr="Le type de demande est obligatoire.", en="The kind of request is required.",
            )  # fmt: skip
        filed, created = await request.app[SERVICE].create_request(new)
    except RequestsError as error:
        return api_error(_status_for(error), error)
    service = request.app[CATALOGUE].get(filed.service_code)
    body = {
        "service_request_id": filed.service_request_id,
        "status": filed.status,
        "expected_datetime": iso(filed.expected_datetime, request.app[CALENDAR].tz),
        "service_name": service.name.as_dict(),
        "created": created,
    }
    return web.json_response(body, status=201 if created else 200, headers=NO_STORE)


@routes.get("/api/v1/requests/{ref}")
async def get_request(request: web.Request) -> web.Response:
    """Public fields of a request, its status notes and public history."""
    try:
        found = await request.app[SERVICE].get(request.match_info["ref"])
    except InvalidReference as error:
        return api_error(400, error)
    except RequestNotFound as error:
        return api_error(404, error)
    body = api_request(found, request.app[CATALOGUE], request.app[CALENDAR].tz)
    return web.json_response(body, headers=NO_STORE)


@routes.get("/api/v1/services")
async def list_services(request: web.Request) -> web.Response:
    """The catalogue in French and English (what the bot offers and asks for)."""
    return web.json_response(request.app[CATALOGUE].as_dict())


@routes.get("/api/v1/hours")
async def hours(request: web.Request) -> web.Response:
    """Whether 311 agents are available now, the next opening, and the hours in words."""
    calendar = request.app[CALENDAR]
    now = request.app[SERVICE].clock()
    body = {
        "open": calendar.is_open(now),
        "next_opening": iso(calendar.next_opening(now), calendar.tz),
        "description": {
            "fr": calendar.describe("fr", with_holidays=True),
            "en": calendar.describe("en", with_holidays=True),
        },
        "short": {
            "fr": calendar.describe("fr", short=True),
            "en": calendar.describe("en", short=True),
        },
        "holiday": {
            "fr": calendar.holiday_name(now.astimezone(calendar.tz).date(), "fr"),
            "en": calendar.holiday_name(now.astimezone(calendar.tz).date(), "en"),
        },
    }
    return web.json_response(body, headers=NO_STORE)


@routes.post("/api/v1/requests/{ref}/subscriptions")
async def subscribe(request: web.Request) -> web.Response:
    """Subscribe to updates: {channel: sms|email, address, language}. SMS waits for "Oui"."""
    try:
        data = await _json_object(request)
        subscription = await subscriptions.subscribe(
            request.app[SERVICE],
            request.match_info["ref"],
            _optional_str(data, "channel") or "",
            _optional_str(data, "address") or "",
            _optional_str(data, "language") or "fr",
            confirmed=_optional_str(data, "channel") == "email",
        )
    except RequestsError as error:
        return api_error(_status_for(error), error)
    return web.json_response({"status": subscription.status}, status=201, headers=NO_STORE)


@routes.post("/api/v1/surveys")
async def survey(request: web.Request) -> web.Response:
    """Record a 1-5 satisfaction rating about a request or a conversation."""
    if request.content_type in survey_page.FORM_TYPES:  # the survey page's form
        return await survey_page.answer_form(request)
    try:
        data = await _json_object(request)
        if "token" in data:  # an e-mailed survey link's single-use token
            return await survey_page.answer_json(request, data)
        rating = data.get("rating")
        saved = await subscriptions.record_survey(
            request.app[SERVICE],
            rating if isinstance(rating, int) else 0,
            _optional_str(data, "channel") or "web",
            comment=_optional_str(data, "comment"),
            language=_optional_str(data, "language"),
            ref=_optional_str(data, "service_request_id"),
            conversation_id=_optional_str(data, "conversation_id"),
        )
    except RequestsError as error:
        return api_error(_status_for(error), error)
    return web.json_response({"id": saved.id}, status=201, headers=NO_STORE)


def staff_token(app: web.Application) -> str:
    """STAFF_API_TOKEN from the settings when they have it, else from the environment."""
    settings = app[keys.SETTINGS]
    return str(getattr(settings, "staff_api_token", "") or os.environ.get("STAFF_API_TOKEN", ""))


@routes.post("/api/v1/requests/{ref}/status")
async def change_status(request: web.Request) -> web.Response:
    """Staff: {status, note?, language} with ``Authorization: Bearer <STAFF_API_TOKEN>``."""
    expected = staff_token(request.app)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return web.json_response(
            {
                "error": "unauthorized",
                "message": {"fr": "Accès réservé au personnel.", "en": "Staff only."},
            },
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="311 staff"', **NO_STORE},
        )
    try:
        data = await _json_object(request)
        change = await request.app[SERVICE].change_status(
            request.match_info["ref"],
            _optional_str(data, "status") or "",
            _optional_str(data, "note"),
            by="staff",
            language=_optional_str(data, "language") or "fr",
        )
        updated = await request.app[SERVICE].get(change.request.service_request_id)
    except RequestsError as error:
        return api_error(_status_for(error), error)
    body = api_request(updated, request.app[CATALOGUE], request.app[CALENDAR].tz)
    body["changed"], body["notifications"] = change.changed, change.notifications
    return web.json_response(body, headers=NO_STORE)
