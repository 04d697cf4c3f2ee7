"""Open311 GeoReport v2 at ``/open311/v2/`` (JSON and XML; contact details never shown)."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from livechat import keys
from livechat.requests import reference
from livechat.requests.appkeys import CALENDAR, CATALOGUE, SERVICE
from livechat.requests.errors import (
    IdempotencyConflict,
    InvalidReference,
    RequestNotFound,
    RequestsError,
    UnknownService,
)
from livechat.requests.http import (
    BadRequest,
    language_of,
    open311_error,
    open311_response,
    read_form_or_json,
)
from livechat.requests.models import RequestStatus
from livechat.requests.service import MAX_RESULTS, RequestFilter
from livechat.requests.validation import NewRequest
from livechat.requests.views import open311_request

FORMATS = ("json", "xml")
_ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")

routes = web.RouteTableDef()


def _format(request: web.Request) -> str:
    fmt = request.match_info["format"]
    if fmt not in FORMATS:
        raise web.HTTPNotFound(text="Open311 formats are .json and .xml", content_type="text/plain")
    return fmt


def _language(request: web.Request) -> str:
    return language_of(request, request.app[CATALOGUE].default_language)


@routes.get(r"/open311/v2/services.{format:\w+}")
async def list_services(request: web.Request) -> web.Response:
    """GET services: every service type, in the requested language."""
    fmt, language = _format(request), _language(request)
    services = [s.to_open311(language) for s in request.app[CATALOGUE].services.values()]
    return open311_response(fmt, "services", "service", services)


@routes.get(r"/open311/v2/services/{code}.{format:\w+}")
async def service_definition(request: web.Request) -> web.Response:
    """GET service definition: the attributes of one service."""
    fmt, language = _format(request), _language(request)
    try:
        service = request.app[CATALOGUE].get(request.match_info["code"])
    except UnknownService as error:
        return open311_error(fmt, 404, error.localized(language))
    definition = {
        "service_code": service.code,
        "attributes": [a.to_open311(language) for a in service.attributes],
    }
    return open311_response(fmt, "service_definition", None, definition)


def _attributes(form: MultiDict[Any]) -> dict[str, object]:
    attributes: dict[str, object] = {}
    nested = form.get("attribute")
    if isinstance(nested, Mapping):  # JSON clients may send {"attribute": {"code": value}}
        attributes.update({str(k): v for k, v in nested.items()})
    for key, value in form.items():
        match = _ATTRIBUTE_RE.match(key)
        if not match:
            continue
        code, is_list = match.group(1), bool(match.group(2))
        if is_list or code in attributes:
            current = attributes.get(code, [])
            attributes[code] = [*(current if isinstance(current, list) else [current]), value]
        else:
            attributes[code] = value
    return attributes


def _text_field(form: MultiDict[Any], name: str) -> str | None:
    value = form.get(name)
    return None if value is None else str(value)


@routes.post(r"/open311/v2/requests.{format:\w+}")
async def post_request(request: web.Request) -> web.Response:
    """POST a service request; needs ``api_key`` == OPEN311_API_KEY."""
    fmt, language = _format(request), _language(request)
    try:
        form = await read_form_or_json(request)
    except BadRequest as error:
        return open311_error(fmt, 400, error.localized(language))
    locale = str(form.get("locale") or form.get("lang") or "")
    if locale:  # the citizen's language may also come in the body
        language = "en" if locale.lower().startswith("en") else "fr"
    expected = request.app[keys.SETTINGS].open311_api_key
    given = str(form.get("api_key") or request.query.get("api_key") or "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return open311_error(
            fmt,
            403,
            "api_key invalide ou manquante" if language == "fr" else "invalid or missing api_key",
        )
    first, last = _text_field(form, "first_name"), _text_field(form, "last_name")
    name = " ".join(part for part in (first, last) if part) or None
    new = NewRequest(
        service_code=str(form.get("service_code") or ""),
        description=_text_field(form, "description"),
        address=_text_field(form, "address_string"),
        address_id=_text_field(form, "address_id"),
        lat=form.get("lat"),
        long=form.get("long"),
        media_urls=[str(url) for url in form.getall("media_url", [])],
        attributes=_attributes(form),
        language=language,
        channel="open311",
        contact_name=name,
        contact_email=_text_field(form, "email"),
        contact_phone=_text_field(form, "phone"),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if not new.service_code:
        return open311_error(
            fmt,
            400,
            "service_code est obligatoire" if language == "fr" else "service_code is required",
        )
    try:
        created, _ = await request.app[SERVICE].create_request(new)
    except IdempotencyConflict as error:
        return open311_error(fmt, 409, error.localized(language))
    except RequestsError as error:
        return open311_error(fmt, 400, error.localized(language))
    body = [
        {
            "service_request_id": created.service_request_id,
            "service_notice": None,
            "account_id": None,
        }
    ]
    return open311_response(fmt, "service_requests", "request", body, status=201)


def _parse_date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise BadRequest(
            f"{name} must be an ISO 8601 date-time with its zone, e.g. 2025-03-04T08:15:30-05:00",
            f"{name} doit être une date ISO 8601 avec son fuseau, ex. 2025-03-04T08:15:30-05:00",
            field=name,
        )
    return parsed


def _filters(request: web.Request) -> RequestFilter:
    query = request.query
    ids = [part.strip() for part in query.get("service_request_id", "").split(",") if part.strip()]
    for ref in ids:
        if not reference.validate(ref):
            raise BadRequest(
                f"service_request_id {ref!r} is not a valid reference number",
                f"service_request_id « {ref} » n'est pas un numéro de référence valide",
                field="service_request_id",
            )
    codes = [part.strip() for part in query.get("service_code", "").split(",") if part.strip()]
    statuses: list[str] = []
    for status in (part.strip() for part in query.get("status", "").split(",") if part.strip()):
        if status == "open":
            statuses += [RequestStatus.OPEN.value, RequestStatus.IN_PROGRESS.value]
        elif status == "closed":
            statuses.append(RequestStatus.CLOSED.value)
        else:
            raise BadRequest(
                "status must be open or closed",
                "status doit être open ou closed",
                field="status",
            )
    start = _parse_date(query.get("start_date"), "start_date")
    end = _parse_date(query.get("end_date"), "end_date")
    if start and end and end < start:
        raise BadRequest(
            "end_date is before start_date", "end_date précède start_date", field="end_date"
        )
    return RequestFilter(ids, codes, statuses, start, end, MAX_RESULTS)


@routes.get(r"/open311/v2/requests.{format:\w+}")
async def list_requests(request: web.Request) -> web.Response:
    """GET service requests: filters per the spec; the last 90 days and 1000 at most."""
    fmt, language = _format(request), _language(request)
    try:
        filters = _filters(request)
    except BadRequest as error:
        return open311_error(fmt, 400, error.localized(language))
    found = await request.app[SERVICE].list_requests(filters)
    catalogue, tz = request.app[CATALOGUE], request.app[CALENDAR].tz
    body = [open311_request(r, catalogue, language, tz) for r in found]
    return open311_response(fmt, "service_requests", "request", body)


@routes.get(r"/open311/v2/requests/{ref}.{format:\w+}")
async def get_request(request: web.Request) -> web.Response:
    """GET one service request (a list of one, as the spec says)."""
    fmt, language = _format(request), _language(request)
    try:
        found = await request.app[SERVICE].get(request.match_info["ref"])
    except (InvalidReference, RequestNotFound) as error:
        return open311_error(fmt, 404, error.localized(language))
    body = [open311_request(found, request.app[CATALOGUE], language, request.app[CALENDAR].tz)]
    return open311_response(fmt, "service_requests", "request", body)
