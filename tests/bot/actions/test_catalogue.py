"""CatalogueCache: the catalogue from GET /api/v1/services, cached, surviving a gateway outage."""

from __future__ import annotations

from typing import Any

import pytest

from bot.actions.catalogue import CatalogueCache
from bot.actions.gateway_client import GatewayClient, GatewayUnavailable
from tests.bot.actions.conftest import FakeGateway


async def test_service_from_the_gateway(
    gateway: FakeGateway, catalogue_body: dict[str, Any]
) -> None:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    cache = CatalogueCache(GatewayClient(gateway.url))
    pothole = await cache.service("report_pothole")
    assert pothole is not None
    assert pothole.name == {"fr": "Nid-de-poule", "en": "Pothole"}
    assert pothole.location == "required"
    assert [a.code for a in pothole.required_attributes] == ["size"]
    assert [c.key for c in pothole.required_attributes[0].choices] == ["small", "medium", "large"]
    assert await cache.service("report_unicorn") is None
    assert len(gateway.received) == 1  # cached


async def test_refetched_after_the_ttl(
    gateway: FakeGateway, catalogue_body: dict[str, Any]
) -> None:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    cache = CatalogueCache(GatewayClient(gateway.url), ttl=0)
    await cache.service("report_pothole")
    await cache.service("report_pothole")
    assert len(gateway.received) == 2


async def test_stale_catalogue_is_kept_when_the_gateway_goes_down(
    gateway: FakeGateway, catalogue_body: dict[str, Any]
) -> None:
    gateway.reply("GET", "/api/v1/services", 200, catalogue_body)
    cache = CatalogueCache(GatewayClient(gateway.url), ttl=0)
    assert await cache.service("report_animal") is not None
    gateway.reply("GET", "/api/v1/services", 503, "down")
    assert await cache.service("report_animal") is not None


async def test_no_catalogue_at_all(closed_port_url: str) -> None:
    with pytest.raises(GatewayUnavailable):
        await CatalogueCache(GatewayClient(closed_port_url)).service("report_pothole")


async def test_malformed_catalogue_is_unavailable(gateway: FakeGateway) -> None:
    gateway.reply("GET", "/api/v1/services", 200, {"services": "nope"})
    with pytest.raises(GatewayUnavailable):
        await CatalogueCache(GatewayClient(gateway.url)).service("report_pothole")
