"""Command line of the gateway: `python -m livechat serve|migrate|...`.

Other modules add subcommands with `register_command()`; main() imports COMMAND_MODULES first.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from livechat import __version__
from livechat.errors import LivechatError
from livechat.settings import Settings, mask_url_password


@dataclass(frozen=True)
class Command:
    """A subcommand: `configure` adds its arguments, `run` returns the exit status."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


COMMANDS: dict[str, Command] = {}
# Modules that call register_command() when imported; missing ones are skipped.
COMMAND_MODULES: tuple[str, ...] = ("livechat.agents.commands", "livechat.requests.commands")


def register_command(command: Command) -> None:
    """Add a subcommand (e.g. the agent hub's `agent add`)."""
    COMMANDS[command.name] = command


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default: HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: PORT or 8080)")
    parser.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database first"
    )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from livechat.app import create_app
    from livechat.logging import configure_logging
    from livechat.migrate import upgrade

    settings = replace(
        settings,
        host=args.host or settings.host,
        port=settings.port if args.port is None else args.port,
    )
    configure_logging(settings.log_level, settings.log_format)
    if not args.no_migrate:
        revision = asyncio.run(upgrade(settings.database_url))
        print(f"Database {mask_url_password(settings.database_url)} at revision {revision}")
    app = create_app(settings)
    print(f"Gateway on http://{settings.host}:{settings.port}/ (health: /health)", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from livechat.migrate import upgrade

    revision = asyncio.run(upgrade(settings.database_url, args.revision))
    print(f"Database {mask_url_password(settings.database_url)} at revision {revision}")
    return 0


def _configure_migrate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("revision", nargs="?", default="head", help="target (default: head)")


register_command(
    Command("serve", "migrate the database and run the gateway", _configure_serve, _serve)
)
register_command(Command("migrate", "upgrade the database schema", _configure_migrate, _migrate))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per registered command."""
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not (name + ".").startswith(error.name + "."):
                raise
    parser = argparse.ArgumentParser(prog="python -m livechat", description=__doc__)
    parser.add_argument("--version", action="version", version=f"livechat {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.configure(subparsers.add_parser(command.name, help=command.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, load the settings and run the command; 2 on configuration errors."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return COMMANDS[args.command].run(args, settings)
    except LivechatError as error:
        print(f"livechat: {error}", file=sys.stderr)
        return 2
