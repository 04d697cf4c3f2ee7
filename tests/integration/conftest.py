"""Integration fixtures: the real stack (model, Rasa, actions, gateway) on free ports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import MODEL, Stack, free_port  # noqa: E402

STAFF_TOKEN = "integration-staff-token"  # a throwaway secret for this test stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
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
        },
    )
    try:
        running.start(timeout=300)
        yield running
    finally:
        running.stop()
