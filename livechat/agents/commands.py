"""`python -m livechat agent add|list|disable|enable|password`: agent accounts.

There is no default account and no default password: `add` reads the password from standard
input when it is not a terminal, else asks for it twice.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from livechat.agents.accounts import MIN_PASSWORD_LENGTH, AgentAccounts
from livechat.agents.errors import AccountError
from livechat.cli import Command, register_command
from livechat.db import create_engine, create_sessionmaker
from livechat.migrate import upgrade
from livechat.models import AgentRole
from livechat.settings import Settings

T = TypeVar("T")


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an agent account")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="name shown to citizens")
    add.add_argument("--admin", action="store_true", help="administrator role")
    add.add_argument(
        "--max-chats", type=int, default=3, help="chats auto-assigned at once (default 3)"
    )
    add.add_argument("--language", choices=("fr", "en"), default="fr", help="console language")
    actions.add_parser("list", help="list agent accounts")
    for name, text in (
        ("disable", "disable an account and end its sessions"),
        ("enable", "enable a disabled account"),
        ("password", "set a new password (ends the account's sessions)"),
    ):
        actions.add_parser(name, help=text).add_argument("email")


def read_password() -> str:
    """One line of standard input when it is not a terminal, else getpass twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    second = getpass.getpass("Password again: ")
    if first != second:
        raise AccountError("invalid_payload", "the two passwords differ")
    return first


async def _with_accounts(settings: Settings, work: Callable[[AgentAccounts], Awaitable[T]]) -> T:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        return await work(AgentAccounts(create_sessionmaker(engine)))
    finally:
        await engine.dispose()


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.action == "add":
            password = read_password()
            agent = asyncio.run(
                _with_accounts(
                    settings,
                    lambda accounts: accounts.add(
                        args.email,
                        args.name,
                        password,
                        role=AgentRole.ADMIN if args.admin else AgentRole.AGENT,
                        max_concurrent=args.max_chats,
                        language=args.language,
                    ),
                )
            )
            print(f"Agent {agent.email} created (id {agent.id}, {agent.role}).")
        elif args.action == "list":
            agents = asyncio.run(_with_accounts(settings, lambda accounts: accounts.list()))
            if not agents:
                print("No agent accounts. Create one with: python -m livechat agent add EMAIL ...")
            for agent in agents:
                state = "active" if agent.active else "disabled"
                print(
                    f"{agent.id}\t{agent.email}\t{agent.name}\t{agent.role}\t"
                    f"max {agent.max_concurrent}\t{agent.language}\t{state}"
                )
        elif args.action in ("disable", "enable"):
            active = args.action == "enable"
            agent = asyncio.run(
                _with_accounts(settings, lambda accounts: accounts.set_active(args.email, active))
            )
            print(f"Agent {agent.email} {'enabled' if active else 'disabled'}.")
        else:
            password = read_password()
            asyncio.run(
                _with_accounts(
                    settings, lambda accounts: accounts.set_password(args.email, password)
                )
            )
            print(f"Password of {args.email} changed; its sessions are ended.")
    except AccountError as error:
        print(f"livechat agent {args.action}: {error}", file=sys.stderr)
        return 1
    return 0


register_command(
    Command("agent", "manage agent accounts (add, list, disable...)", _configure, _run)
)
