"""Keywords: whole message, any case, with or without accents, in French and English."""

from __future__ import annotations

import pytest

from livechat.sms.keywords import KeywordKind, choice_number, fold, match_keyword


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop! ", "ARRET", "arrêt", "Arrêt.", "ARRÊT", "UNSUBSCRIBE", "cancel",
     "End", "QUIT", "stopall"],
)  # fmt: skip
def test_opt_out_words(text: str) -> None:
    keyword = match_keyword(text)
    assert keyword is not None and keyword.kind is KeywordKind.OPT_OUT


@pytest.mark.parametrize("text", ["START", "start", "Unstop", "DEBUT", "début", "Début!"])
def test_opt_in_words(text: str) -> None:
    keyword = match_keyword(text)
    assert keyword is not None and keyword.kind is KeywordKind.OPT_IN


@pytest.mark.parametrize("text", ["HELP", "help?", "AIDE", "aide", "Info"])
def test_help_words(text: str) -> None:
    keyword = match_keyword(text)
    assert keyword is not None and keyword.kind is KeywordKind.HELP


@pytest.mark.parametrize(("text", "language"), [("Oui", "fr"), ("OUI!", "fr"), ("yes", "en")])
def test_confirmation_words(text: str, language: str) -> None:
    keyword = match_keyword(text)
    assert keyword is not None and keyword.kind is KeywordKind.CONFIRM
    assert keyword.language == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("arrêt", "fr"), ("AIDE", "fr"), ("début", "fr"), ("help", "en"), ("QUIT", "en"),
     ("STOP", None), ("info", None)],
)  # fmt: skip
def test_the_language_of_a_keyword(text: str, language: str | None) -> None:
    keyword = match_keyword(text)
    assert keyword is not None and keyword.language == language


@pytest.mark.parametrize(
    "text",
    ["stop the plow", "Arrêt d'autobus brisé", "help me please", "ouimet", "", "🙂", "STOP STOP",
     "annuler"],
)  # fmt: skip
def test_sentences_are_not_keywords(text: str) -> None:
    assert match_keyword(text) is None


def test_fold() -> None:
    assert fold("  Arrêt! ") == "ARRET"
    assert fold("Ça  va?") == "CA VA"
    assert fold("Œuvre") == "ŒUVRE"  # not decomposable: kept


@pytest.mark.parametrize(
    ("text", "number"), [("2", 2), (" 3 ", 3), ("1.", 1), ("#2", 2), ("10", 10), ("2)", 2)]
)
def test_choice_numbers(text: str, number: int) -> None:
    assert choice_number(text) == number


@pytest.mark.parametrize("text", ["deux", "2 rue Principale", "123", "1,5", ""])
def test_not_choice_numbers(text: str) -> None:
    assert choice_number(text) is None
