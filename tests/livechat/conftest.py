"""Gateway test fixtures: databases (SQLite and a throwaway PostgreSQL), fake Rasa, the gateway.

Every fixture that touches the database is parametrized over SQLite and PostgreSQL; the
PostgreSQL variants skip (saying why) only when the server at 127.0.0.1:5432 is unreachable.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat import keys
from livechat.app import create_app
from livechat.db import SQLiteThread, create_engine, create_sessionmaker
from livechat.migrate import upgrade
from livechat.settings import Settings
from tests.livechat.clients import ChatClient
from tests.livechat.fakes import FakeRasa, fake_actions_app
from tests.support.shared_redis import shared_redis_url

T = TypeVar("T")
PG_HOST = os.environ.get("LIVECHAT_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("LIVECHAT_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("LIVECHAT_TEST_PG_USER", "postgres")


def run_in_fresh_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion in a thread of its own (safe beside pytest's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    """A TCP port nothing listens on (for "service down" tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """The PostgreSQL server, able to create and drop throwaway databases."""

    unreachable: str | None = None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres", timeout=5
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    def create_database(self) -> str:
        """Create a uniquely named empty database; return its name."""
        name = f"livechat_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        run_in_fresh_loop(self._admin(f'CREATE DATABASE "{name}"'))
        return name

    def drop_database(self, name: str) -> None:
        run_in_fresh_loop(self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    server = PostgresServer()
    try:
        run_in_fresh_loop(server._admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        server.unreachable = f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable: {error!r}"
    return server


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """An empty, never-migrated PostgreSQL database for this test only."""
    if postgres_server.unreachable:
        pytest.skip(postgres_server.unreachable)
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)


@dataclass
class _SessionDatabase:
    url: str
    migrated: bool = False


@pytest.fixture(scope="session")
def session_postgres(postgres_server: PostgresServer) -> Iterator[_SessionDatabase | None]:
    """One throwaway PostgreSQL database for the test session, dropped at the end."""
    if postgres_server.unreachable:
        yield None
        return
    name = postgres_server.create_database()
    try:
        yield _SessionDatabase(postgres_server.url(name))
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Any,
    postgres_server: PostgresServer,
    session_postgres: _SessionDatabase | None,
) -> str:
    """A migrated, empty database: a SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'livechat.db'}"
        await upgrade(url)
        return url
    if session_postgres is None:
        pytest.skip(postgres_server.unreachable or "PostgreSQL unreachable")
    if not session_postgres.migrated:
        await upgrade(session_postgres.url)
        session_postgres.migrated = True
    else:
        await _truncate_postgres(session_postgres.url)
    return session_postgres.url


async def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = (
                await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                        " AND tablename != 'alembic_version'"
                    )
                )
            ).scalars()
            names = ", ".join(f'"{name}"' for name in tables)
            if names:
                await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def sqlite_thread(database_url: str) -> AsyncIterator[SQLiteThread | None]:
    """The SQLite file's transaction thread, as the app makes it; None on PostgreSQL."""
    thread = SQLiteThread.for_url(database_url)
    yield thread
    if thread is not None:
        await thread.close()


ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def shared_redis() -> str:
    """The shared Redis's URL (scale-out tests); the test is skipped when it is down."""
    return await shared_redis_url()


@pytest.fixture
async def fake_rasa(aiohttp_server: Any) -> FakeRasa:
    rasa = FakeRasa()
    server = await aiohttp_server(rasa.app())
    rasa.url = str(server.make_url("")).rstrip("/")
    return rasa


@pytest.fixture
async def fake_actions_url(aiohttp_server: Any) -> str:
    server = await aiohttp_server(fake_actions_app())
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def closed_url() -> str:
    """An http URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa, fake_actions_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rasa_url=fake_rasa.url,
        actions_url=fake_actions_url,
        rasa_timeout=10,
        log_level="DEBUG",
    )


@dataclass
class Gateway:
    """A running gateway on a free port."""

    server: TestServer
    app: web.Application

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return self.app[keys.DB_SESSIONMAKER]

    async def settle(self) -> None:
        """Wait until the router has handled (and stored) everything it was given: a web
        reply is emitted while it is being stored."""
        await self.app[keys.ROUTER].join()


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
def make_gateway(aiohttp_server: Any, settings: Settings) -> GatewayFactory:
    """Start a gateway with the test settings, optionally overridden."""

    async def start(**overrides: Any) -> Gateway:
        app = create_app(replace(settings, **overrides), wings=[])
        server = await aiohttp_server(app)
        return Gateway(server=server, app=app)

    return start


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway()


ClientFactory = Callable[..., Awaitable[ChatClient]]


@pytest.fixture
async def make_client(
    aiohttp_server: Any,  # torn down after the clients
) -> AsyncIterator[Callable[[Gateway], Awaitable[ChatClient]]]:
    """Connect Socket.IO clients to a gateway; all are disconnected at teardown."""
    clients: list[ChatClient] = []

    async def connect(gateway: Gateway) -> ChatClient:
        client = await ChatClient(gateway.url).connect()
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.close()
