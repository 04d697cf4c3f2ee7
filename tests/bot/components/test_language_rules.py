"""ClearLanguageDetector: a language only for clearly French or English messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.components.language_rules import ClearLanguageDetector

NLU = Path(__file__).resolve().parents[3] / "bot" / "data" / "nlu"


@pytest.fixture(scope="module")
def detector() -> ClearLanguageDetector:
    return ClearLanguageDetector()


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "OK",
        "okay",
        "k",
        "1",
        "42",
        "👍",
        "🙂🙂",
        "?",
        "",
        "   ",
        "lol",
        "bye",
        "hey",
        "311-K7M-4PX-9QD",
        "K7M4PX9QD",
        "1234 rue Sainte-Catherine Est",
        "55 Main St",
        "123 chemin de la Côte-des-Neiges",
        "4500 boul. Henri-Bourassa O.",
        "Principale",
        "Portage Pembina",
        "merci / thanks",
        "thanks merci",
        "info@ville.example",
    ],
)
def test_unclear_messages_have_no_language(detector: ClearLanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "oui",
        "Oui",
        "non",
        "allo",
        "allô",
        "bonjour",
        "salut",
        "merci",
        "merci ben",
        "ok merci",
        "bonne journée",
        "stp",
        "taxe municipale",
        "il y a un nid de poule devant chez nous",
        "les vidanges ont pas passé",
        "allo jai un probleme",
        "gros morceaux",
        "déneigement",
        "123 rue Principale merci",
        "Le lampadaire est brûlé au coin de la 3e avenue",
    ],
)
def test_clear_french(detector: ClearLanguageDetector, text: str) -> None:
    assert detector.detect(text) == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes",
        "no",
        "hi",
        "Hello",
        "thanks",
        "thx",
        "ok thanks",
        "pls",
        "pothole",
        "dog licence",
        "there is a pothole on my street",
        "garbage not picked up",
        "my garbage wasnt picked up rue Principale",
        "55 Main St please",
        "The streetlight is out in front of my house",
    ],
)
def test_clear_english(detector: ClearLanguageDetector, text: str) -> None:
    assert detector.detect(text) == "en"


def test_none_text(detector: ClearLanguageDetector) -> None:
    assert detector.detect(None) is None


def _examples(language: str) -> list[str]:
    texts = []
    for path in sorted((NLU / language).glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "examples" in block and "intent" in block:
                texts += [
                    line[2:] for line in block["examples"].splitlines() if line.startswith("- ")
                ]
    return texts


@pytest.mark.parametrize(("language", "other"), [("fr", "en"), ("en", "fr")])
def test_training_examples_never_switch_to_the_other_language(
    detector: ClearLanguageDetector, language: str, other: str
) -> None:
    """Every French example is French or unclear, never English (and vice versa)."""
    examples = _examples(language)
    assert len(examples) >= 100
    results = {text: detector.detect(_strip_annotations(text)) for text in examples}
    wrong = sorted(text for text, found in results.items() if found == other)
    assert wrong == []
    recognised = sum(found == language for found in results.values())
    # Most examples are clear; the rest (bare "ok", addresses...) keep the previous language.
    assert recognised / len(examples) >= 0.8


def _strip_annotations(text: str) -> str:
    """`[123 rue Principale](address)` -> `123 rue Principale`."""
    import re

    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)


def test_lexicons_do_not_overlap_even_after_squeezing_repeated_letters() -> None:
    from bot.components import language_rules as rules

    assert not rules._FRENCH_SQUEEZED & rules._ENGLISH_SQUEEZED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("merciiii", "fr"),
        ("hellooo", "en"),
        ("c'est ça", "fr"),
        ("c’est beau", "fr"),
        ("don't", "en"),
        ("I’m done", "en"),
        ("d'accord", "fr"),
    ],
)
def test_sms_spellings_and_apostrophes(
    detector: ClearLanguageDetector, text: str, expected: str
) -> None:
    assert detector.detect(text) == expected
