"""Database plumbing: declarative `Base`, UTC datetimes, async engine and session factory.

Other wings declare their models on the same `Base` (`from livechat.db import Base`) so one
Alembic history covers the whole gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Engine, Integer, MetaData, event
from sqlalchemy import create_engine as _create_sync_engine
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from livechat.errors import StorageUnavailable

# Stable constraint names so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Modules declaring models on `Base`; Alembic imports them all. A wing that is not written yet
# (module missing) is skipped.
MODEL_MODULES = ("livechat.models", "livechat.requests.models")

# BIGINT primary keys on PostgreSQL; SQLite only auto-increments a plain INTEGER primary key.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base shared by every gateway model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """The current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores TIMESTAMP WITH TIME ZONE; SQLite has no time zones and hands back naive
    values, which we read as UTC. Naive values are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


T = TypeVar("T")
SQLITE_SYNCHRONOUS = ("normal", "full")


def create_engine(
    database_url: str, *, sqlite_synchronous: str = "normal", **kwargs: Any
) -> AsyncEngine:
    """An async engine for `database_url`; SQLite gets its directory, foreign keys and WAL.

    `sqlite_synchronous` ("normal" or "full") is SQLite's durability: with WAL, "normal"
    keeps every commit across a crash of the process and skips the fsync each commit costs
    (about 5 ms on a virtual disk: two per citizen message); "full" also survives a power cut.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return _create_async_engine(url, **kwargs)
    _prepare_sqlite_file(url)
    engine = _create_async_engine(url, **kwargs)
    _set_sqlite_pragmas(engine.sync_engine, url, sqlite_synchronous)
    return engine


def _sqlite_in_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or database.startswith("file::memory:")


def _prepare_sqlite_file(url: URL) -> None:
    if not _sqlite_in_memory(url):
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)


def _set_sqlite_pragmas(engine: Engine, url: URL, synchronous: str) -> None:
    if synchronous.lower() not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"sqlite_synchronous: expected normal or full, got {synchronous!r}")
    in_memory = _sqlite_in_memory(url)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()


class SQLiteThread:
    """A thread that owns a synchronous engine on the SQLite file: one hop per transaction.

    aiosqlite hops to its thread for every cursor call (about nine for a two-statement
    transaction) and each hop hands the GIL over twice; on a busy machine that cost more than
    the SQL. The hot paths (a citizen message, a bot reply) run their whole transaction here
    instead. One thread also means the gateway's own writers never wait on each other's locks.
    """

    def __init__(self, database_url: str, sqlite_synchronous: str = "normal") -> None:
        url = make_url(database_url).set(drivername="sqlite")
        _prepare_sqlite_file(url)
        self._engine = _create_sync_engine(url)
        _set_sqlite_pragmas(self._engine, url, sqlite_synchronous)
        self._sessionmaker = sessionmaker(self._engine, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite")

    @classmethod
    def for_url(cls, database_url: str, sqlite_synchronous: str = "normal") -> SQLiteThread | None:
        """A thread for a SQLite file; None for other databases and in-memory SQLite (a
        second connection to ":memory:" would be another, empty database)."""
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite" or _sqlite_in_memory(url):
            return None
        return cls(database_url, sqlite_synchronous)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` on the thread; `work` commits what it wants kept."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._in_session, work)

    def _in_session(self, work: Callable[[Session], T]) -> T:
        with self._sessionmaker() as session:
            return work(session)

    async def close(self) -> None:
        """Close the engine's connections (on their thread) and stop the thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._engine.dispose)
        self._executor.shutdown(wait=True)


class SessionRunner:
    """Runs a synchronous unit of work, a function of a `Session` that commits what it keeps:
    on the SQLite thread when there is one (one hop), else in an async session (`run_sync`:
    asyncpg needs no thread)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sqlite_thread: SQLiteThread | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._sqlite_thread = sqlite_thread

    async def __call__(self, work: Callable[[Session], T]) -> T:
        if self._sqlite_thread is not None:
            return await self._sqlite_thread.run(work)
        async with self._sessionmaker() as session:
            return await session.run_sync(work)


@contextlib.contextmanager
def storage_errors(*, integrity_errors: bool = True) -> Iterator[None]:
    """Database failures as StorageUnavailable. IntegrityError passes through when the caller
    handles it (`integrity_errors`: a race on a unique key, retried or reported)."""
    try:
        yield
    except IntegrityError:
        if integrity_errors:
            raise
        raise StorageUnavailable("database error: IntegrityError") from None
    except SQLAlchemyError as error:
        raise StorageUnavailable(f"database error: {type(error).__name__}") from error
    except OSError as error:
        raise StorageUnavailable(f"database unreachable: {type(error).__name__}") from error


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit (expire_on_commit=False)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def import_models() -> None:
    """Import every module of MODEL_MODULES so `Base.metadata` knows all tables."""
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not (name + ".").startswith(error.name + "."):
                raise
