"""Per-message language detection: clear French or English, else None."""

from __future__ import annotations

import pytest

from livechat.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "Il y a un nid-de-poule devant chez moi",
        "Je veux parler à un agent",
        "Bonjour",
        "Quand passe la collecte des ordures?",
        "merci beaucoup",
    ],
)
def test_clear_french(text: str) -> None:
    assert detect_language(text) == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "There is a pothole in front of my house",
        "I want to talk to a human",
        "When is garbage pickup?",
        "thanks",
    ],
)
def test_clear_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text", ["ok", "OK!", "Okay", "1", "12345", "👍", "", "   ", "?!", "allo", "k"]
)
def test_not_clear_gives_none(text: str) -> None:
    assert detect_language(text) is None
