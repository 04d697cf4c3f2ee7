"""Registers the ``request`` subcommand with ``livechat.cli`` (imported by its COMMAND_MODULES)."""

from livechat.cli import Command, register_command
from livechat.requests import cli

register_command(Command("request", "service requests: change a status", cli.configure, cli.run))
