"""Exception root of the bot package: everything the bot raises on purpose derives from BotError."""


class BotError(Exception):
    """Root of the errors raised by the bot's own code."""


class GatewayError(BotError):
    """The gateway could not be reached or answered with an unexpected status."""
