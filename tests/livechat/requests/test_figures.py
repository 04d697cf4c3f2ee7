"""Planning figures (livechat.requests.figures and GET /api/v1/figures) on SQLite and
PostgreSQL: exact values on data seeded through the service and store layers, the period
(city time, across a DST change), and who may read them."""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import livechat.agents
import livechat.requests
from livechat import keys
from livechat.agents.accounts import AgentAccounts
from livechat.agents.assignment import AssignmentStore
from livechat.agents.settings import AgentSettings
from livechat.app import create_app
from livechat.conversations.store import ConversationStore
from livechat.models import AgentRole, ConversationStatus, Direction, Message, Sender
from livechat.requests import subscriptions
from livechat.requests.catalogue import Catalogue
from livechat.requests.figures import Period, compute, parse_period
from livechat.requests.http import BadRequest
from livechat.requests.models import SurveyResponse
from livechat.requests.service import RequestService
from livechat.requests.validation import NewRequest
from livechat.settings import Settings
from tests.livechat.requests.conftest import STAFF_TOKEN, Clock, RequestsGateway

TORONTO = ZoneInfo("America/Toronto")
PASSWORD = "correct horse battery"
# Required details of the services used below.
DETAILS: dict[str, dict[str, object]] = {
    "report_pothole": {"size": "small"},
    "report_streetlight": {"problem": "out"},
    "report_missed_collection": {"collection_type": "garbage"},
    "report_water_leak": {"leak_location": "street", "flow": "steady"},
    "report_graffiti": {"surface": "public", "offensive": "no"},
}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> dt.datetime:
    """A city-time instant in 2025 (March 9 is the switch to daylight time)."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=TORONTO).astimezone(dt.UTC)


def figure(body: dict[str, Any], key: str) -> dict[str, Any]:
    found = [f for f in body["figures"] if f["key"] == key]
    assert len(found) == 1, key
    assert set(found[0]["label"]) == {"fr", "en"} and all(found[0]["label"].values())
    return found[0]


def values(body: dict[str, Any], key: str) -> dict[str, Any]:
    """A list figure as {item key: value}, only the non-zero / non-null items."""
    return {i["key"]: i["value"] for i in figure(body, key)["value"] if i["value"]}


async def file(
    service: RequestService, clock: Clock, when: dt.datetime, code: str, **extra: Any
) -> str:
    clock.now = when
    new = NewRequest(
        service_code=code, address="12, rue Principale", attributes=DETAILS[code], **extra
    )
    request, _ = await service.create_request(new)
    return request.service_request_id


async def status(
    service: RequestService, clock: Clock, when: dt.datetime, ref: str, new: str
) -> None:
    clock.now = when
    change = await service.change_status(ref, new, None, by="staff", language="fr")
    assert change.changed


async def seed_requests(service: RequestService, clock: Clock) -> dict[str, str]:
    """Five requests filed from March 1 to 10, two outside; four closings in the period."""
    refs = {
        "r1": await file(service, clock, at(3, 10), "report_pothole"),
        "r2": await file(service, clock, at(3, 12), "report_pothole", channel="sms", language="en"),
        "r3": await file(service, clock, at(4, 8), "report_streetlight", channel="open311"),
        "r4": await file(service, clock, at(5, 9), "report_missed_collection", channel="agent"),
        # March 10, 23:30 EDT: still in a period ending on March 10 (daylight time).
        "r7": await file(service, clock, at(10, 23, 30), "report_water_leak", language="en"),
        # Before and after the period.
        "r5": await file(service, clock, at(20, 10, month=2), "report_pothole"),
        "r6": await file(service, clock, at(11, 0, 15), "report_graffiti"),
        "r8": await file(service, clock, at(25, 10, month=2), "report_pothole"),
    }
    await status(service, clock, at(4, 10), refs["r1"], "closed")  # 24 h
    await status(service, clock, at(4, 9), refs["r2"], "in_progress")
    await status(service, clock, at(5, 0), refs["r2"], "closed")  # 36 h
    await status(service, clock, at(4, 14), refs["r3"], "closed")  # reopened, then
    await status(service, clock, at(5, 9), refs["r3"], "open")
    await status(service, clock, at(6, 8), refs["r3"], "closed")  # 48 h: the last closing
    await status(service, clock, at(3, 20), refs["r5"], "closed")  # filed Feb 20: 274 h
    await status(service, clock, at(12, 10), refs["r8"], "closed")  # closed after the period
    await status(service, clock, at(5, 10), refs["r4"], "in_progress")  # not closed
    return refs


async def set_times(
    sessionmaker: async_sessionmaker[AsyncSession], model: Any, ids: dict[Any, dt.datetime]
) -> None:
    """The store and service stamp rows with the real time; move them to seeded instants."""
    async with sessionmaker.begin() as session:
        for row_id, when in ids.items():
            await session.execute(update(model).where(model.id == row_id).values(created_at=when))


async def seed_conversations(
    sessionmaker: async_sessionmaker[AsyncSession], service: RequestService, refs: dict[str, str]
) -> None:
    """Five conversations with a citizen message in the period: two never reached the
    queue, three did (claimed by an agent; left a message; handed back to the bot)."""
    store, queue = ConversationStore(sessionmaker), AssignmentStore(sessionmaker)
    agent = await AgentAccounts(sessionmaker).add("marie@ville.example", "Marie", PASSWORD)
    stamps: dict[int, dt.datetime] = {}

    async def conversation(name: str, when: dt.datetime, citizen: bool = True) -> Any:
        if name.startswith("sms"):
            info = await store.open_phone_conversation("+16135550199")
        else:
            info = await store.open_web_conversation(f"session-{name}")
        bot = await store.append_message(
            info.id, direction=Direction.OUTGOING, sender=Sender.BOT, content="Bonjour!"
        )
        stamps[bot.id] = when
        if citizen:
            said = await store.append_message(
                info.id, direction=Direction.INCOMING, sender=Sender.CITIZEN, content="Allo"
            )
            stamps[said.id] = when
        return info

    await conversation("c1", at(3, 11))
    c2 = await conversation("sms-c2", at(4, 11))
    assert await queue.enqueue(c2.id, "request_human", None, at(4, 11, 1))
    assert await queue.claim(c2.id, agent.id, at(4, 11, 2))
    assert await queue.finish(c2.id, agent.id, ConversationStatus.RESOLVED, at(4, 11, 9))
    c3 = await conversation("c3", at(5, 22))
    assert await queue.enqueue(c3.id, "offline", None, at(5, 22, 1))
    await conversation("c4", at(6, 11))
    c7 = await conversation("c7", at(7, 11))
    assert await queue.enqueue(c7.id, "fallback", None, at(7, 11, 1))
    assert await queue.claim(c7.id, agent.id, at(7, 11, 2))
    assert await queue.finish(c7.id, agent.id, ConversationStatus.BOT, at(7, 11, 5))
    # Only the bot spoke in the period; the citizen spoke before it.
    await conversation("c5", at(6, 12), citizen=False)
    await conversation("c6", at(15, 12, month=2))
    await set_times(sessionmaker, Message, stamps)

    # Satisfaction: two about requests, two about live chats, one before the period.
    surveys = {
        await subscriptions.record_survey(service, 5, "web", ref=refs["r1"]): at(4, 12),
        await subscriptions.record_survey(service, 2, "sms", ref=refs["r2"]): at(5, 12),
        await subscriptions.record_survey(service, 4, "sms", conversation_id=c2.public_id.hex): at(
            4, 12
        ),
        await subscriptions.record_survey(service, 1, "web", conversation_id=c3.public_id.hex): at(
            10, 23
        ),
        await subscriptions.record_survey(service, 1, "web", ref=refs["r3"]): at(28, 9, month=2),
    }
    await set_times(sessionmaker, SurveyResponse, {s.id: when for s, when in surveys.items()})


async def test_exact_figures_on_seeded_data(
    sessionmaker: async_sessionmaker[AsyncSession],
    service: RequestService,
    clock: Clock,
    catalogue: Catalogue,
) -> None:
    refs = await seed_requests(service, clock)
    await seed_conversations(sessionmaker, service, refs)
    period = parse_period({"from": "2025-03-01", "to": "2025-03-10"}, TORONTO, at(20))
    body = await compute(sessionmaker, catalogue, period, TORONTO)

    assert body["period"] == {
        "from": "2025-03-01",
        "to": "2025-03-10",
        "time_zone": "America/Toronto",
        "start": "2025-03-01T00:00:00-05:00",
        "end": "2025-03-11T00:00:00-04:00",
    }
    assert figure(body, "requests_total")["value"] == 5
    by_service = figure(body, "requests_by_service")["value"]
    assert [i["key"] for i in by_service] == list(catalogue.services)  # every service listed
    assert by_service[0] == {
        "key": "report_pothole",
        "label": {"fr": "Nid-de-poule", "en": "Pothole"},
        "value": 2,
    }
    assert values(body, "requests_by_service") == {
        "report_pothole": 2,
        "report_streetlight": 1,
        "report_missed_collection": 1,
        "report_water_leak": 1,
    }
    assert values(body, "requests_by_channel") == {"web": 2, "sms": 1, "open311": 1, "agent": 1}
    channels = figure(body, "requests_by_channel")["value"]
    assert [i["key"] for i in channels] == ["web", "sms", "open311", "phone", "email", "agent"]
    assert channels[1]["label"] == {"fr": "texto (SMS)", "en": "text message (SMS)"}
    assert figure(body, "requests_by_language")["value"] == [
        {"key": "fr", "label": {"fr": "Français", "en": "French"}, "value": 3},
        {"key": "en", "label": {"fr": "Anglais", "en": "English"}, "value": 2},
    ]

    assert figure(body, "conversations")["value"] == 5
    fcr = figure(body, "first_contact_resolution")
    assert (fcr["value"], fcr["numerator"], fcr["denominator"]) == (0.4, 2, 5)
    handoff = figure(body, "handoff_rate")
    assert (handoff["value"], handoff["numerator"], handoff["denominator"]) == (0.6, 3, 5)

    median = figure(body, "median_hours_to_close")
    assert (median["value"], median["count"]) == (42.0, 4)  # 24, 36, 48, 274
    per_service = {i["key"]: i for i in figure(body, "median_hours_to_close_by_service")["value"]}
    assert (per_service["report_pothole"]["value"], per_service["report_pothole"]["count"]) == (
        36.0,
        3,
    )
    assert per_service["report_streetlight"]["value"] == 48.0
    assert per_service["report_missed_collection"] == {
        "key": "report_missed_collection",
        "label": {"fr": "Collecte non effectuée", "en": "Missed collection"},
        "value": None,
        "count": 0,
    }

    overall = figure(body, "satisfaction")
    assert (overall["value"], overall["count"]) == (3.0, 4)
    on_requests = figure(body, "satisfaction_requests")
    assert (on_requests["value"], on_requests["count"]) == (3.5, 2)
    on_chats = figure(body, "satisfaction_live_chat")
    assert (on_chats["value"], on_chats["count"]) == (2.5, 2)

    text = json.dumps(body)
    for private in ("+1613", "6135550199", "marie@ville.example", "session-c1"):
        assert private not in text


async def test_empty_period_has_no_rates_or_averages(
    sessionmaker: async_sessionmaker[AsyncSession], catalogue: Catalogue
) -> None:
    period = parse_period({}, TORONTO, at(3, 10))
    body = await compute(sessionmaker, catalogue, period, TORONTO)
    assert (body["period"]["from"], body["period"]["to"]) == ("2025-02-02", "2025-03-03")
    assert figure(body, "requests_total")["value"] == 0
    assert figure(body, "first_contact_resolution")["value"] is None
    assert figure(body, "first_contact_resolution")["denominator"] == 0
    assert figure(body, "median_hours_to_close")["value"] is None
    assert figure(body, "satisfaction")["value"] is None


def test_period_in_city_time() -> None:
    period = parse_period({"from": "2025-03-09", "to": "2025-03-09"}, TORONTO, at(20))
    assert period == Period(
        dt.date(2025, 3, 9),
        dt.date(2025, 3, 9),
        dt.datetime(2025, 3, 9, 5, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 10, 4, tzinfo=dt.UTC),  # a 23-hour day
    )
    # Default: the 30 days ending today (city date; 01:00 UTC is still the previous evening).
    default = parse_period({}, TORONTO, dt.datetime(2025, 3, 4, 1, 0, tzinfo=dt.UTC))
    assert (default.first, default.last) == (dt.date(2025, 2, 2), dt.date(2025, 3, 3))
    only_to = parse_period({"to": "2025-01-30"}, TORONTO, at(20))
    assert (only_to.first, only_to.last) == (dt.date(2025, 1, 1), dt.date(2025, 1, 30))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-01T00:00"}, "from"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
)
def test_bad_periods_are_refused_in_both_languages(query: dict[str, str], field: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_period(query, TORONTO, at(20))
    assert caught.value.field == field
    assert caught.value.fr != caught.value.en


# -- over HTTP ------------------------------------------------------------------------------


async def get(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    async with http.get(url, headers=headers or {}) as response:
        return response.status, await response.json()


async def test_staff_token_reads_the_figures(requests_gateway: RequestsGateway) -> None:
    gw = requests_gateway
    filed, _ = await gw.service.create_request(
        NewRequest(
            service_code="report_pothole", address="1, rue King", attributes={"size": "small"}
        )
    )
    url = gw.url + "/api/v1/figures"
    status, body = await get(gw.http, url)
    assert (status, body["error"]) == (401, "unauthorized")
    assert set(body["message"]) == {"fr", "en"}
    for bad in ("Bearer nope", "Bearer ", f"Basic {STAFF_TOKEN}", f"Bearer {STAFF_TOKEN}x"):
        status, body = await get(gw.http, url, {"Authorization": bad})
        assert (status, body["error"]) == (403, "forbidden"), bad

    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    status, body = await get(gw.http, url, auth)
    assert status == 200
    today = gw.service.clock().astimezone(TORONTO).date()
    assert body["period"]["to"] == today.isoformat()
    assert body["period"]["from"] == (today - dt.timedelta(days=29)).isoformat()
    assert figure(body, "requests_total")["value"] == 1
    assert values(body, "requests_by_service") == {filed.service_code: 1}

    status, body = await get(gw.http, url + "?from=2020-01-01&to=2020-01-31", auth)
    assert (status, figure(body, "requests_total")["value"]) == (200, 0)
    status, body = await get(gw.http, url + "?from=2020-02-31", auth)
    assert (status, body["error"], body["field"]) == (400, "bad_request", "from")
    assert body["message"]["fr"] != body["message"]["en"]


async def test_admin_agents_read_the_figures_other_agents_do_not(
    aiohttp_server: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAFF_API_TOKEN", STAFF_TOKEN)
    agents = functools.partial(
        livechat.agents.setup, agent_settings=AgentSettings.from_env({}, env_file=None)
    )
    app = create_app(replace(settings), wings=[livechat.requests.setup, agents])
    server = await aiohttp_server(app)
    base = str(server.make_url("")).rstrip("/")
    accounts = AgentAccounts(app[keys.DB_SESSIONMAKER])
    await accounts.add("admin@ville.example", "Ada", PASSWORD, role=AgentRole.ADMIN)
    await accounts.add("agent@ville.example", "Bob", PASSWORD)

    async with aiohttp.ClientSession() as http:

        async def login(email: str) -> str:
            async with http.post(
                base + "/api/v1/agent/login", json={"email": email, "password": PASSWORD}
            ) as response:
                assert response.status == 200
                return response.cookies["livechat_agent"].value

        admin, agent = await login("admin@ville.example"), await login("agent@ville.example")
        http.cookie_jar.clear()
        url = base + "/api/v1/figures"
        status, _ = await get(http, url, {"Cookie": f"livechat_agent={admin}"})
        assert status == 200
        status, _ = await get(http, url, {"Authorization": f"Bearer {admin}"})
        assert status == 200
        status, body = await get(http, url, {"Cookie": f"livechat_agent={agent}"})
        assert (status, body["error"]) == (403, "forbidden")
        status, _ = await get(http, url, {"Authorization": f"Bearer {agent}"})
        assert status == 403
        status, _ = await get(http, url, {"Cookie": "livechat_agent=expired-or-made-up"})
        assert status == 403
        status, _ = await get(http, url, {"Authorization": f"Bearer {STAFF_TOKEN}"})
        assert status == 200
        async with http.post(
            base + "/api/v1/agent/logout", headers={"Cookie": f"livechat_agent={admin}"}
        ) as response:
            assert response.status == 204
        http.cookie_jar.clear()
        status, _ = await get(http, url, {"Cookie": f"livechat_agent={admin}"})
        assert status == 403
