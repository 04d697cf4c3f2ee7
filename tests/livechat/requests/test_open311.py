"""Open311 GeoReport v2, exercised as an outside client would: plain HTTP, JSON and XML."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest

from livechat.requests import reference
from livechat.requests.service import RequestFilter
from tests.livechat.requests.conftest import OPEN311_KEY, RequestsGateway

ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
CONTACT = {
    "email": "marie.tremblay@example.org",
    "phone": "613-555-0142",
    "first_name": "Marie",
    "last_name": "Tremblay",
}
PRIVATE_FRAGMENTS = ("marie.tremblay@example.org", "555-0142", "5550142", "Marie", "Tremblay")


async def get(gw: RequestsGateway, path: str, **kwargs: Any) -> tuple[int, str, str]:
    async with gw.http.get(gw.url + path, **kwargs) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def post(gw: RequestsGateway, path: str, **kwargs: Any) -> tuple[int, str, str]:
    async with gw.http.post(gw.url + path, **kwargs) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


def xml(text: str) -> ElementTree.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(text.encode("utf-8"))


def assert_no_contact(text: str) -> None:
    for fragment in PRIVATE_FRAGMENTS:
        assert fragment not in text, fragment


def pothole_form(**overrides: str) -> dict[str, str]:
    form = {
        "api_key": OPEN311_KEY,
        "service_code": "report_pothole",
        "lat": "45.5017",
        "long": "-73.5673",
        "address_string": "1000, rue Sherbrooke Ouest",
        "description": "Trou profond. Rappelez Marie Tremblay au 613-555-0142 "
        "ou marie.tremblay@example.org",
        "attribute[size]": "large",
        "media_url": "https://photos.example/trou.jpg",
        **CONTACT,
    }
    form.update(overrides)
    return form


# -- services ----------------------------------------------------------------------------


async def test_services_json_and_xml_in_both_languages(requests_gateway: RequestsGateway) -> None:
    status, content_type, text = await get(requests_gateway, "/open311/v2/services.json")
    assert status == 200 and content_type.startswith("application/json")
    services = json.loads(text)
    assert len(services) == 12
    pothole = next(s for s in services if s["service_code"] == "report_pothole")
    assert pothole["service_name"] == "Nid-de-poule"  # French by default
    assert pothole["metadata"] is True and pothole["type"] == "realtime"

    _, _, text = await get(requests_gateway, "/open311/v2/services.json?locale=en_CA")
    assert "Pothole" in {s["service_name"] for s in json.loads(text)}
    _, _, text = await get(
        requests_gateway, "/open311/v2/services.json", headers={"Accept-Language": "en-CA,fr;q=0.5"}
    )
    assert "Pothole" in {s["service_name"] for s in json.loads(text)}

    status, content_type, text = await get(requests_gateway, "/open311/v2/services.xml")
    assert status == 200 and content_type == "text/xml; charset=utf-8"
    root = xml(text)
    assert root.tag == "services"
    assert len(root.findall("service")) == 12
    first = root.find("service[service_code='report_sidewalk_snow']")
    assert first is not None
    assert first.findtext("service_name") == "Trottoir mal déneigé ou glacé"
    assert first.findtext("metadata") == "true"


async def test_service_definition_json_and_xml(requests_gateway: RequestsGateway) -> None:
    status, _, text = await get(
        requests_gateway, "/open311/v2/services/report_bulky_items.json?locale=en"
    )
    assert status == 200
    definition = json.loads(text)
    assert definition["service_code"] == "report_bulky_items"
    items = definition["attributes"][0]
    assert items["code"] == "items" and items["datatype"] == "multivaluelist"
    assert items["required"] is True and items["order"] == 1
    assert {"key": "mattress", "name": "Mattress"} in items["values"]

    status, _, text = await get(requests_gateway, "/open311/v2/services/report_bulky_items.xml")
    root = xml(text)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "report_bulky_items"
    attribute = root.find("attributes/attribute[code='items']")
    assert attribute is not None
    assert attribute.findtext("datatype") == "multivaluelist"
    assert attribute.findtext("variable") == "true"
    names = [v.findtext("name") for v in attribute.findall("values/value")]
    assert "Matelas" in names


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_unknown_service_definition_is_404(
    requests_gateway: RequestsGateway, fmt: str
) -> None:
    status, _, text = await get(
        requests_gateway, f"/open311/v2/services/report_ufo.{fmt}?locale=en"
    )
    assert status == 404
    if fmt == "json":
        assert json.loads(text) == [
            {"code": 404, "description": "There is no service “report_ufo”."}
        ]
    else:
        root = xml(text)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert root.findtext("error/description") == "There is no service “report_ufo”."


async def test_unknown_format_is_404(requests_gateway: RequestsGateway) -> None:
    status, _, _ = await get(requests_gateway, "/open311/v2/services.yaml")
    assert status == 404


# -- POST requests -----------------------------------------------------------------------


async def test_post_form_encoded_then_read_back_without_contact_details(
    requests_gateway: RequestsGateway,
) -> None:
    status, _, text = await post(requests_gateway, "/open311/v2/requests.json", data=pothole_form())
    assert status == 201, text
    [created] = json.loads(text)
    ref = created["service_request_id"]
    assert reference.validate(ref)
    assert set(created) == {"service_request_id", "service_notice", "account_id"}

    status, _, text = await get(requests_gateway, f"/open311/v2/requests/{ref}.json")
    assert status == 200
    [found] = json.loads(text)
    assert found["service_request_id"] == ref
    assert found["status"] == "open"
    assert found["service_code"] == "report_pothole"
    assert found["service_name"] == "Nid-de-poule"
    assert found["agency_responsible"] == "Travaux publics – Voirie"
    assert (found["lat"], found["long"]) == (45.5017, -73.5673)
    assert found["address"] == "1000, rue Sherbrooke Ouest"
    assert found["media_url"] == "https://photos.example/trou.jpg"
    assert found["description"].startswith("Trou profond. Rappelez […] au […] ou […]")
    for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_ZONE.match(found[key]), found[key]
    assert_no_contact(text)

    # The contact details were stored (privately) for the department.
    stored = await requests_gateway.service.get(ref)
    assert stored.contact_email == "marie.tremblay@example.org"
    assert stored.contact_phone == "+16135550142"
    assert stored.contact_name == "Marie Tremblay"
    assert stored.channel == "open311"


async def test_post_xml_and_multivalue_attributes(requests_gateway: RequestsGateway) -> None:
    form = [
        ("api_key", OPEN311_KEY),
        ("service_code", "report_bulky_items"),
        ("address_string", "12 Elm Street"),
        ("attribute[items][]", "mattress"),
        ("attribute[items][]", "furniture"),
        ("attribute[item_count]", "2"),
        ("locale", "en"),
    ]
    status, content_type, text = await post(requests_gateway, "/open311/v2/requests.xml", data=form)
    assert status == 201, text
    assert content_type == "text/xml; charset=utf-8"
    root = xml(text)
    assert root.tag == "service_requests"
    ref = root.findtext("request/service_request_id")
    assert ref and reference.validate(ref)
    stored = await requests_gateway.service.get(ref)
    assert stored.attributes == {"items": ["mattress", "furniture"], "item_count": 2}
    assert stored.language == "en"

    status, _, text = await get(requests_gateway, f"/open311/v2/requests/{ref}.xml?locale=en")
    request = xml(text).find("request")
    assert request is not None
    assert request.findtext("service_name") == "Bulky item pickup"
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == ""  # empty element for a missing value


async def test_post_json_body_and_idempotency_header(requests_gateway: RequestsGateway) -> None:
    body = {
        "api_key": OPEN311_KEY,
        "service_code": "report_water_leak",
        "lat": 45.42,
        "long": -75.69,
        "attribute": {"leak_location": "hydrant", "flow": "gushing"},
    }
    headers = {"Idempotency-Key": "partner-app:42"}
    status, _, first = await post(
        requests_gateway, "/open311/v2/requests.json", json=body, headers=headers
    )
    assert status == 201, first
    status, _, again = await post(
        requests_gateway, "/open311/v2/requests.json", json=body, headers=headers
    )
    assert status == 201
    assert json.loads(first)[0]["service_request_id"] == json.loads(again)[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("api_key", [None, "", "wrong-key"])
async def test_post_needs_the_api_key(
    requests_gateway: RequestsGateway, fmt: str, api_key: str | None
) -> None:
    form = pothole_form()
    if api_key is None:
        del form["api_key"]
    else:
        form["api_key"] = api_key
    status, _, text = await post(
        requests_gateway, f"/open311/v2/requests.{fmt}?locale=en", data=form
    )
    assert status == 403
    description = (
        json.loads(text)[0]["description"]
        if fmt == "json"
        else xml(text).findtext("error/description")
    )
    assert description == "invalid or missing api_key"
    assert await requests_gateway.service.list_requests(RequestFilter()) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"service_code": "report_ufo"}, "There is no service “report_ufo”."),
        ({"service_code": ""}, "service_code is required"),
        ({"lat": "", "long": "", "address_string": ""}, "We need the address"),
        ({"lat": "north"}, "coordinate must be a number"),
        ({"description": "x" * 4001}, "The description is too long (4000 characters at most)."),
        ({"attribute[size]": "gigantic"}, "one of: small, medium, large"),
        ({"email": "nope"}, "e-mail address is not valid"),
        ({"media_url": "javascript:alert(1)"}, "http(s)"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_post_bad_input_is_400_with_a_clear_error(
    requests_gateway: RequestsGateway, overrides: dict[str, str], expected: str, fmt: str
) -> None:
    status, _, text = await post(
        requests_gateway,
        f"/open311/v2/requests.{fmt}",
        data=pothole_form(**overrides),
        headers={"Accept-Language": "en"},
    )
    assert status == 400, text
    if fmt == "json":
        [error] = json.loads(text)
        assert error["code"] == 400
        description = error["description"]
    else:
        root = xml(text)
        assert root.findtext("error/code") == "400"
        description = root.findtext("error/description") or ""
    assert expected in description
    assert_no_contact(text)


async def test_post_errors_in_french_by_default(requests_gateway: RequestsGateway) -> None:
    status, _, text = await post(
        requests_gateway,
        "/open311/v2/requests.json",
        data=pothole_form(address_string="", lat="", long=""),
    )
    assert status == 400
    assert (
        json.loads(text)[0]["description"]
        == "Il nous faut l'adresse ou l'endroit exact du problème."
    )


# -- GET requests ------------------------------------------------------------------------


async def file(gw: RequestsGateway, **overrides: str) -> str:
    status, _, text = await post(gw, "/open311/v2/requests.json", data=pothole_form(**overrides))
    assert status == 201, text
    return str(json.loads(text)[0]["service_request_id"])


async def test_get_requests_filters(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    first = await file(gw)
    graffiti = {"attribute[size]": "", "attribute[surface]": "public", "attribute[offensive]": "no"}
    second = await file(gw, service_code="report_graffiti", **graffiti)
    third = await file(gw)
    await gw.service.change_status(third, "closed", "Réparé", "staff", "fr")

    async def refs(query: str) -> list[str]:
        status, _, text = await get(gw, f"/open311/v2/requests.json{query}")
        assert status == 200, text
        assert_no_contact(text)
        return [r["service_request_id"] for r in json.loads(text)]

    assert await refs("") == [third, second, first]  # newest first
    assert await refs("?service_code=report_graffiti") == [second]
    assert await refs("?service_code=report_graffiti,report_pothole") == [third, second, first]
    assert await refs("?status=closed") == [third]
    assert await refs("?status=open") == [second, first]
    assert await refs(f"?service_request_id={first},{third.lower()}") == [third, first]
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(hours=1)).isoformat()
    end = (now + dt.timedelta(hours=1)).isoformat()
    assert len(await refs(f"?start_date={start}&end_date={end}".replace("+", "%2B"))) == 3
    past = (now - dt.timedelta(days=3)).isoformat().replace("+", "%2B")
    assert await refs(f"?end_date={past}") == []
    # A "+" left unencoded arrives as a space: still understood.
    assert len(await refs(f"?start_date={start}")) == 3

    _, _, text = await get(gw, "/open311/v2/requests.xml?status=closed")
    closed = xml(text).find("request")
    assert closed is not None
    assert closed.findtext("status") == "closed"
    assert closed.findtext("status_notes") == "Réparé"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("start_date=yesterday", "start_date must be an ISO 8601 date-time with its zone"),
        ("end_date=2025-03-04T10:00:00", "end_date must be an ISO 8601 date-time with its zone"),
        (
            "start_date=2025-03-05T00:00:00Z&end_date=2025-03-04T00:00:00Z",
            "end_date is before start_date",
        ),
        ("status=pending", "status must be open or closed"),
        ("service_request_id=311-OOO-000-III", "is not a valid reference number"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_get_requests_bad_filters(
    requests_gateway: RequestsGateway, query: str, expected: str, fmt: str
) -> None:
    status, _, text = await get(requests_gateway, f"/open311/v2/requests.{fmt}?{query}&locale=en")
    assert status == 400
    description = (
        json.loads(text)[0]["description"]
        if fmt == "json"
        else xml(text).findtext("error/description")
    )
    assert expected in (description or "")


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_get_unknown_or_mistyped_request_is_404(
    requests_gateway: RequestsGateway, fmt: str
) -> None:
    ref = await file(requests_gateway)
    body = ref[:-1] + ("2" if ref[-1] != "2" else "3")  # a typo in the check character
    for wanted, fragment in ((reference.generate(), "There is no request"), (body, "typo")):
        status, _, text = await get(
            requests_gateway, f"/open311/v2/requests/{wanted}.{fmt}?locale=en"
        )
        assert status == 404
        description = (
            json.loads(text)[0]["description"]
            if fmt == "json"
            else xml(text).findtext("error/description")
        )
        assert fragment in (description or "")


async def test_no_contact_detail_in_any_public_response(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    ref = await file(gw)
    await gw.service.change_status(
        ref, "in_progress", "Nous avons appelé Marie au 613-555-0142", "staff", "fr"
    )
    public_paths = [
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/services/report_pothole.json",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{ref}.json",
        f"/open311/v2/requests/{ref}.xml",
        f"/api/v1/requests/{ref}",
        "/api/v1/services",
    ]
    for path in public_paths:
        status, _, text = await get(gw, path)
        assert status == 200, path
        assert_no_contact(text)
        assert "voirie@ville.example" not in text  # nor the departments' inboxes
