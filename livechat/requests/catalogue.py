"""The service catalogue: one city-editable JSON file, validated at load time.

``livechat/catalogue/services.json`` lists the departments and the services (the Open311
``service_code``s, which are also the bot's ``report_*`` intents plus ``complaint`` and
``suggestion``), each with French and English names, keywords, its department, a target
resolution delay in business days and its Open311 attributes. The gateway and the bot
(over HTTP, ``GET /api/v1/services``) read the same file. This module is the in-memory
model; ``catalogue_loader`` reads and validates the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from livechat.requests.errors import UnknownService, ValidationError

LANGUAGES = ("fr", "en")
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
LOCATION_MODES = ("required", "optional", "none")
MEDIA_MODES = ("optional", "none")
MAX_STRING = 255
MAX_TEXT = 4000


AttributeValueType = str | int | float | list[str]


@dataclass(frozen=True)
class Localized:
    """A text in French and English."""

    fr: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language`` (French unless "en")."""
        return self.en if language == "en" else self.fr

    def as_dict(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


@dataclass(frozen=True)
class AttributeValue:
    """One choice of a list attribute (Open311 ``values``)."""

    key: str
    name: Localized


@dataclass(frozen=True)
class Attribute:
    """An Open311 service attribute: an extra detail the service needs."""

    code: str
    datatype: str
    required: bool
    order: int
    description: Localized
    values: tuple[AttributeValue, ...] = ()

    def parse(self, raw: object) -> AttributeValueType:
        """Check and normalise a submitted value; raises a bilingual ``ValidationError``."""
        field_name = f"attribute[{self.code}]"
        if self.datatype == "multivaluelist":
            items = raw if isinstance(raw, list) else [raw]
            keys = [str(item).strip() for item in items if str(item).strip()]
            for key in keys:
                self._check_key(key)
            return list(dict.fromkeys(keys))
        if isinstance(raw, list):
            if len(raw) != 1:
                raise self._invalid("expects a single value", "une seule valeur", "a single value")
            raw = raw[0]
        if self.datatype == "number":
            return self._parse_number(raw)
        text = str(raw).strip()
        if self.datatype == "singlevaluelist":
            self._check_key(text)
            return text
        if self.datatype == "datetime":
            return _parse_datetime_value(text, self, field_name)
        limit = MAX_TEXT if self.datatype == "text" else MAX_STRING
        if len(text) > limit:
            raise self._invalid(
                f"is longer than {limit} characters",
                f"au plus {limit} caractères",
                f"at most {limit} characters",
            )
        return text

    def _parse_number(self, raw: object) -> int | float:
        if isinstance(raw, bool):
            raise self._invalid("is not a number", "un nombre", "a number")
        try:
            number = raw if isinstance(raw, int | float) else float(str(raw))
        except (TypeError, ValueError):
            raise self._invalid("is not a number", "un nombre", "a number") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise self._invalid("is not a number", "un nombre", "a number")
        return int(number) if float(number).is_integer() else number

    def _check_key(self, key: str) -> None:
        if key not in {value.key for value in self.values}:
            allowed = ", ".join(value.key for value in self.values)
            raise self._invalid(
                f"must be one of {allowed}", f"l'un de : {allowed}", f"one of: {allowed}"
            )

    def _invalid(self, reason: str, fr_expected: str, en_expected: str) -> ValidationError:
        return ValidationError(
            f"attribute {self.code!r} {reason}",
            field=f"attribute[{self.code}]",
            fr=f"« {self.description.fr} » : la réponse doit être {fr_expected}.",
            en=f"“{self.description.en}”: the answer must be {en_expected}.",
        )

    def to_open311(self, language: str) -> dict[str, Any]:
        """The attribute as in an Open311 service definition."""
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": None,
            "order": self.order,
            "description": self.description.get(language),
            "values": [{"key": v.key, "name": v.name.get(language)} for v in self.values],
        }

    def as_dict(self) -> dict[str, Any]:
        """Both languages, for the bot."""
        return {
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "order": self.order,
            "description": self.description.as_dict(),
            "values": [{"key": v.key, "name": v.name.as_dict()} for v in self.values],
        }


