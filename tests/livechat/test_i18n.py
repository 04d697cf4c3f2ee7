"""Every gateway-authored citizen text exists in Canadian French and English."""

from __future__ import annotations

import string

import pytest

from livechat import i18n


@pytest.mark.parametrize("key", sorted(i18n.TEXTS))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    texts = i18n.TEXTS[key]
    assert set(texts) == {"fr", "en"}
    assert all(texts[language].strip() for language in ("fr", "en"))
    assert texts["fr"] != texts["en"]
    fields = {
        language: {name for _, name, _, _ in string.Formatter().parse(text) if name}
        for language, text in texts.items()
    }
    assert fields["fr"] == fields["en"]


def test_codes_used_by_the_web_chat_all_exist() -> None:
    for code in (
        "bot_unavailable",
        "storage_unavailable",
        "invalid_payload",
        "missing_message",
        "not_a_string",
        "empty_message",
        "too_long",
        "invalid_session_id",
        "no_session",
        "session_mismatch",
        "rate_limited",
        "invalid_rating",
        "no_conversation",
        "too_large",
        "unsupported_type",
        "invalid_upload",
    ):
        assert code in i18n.TEXTS


def test_translate_fills_placeholders() -> None:
    assert "2000" in i18n.translate("too_long", "fr", limit=2000)
    assert "2000 characters" in i18n.translate("too_long", "en", limit=2000)


def test_unknown_language_gives_french_then_english() -> None:
    both = i18n.text_for("bot_unavailable", None)
    fr, en = both.split("\n\n")
    assert fr == i18n.translate("bot_unavailable", "fr")
    assert en == i18n.translate("bot_unavailable", "en")
    assert i18n.text_for("bot_unavailable", "en") == en
    assert i18n.both("rate_limited") == {
        "fr": i18n.TEXTS["rate_limited"]["fr"],
        "en": i18n.TEXTS["rate_limited"]["en"],
    }


def test_emergency_number_is_in_the_unavailable_text() -> None:
    assert "911" in i18n.translate("bot_unavailable", "fr")
    assert "911" in i18n.translate("bot_unavailable", "en")


def test_find_key_recognises_stored_notices() -> None:
    for text in (
        i18n.translate("bot_unavailable", "fr"),
        i18n.translate("bot_unavailable", "en"),
        i18n.bilingual("bot_unavailable"),
    ):
        assert i18n.find_key(text) == "bot_unavailable"
    assert i18n.find_key("Bonjour") is None
    assert i18n.find_key(None) is None
    # Texts with placeholders are never guessed from their filled-in form.
    assert i18n.find_key(i18n.translate("too_long", "fr", limit=2000)) is None
