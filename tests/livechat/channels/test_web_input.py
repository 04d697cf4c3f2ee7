"""Pure checks of citizen input (livechat.channels.web_input)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from livechat.channels.web_input import (
    ChatError,
    TokenBucket,
    WidgetMetadata,
    check_session_id,
    message_language,
    widget_metadata,
)


def test_widget_metadata_keeps_the_well_formed_fields() -> None:
    metadata = widget_metadata(
        {
            "language": "en",
            "client_message_id": "c-1",
            "display_text": "Pothole",
            "location": {"lat": 45.5, "long": -73.6},
            "photo_url": "/uploads/abc.jpg",
            "request_human": True,
        },
        max_text=2000,
    )
    assert metadata == WidgetMetadata(
        language="en",
        client_message_id="c-1",
        display_text="Pothole",
        location={"lat": 45.5, "long": -73.6},
        photo_url="/uploads/abc.jpg",
        request_human=True,
    )
    assert metadata.for_rasa()["request_human"] is True
    assert "request_human" not in (metadata.stored() or {})


@pytest.mark.parametrize(
    "raw",
    [
        {"language": "de", "client_message_id": "a b", "photo_url": "javascript:alert(1)"},
        {"location": {"lat": 91, "long": 0}},
        {"location": {"lat": math.nan, "long": 0}},
        {"location": {"lat": True, "long": 0}},
        {"display_text": "   "},
        "not json",
        ["a", "list"],
        None,
    ],
)
def test_malformed_metadata_fields_are_left_out(raw: Any) -> None:
    assert widget_metadata(raw, max_text=2000) == WidgetMetadata()


def test_display_text_is_cut_at_the_limit_and_metadata_may_be_a_json_string() -> None:
    metadata = widget_metadata('{"display_text": "abcdef"}', max_text=3)
    assert metadata.display_text == "abc"


def test_session_ids_must_be_well_formed_and_the_confirmed_one() -> None:
    check_session_id(None, "abc")  # absent: the confirmed one
    check_session_id("abc", "abc")
    with pytest.raises(ChatError) as refused:
        check_session_id("other", "abc", "fr")
    assert (refused.value.code, refused.value.language) == ("session_mismatch", "fr")
    with pytest.raises(ChatError, match="invalid_session_id"):
        check_session_id("bad id!", None)


def test_a_quick_reply_payload_takes_the_language_of_what_the_citizen_saw() -> None:
    assert (
        message_language(
            "/report_pothole", WidgetMetadata(display_text="Nid-de-poule sur ma rue"), 2000
        )
        == "fr"
    )
    assert message_language("/affirm", WidgetMetadata(), 2000) is None
    assert message_language("Hello, my garbage was not picked up", WidgetMetadata(), 2000) == "en"
    assert message_language(42, WidgetMetadata(), 2000) is None


def test_chat_error_body_speaks_the_language_and_carries_both() -> None:
    body = ChatError("too_long", "en", limit=2000).body()
    assert body["code"] == "too_long" and body["text"] == body["en"]
    assert "2000" in body["fr"] or "2 000" in body["fr"]


def test_token_bucket_allows_the_burst_then_refuses() -> None:
    bucket = TokenBucket(burst=3, per_minute=1)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
