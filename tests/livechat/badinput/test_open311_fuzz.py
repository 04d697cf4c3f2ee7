"""Fuzzing the Open311 GeoReport v2 face: POST parameters (form and JSON), GET filters, codes.

Invariants: never a 5xx; an error is Open311's `[{"code", "description"}]` with a non-empty
description; a refused POST stores nothing; an accepted one is read back with its description
as sent; contact details never appear in an answer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from sqlalchemy import func, select

from livechat import keys
from livechat.requests.models import ServiceRequest
from livechat.storable import storable_text
from tests.livechat.badinput.fuzz import HOSTILE_STRINGS, any_text, fuzz, json_values
from tests.livechat.requests.conftest import OPEN311_KEY, RequestsGateway

ACCEPTED: list[int] = []  # how many fuzzed POSTs were filed (the fuzzing must reach that far)
SERVICE_CODES = ("report_pothole", "report_graffiti", "report_missed_collection", "complaint")
EMAIL = "jeanne.fuzz@example.org"
PHONE = "819-555-0177"
# Form values a client can encode (a lone surrogate cannot be sent as UTF-8).
form_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from([t for t in HOSTILE_STRINGS if "\ud800" not in t]),
)
numbers_as_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["45.5", "-73.6", "91", "1e400", "0x10", " 45 ", "", "NaN"]),
    st.sampled_from(["46.49", "-80.99"]),
    form_text,
)
post_forms = st.fixed_dictionaries(
    {
        "api_key": st.just(OPEN311_KEY),
        "service_code": st.one_of(st.sampled_from(SERVICE_CODES), form_text),
        "description": form_text,
    },
    optional={
        "lat": numbers_as_text,
        "long": numbers_as_text,
        "address_string": form_text,
        "address_id": form_text,
        "email": st.one_of(st.just(EMAIL), form_text),
        "phone": st.one_of(st.just(PHONE), form_text),
        "first_name": form_text,
        "media_url": form_text,
        "attribute[size]": st.one_of(st.just("large"), form_text),
        "attribute[x][]": form_text,
        "locale": st.sampled_from(["en", "fr", "de", ""]),
    },
)


async def request_count(gw: RequestsGateway) -> int:
    async with gw.app[keys.DB_SESSIONMAKER]() as session:
        return int(await session.scalar(select(func.count()).select_from(ServiceRequest)) or 0)


def assert_open311_error(status: int, body: str) -> None:
    errors = json.loads(body)
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["code"] == status and errors[0]["description"].strip()


def assert_no_contact(body: str) -> None:
    for fragment in (EMAIL, PHONE, "5550177"):
        assert fragment not in body


async def check_post(gw: RequestsGateway, data: bytes, content_type: str, sent: Any) -> None:
    before = await request_count(gw)
    async with gw.http.post(
        gw.url + "/open311/v2/requests.json", data=data, headers={"Content-Type": content_type}
    ) as response:
        status, body = response.status, await response.text()
    assert status < 500, body
    assert_no_contact(body)
    if status != 201:
        assert status in (400, 403), body
        assert_open311_error(status, body)
        assert await request_count(gw) == before
        return
    assert await request_count(gw) == before + 1
    ACCEPTED.append(1)
    ref = json.loads(body)[0]["service_request_id"]
    async with gw.http.get(gw.url + f"/open311/v2/requests/{quote(ref)}.json") as response:
        assert response.status == 200
        read_back = await response.text()
    assert_no_contact(read_back)
    description = sent.get("description")
    if isinstance(description, str) and description.strip():
        # Stored as sent (the public view may redact the contact's name from it).
        async with gw.app[keys.DB_SESSIONMAKER]() as session:
            row = await session.scalar(
                select(ServiceRequest).where(ServiceRequest.service_request_id == ref)
            )
        assert row is not None and row.description == storable_text(description).strip()


async def test_post_form_with_any_parameters(requests_gateway: RequestsGateway) -> None:
    async def one(form: dict[str, str]) -> None:
        body = urlencode(form).encode()
        await check_post(requests_gateway, body, "application/x-www-form-urlencoded", form)

    ACCEPTED.clear()
    # Half the examples are valid requests with a fuzzed description and contact details.
    filed = st.fixed_dictionaries(
        {
            "api_key": st.just(OPEN311_KEY),
            "service_code": st.just("report_pothole"),
            "lat": st.just("46.49"),
            "long": st.just("-80.99"),
            "attribute[size]": st.just("large"),
            "description": form_text,
        },
        optional={"email": st.just(EMAIL), "phone": st.just(PHONE), "first_name": form_text},
    )
    await fuzz(st.one_of(post_forms, filed), one)
    assert ACCEPTED, "no fuzzed form was valid enough to be filed"


async def test_post_json_with_any_values(requests_gateway: RequestsGateway) -> None:
    shapes = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"api_key": st.just(OPEN311_KEY), "service_code": st.sampled_from(SERVICE_CODES)},
            optional={
                "description": st.one_of(any_text, json_values),
                "lat": json_values,
                "long": json_values,
                "address_string": json_values,
                "attribute": json_values,
                "media_url": json_values,
                "email": json_values,
            },
        ),
    )

    async def one(data: Any) -> None:
        body = json.dumps(data).encode()  # lone surrogates travel as \ud800 escapes
        await check_post(
            requests_gateway, body, "application/json", data if isinstance(data, dict) else {}
        )

    await fuzz(shapes, one)


async def test_get_requests_with_any_filters(requests_gateway: RequestsGateway) -> None:
    queries = st.dictionaries(
        st.sampled_from(
            ["service_request_id", "service_code", "status", "start_date", "end_date", "lang", "x"]
        ),
        form_text,
        max_size=4,
    )

    async def one(query: dict[str, str]) -> None:
        for fmt in ("json", "xml"):
            url = f"{requests_gateway.url}/open311/v2/requests.{fmt}?{urlencode(query)}"
            async with requests_gateway.http.get(url) as response:
                status, body = response.status, await response.text()
            assert status in (200, 400), body
            if status == 400 and fmt == "json":
                assert_open311_error(status, body)

    await fuzz(queries, one)


async def test_get_services_and_requests_with_any_path(requests_gateway: RequestsGateway) -> None:
    async def one(case: tuple[str, str, str]) -> None:
        kind, code, fmt = case
        path = f"/open311/v2/{kind}/{quote(code, safe='')}.{quote(fmt, safe='')}"
        async with requests_gateway.http.get(requests_gateway.url + path) as response:
            assert response.status in (200, 404), await response.text()

    await fuzz(
        st.tuples(
            st.sampled_from(["services", "requests"]),
            st.one_of(st.sampled_from(SERVICE_CODES), form_text.filter(bool)),
            st.sampled_from(["json", "xml", "html", "JSON"]),
        ),
        one,
    )


async def test_raw_bodies_never_give_a_server_error(requests_gateway: RequestsGateway) -> None:
    bodies = st.tuples(
        st.binary(max_size=200),
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/json",
                "multipart/form-data; boundary=xyz",
                "text/xml",
            ]
        ),
    )

    async def one(case: tuple[bytes, str]) -> None:
        body, content_type = case
        for fmt in ("json", "xml"):
            async with requests_gateway.http.post(
                f"{requests_gateway.url}/open311/v2/requests.{fmt}?api_key={OPEN311_KEY}",
                data=body,
                headers={"Content-Type": content_type},
            ) as response:
                assert response.status in (400, 403), await response.text()

    await fuzz(bodies, one)
    assert await request_count(requests_gateway) == 0


async def test_hostile_descriptions_are_stored_verbatim(requests_gateway: RequestsGateway) -> None:
    for text in HOSTILE_STRINGS:
        form = {
            "api_key": OPEN311_KEY,
            "service_code": "report_pothole",
            "lat": "46.49",
            "long": "-80.99",
            "attribute": {"size": "large"},
            "description": f"x {text} y",
        }
        body = json.dumps(form).encode()  # JSON: the lone surrogate too
        async with requests_gateway.http.post(
            requests_gateway.url + "/open311/v2/requests.json",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.status == 201, await response.text()
            ref = json.loads(await response.text())[0]["service_request_id"]
        async with requests_gateway.http.get(
            requests_gateway.url + f"/open311/v2/requests/{ref}.json"
        ) as response:
            stored = json.loads(await response.text())[0]["description"]
        assert stored == storable_text(f"x {text} y"), text
