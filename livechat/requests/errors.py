"""Errors of the requests wing (catalogue, reference numbers, service requests, calendar).

Every error carries a stable machine ``code`` and, when it can reach a citizen, a message
in French and English so the caller answers in the citizen's language.
"""

from __future__ import annotations

from livechat.errors import LivechatError


class RequestsError(LivechatError):
    """Root of the requests wing's errors."""

    code = "requests_error"

    def __init__(self, message: str, *, fr: str | None = None, en: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fr = fr or message
        self.en = en or message

    def localized(self, language: str) -> str:
        """The message in ``language`` ("fr" or "en"), French by default."""
        return self.en if language == "en" else self.fr


class CalendarConfigError(RequestsError):
    """BUSINESS_HOURS, CITY_TZ or HOLIDAYS_PROVINCE is not understood."""

    code = "calendar_config"


class CatalogueError(RequestsError):
    """The service catalogue file is missing or invalid."""

    code = "catalogue_invalid"


class InvalidReference(RequestsError):
    """A reference number is malformed or fails its check character."""

    code = "invalid_reference"


class ValidationError(RequestsError):
    """A service request (or status change) is missing details or has bad values."""

    code = "validation_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        fr: str | None = None,
        en: str | None = None,
    ) -> None:
        super().__init__(message, fr=fr, en=en)
        self.field = field


class UnknownService(ValidationError):
    """The service code is not in the catalogue."""

    code = "unknown_service"


class RequestNotFound(RequestsError):
    """No service request has this reference number."""

    code = "not_found"


class IdempotencyConflict(RequestsError):
    """An idempotency key was reused for a different request."""

    code = "idempotency_conflict"
