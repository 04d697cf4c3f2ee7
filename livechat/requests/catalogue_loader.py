"""Reading the catalogue file: JSON decoded and validated into a ``Catalogue``.

Every problem is a ``CatalogueError`` naming the file and the path of the faulty value
(e.g. ``services[3] (report_pothole).attributes[0].datatype``), so the city can fix it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from livechat.requests.catalogue import (
    DATATYPES,
    LANGUAGES,
    LIST_DATATYPES,
    LOCATION_MODES,
    MEDIA_MODES,
    Attribute,
    AttributeValue,
    Catalogue,
    Department,
    Localized,
    Service,
)
from livechat.requests.errors import CatalogueError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "catalogue" / "services.json"

_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Reader:
    """Walks the raw JSON, raising ``CatalogueError`` with the path of what is wrong."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def key(self, obj: Mapping[str, Any], name: str, where: str) -> Any:
        if name not in obj:
            raise self.fail(where, f"missing {name!r}")
        return obj[name]

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "expected a non-empty string")
        return value.strip()

    def localized(self, value: object, where: str) -> Localized:
        obj = self.mapping(value, where)
        missing = [lang for lang in LANGUAGES if lang not in obj]
        if missing:
            raise self.fail(where, f"missing the {' and '.join(missing)} text")
        return Localized(self.text(obj["fr"], f"{where}.fr"), self.text(obj["en"], f"{where}.en"))

    def boolean(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "expected true or false")
        return value

    def integer(self, value: object, where: str, minimum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(where, f"expected a whole number >= {minimum}")
        return value

    def choice(self, value: object, where: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(where, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def code(self, value: object, where: str) -> str:
        text = self.text(value, where)
        if not _CODE_RE.match(text):
            raise self.fail(where, f"{text!r} must be lower-case letters, digits and _")
        return text


def _read_department(reader: _Reader, key: str, raw: object) -> Department:
    where = f"departments.{key}"
    obj = reader.mapping(raw, where)
    email = reader.text(reader.key(obj, "email", where), f"{where}.email")
    if not _EMAIL_RE.match(email):
        raise reader.fail(f"{where}.email", f"{email!r} is not an e-mail address")
    return Department(
        key=key,
        name=reader.localized(reader.key(obj, "name", where), f"{where}.name"),
        email=email,
        language=reader.choice(reader.key(obj, "language", where), f"{where}.language", LANGUAGES),
    )


def _read_attribute(reader: _Reader, raw: object, where: str) -> Attribute:
    obj = reader.mapping(raw, where)
    datatype = reader.choice(reader.key(obj, "datatype", where), f"{where}.datatype", DATATYPES)
    values: list[AttributeValue] = []
    raw_values = obj.get("values", [])
    if not isinstance(raw_values, list):
        raise reader.fail(f"{where}.values", "expected a list")
    if datatype in LIST_DATATYPES and not raw_values:
        raise reader.fail(f"{where}.values", f"a {datatype} needs at least one value")
    if datatype not in LIST_DATATYPES and raw_values:
        raise reader.fail(f"{where}.values", f"only list datatypes have values, not {datatype}")
    for index, raw_value in enumerate(raw_values):
        value_where = f"{where}.values[{index}]"
        value_obj = reader.mapping(raw_value, value_where)
        key = reader.text(reader.key(value_obj, "key", value_where), f"{value_where}.key")
        if key in {v.key for v in values}:
            raise reader.fail(f"{value_where}.key", f"duplicate key {key!r}")
        name = reader.localized(reader.key(value_obj, "name", value_where), f"{value_where}.name")
        values.append(AttributeValue(key, name))
    return Attribute(
        code=reader.code(reader.key(obj, "code", where), f"{where}.code"),
        datatype=datatype,
        required=reader.boolean(reader.key(obj, "required", where), f"{where}.required"),
        order=reader.integer(reader.key(obj, "order", where), f"{where}.order", 1),
        description=reader.localized(reader.key(obj, "description", where), f"{where}.description"),
        values=tuple(values),
    )


def _read_keywords(reader: _Reader, raw: object, where: str) -> dict[str, tuple[str, ...]]:
    obj = reader.mapping(raw, where)
    keywords: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        words = reader.key(obj, lang, where)
        if not isinstance(words, list) or not words:
            raise reader.fail(f"{where}.{lang}", "expected a non-empty list of words")
        keywords[lang] = tuple(reader.text(w, f"{where}.{lang}[{i}]") for i, w in enumerate(words))
    return keywords


def _read_service(
    reader: _Reader, raw: object, where: str, departments: Mapping[str, Department]
) -> Service:
    obj = reader.mapping(raw, where)
    code = reader.code(reader.key(obj, "service_code", where), f"{where}.service_code")
    where = f"{where} ({code})"
    department_key = reader.text(reader.key(obj, "department", where), f"{where}.department")
    if department_key not in departments:
        raise reader.fail(
            f"{where}.department",
            f"unknown department {department_key!r} (defined: {', '.join(departments)})",
        )
    raw_attributes = obj.get("attributes", [])
    if not isinstance(raw_attributes, list):
        raise reader.fail(f"{where}.attributes", "expected a list")
    attributes = [
        _read_attribute(reader, a, f"{where}.attributes[{i}]") for i, a in enumerate(raw_attributes)
    ]
    for kind in ("code", "order"):
        seen = [getattr(a, kind) for a in attributes]
        if len(seen) != len(set(seen)):
            raise reader.fail(f"{where}.attributes", f"two attributes share the same {kind}")
    return Service(
        code=code,
        name=reader.localized(reader.key(obj, "name", where), f"{where}.name"),
        description=reader.localized(reader.key(obj, "description", where), f"{where}.description"),
        keywords=_read_keywords(reader, reader.key(obj, "keywords", where), f"{where}.keywords"),
        group=reader.localized(reader.key(obj, "group", where), f"{where}.group"),
        department=departments[department_key],
        target_business_days=reader.integer(
            reader.key(obj, "target_business_days", where), f"{where}.target_business_days", 0
        ),
        location=reader.choice(
            obj.get("location", "required"), f"{where}.location", LOCATION_MODES
        ),
        description_required=reader.boolean(
            obj.get("description_required", False), f"{where}.description_required"
        ),
        media=reader.choice(obj.get("media", "optional"), f"{where}.media", MEDIA_MODES),
        attributes=tuple(sorted(attributes, key=lambda a: a.order)),
    )


def parse_catalogue(data: object, source: str = "catalogue") -> Catalogue:
    """Validate decoded JSON into a ``Catalogue``; ``CatalogueError`` says what and where."""
    reader = _Reader(source)
    root = reader.mapping(data, "top level")
    raw_departments = reader.mapping(reader.key(root, "departments", "top level"), "departments")
    if not raw_departments:
        raise reader.fail("departments", "at least one department is needed")
    departments = {key: _read_department(reader, key, raw) for key, raw in raw_departments.items()}
    raw_services = reader.key(root, "services", "top level")
    if not isinstance(raw_services, list) or not raw_services:
        raise reader.fail("services", "expected a non-empty list")
    services: dict[str, Service] = {}
    for index, raw in enumerate(raw_services):
        service = _read_service(reader, raw, f"services[{index}]", departments)
        if service.code in services:
            raise reader.fail(f"services[{index}]", f"duplicate service_code {service.code!r}")
        services[service.code] = service
    default_language = reader.choice(
        root.get("default_language", "fr"), "default_language", LANGUAGES
    )
    return Catalogue(services, departments, default_language)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the catalogue file (default ``livechat/catalogue/services.json``)."""
    file = Path(path) if path else DEFAULT_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{file}: cannot read the service catalogue ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{file}: the service catalogue is not UTF-8 ({exc.reason})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"{file}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    return parse_catalogue(data, str(file))
