"""Texts the requests wing sends: department routing e-mails and status updates (fr/en)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from livechat.requests.catalogue import Catalogue, Service
from livechat.requests.models import ServiceRequest

STATUS_NAMES = {
    "open": {"fr": "ouverte", "en": "open"},
    "in_progress": {"fr": "en cours de traitement", "en": "in progress"},
    "closed": {"fr": "fermée (traitée)", "en": "closed (completed)"},
}
# LANGUAGE_NAMES[citizen's language][language of the text]
LANGUAGE_NAMES = {
    "fr": {"fr": "français", "en": "French"},
    "en": {"fr": "anglais", "en": "English"},
}
CHANNEL_NAMES = {
    "web": {"fr": "clavardage Web", "en": "web chat"},
    "sms": {"fr": "texto (SMS)", "en": "text message (SMS)"},
    "open311": {"fr": "API Open311", "en": "Open311 API"},
    "phone": {"fr": "téléphone", "en": "phone"},
    "email": {"fr": "courriel", "en": "e-mail"},
    "agent": {"fr": "préposé 311", "en": "311 agent"},
}

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def format_datetime(value: dt.datetime, language: str, tz: ZoneInfo) -> str:
    """``4 mars 2025 à 10 h 15`` / ``March 4, 2025 at 10:15 a.m.`` in city time."""
    local = value.astimezone(tz)
    if language == "en":
        hour = (local.hour - 1) % 12 + 1
        suffix = "a.m." if local.hour < 12 else "p.m."
        return f"{local:%B} {local.day}, {local.year} at {hour}:{local.minute:02d} {suffix}"
    minutes = f" {local.minute:02d}" if local.minute else ""
    month = _MONTHS_FR[local.month - 1]
    return f"{local.day} {month} {local.year} à {local.hour} h{minutes}"


def _attribute_lines(service: Service, request: ServiceRequest, language: str) -> list[str]:
    lines = []
    for attribute in service.attributes:
        if attribute.code not in request.attributes:
            continue
        value = request.attributes[attribute.code]
        names = {v.key: v.name.get(language) for v in attribute.values}
        if isinstance(value, list):
            shown = ", ".join(names.get(str(item), str(item)) for item in value)
        else:
            shown = names.get(str(value), str(value))
        lines.append(f"  - {attribute.description.get(language)} {shown}")
    return lines


def department_email(
    request: ServiceRequest, catalogue: Catalogue, tz: ZoneInfo, public_url: str
) -> tuple[str, str, str]:
    """(language, subject, body) of the routing e-mail, in the department's language."""
    service = catalogue.get(request.service_code)
    lang = service.department.language

    def field(fr_label: str, en_label: str, value: str = "") -> str:
        # French puts a space before the colon.
        return f"{fr_label} : {value}".rstrip() if lang == "fr" else f"{en_label}: {value}".rstrip()

    ref = request.service_request_id
    subject = f"[311] {service.name.get(lang)} – {ref}"
    lines = [
        field("Nouvelle demande 311 acheminée à", "New 311 request routed to",
              service.department.name.get(lang)),
        "",
        field("Numéro de référence", "Reference number", ref),
        field("Service", "Service", f"{service.name.get(lang)} ({service.code})"),
        field("Reçue le", "Received", format_datetime(request.requested_datetime, lang, tz)),
    ]  # fmt: skip
    if request.expected_datetime:
        expected = format_datetime(request.expected_datetime, lang, tz)
        lines.append(field("Délai visé", "Target date", expected))
    if request.address:
        lines.append(field("Adresse", "Address", request.address))
    if request.lat is not None and request.long is not None:
        lat, long = f"{request.lat:.6f}", f"{request.long:.6f}"
        lines.append(field("Position", "Location", f"{lat}, {long}"))
        osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={long}#map=18/{lat}/{long}"
        lines.append(field("Carte", "Map", osm))
    if request.description:
        lines += ["", field("Description", "Description"), request.description]
    attribute_lines = _attribute_lines(service, request, lang)
    if attribute_lines:
        lines += ["", field("Détails", "Details"), *attribute_lines]
    if request.media_urls:
        lines += ["", field("Photos", "Photos"), *(f"  {url}" for url in request.media_urls)]
    lines += [
        "",
        field("Reçue par", "Received by", CHANNEL_NAMES[request.channel][lang]),
        field("Langue du citoyen", "Citizen's language", LANGUAGE_NAMES[request.language][lang]),
    ]
    contact = [
        ("Nom", "Name", request.contact_name),
        ("Téléphone", "Phone", request.contact_phone),
        ("Courriel", "E-mail", request.contact_email),
    ]
    if any(value for _, _, value in contact):
        lines += [
            "",
            field("Pour joindre le citoyen (confidentiel)", "Citizen contact (confidential)"),
        ]
        lines += [f"  {field(fr, en, value)}" for fr, en, value in contact if value]
    lines += [
        "",
        field("Suivi public", "Public status", f"{public_url}/open311/v2/requests/{ref}.json"),
    ]
    return lang, subject, "\n".join(lines) + "\n"


def status_update(
    request: ServiceRequest,
    catalogue: Catalogue,
    language: str,
    note: str | None,
    channel: str,
) -> tuple[str, str]:
    """(subject, text) telling a subscriber that a request changed, in their language."""
    service = catalogue.services.get(request.service_code)
    name = service.name.get(language) if service else request.service_code
    ref = request.service_request_id
    status = STATUS_NAMES[request.status][language]
    if language == "en":
        subject = f"311 request {ref}: {status}"
        text = f"City 311: your request {ref} ({name}) is now {status}."
        if note:
            text += f" Note: {note}"
        text += " Reply STOP to stop updates." if channel == "sms" else ""
    else:
        subject = f"Demande 311 {ref} : {status}"
        text = f"Ville – 311 : votre demande {ref} ({name}) est maintenant {status}."
        if note:
            text += f" Note : {note}"
        text += " Répondez STOP pour ne plus recevoir de mises à jour." if channel == "sms" else ""
    return subject, text
