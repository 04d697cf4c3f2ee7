"""Agent accounts: argon2id hashes, the service, and `python -m livechat agent ...` as a real
subprocess (password from standard input, no default password)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.agents.accounts import (
    AgentAccounts,
    hash_password,
    verify_password,
)
from livechat.agents.errors import AccountError
from livechat.agents.sessions import SessionManager
from livechat.models import Agent, AgentRole

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery"


def test_hashes_are_argon2id_and_salted() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)  # unknown account: same work, never true
    assert not verify_password("not a hash", PASSWORD)
    with pytest.raises(AccountError):
        hash_password("short")


async def test_accounts(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    accounts = AgentAccounts(sessionmaker)
    marie = await accounts.add(" Marie@Ville.ca ", "Marie", PASSWORD, role=AgentRole.ADMIN)
    assert (marie.email, marie.role, marie.max_concurrent, marie.active) == (
        "marie@ville.ca", "admin", 3, True,
    )  # fmt: skip
    with pytest.raises(AccountError, match="already has an account"):
        await accounts.add("marie@ville.ca", "Autre", PASSWORD)
    for email, name, password in (
        ("pas-un-courriel", "X", PASSWORD),
        ("x@ville.ca", "  ", PASSWORD),
        ("x@ville.ca", "X", "court"),
    ):
        with pytest.raises(AccountError):
            await accounts.add(email, name, password)
    async with sessionmaker() as session:
        row = await session.scalar(select(Agent).where(Agent.email == "marie@ville.ca"))
        assert row is not None and PASSWORD not in row.password_hash

    sessions = SessionManager(sessionmaker)
    login = await sessions.login("marie@ville.ca", PASSWORD, "127.0.0.1")
    assert await sessions.check(login.token) is not None
    await accounts.set_active("marie@ville.ca", False)
    assert await sessions.check(login.token) is None, "disabling ends the sessions"
    assert await sessions.why_invalid(login.session.id) == "disabled"
    await accounts.set_active("marie@ville.ca", True)
    assert await sessions.check(login.token) is None, "re-enabling does not revive them"
    login = await sessions.login("marie@ville.ca", PASSWORD, "127.0.0.1")
    await accounts.set_password("marie@ville.ca", "another good password")
    assert await sessions.check(login.token) is None
    with pytest.raises(AccountError):
        await accounts.get("nobody@ville.ca")


def _agent_cli(
    *args: str, database_url: str, stdin: str | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "livechat", "agent", *args],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_command_line(database_url: str, tmp_path: Path) -> None:
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return _agent_cli(*args, database_url=database_url, stdin=stdin, cwd=tmp_path)

    added = run(
        "add", "marie@ville.ca", "--name", "Marie Tremblay", "--max-chats", "5",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "marie@ville.ca created" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    admin = run("add", "chef@ville.ca", "--name", "Chef", "--admin", stdin=PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    # No default password: an empty or short one is refused.
    empty = run("add", "vide@ville.ca", "--name", "Vide", stdin="")
    assert empty.returncode == 1 and "10 characters" in empty.stderr
    duplicate = run("add", "marie@ville.ca", "--name", "Encore", stdin=PASSWORD + "\n")
    assert duplicate.returncode == 1 and "already has an account" in duplicate.stderr

    listing = run("list")
    assert listing.returncode == 0
    lines = [line.split("\t") for line in listing.stdout.splitlines()]
    assert [line[1:5] for line in lines] == [
        ["chef@ville.ca", "Chef", "admin", "max 3"],
        ["marie@ville.ca", "Marie Tremblay", "agent", "max 5"],
    ]
    assert all(line[-1] == "active" for line in lines)

    assert run("disable", "marie@ville.ca").returncode == 0
    assert "disabled" in run("list").stdout.splitlines()[1]
    assert run("disable", "nobody@ville.ca").returncode == 1
    assert run("enable", "marie@ville.ca").returncode == 0

    from livechat.db import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    try:
        sessions = SessionManager(create_sessionmaker(engine))
        login = await sessions.login("marie@ville.ca", PASSWORD, "127.0.0.1")
        assert login.session.agent.max_concurrent == 5
        changed = run("password", "marie@ville.ca", stdin="a brand new password\n")
        assert changed.returncode == 0
        assert await sessions.check(login.token) is None
        assert await sessions.login("marie@ville.ca", "a brand new password", "127.0.0.1")
    finally:
        await engine.dispose()
