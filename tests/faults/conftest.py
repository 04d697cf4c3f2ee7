"""Fault fixtures: one real stack (trained model, Rasa, action server, gateway) for the whole
fault session, extra gateway processes beside it, private PostgreSQL and Redis servers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stack import GATEWAY_PYTHON, MODEL, Service, Stack, StackError, free_port, health  # noqa: E402

from tests.faults.services import (  # noqa: E402
    AGENT_EMAIL,
    PASSWORD,
    PrivatePostgres,
    PrivateRedis,
    ServiceUnavailable,
)
from tests.support.open_hours import open_hours_env  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults" in str(item.path):
            item.add_marker(pytest.mark.integration)


def gateway_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    """`python -m livechat ...` with `env` (e.g. migrate, agent add)."""
    done = subprocess.run(
        [str(GATEWAY_PYTHON), "-m", "livechat", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"livechat {' '.join(args)}: {done.stdout}{done.stderr}"


def add_agent(env: dict[str, str], email: str = AGENT_EMAIL, max_chats: int = 0) -> None:
    """An agent account; max_chats 0 by default: nothing auto-assigned, the queue stays visible."""
    gateway_cli(env, "agent", "add", email, "--name", "Agente Test", "--max-chats",
                str(max_chats), stdin=PASSWORD + "\n")


def gateway_service(stack: Stack, name: str, env: dict[str, str]) -> Service:
    """One more gateway process beside the stack's, on the stack's Rasa and action server."""
    port = free_port()
    url = f"http://{stack.host}:{port}"
    return Service(
        name=name,
        command=[str(GATEWAY_PYTHON), "-m", "livechat", "serve", "--host", stack.host,
                 "--port", str(port), "--no-migrate"],
        ready_url=f"{url}/health",
        env={"PYTHONPATH": str(ROOT), "RASA_URL": stack.rasa_url,
             "ACTIONS_URL": stack.actions_url, "PUBLIC_URL": url, "REDIS_URL": "",
             "LOG_LEVEL": "INFO", **open_hours_env(), **env},
    )


def start_gateway(stack: Stack, service: Service, log_dir: Path) -> str:
    """Start an extra gateway and wait until /health answers (200 or 503); return its URL."""
    service.start(log_dir)
    stack.services.append(service)  # stopped with the stack at the latest
    deadline = time.monotonic() + 120
    while health(service.ready_url) is None:
        if not service.alive() or time.monotonic() > deadline:
            raise StackError(f"{service.name} did not start:\n{service.log_tail()}")
        time.sleep(0.3)
    return service.ready_url.removesuffix("/health")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real stack, business hours open, one agent account; shared by every fault test."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: `make model` trains it (make test does)")
    work = tmp_path_factory.mktemp("faults")
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{work / 'livechat.db'}"}
    gateway_cli(database, "migrate")
    add_agent(database)
    running = Stack(
        rasa_port=free_port(),
        actions_port=free_port(),
        gateway_port=free_port(),
        log_dir=work / "log",
        tracker_db=work / "rasa-tracker.db",
        gateway_env={**database, "REDIS_URL": "", "MEDIA_DIR": str(work / "media"),
                     "LOG_LEVEL": "INFO", **open_hours_env()},
    )
    try:
        running.start(timeout=300)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of our own (the shared one must never be restarted)."""
    server = PrivatePostgres()
    try:
        server.init().start()
    except ServiceUnavailable as error:
        server.stop()
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of our own (the shared one must never be stopped)."""
    server = PrivateRedis(tmp_path / "redis")
    try:
        server.start()
    except (ServiceUnavailable, OSError) as error:
        server.kill()
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def gateways(stack: Stack, tmp_path: Path) -> Iterator[Callable[[str, dict[str, str]], str]]:
    """Start extra gateway processes by name and environment; all stopped after the test."""
    started: list[Service] = []

    def start(name: str, env: dict[str, str]) -> str:
        service = gateway_service(stack, name, env)
        started.append(service)
        return start_gateway(stack, service, tmp_path / "log")

    try:
        yield start
    finally:
        for service in started:
            service.stop()
            stack.services.remove(service)
