"""Structured logs mask phone numbers and emails."""

from __future__ import annotations

import json
import logging

import pytest

from livechat.logging import StructuredFormatter, mask_contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +1 819 555 0142 now", "call ***42 now"),
        ("tel (613) 555-0199", "tel ***99"),
        ("+15145550123", "***23"),
        ("write jean.tremblay@ville.example please", "write ***@*** please"),
    ],
)
def test_contacts_are_masked(text: str, expected: str) -> None:
    assert mask_contacts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "conversation 42",
        "311-ABC-123-XYZ",
        "2025-11-29 07:30",
        "uuid 9f1c2e3d4b5a69788796a5b4c3d2e1f0",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert mask_contacts(text) == text


def _record(msg: str, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "livechat.test", "levelno": 20, "levelname": "INFO", "msg": msg, "args": ()}
    )
    record.__dict__.update(extra)
    return record


def test_json_lines_with_extra_fields_masked() -> None:
    line = StructuredFormatter(json_lines=True).format(
        _record("sms from +1 514 555 0123", phone="+15145550123", conversation_id=7)
    )
    data = json.loads(line)
    assert data["level"] == "info"
    assert data["logger"] == "livechat.test"
    assert data["msg"] == "sms from ***23"
    assert data["phone"] == "***23"
    assert data["conversation_id"] == 7
    assert "555" not in line


def test_key_value_format() -> None:
    line = StructuredFormatter(json_lines=False).format(
        _record("hello world", email="a.b@c.example", n=3)
    )
    assert 'msg="hello world"' in line
    assert "email=***@***" in line
    assert "n=3" in line
