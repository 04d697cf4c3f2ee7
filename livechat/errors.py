"""The gateway's exception hierarchy: everything we raise derives from LivechatError."""


class LivechatError(Exception):
    """Root of every error the gateway raises on purpose."""


class ConfigurationError(LivechatError):
    """A setting (environment variable or .env entry) has an invalid value."""


class BotUnavailable(LivechatError):
    """The Rasa server could not be reached or gave an unusable answer."""


class StorageUnavailable(LivechatError):
    """The database refused or failed an operation we cannot do without."""


class ConversationNotFound(LivechatError):
    """No conversation matches the given identifier."""