def _parse_datetime_value(text: str, attribute: Attribute, field_name: str) -> str:
    """Accept an ISO date (2025-03-04) or an ISO datetime with its zone; return it as ISO."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError(
            f"attribute {attribute.code!r} is not an ISO 8601 date or datetime with zone",
            field=field_name,
            fr=f"« {attribute.description.fr} » : la date doit être au format AAAA-MM-JJ.",
            en=f"“{attribute.description.en}”: the date must be in the form YYYY-MM-DD.",
        )
    return parsed.isoformat()


@dataclass(frozen=True)
class Department:
    """Where requests of a service are routed (by email, in the department's language)."""

    key: str
    name: Localized
    email: str
    language: str


@dataclass(frozen=True)
class Service:
    """A service a citizen can request; its code is the Open311 ``service_code``."""

    code: str
    name: Localized
    description: Localized
    keywords: Mapping[str, tuple[str, ...]]
    group: Localized
    department: Department
    target_business_days: int
    location: str
    description_required: bool
    media: str
    attributes: tuple[Attribute, ...] = field(default=())

    def attribute(self, code: str) -> Attribute | None:
        return next((a for a in self.attributes if a.code == code), None)

    def validate_attributes(self, raw: Mapping[str, object]) -> dict[str, AttributeValueType]:
        """Check submitted attributes against the definition; return normalised values.

        Unknown codes and missing required attributes are ``ValidationError``s with a
        message in both languages.
        """
        # Empty fields are what web forms send for details they did not show: ignore them.
        given = {code for code, value in raw.items() if value not in (None, "", [])}
        unknown = sorted(given - {a.code for a in self.attributes})
        if unknown:
            names = ", ".join(unknown)
            raise ValidationError(
                f"unknown attribute(s) for {self.code}: {names}",
                field=f"attribute[{unknown[0]}]",
                fr=f"Détail inconnu pour « {self.name.fr} » : {names}.",
                en=f"Unknown detail for “{self.name.en}”: {names}.",
            )
        values: dict[str, AttributeValueType] = {}
        for attribute in self.attributes:
            submitted = raw.get(attribute.code)
            empty = submitted is None or submitted == "" or submitted == []
            if empty:
                if attribute.required:
                    raise ValidationError(
                        f"attribute {attribute.code!r} is required for {self.code}",
                        field=f"attribute[{attribute.code}]",
                        fr=f"Il manque un détail obligatoire : « {attribute.description.fr} »",
                        en=f"A required detail is missing: “{attribute.description.en}”",
                    )
                continue
            value = attribute.parse(submitted)
            if attribute.required and value == []:
                raise ValidationError(
                    f"attribute {attribute.code!r} is required for {self.code}",
                    field=f"attribute[{attribute.code}]",
                    fr=f"Il manque un détail obligatoire : « {attribute.description.fr} »",
                    en=f"A required detail is missing: “{attribute.description.en}”",
                )
            values[attribute.code] = value
        return values

    def to_open311(self, language: str) -> dict[str, Any]:
        """The service as listed by Open311 ``GET services``."""
        return {
            "service_code": self.code,
            "service_name": self.name.get(language),
            "description": self.description.get(language),
            "metadata": bool(self.attributes),
            "type": "realtime",
            "keywords": ", ".join(self.keywords.get(language, ())),
            "group": self.group.get(language),
        }

    def as_dict(self) -> dict[str, Any]:
        """Both languages and every detail the bot needs (no department e-mail)."""
        return {
            "service_code": self.code,
            "name": self.name.as_dict(),
            "description": self.description.as_dict(),
            "keywords": {lang: list(words) for lang, words in self.keywords.items()},
            "group": self.group.as_dict(),
            "department": self.department.name.as_dict(),
            "target_business_days": self.target_business_days,
            "location": self.location,
            "description_required": self.description_required,
            "media": self.media,
            "attributes": [a.as_dict() for a in self.attributes],
        }


@dataclass(frozen=True)
class Catalogue:
    """Every service and department, by code."""

    services: Mapping[str, Service]
    departments: Mapping[str, Department]
    default_language: str = "fr"

    def get(self, code: str) -> Service:
        """The service with this code; ``UnknownService`` (bilingual) otherwise."""
        service = self.services.get(code)
        if service is None:
            raise UnknownService(
                f"unknown service_code {code!r}",
                field="service_code",
                fr=f"Le service « {code} » n'existe pas.",
                en=f"There is no service “{code}”.",
            )
        return service

    def as_dict(self) -> dict[str, Any]:
        """The catalogue in both languages, as served to the bot."""
        return {
            "default_language": self.default_language,
            "services": [service.as_dict() for service in self.services.values()],
        }
