"""The SMS channel's own texts: both languages, numbered choices."""

from __future__ import annotations

import re

import pytest

from livechat.sms import texts


@pytest.mark.parametrize("key", sorted(texts.TEXTS))
def test_every_text_in_french_and_english_with_the_same_placeholders(key: str) -> None:
    fr, en = texts.TEXTS[key]["fr"], texts.TEXTS[key]["en"]
    assert fr and en and fr != en
    assert set(re.findall(r"{(\w+)}", fr)) == set(re.findall(r"{(\w+)}", en))


@pytest.mark.parametrize(
    ("count", "language", "prompt"),
    [
        (3, "fr", "Répondez 1, 2 ou 3."),
        (3, "en", "Reply 1, 2 or 3."),
        (2, "fr", "Répondez 1 ou 2."),
        (4, "en", "Reply 1, 2, 3 or 4."),
        (1, "fr", "Répondez 1."),
        (2, None, "Répondez 1 ou 2. / Reply 1 or 2."),
    ],
)
def test_choice_prompt(count: int, language: str | None, prompt: str) -> None:
    assert texts.choice_prompt(count, language) == prompt


def test_numbered_choices() -> None:
    assert texts.numbered_choices(["Nid-de-poule", "Collecte manquée", "Autre"], "fr") == (
        "1. Nid-de-poule\n2. Collecte manquée\n3. Autre\nRépondez 1, 2 ou 3."
    )


def test_unknown_language_gives_both() -> None:
    text = texts.sms_text("opted_out", None)
    assert text == texts.TEXTS["opted_out"]["fr"] + "\n" + texts.TEXTS["opted_out"]["en"]


def test_keywords_in_the_texts_are_typable_without_accents() -> None:
    assert "ARRET" in texts.TEXTS["help"]["fr"] and "STOP" in texts.TEXTS["help"]["en"]
    assert "DEBUT" in texts.TEXTS["opted_out"]["fr"] and "START" in texts.TEXTS["opted_out"]["en"]
