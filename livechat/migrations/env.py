"""Alembic environment for the gateway: async engines, SQLite batch mode, shared connections.

`livechat.migrate.upgrade()` hands us an open connection in `config.attributes["connection"]`;
the `alembic` command line gets the URL from DATABASE_URL (or .env) instead.
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from livechat.db import Base, create_engine, import_models
from livechat.settings import Settings

config = context.config
if config.config_file_name and "connection" not in config.attributes:
    # The `alembic` command line: log as alembic.ini says (the gateway configures its own).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
import_models()
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or Settings.from_env().database_url


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif isinstance(config.attributes.get("connection"), Connection):
    do_run_migrations(config.attributes["connection"])
else:
    asyncio.run(run_async_migrations())
