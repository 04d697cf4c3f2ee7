"""Alembic migrations on fresh SQLite and PostgreSQL databases; models match the schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from livechat import models
from livechat.db import Base, create_engine
from livechat.migrate import alembic_config, current_revision, head_revision, upgrade

CORE_TABLES = {
    "contacts",
    "conversations",
    "messages",
    # 0004_agents: agents and their sessions; hand-off columns on conversations.
    "agents",
    "agent_sessions",
    "agent_connections",
    "agent_login_failures",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'fresh.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


def test_revision_ids_are_simple() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    core = scripts.get_revision("0001_core")
    assert core is not None and core.down_revision is None
    assert head_revision() is not None


async def test_upgrade_creates_the_core_schema_and_is_idempotent(fresh_database_url: str) -> None:
    assert await current_revision(fresh_database_url) is None

    assert await upgrade(fresh_database_url) == head_revision()
    assert await upgrade(fresh_database_url) == head_revision()

    engine = create_engine(fresh_database_url)
    try:
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            indexes = await connection.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("messages")}
            )
    finally:
        await engine.dispose()
    assert tables >= CORE_TABLES
    assert "ix_messages_conversation_id_id" in indexes


async def test_models_match_the_migrated_schema(fresh_database_url: str) -> None:
    await upgrade(fresh_database_url)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _core_only}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(fresh_database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []


def _core_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name in CORE_TABLES


async def test_downgrade_to_base_removes_the_core_tables(fresh_database_url: str) -> None:
    from alembic import command

    await upgrade(fresh_database_url)
    engine = create_engine(fresh_database_url)
    config = alembic_config(fresh_database_url)

    def downgrade(connection: Connection) -> set[str]:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        return set(inspect(connection).get_table_names())

    try:
        async with engine.begin() as connection:
            tables = await connection.run_sync(downgrade)
    finally:
        await engine.dispose()
    assert not (CORE_TABLES & tables)
    assert models.Message.__tablename__ == "messages"


async def test_webchat_revision_adds_and_removes_client_message_id(
    fresh_database_url: str,
) -> None:
    from alembic import command

    def messages_schema(connection: Connection) -> tuple[set[str], set[str | None]]:
        inspector = inspect(connection)
        columns = {c["name"] for c in inspector.get_columns("messages")}
        uniques = {u["name"] for u in inspector.get_unique_constraints("messages")}
        return columns, uniques

    def downgrade(connection: Connection) -> tuple[set[str], set[str | None]]:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_agents")
        return messages_schema(connection)

    assert await upgrade(fresh_database_url, "0005_webchat") == "0005_webchat"
    engine = create_engine(fresh_database_url)
    config = alembic_config(fresh_database_url)
    try:
        async with engine.connect() as connection:
            columns, uniques = await connection.run_sync(messages_schema)
        assert "client_message_id" in columns
        assert "uq_messages_conversation_id_client_message_id" in uniques
        async with engine.begin() as connection:
            columns, uniques = await connection.run_sync(downgrade)
    finally:
        await engine.dispose()
    assert "client_message_id" not in columns
    assert "uq_messages_conversation_id_client_message_id" not in uniques
