"""Structured logging (JSON lines or key=value) that masks phone numbers and emails."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 10+ digits, optionally with +, spaces, dots, dashes or parentheses between them.
_PHONE = re.compile(r"(?<![\w:-])\+?\(?\d(?:[\s().-]*\d){9,14}(?![\w:-])")
# Attributes every LogRecord has; anything else came from `extra=` and is logged as a field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def mask_contacts(text: str) -> str:
    """Mask email addresses and phone numbers, keeping the last two digits of a phone."""
    text = _EMAIL.sub("***@***", text)
    return _PHONE.sub(lambda m: "***" + re.sub(r"\D", "", m.group())[-2:], text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_contacts(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


class StructuredFormatter(logging.Formatter):
    """One line per record: JSON (`json=True`) or key=value; contact details masked."""

    def __init__(self, json_lines: bool = True) -> None:
        super().__init__()
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields.update(
            (key, value) for key, value in record.__dict__.items() if key not in _STANDARD
        )
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        timestamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
        fields = {"ts": timestamp.isoformat(timespec="milliseconds"), **_masked(fields)}
        if self.json_lines:
            return json.dumps(fields, ensure_ascii=False, default=str)
        return " ".join(f"{key}={_kv(value)}" for key, value in fields.items())


def _kv(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if text == "" or any(ch.isspace() or ch in '"=' for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return text


def configure_logging(level: str = "INFO", log_format: str = "json") -> None:
    """Send the root logger's records to stderr through StructuredFormatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StructuredFormatter(json_lines=log_format == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log repeats what we log ourselves, and includes query strings.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
