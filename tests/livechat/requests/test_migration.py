"""Migration 0002_requests matches the models on both databases, and downgrades cleanly."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from livechat.db import Base, create_engine, import_models
from livechat.migrate import alembic_config, current_revision, head_revision, upgrade

REQUEST_TABLES = {
    "service_requests",
    "service_request_events",
    "photos",
    "subscriptions",
    "outbox",
    "survey_responses",
}


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_models(database_url: str) -> None:
    import_models()
    assert await current_revision(database_url) == head_revision()
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            assert tables >= REQUEST_TABLES
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_downgrade_to_core_and_back(fresh_postgres_url: str, tmp_path: Any) -> None:
    # SQLite runs the downgrade in batch mode, PostgreSQL directly: both must work.
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", fresh_postgres_url):
        assert await upgrade(url) == head_revision()
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:

                def down(sync: Connection, url: str = url) -> None:
                    config = alembic_config(url)
                    config.attributes["connection"] = sync
                    command.downgrade(config, "0001_core")

                await connection.run_sync(down)
                tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            assert not tables & REQUEST_TABLES
            assert "conversations" in tables
        finally:
            await engine.dispose()
        assert await upgrade(url) == head_revision()
