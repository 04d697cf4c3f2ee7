"""Integration fixtures: the real stack (model, Rasa, actions, gateway) on free ports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import MODEL, Stack, free_port  # noqa: E402

from tests.fakes.twilio_server import FakeTwilio  # noqa: E402
from tests.support.threaded_app import ThreadedApp  # noqa: E402

STAFF_TOKEN = "integration-staff-token"  # a throwaway secret for this test stack
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "integration-twilio-token"  # a throwaway secret for this test stack
CITY_SMS_NUMBER = "+17055550311"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    """Twilio's REST API, faked on a local port; the gateway sends its SMS there."""
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN)
    server = ThreadedApp(fake.app, free_port()).start()
    fake.url = server.url
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_twilio: FakeTwilio) -> Iterator[Stack]:
    """One stack for the whole integration session (Rasa takes ~30 s to load TensorFlow)."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: `make model` trains it (make test does)")
    work = tmp_path_factory.mktemp("stack")
    running = Stack(
        rasa_port=free_port(),
        actions_port=free_port(),
        gateway_port=free_port(),
        log_dir=work / "log",
        tracker_db=work / "rasa-tracker.db",
        gateway_env={
            "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'livechat.db'}",
            "REDIS_URL": "",
            "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
            "STAFF_API_TOKEN": STAFF_TOKEN,
            "MEDIA_DIR": str(work / "media"),
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM": CITY_SMS_NUMBER,
            "TWILIO_API_BASE": fake_twilio.url,
        },
    )
    try:
        running.start(timeout=300)
        yield running
    finally:
        running.stop()
