"""Live chat over SMS: the same hub, the citizen on the real SMS wing (signed Twilio webhooks
in, the twilio library out to a fake Twilio over HTTP)."""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

import livechat.agents
import livechat.requests
import livechat.sms
from livechat.app import create_app
from livechat.settings import Settings
from tests.fakes.twilio_server import FakeTwilio
from tests.livechat.agents.conftest import (
    AgentRasa,
    LiveGateway,
    ShiftedClock,
    agent_settings,
    eventually,
)
from tests.livechat.sms.conftest import (  # noqa: F401 - fixtures used by name
    AUTH_TOKEN,
    CITIZEN,
    PUBLIC_URL,
    fake_twilio,
    sms_settings,
)
from tests.livechat.sms.twilio_webhook import send_sms


async def test_an_sms_citizen_chats_with_an_agent(
    aiohttp_server: Any,
    sms_settings: Settings,  # noqa: F811
    fake_twilio: FakeTwilio,  # noqa: F811
    fake_rasa: AgentRasa,
    clock: ShiftedClock,
) -> None:
    wings = [
        livechat.requests.setup,
        livechat.sms.setup,
        functools.partial(livechat.agents.setup, agent_settings=agent_settings(), clock=clock),
    ]
    app = create_app(replace(sms_settings), wings=wings)
    server = await aiohttp_server(app)
    live = LiveGateway(server=server, app=app, rasa=fake_rasa, clock=clock)
    fake_twilio.route(PUBLIC_URL, live.url)
    try:
        await live.add_agent("marie@ville.ca", "Marie")
        marie = await live.agent("marie@ville.ca")
        await send_sms(live.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Bonjour, un agent svp")
        await fake_twilio.wait_for(1)  # the bot's echo
        conversation_id = fake_rasa.received[-1]["sender"]
        assert fake_rasa.received[-1]["metadata"]["channel"] == "sms"

        answer = await live.handoff(conversation_id, "request_human", "fr")
        assert answer["status"] == "queued"
        assigned = await marie.next("assigned", by="auto")
        assert assigned["conversation"]["channel"] == "sms"
        texts = [m.body for m in await fake_twilio.wait_for(3)]
        assert any("file d'attente" in body for body in texts)  # queue position, by SMS
        assert any("s'est joint" in body for body in texts)  # agent joined

        sent = await marie.call("reply", {"conversation_id": conversation_id, "text": "Bonjour!"})
        assert sent["ok"]
        await eventually(lambda: any(m.body == "Bonjour!" for m in fake_twilio.to(CITIZEN)))
        await send_sms(live.url, PUBLIC_URL, AUTH_TOKEN, CITIZEN, "Merci beaucoup")
        heard = await marie.next("message", message__text="Merci beaucoup")
        assert heard["conversation_id"] == conversation_id
        # Typing means nothing by SMS: accepted, nothing sent.
        before = len(fake_twilio.messages)
        typed = await marie.call("typing", {"conversation_id": conversation_id, "typing": True})
        assert typed["ok"]
        assert (await marie.call("resolve", {"conversation_id": conversation_id}))["ok"]
        await eventually(lambda: any("terminée" in m.body for m in fake_twilio.messages[before:]))
    finally:
        for client in live.clients:
            await client.close()
