"""`python -m livechat`: migrate, serve (end to end over real sockets), configuration errors."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from livechat.migrate import head_revision
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import free_port
from tests.livechat.fakes import FakeRasa

ROOT = Path(__file__).resolve().parents[2]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    env["PYTHONPATH"] = str(ROOT)
    env.update(values)
    return env


_SETTINGS_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "RASA_URL",
    "RASA_TOKEN",
    "ACTIONS_URL",
    "PUBLIC_URL",
    "HOST",
    "PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
}


def _livechat(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "livechat", *args],
        cwd=cwd,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = _livechat("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "serve" in result.stdout and "migrate" in result.stdout


def test_migrate_sqlite_default_location(tmp_path: Path) -> None:
    """With no DATABASE_URL the database is var/livechat.db under the working directory."""
    result = _livechat("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"at revision {head_revision()}" in result.stdout
    with sqlite3.connect(tmp_path / "var" / "livechat.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    assert {"contacts", "conversations", "messages"} <= tables
    assert version == head_revision()


@pytest.mark.postgres
def test_migrate_postgresql_from_a_plain_postgresql_url(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    plain = fresh_postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    result = _livechat("migrate", cwd=tmp_path, DATABASE_URL=plain)
    assert result.returncode == 0, result.stderr
    assert f"at revision {head_revision()}" in result.stdout
    again = _livechat("migrate", cwd=tmp_path, DATABASE_URL=plain)
    assert again.returncode == 0, again.stderr


def test_invalid_setting_exits_2_with_the_reason(tmp_path: Path) -> None:
    result = _livechat("migrate", cwd=tmp_path, PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.strip() == "livechat: PORT: expected a whole number, got 'eighty'"


def test_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-env-file.db'}\n")
    result = _livechat("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env-file.db").exists()


async def test_serve_migrates_then_answers_over_real_sockets(
    tmp_path: Path, fake_rasa: FakeRasa, fake_actions_url: str
) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livechat",
        "serve",
        "--port",
        str(port),
        cwd=tmp_path,
        env=_env(
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'served.db'}",
            RASA_URL=fake_rasa.url,
            ACTIONS_URL=fake_actions_url,
            LOG_FORMAT="json",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        lines = []
        while True:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, f"serve exited early: {lines}"
            lines.append(line)
            if line.startswith("Gateway on"):
                break
        assert lines[0].startswith("Database sqlite+aiosqlite:///")
        assert f"at revision {head_revision()}" in lines[0]
        assert line.strip() == f"Gateway on http://127.0.0.1:{port}/ (health: /health)"
        url = f"http://127.0.0.1:{port}"

        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(url + "/health") as response:
                        health = await response.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        assert health["status"] == "ok"

        citizen = await ChatClient(url).connect()
        await citizen.request_session()
        await citizen.utter("Bonjour")
        assert await citizen.next("bot_uttered") == {"text": "echo: Bonjour"}
        await citizen.close()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    with sqlite3.connect(tmp_path / "served.db") as db:
        rows = db.execute("SELECT sender, content FROM messages ORDER BY id").fetchall()
    assert rows == [("citizen", "Bonjour"), ("bot", "echo: Bonjour")]
