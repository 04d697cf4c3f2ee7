"""HTTP helpers shared by the Open311 face and the JSON API: language, bodies, errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from livechat.requests.errors import RequestsError
from livechat.storable import storable_json, storable_text

NO_STORE = {"Cache-Control": "no-store"}


def language_of(request: web.Request, default: str = "fr") -> str:
    """``?locale=``/``?lang=`` (fr, fr_CA, en-CA...), else Accept-Language, else ``default``."""
    explicit = request.query.get("locale") or request.query.get("lang")
    if explicit:
        return "en" if explicit.lower().startswith("en") else "fr"
    header = request.headers.get("Accept-Language", "")
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        if code not in ("fr", "en"):
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if best is None or quality > best[0]:
            best = (quality, code)
    return best[1] if best else default


async def read_form_or_json(request: web.Request) -> MultiDict[Any]:
    """The body as a multidict: form-encoded (Open311's format) or a JSON object."""
    if request.content_type == "application/json":
        try:
            data = storable_json(await request.json())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise BadRequest("the JSON body is not valid", "Le corps JSON est invalide.") from error
        if not isinstance(data, Mapping):
            raise BadRequest("the JSON body must be an object", "Le corps JSON doit être un objet.")
        result: MultiDict[Any] = MultiDict()
        for key, value in data.items():
            for item in value if isinstance(value, list) and key != "attribute" else [value]:
                result.add(str(key), item)
        return result
    try:
        form: MultiDictProxy[Any] = await request.post()
    except (UnicodeDecodeError, ValueError, LookupError) as error:  # not UTF-8, bad multipart
        raise BadRequest(
            "the form body is not valid", "Le corps du formulaire est invalide."
        ) from error
    # What no database can store (NUL, lone surrogates) becomes U+FFFD: see livechat.storable.
    return MultiDict((storable_text(key), storable_json(value)) for key, value in form.items())


class BadRequest(RequestsError):
    """Malformed HTTP input (not JSON, bad date...)."""

    code = "bad_request"

    def __init__(self, en: str, fr: str, field: str | None = None) -> None:
        super().__init__(en, fr=fr, en=en)
        self.field = field


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    """Open311 XML: a list of dicts as ``<root><item>...``, or one dict directly in ``<root>``."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        assert item is not None
        for entry in data:
            _fill(ElementTree.SubElement(element, item), entry)
    else:
        _fill(element, data)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    # ElementTree writes a single-quoted declaration; Open311 examples use the usual form.
    return body.replace(
        b"<?xml version='1.0' encoding='utf-8'?>", b'<?xml version="1.0" encoding="UTF-8"?>'
    )


_CHILD_NAMES = {"attributes": "attribute", "values": "value"}


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        name = _CHILD_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def open311_response(
    fmt: str, root: str, item: str | None, data: Any, status: int = 200
) -> web.Response:
    """An Open311 answer in JSON or XML (UTF-8)."""
    if fmt == "xml":
        return web.Response(
            body=to_xml(root, item, data), status=status, content_type="text/xml", charset="utf-8"
        )
    return web.json_response(data, status=status, dumps=_dumps)


def open311_error(fmt: str, status: int, description: str) -> web.Response:
    """Open311 errors: ``[{"code": 400, "description": "..."}]`` / ``<errors><error>``."""
    return open311_response(
        fmt, "errors", "error", [{"code": status, "description": description}], status
    )


def api_error(status: int, error: RequestsError) -> web.Response:
    """The JSON API's error shape: code, field, message in both languages."""
    body = {
        "error": error.code,
        "field": getattr(error, "field", None),
        "message": {"fr": error.fr, "en": error.en},
    }
    return web.json_response(body, status=status, headers=NO_STORE, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
