"""endpoints.yml and credentials.yml, loaded the way `rasa run` loads them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy.exc
from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.run import create_http_input_channels
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.channels.gateway import GatewayInput

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = str(ROOT / "endpoints.yml")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No variable the files could depend on."""
    for name in list(os.environ):
        if name.startswith(("ACTIONS_", "RASA_", "GATEWAY_", "DB_", "REDIS_")):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_env")
def test_action_endpoint_default_needs_no_environment() -> None:
    endpoint = read_endpoint_config(ENDPOINTS, "action_endpoint")
    assert endpoint is not None
    assert endpoint.url == "http://127.0.0.1:5055/webhook"


@pytest.mark.usefixtures("clean_env")
async def test_tracker_store_is_a_sqlite_file_that_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the db path is relative to where `rasa run` starts
    (tmp_path / "var").mkdir()
    config = read_endpoint_config(ENDPOINTS, "tracker_store")
    domain = Domain.from_path(str(ROOT / "domain.yml"))

    first = TrackerStore.create(config, domain)
    assert isinstance(first, SQLTrackerStore)
    tracker = DialogueStateTracker("conv-1", domain.slots)
    tracker.update(UserUttered("Bonjour"))
    tracker.update(SlotSet("language", "fr"))
    await first.save(tracker)

    restarted = TrackerStore.create(read_endpoint_config(ENDPOINTS, "tracker_store"), domain)
    found = await restarted.retrieve("conv-1")
    assert found is not None
    assert found.get_slot("language") == "fr"
    assert (tmp_path / "var" / "rasa-tracker.db").is_file()


@pytest.mark.usefixtures("clean_env")
async def test_tracker_store_needs_the_var_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rasa does not create var/ and only logs "Could not create tables": whoever starts Rasa
    # (`make run`) must create it, or every conversation fails to save.
    monkeypatch.chdir(tmp_path)
    store = TrackerStore.create(read_endpoint_config(ENDPOINTS, "tracker_store"))
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await store.save(DialogueStateTracker("conv-1", []))


@pytest.mark.usefixtures("clean_env")
def test_lock_store_is_in_memory() -> None:
    lock_store = LockStore.create(read_endpoint_config(ENDPOINTS, "lock_store"))
    assert isinstance(lock_store, InMemoryLockStore)


def test_credentials_enable_rest_and_gateway_channels() -> None:
    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    assert sorted(type(c).__name__ for c in channels) == ["GatewayInput", "RestInput"]
    assert {c.name() for c in channels} == {"rest", "gateway"}
    assert all(isinstance(c, RestInput) for c in channels)
    assert any(isinstance(c, GatewayInput) for c in channels)
