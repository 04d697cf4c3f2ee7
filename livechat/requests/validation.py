"""Checking what a citizen (or an Open311 client) submits, with errors in French and English."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import phonenumbers

from livechat.requests.catalogue import Catalogue
from livechat.requests.errors import ValidationError
from livechat.requests.models import RequestChannel, RequestStatus
from livechat.requests.photos import UPLOADS_PATH

MAX_DESCRIPTION = 4000  # Open311's limit
MAX_ADDRESS = 255
MAX_NOTE = 4000
MAX_MEDIA = 5
MAX_URL = 2000
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class NewRequest:
    """A request to file, as received (validated by ``validate_new_request``)."""

    service_code: str
    description: str | None = None
    address: str | None = None
    address_id: str | None = None
    lat: float | None = None
    long: float | None = None
    media_urls: Sequence[str] = ()
    attributes: Mapping[str, object] = field(default_factory=dict)
    language: str = "fr"
    channel: str = "web"
    conversation_id: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    idempotency_key: str | None = None


def _error(field_name: str, message: str, fr: str, en: str) -> ValidationError:
    return ValidationError(message, field=field_name, fr=fr, en=en)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _coordinate(value: object, field_name: str, limit: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise _error(
            field_name,
            f"{field_name} must be a number between -{limit:g} and {limit:g}",
            f"La coordonnée {field_name} doit être un nombre entre -{limit:g} et {limit:g}.",
            f"The {field_name} coordinate must be a number between -{limit:g} and {limit:g}.",
        )
    return number


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise _error(
            "phone",
            "phone is not a valid phone number",
            "Ce numéro de téléphone n'est pas valide.",
            "This phone number is not valid.",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _email(value: str | None) -> str | None:
    if not value:
        return None
    if len(value) > 254 or not _EMAIL_RE.match(value):
        raise _error(
            "email",
            "email is not a valid e-mail address",
            "Cette adresse courriel n'est pas valide.",
            "This e-mail address is not valid.",
        )
    return value


def _media(urls: Sequence[str]) -> list[str]:
    clean = [url.strip() for url in urls if url and url.strip()]
    if len(clean) > MAX_MEDIA:
        raise _error(
            "media_url",
            f"at most {MAX_MEDIA} media URLs",
            f"Au plus {MAX_MEDIA} photos par demande.",
            f"At most {MAX_MEDIA} photos per request.",
        )
    for url in clean:
        parts = urlsplit(url)
        uploaded = url.startswith(UPLOADS_PATH) and not parts.netloc  # our own /uploads/<name>
        web_url = parts.scheme in ("http", "https") and bool(parts.netloc)
        if not (uploaded or web_url) or len(url) > MAX_URL:
            raise _error(
                "media_url",
                "media_url must be an http(s) URL",
                "Le lien de la photo doit être une adresse http(s).",
                "The photo link must be an http(s) address.",
            )
    return clean


def validate_new_request(new: NewRequest, catalogue: Catalogue) -> NewRequest:
    """A cleaned copy of ``new``; raises ``ValidationError`` (bilingual) on bad input."""
    if new.language not in ("fr", "en"):
        raise _error(
            "language", "language must be fr or en", "Langue : fr ou en.", "Language: fr or en."
        )
    if new.channel not in {c.value for c in RequestChannel}:
        raise _error(
            "channel",
            f"unknown channel {new.channel!r}",
            "Canal de réception inconnu.",
            "Unknown channel.",
        )
    service = catalogue.get(new.service_code)
    description = _text(new.description)
    if description and len(description) > MAX_DESCRIPTION:
        raise _error(
            "description",
            f"description is longer than {MAX_DESCRIPTION} characters",
            f"La description est trop longue ({MAX_DESCRIPTION} caractères au maximum).",
            f"The description is too long ({MAX_DESCRIPTION} characters at most).",
        )
    if service.description_required and not description:
        raise _error(
            "description",
            f"a description is required for {service.code}",
            f"Veuillez décrire votre demande « {service.name.fr} ».",
            f"Please describe your “{service.name.en}” request.",
        )
    address = _text(new.address)
    if address and len(address) > MAX_ADDRESS:
        raise _error(
            "address_string",
            f"address is longer than {MAX_ADDRESS} characters",
            f"L'adresse est trop longue ({MAX_ADDRESS} caractères au maximum).",
            f"The address is too long ({MAX_ADDRESS} characters at most).",
        )
    lat, long = _coordinate(new.lat, "lat", 90), _coordinate(new.long, "long", 180)
    if (lat is None) != (long is None):
        raise _error(
            "lat",
            "lat and long must be given together",
            "La latitude et la longitude vont ensemble.",
            "Latitude and longitude go together.",
        )
    address_id = _text(new.address_id)
    located = address is not None or lat is not None or address_id is not None
    if service.location == "required" and not located:
        raise _error(
            "address_string",
            f"a location (address_string, lat/long or address_id) is required for {service.code}",
            "Il nous faut l'adresse ou l'endroit exact du problème.",
            "We need the address or the exact location of the problem.",
        )
    media = _media(list(new.media_urls))
    if media and service.media == "none":
        raise _error(
            "media_url",
            f"{service.code} takes no photo",
            "Ce type de demande n'accepte pas de photo.",
            "This kind of request takes no photo.",
        )
    key = _text(new.idempotency_key)
    if key and len(key) > 128:
        raise _error(
            "idempotency_key",
            "idempotency_key is longer than 128 characters",
            "Clé d'idempotence trop longue.",
            "Idempotency key too long.",
        )
    return dataclasses.replace(
        new,
        description=description,
        address=address,
        address_id=address_id,
        lat=lat,
        long=long,
        media_urls=media,
        attributes=service.validate_attributes(new.attributes),
        contact_name=name[:200] if (name := _text(new.contact_name)) else None,
        contact_email=_email(_text(new.contact_email)),
        contact_phone=_phone(_text(new.contact_phone)),
        conversation_id=_text(new.conversation_id),
        idempotency_key=key,
    )


def validate_note(status: str, note: str | None, language: str) -> tuple[str, str | None, str]:
    """Check a status change; returns (status, note or None, language)."""
    if status not in {s.value for s in RequestStatus}:
        raise _error(
            "status",
            f"status must be open, in_progress or closed, not {status!r}",
            "L'état doit être open, in_progress ou closed.",
            "The status must be open, in_progress or closed.",
        )
    if language not in ("fr", "en"):
        raise _error(
            "language", "language must be fr or en", "Langue : fr ou en.", "Language: fr or en."
        )
    clean = _text(note)
    if clean and len(clean) > MAX_NOTE:
        raise _error(
            "note",
            f"note is longer than {MAX_NOTE} characters",
            f"La note est trop longue ({MAX_NOTE} caractères au maximum).",
            f"The note is too long ({MAX_NOTE} characters at most).",
        )
    return status, clean, language
