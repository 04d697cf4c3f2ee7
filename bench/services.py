"""Throwaway stores for the bench: a database on the shared PostgreSQL, a private Redis.

The shared PostgreSQL (127.0.0.1:5432) gets a uniquely named database, dropped afterwards; Redis
is a private redis-server on a free port (the shared one is never touched), killed afterwards.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import text

from bench.common import BenchError, free_port
from livechat.db import create_engine

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


@dataclass(frozen=True)
class Stores:
    """Where the throwaway stores are."""

    database: str
    redis_port: int

    @property
    def database_url(self) -> str:
        return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def rasa_stores(self) -> str:
        """Rasa's endpoints: SQL tracker store on the database, Redis lock store."""
        return (f'tracker_store:\n  type: SQL\n  dialect: "postgresql"\n  url: "{PG_HOST}"\n'
                f'  port: {PG_PORT}\n  db: "{self.database}"\n  username: "{PG_USER}"\n'
                f'lock_store:\n  type: "redis"\n  url: "127.0.0.1"\n  port: {self.redis_port}\n'
                '  db: 1\n  key_prefix: "bench"\n')


@contextlib.asynccontextmanager
async def throwaway_database(prefix: str = "bench") -> AsyncIterator[str]:
    """A new database on the shared PostgreSQL, dropped (connections and all) on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.contextmanager
def private_redis() -> Iterator[int]:
    """A redis-server of our own on a free port, without persistence; killed on exit."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError("private redis-server did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.asynccontextmanager
async def stores() -> AsyncIterator[Stores]:
    """A throwaway PostgreSQL database and a private Redis, for one run."""
    async with throwaway_database() as database:
        with private_redis() as port:
            yield Stores(database, port)


async def query(database_url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of one read-only query on the gateway's database (SQLite or PostgreSQL)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text(sql), params)
            return [tuple(row) for row in result]
    finally:
        await engine.dispose()


async def conversation_ids(database_url: str, sessions: list[str]) -> dict[str, list[str]]:
    """Web session id -> its conversations' public ids (Rasa sender ids), oldest first."""
    rows = await query(
        database_url,
        "SELECT k.web_session_id, c.public_id FROM conversations c "
        "JOIN contacts k ON k.id = c.contact_id WHERE k.web_session_id IS NOT NULL "
        "ORDER BY c.id")
    wanted = set(sessions)
    out: dict[str, list[str]] = {}
    for session, public_id in rows:
        if session in wanted:
            out.setdefault(session, []).append(uuid.UUID(str(public_id)).hex)
    return out

