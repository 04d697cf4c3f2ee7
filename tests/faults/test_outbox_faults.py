"""The outbox of a real gateway process against failing fakes: the mail server defers the
department e-mail (451), Twilio answers 500 to the "reply Oui" SMS. Both are retried by the
process's own outbox worker and each goes out exactly once.

The in-process tests cover more cases with a controlled clock (tests/livechat/requests/
test_outbox.py: SMTP down then up, concurrent workers, expired claims, giving up;
tests/livechat/sms/test_wing.py and test_delivery.py: Twilio 500 then 201, permanent errors);
docs/resilience.md lists them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fakes.smtp_server import FakeSmtp
from tests.fakes.twilio_server import FakeTwilio
from tests.faults.conftest import free_port, gateway_cli
from tests.faults.helpers import eventually
from tests.support.threaded_app import ThreadedApp

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "faults-twilio-token"  # a throwaway secret for this test
OPEN311_KEY = "faults-open311-key"  # a throwaway secret for this test
CITIZEN_PHONE = "+16135550199"
AFTER = 5.0  # seconds of further outbox passes that must not send anything again


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    server = ThreadedApp(fake.app, free_port()).start()
    fake.url = server.url
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def outbox_rows(database: Path) -> set[tuple[str, str, int]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT kind, status, attempts FROM outbox").fetchall()
    return {(str(kind), str(status), int(attempts)) for kind, status, attempts in rows}


async def test_failing_mail_server_and_twilio(
    gateways: Any, twilio: FakeTwilio, smtp: FakeSmtp, tmp_path: Path
) -> None:
    database = tmp_path / "outbox.db"
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "OPEN311_API_KEY": OPEN311_KEY,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_FROM": "311@ville.example",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": "+17055550311",
        "TWILIO_API_BASE": twilio.url,
        "MEDIA_DIR": str(tmp_path / "media"),
    }
    gateway_cli(env, "migrate")
    url = gateways("gateway-outbox", env)
    smtp.defer_next(1)
    twilio.fail_next(1)  # 500, Twilio's "internal server error"

    form = {
        "api_key": OPEN311_KEY,
        "service_code": "report_pothole",
        "address_string": "1000, rue Sherbrooke Ouest",
        "description": "Trou profond dans la chaussée",
        "attribute[size]": "large",
        "phone": CITIZEN_PHONE,
        "locale": "fr",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/open311/v2/requests.json", data=form) as response,
    ):
        assert response.status == 201, await response.text()

    # The first attempts fail; the worker's backoff (10 s) brings the second ones.
    await eventually(lambda: smtp.mailbox.deferred == 1 and twilio.requests >= 1, timeout=30)
    await eventually(
        lambda: len(smtp.mailbox.messages) == 1 and len(twilio.messages) == 1, timeout=60
    )
    await asyncio.sleep(AFTER)
    assert len(smtp.mailbox.messages) == 1
    assert [m.to for m in twilio.messages] == [CITIZEN_PHONE]
    assert twilio.requests == 2  # the refused one and the accepted one, no third
    assert outbox_rows(database) == {("email", "sent", 2), ("sms", "sent", 2)}
