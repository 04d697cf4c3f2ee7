"""Database plumbing: SQLite pragmas and the SQLite transaction thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from livechat.db import SQLiteThread, create_engine, storage_errors
from livechat.errors import StorageUnavailable


@pytest.mark.parametrize(("durability", "level"), [("normal", 1), ("full", 2)])
async def test_sqlite_files_use_wal_and_the_chosen_durability(
    tmp_path: Path, durability: str, level: int
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/a.db", sqlite_synchronous=durability)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA synchronous"))) == level
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
    finally:
        await engine.dispose()


def test_an_unknown_durability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected normal or full"):
        create_engine(f"sqlite+aiosqlite:///{tmp_path}/a.db", sqlite_synchronous="off")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1/db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_only_a_sqlite_file_gets_a_thread(url: str) -> None:
    assert SQLiteThread.for_url(url) is None


async def test_the_thread_runs_whole_transactions_on_one_thread(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/deep/t.db"
    thread = SQLiteThread.for_url(url, "full")
    assert thread is not None

    def write(session: Session) -> str:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
        return threading.current_thread().name

    def uncommitted(session: Session) -> None:
        session.execute(text("INSERT INTO t VALUES (2)"))  # never committed: rolled back

    def read(session: Session) -> tuple[list[int], int, str]:
        rows = list(session.scalars(text("SELECT x FROM t")))
        synchronous = session.scalar(text("PRAGMA synchronous"))
        return rows, synchronous, threading.current_thread().name

    try:
        first = await thread.run(write)
        await thread.run(uncommitted)
        rows, synchronous, last = await thread.run(read)
    finally:
        await thread.close()

    assert first == last and first.startswith("sqlite")
    assert first != threading.current_thread().name
    assert (rows, synchronous) == ([1], 2)
    # The async engine sees what the thread committed: same file.
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert list(await connection.scalars(text("SELECT x FROM t"))) == [1]
    finally:
        await engine.dispose()


def test_database_failures_become_storage_unavailable() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    with pytest.raises(StorageUnavailable, match="database error: OperationalError"), \
            storage_errors():
        raise lost
    with pytest.raises(StorageUnavailable, match="database unreachable: ConnectionRefused"), \
            storage_errors():
        raise ConnectionRefusedError(111, "Connection refused")


def test_an_integrity_error_passes_only_when_the_caller_handles_it() -> None:
    duplicate = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    with pytest.raises(IntegrityError), storage_errors():
        raise duplicate
    with pytest.raises(StorageUnavailable, match="database error: IntegrityError"), \
            storage_errors(integrity_errors=False):
        raise duplicate
