"""Citizen input on the web chat: validation of `user_uttered` and its widget metadata.

Everything here is pure: the namespace (livechat.channels.web) turns a `ChatError` into the
bilingual `chat_error` event and a refused ack.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from livechat import i18n
from livechat.errors import LivechatError
from livechat.language import detect_language

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CLIENT_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_URL_LENGTH = 2048


class TokenBucket:
    """Allows `burst` messages at once, refilled at `per_minute` messages a minute."""

    def __init__(self, burst: int, per_minute: int) -> None:
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.rate = per_minute / 60.0
        self.updated = time.monotonic()

    def take(self) -> bool:
        """Spend one token; False when none is left."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class ChatError(LivechatError):
    """Refused citizen input; `code` names the i18n text."""

    def __init__(self, code: str, language: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.language = language
        self.params = params

    def body(self) -> dict[str, Any]:
        """The `chat_error` event: code, text in the citizen's language (or both), fr, en."""
        return {
            "code": self.code,
            "text": i18n.text_for(self.code, self.language, **self.params),
            **i18n.both(self.code, **self.params),
        }


@dataclass(frozen=True)
class WidgetMetadata:
    """What a widget says about a citizen message besides its text (`user_uttered` metadata)."""

    language: str | None = None
    client_message_id: str | None = None
    display_text: str | None = None
    location: dict[str, float] | None = None
    photo_url: str | None = None
    request_human: bool = False

    def for_rasa(self) -> dict[str, Any]:
        """The fields forwarded in the Rasa webhook's metadata (the bot may fill slots)."""
        fields = self.stored() or {}
        if self.request_human:
            fields["request_human"] = True
        return fields

    def stored(self) -> dict[str, Any] | None:
        """The fields kept in the citizen message's payload (shown again in `history`)."""
        fields: dict[str, Any] = {}
        if self.display_text is not None:
            fields["display_text"] = self.display_text
        if self.location is not None:
            fields["location"] = dict(self.location)
        if self.photo_url is not None:
            fields["photo_url"] = self.photo_url
        return fields or None


def widget_metadata(raw: Any, max_text: int) -> WidgetMetadata:
    """Read `user_uttered` metadata; malformed optional fields are left out (logged), since
    the text itself is what the citizen wrote and is stored anyway."""
    if isinstance(raw, str):  # Rasa's channel also accepts metadata as a JSON string
        try:
            raw = json.loads(raw)
        except ValueError:
            return WidgetMetadata()
    if not isinstance(raw, dict):
        return WidgetMetadata()
    ignored: list[str] = []

    def pick(key: str, check: Callable[[Any], Any]) -> Any:
        value = raw.get(key)
        if value is None:
            return None
        checked = check(value)
        if checked is None:
            ignored.append(key)
        return checked

    metadata = WidgetMetadata(
        language=raw["language"] if raw.get("language") in i18n.LANGUAGES else None,
        client_message_id=pick("client_message_id", _client_message_id),
        display_text=pick("display_text", lambda v: _display_text(v, max_text)),
        location=pick("location", _location),
        photo_url=pick("photo_url", _photo_url),
        request_human=raw.get("request_human") is True,
    )
    if ignored:
        log.warning("malformed metadata ignored", extra={"fields": sorted(ignored)})
    return metadata


def _client_message_id(value: Any) -> str | None:
    return value if isinstance(value, str) and CLIENT_MESSAGE_ID.fullmatch(value) else None


def _display_text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value.strip() else None


def _location(value: Any) -> dict[str, float] | None:
    if not isinstance(value, dict):
        return None
    lat, long = value.get("lat"), value.get("long")
    for number in (lat, long):
        if isinstance(number, bool) or not isinstance(number, int | float):
            return None
        if not math.isfinite(number):
            return None
    assert isinstance(lat, int | float) and isinstance(long, int | float)
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None
    return {"lat": float(lat), "long": float(long)}


def _photo_url(value: Any) -> str | None:
    """An uploaded photo's URL: "/uploads/..." on this gateway, or an http(s) URL."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        return None
    if value.startswith("/uploads/"):
        return value
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def check_session_id(value: Any, confirmed: str | None, language: str | None = None) -> None:
    """A well-formed session id equal to the confirmed one (None means "the confirmed one")."""
    if value is None and confirmed is not None:
        return
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        raise ChatError("invalid_session_id", language)
    if confirmed is not None and value != confirmed:
        raise ChatError("session_mismatch", language)


def message_language(text: Any, metadata: WidgetMetadata, limit: int) -> str | None:
    """The clear language of a citizen message. A quick-reply payload ("/report_pothole") is
    no language: what the citizen saw (display_text) tells it, if given."""
    if not isinstance(text, str):
        return None
    if text.startswith("/"):
        text = metadata.display_text or ""
    # The start of an over-long message is enough to answer in its language.
    return detect_language(text[:limit]) if text.strip() else None
