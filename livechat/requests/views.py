"""Public views of service requests (Open311 and the bot's API).

These functions are the only way a request leaves the gateway in a public response: they
never read the private contact columns, and they redact e-mail addresses, phone numbers and
the contact's name when a citizen typed them into free text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from livechat.requests.catalogue import Catalogue
from livechat.requests.models import RequestStatus, ServiceRequest

REDACTED = "[…]"
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str | None, names: tuple[str | None, ...] = ()) -> str | None:
    """``text`` without e-mail addresses, phone numbers or any of ``names``."""
    if not text:
        return text
    result = _EMAIL_RE.sub(REDACTED, text)
    matches = list(
        phonenumbers.PhoneNumberMatcher(result, "CA", leniency=phonenumbers.Leniency.POSSIBLE)
    )
    for match in reversed(matches):
        result = result[: match.start] + REDACTED + result[match.end :]
    for name in names:
        if not name:
            continue
        # The whole value, then each word of it (a first name alone is still identifying).
        for part in sorted({name.strip(), *name.split()}, key=len, reverse=True):
            if len(part) >= 3:
                pattern = rf"(?<!\w){re.escape(part)}(?!\w)"
                result = re.sub(pattern, REDACTED, result, flags=re.IGNORECASE)
    return result


def iso(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the city's UTC offset, e.g. ``2025-03-04T10:15:00-05:00``."""
    if value is None:
        return None
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def open311_status(status: str) -> str:
    """Open311 knows only open and closed."""
    return "closed" if status == RequestStatus.CLOSED else "open"


def _private_names(request: ServiceRequest) -> tuple[str | None, ...]:
    return (request.contact_name, request.contact_email, request.contact_phone)


def open311_request(
    request: ServiceRequest, catalogue: Catalogue, language: str, tz: ZoneInfo
) -> dict[str, Any]:
    """A request as in Open311 ``GET requests`` (no contact details)."""
    service = catalogue.services.get(request.service_code)
    names = _private_names(request)
    return {
        "service_request_id": request.service_request_id,
        "status": open311_status(request.status),
        "status_notes": redact(request.status_notes, names),
        "service_name": service.name.get(language) if service else request.service_code,
        "service_code": request.service_code,
        "description": redact(request.description, names),
        "agency_responsible": service.department.name.get(language) if service else None,
        "service_notice": None,
        "requested_datetime": iso(request.requested_datetime, tz),
        "updated_datetime": iso(request.updated_datetime, tz),
        "expected_datetime": iso(request.expected_datetime, tz),
        "address": redact(request.address, names),
        "address_id": request.address_id,
        "zipcode": None,
        "lat": request.lat,
        "long": request.long,
        "media_url": request.media_urls[0] if request.media_urls else None,
    }


def api_request(request: ServiceRequest, catalogue: Catalogue, tz: ZoneInfo) -> dict[str, Any]:
    """A request for the bot's API: both languages, detailed status, public history."""
    service = catalogue.services.get(request.service_code)
    names = _private_names(request)
    name = (
        service.name.as_dict()
        if service
        else {"fr": request.service_code, "en": request.service_code}
    )
    return {
        "service_request_id": request.service_request_id,
        "service_code": request.service_code,
        "service_name": name,
        "status": request.status,
        "status_notes": redact(request.status_notes, names),
        "description": redact(request.description, names),
        "address": redact(request.address, names),
        "lat": request.lat,
        "long": request.long,
        "media_urls": list(request.media_urls),
        "language": request.language,
        "requested_datetime": iso(request.requested_datetime, tz),
        "updated_datetime": iso(request.updated_datetime, tz),
        "expected_datetime": iso(request.expected_datetime, tz),
        "department": service.department.name.as_dict() if service else None,
        "history": [
            {
                "kind": event.kind,
                "status": event.status_to,
                "note": redact(event.note, names),
                "language": event.language,
                "at": iso(event.at, tz),
            }
            for event in request.events
        ],
    }
