"""The service catalogue as the gateway serves it (`GET /api/v1/services`), cached briefly.

One catalogue, edited by the city, used by the gateway and the bot alike: the bot asks exactly
the details a service needs (location, description, required attributes) in the words of the
catalogue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bot.actions.gateway_client import GatewayClient, GatewayUnavailable

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Choice:
    """One value of a list attribute: its key and names {"fr", "en"}."""

    key: str
    name: dict[str, str]


@dataclass(frozen=True)
class Attribute:
    """A detail a service needs (Open311 attribute)."""

    code: str
    datatype: str
    required: bool
    order: int
    question: dict[str, str]
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class Service:
    """What the bot needs to know about a service to file it."""

    code: str
    name: dict[str, str]
    location: str  # "required", "optional" or "none"
    description_required: bool
    attributes: tuple[Attribute, ...]

    @property
    def required_attributes(self) -> tuple[Attribute, ...]:
        """The attributes to ask for, in the catalogue's order (optional ones are skipped)."""
        return tuple(sorted((a for a in self.attributes if a.required), key=lambda a: a.order))

    def attribute(self, code: str) -> Attribute | None:
        """The attribute with this code, if the service has one."""
        return next((a for a in self.attributes if a.code == code), None)


def _names(value: Any) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {lang: str(value.get(lang) or "") for lang in ("fr", "en")}


def parse_service(data: dict[str, Any]) -> Service:
    """A service from its JSON (livechat/requests/catalogue.py `Service.as_dict`)."""
    attributes = []
    for raw in data.get("attributes") or []:
        choices = tuple(
            Choice(str(v.get("key")), _names(v.get("name"))) for v in raw.get("values") or []
        )
        attributes.append(
            Attribute(
                code=str(raw.get("code")),
                datatype=str(raw.get("datatype") or "string"),
                required=bool(raw.get("required")),
                order=int(raw.get("order") or 0),
                question=_names(raw.get("description")),
                choices=choices,
            )
        )
    return Service(
        code=str(data.get("service_code")),
        name=_names(data.get("name")),
        location=str(data.get("location") or "none"),
        description_required=bool(data.get("description_required")),
        attributes=tuple(attributes),
    )


class CatalogueCache:
    """Services by code, fetched from the gateway at most every `CACHE_SECONDS`."""

    def __init__(self, client: GatewayClient, ttl: float = CACHE_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._services: dict[str, Service] = {}
        self._fetched_at = -float("inf")

    async def service(self, code: str) -> Service | None:
        """The service, or None if the catalogue has no such code.

        Raises GatewayUnavailable when the catalogue cannot be fetched and none is cached.
        """
        if time.monotonic() - self._fetched_at > self._ttl:
            try:
                data = await self._client.get_services()
            except GatewayUnavailable:
                if not self._services:
                    raise
            else:
                self._services = {s.code: s for s in (parse_service(raw) for raw in data) if s.code}
                self._fetched_at = time.monotonic()
        return self._services.get(code)
