"""Run the Alembic migrations programmatically for any DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from livechat.db import create_engine

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic Config for the gateway's migrations (URL optional: env.py falls back)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.with_name("migrations")))
    if database_url:
        # ConfigParser interpolates '%': escape it (URL-encoded passwords).
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision id in the migration scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(database_url: str, revision: str = "head") -> str | None:
    """Upgrade the database at `database_url` to `revision`; return its revision afterwards."""
    engine = create_engine(database_url)
    config = alembic_config(database_url)

    def run(connection: Connection) -> str | None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        return MigrationContext.configure(connection).get_current_revision()

    try:
        async with engine.begin() as connection:
            return await connection.run_sync(run)
    finally:
        await engine.dispose()


async def current_revision(database_url: str) -> str | None:
    """The revision the database at `database_url` is at (None when never migrated)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
