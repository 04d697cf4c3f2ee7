"""Hand-off from the bot: business hours (time zone, DST, holidays), nobody online, messages
left for the next business day, the internal endpoint's protection, the live-chat status, and
the offer of an agent when Rasa is down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.livechat.agents.conftest import (
    TORONTO,
    LiveGateway,
    LiveGatewayFactory,
    eventually,
)
from tests.livechat.agents.test_flow import citizen_next

SATURDAY = dt.datetime(2025, 3, 15, 11, 0, tzinfo=TORONTO)
CANADA_DAY = dt.datetime(2025, 7, 1, 10, 0, tzinfo=TORONTO)  # a Tuesday, statutory holiday


async def status(live: LiveGateway) -> dict[str, Any]:
    code, body = await live.get("/api/v1/livechat/status")
    assert code == 200
    assert isinstance(body, dict)
    return body


async def test_status_follows_hours_and_agents(live: LiveGateway) -> None:
    body = await status(live)
    assert body == {
        "open_now": True,
        "agents_available": False,  # nobody connected
        "hours": {
            "fr": "du lundi au vendredi, de 7 h 30 à 18 h (fermé les jours fériés)",
            "en": "Monday to Friday, 7:30 a.m. to 6:00 p.m. (closed on statutory holidays)",
        },
        "next_opening": body["next_opening"],
    }
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    assert (await status(live))["agents_available"] is True
    assert (await marie.call("presence", {"status": "away"}))["ok"]
    assert (await status(live))["agents_available"] is False
    await marie.call("presence", {"status": "online"})
    live.clock.set(SATURDAY)
    body = await status(live)
    assert body["open_now"] is False and body["agents_available"] is False
    assert body["next_opening"] == "2025-03-17T11:30:00+00:00"  # Monday 7:30 EDT


@pytest.mark.parametrize(
    ("local", "open_now"),
    [
        # DST began Sunday 9 March 2025: 7:30 is 11:30 UTC after, 12:30 UTC before.
        (dt.datetime(2025, 3, 10, 11, 29, tzinfo=dt.UTC), False),
        (dt.datetime(2025, 3, 10, 11, 31, tzinfo=dt.UTC), True),
        (dt.datetime(2025, 3, 7, 12, 29, tzinfo=dt.UTC), False),
        (dt.datetime(2025, 3, 7, 12, 31, tzinfo=dt.UTC), True),
        (dt.datetime(2025, 3, 10, 21, 59, tzinfo=dt.UTC), True),  # 17:59 EDT
        (dt.datetime(2025, 3, 10, 22, 0, tzinfo=dt.UTC), False),  # 18:00 EDT
        (CANADA_DAY, False),
        (dt.datetime(2025, 12, 25, 10, 0, tzinfo=TORONTO), False),
    ],
)
async def test_status_in_city_time_with_dst_and_holidays(
    live: LiveGateway, local: dt.datetime, open_now: bool
) -> None:
    live.clock.set(local)
    assert (await status(live))["open_now"] is open_now


async def test_outside_hours_the_citizen_gets_the_hours_and_can_leave_a_message(
    live: LiveGateway,
) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    citizen, conversation_id = await live.citizen("Je voudrais parler à un agent")
    live.clock.set(SATURDAY)
    marie = await live.agent("marie@ville.ca")  # an agent working on Saturday sees it too
    answer = await live.handoff(conversation_id, "request_human", "fr")
    assert answer["status"] == "closed"
    assert answer["next_opening"] == "2025-03-17T11:30:00+00:00"
    assert answer["hours"]["en"].startswith("Monday to Friday, 7:30 a.m. to 6:00 p.m.")
    assert "lundi 17 mars à 7 h 30" in answer["message"]["fr"]
    assert "Monday, March 17 at 7:30 a.m." in answer["message"]["en"]
    for text in answer["message"].values():
        assert "311" in text and "911" in text
    notice = await citizen_next(citizen, "system_message", kind="offline")
    assert notice["text"] == answer["message"]["fr"]  # the conversation is French
    assert notice["status"] == "closed" and notice["hours"] == answer["hours"]
    assert notice["quick_replies"] == [
        {"content_type": "text", "title": "Laisser un message", "payload": "/leave_message"}
    ]
    uttered = await citizen_next(citizen, "bot_uttered", sender="system")
    assert uttered["quick_replies"][0]["payload"] == "/leave_message"
    assert live.rasa.events[conversation_id] == []  # the bot keeps the conversation

    # The citizen chooses to leave a message: the bot is paused, the words go to the console.
    received = len(live.rasa.received)
    await citizen.utter("/leave_message")
    prompt = await citizen_next(citizen, "system_message", kind="leave_message")
    assert "prochain jour ouvrable" in prompt["text"]
    await citizen.utter("Mon bac de recyclage n'a pas été ramassé, 12 rue des Pins.")
    await citizen_next(citizen, "system_message", kind="offline_received")
    await citizen.utter("Merci")
    assert len(live.rasa.received) == received  # Rasa heard none of it
    await eventually(lambda: {"event": "pause"} in live.rasa.events[conversation_id])

    queue = await marie.next("queue", offline__0__preview="Merci")
    assert queue["queue"] == []
    item = queue["offline"][0]
    assert item["conversation_id"] == conversation_id and item["reason"] == "offline"
    assert item["position"] is None
    assert [e["kind"] for e in citizen.pending("system_message")] == []

    # Monday morning: an agent claims it and answers.
    live.clock.set(dt.datetime(2025, 3, 17, 8, 0, tzinfo=TORONTO))
    marie = await live.agent("marie@ville.ca")  # Saturday's login has expired
    claimed = await marie.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    texts = [m["text"] for m in claimed["conversation"]["messages"]]
    assert "Mon bac de recyclage n'a pas été ramassé, 12 rue des Pins." in texts
    await marie.call("reply", {"conversation_id": conversation_id, "text": "Bonjour! C'est noté."})
    await citizen_next(citizen, "bot_uttered", sender="agent")


async def test_open_but_nobody_online(live: LiveGateway) -> None:
    citizen, conversation_id = await live.citizen("Hello, can I talk to someone?")
    answer = await live.handoff(conversation_id, "fallback", "en")
    assert answer["status"] == "no_agent"
    notice = await citizen_next(citizen, "system_message", kind="offline")
    assert notice["status"] == "no_agent"
    assert notice["text"] == answer["message"]["en"]
    assert notice["quick_replies"][0]["title"] == "Leave a message"


async def test_queue_positions_move(make_live_gateway: LiveGatewayFactory) -> None:
    live = await make_live_gateway(env={"AUTO_ASSIGN": "false"})
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    _first, first_id = await live.citizen("Premier")
    second, second_id = await live.citizen("Second")
    assert (await live.handoff(first_id))["position"] == 1
    answer = await live.handoff(second_id, "request_human", "fr")
    assert answer == {"status": "queued", "position": 2, "wait_minutes": 6}
    assert (await citizen_next(second, "system_message", kind="queue_position"))["position"] == 2
    # Asking again does not queue twice.
    assert (await live.handoff(second_id))["position"] == 2
    claimed = await marie.call("claim", {"conversation_id": first_id})
    assert claimed["ok"], claimed
    update = await citizen_next(second, "system_message", kind="queue_position")
    assert update["position"] == 1 and "maintenant le numéro 1" in update["text"]
    # The wait measured for the first one now drives the estimate.
    assert (await live.handoff(second_id))["position"] == 1
    assert (await live.handoff(first_id)) == {"status": "queued", "position": 0, "wait_minutes": 0}


async def test_the_handoff_endpoint_is_internal(make_live_gateway: LiveGatewayFactory) -> None:
    live = await make_live_gateway()
    _, conversation_id = await live.citizen("Bonjour")
    path = f"/api/v1/conversations/{conversation_id}/handoff"
    body = {"reason": "request_human", "language": "fr"}
    code, answer, _ = await live.post(path, body, {"X-Forwarded-For": "203.0.113.9"})
    assert code == 403 and answer["error"] == "forbidden"
    code, answer, _ = await live.post("/api/v1/conversations/" + "0" * 32 + "/handoff", body)
    assert code == 404 and answer["error"] == "not_found"
    code, answer, _ = await live.post(path, {"reason": "whatever"})
    assert code == 400
    code, answer, _ = await live.post(path, {"reason": "request_human", "language": "de"})
    assert code == 400

    tokened = await make_live_gateway(env={"ACTIONS_TOKEN": "s3cret-actions"})
    _, conversation_id = await tokened.citizen("Bonjour")
    path = f"/api/v1/conversations/{conversation_id}/handoff"
    code, _, _ = await tokened.post(path, body)
    assert code == 403, "with ACTIONS_TOKEN set, loopback alone is not enough"
    code, _, _ = await tokened.post(path, body, {"Authorization": "Bearer wrong"})
    assert code == 403
    code, answer, _ = await tokened.post(path, body, {"Authorization": "Bearer s3cret-actions"})
    assert code == 200 and answer["status"] == "no_agent"
    # The bot engineer's reason names are understood too.
    code, answer, _ = await tokened.post(
        path, {"reason": "citizen_request", "language": "fr"},
        {"Authorization": "Bearer s3cret-actions"},
    )  # fmt: skip
    assert code == 200


async def test_rasa_down_during_hours_offers_an_agent(live: LiveGateway) -> None:
    await live.add_agent("marie@ville.ca", "Marie")
    marie = await live.agent("marie@ville.ca")
    citizen, _conversation_id = await live.citizen("Bonjour")
    live.rasa.fail_status = 503
    await citizen.utter("Quand passe la collecte?")
    offer = await citizen_next(citizen, "system_message", kind="bot_unavailable")
    assert offer["quick_replies"][0]["payload"] == "/request_human"
    assert offer["quick_replies"][0]["title"] == "Parler à un agent"
    await citizen.utter("/request_human")
    queued = await citizen_next(citizen, "system_message", kind="queue_position")
    assert queued["position"] == 1
    assigned = await marie.next("assigned", by="auto")
    assert assigned["conversation"]["reason"] == "bot_unavailable"


async def test_rasa_down_with_nobody_online_keeps_the_plain_notice(live: LiveGateway) -> None:
    citizen, _ = await live.citizen("Bonjour")
    live.rasa.fail_status = 500
    await citizen.utter("Allo?")
    notice = await citizen_next(citizen, "bot_uttered")
    assert "temporairement indisponible" in notice["text"]
    assert citizen.pending("system_message") == []
