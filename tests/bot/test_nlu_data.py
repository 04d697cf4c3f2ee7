"""The NLU contract of DESIGN.md: every intent, in French and English, with enough examples."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

NLU = Path(__file__).resolve().parents[2] / "bot" / "data" / "nlu"
MIN_EXAMPLES = 25

DESIGN_INTENTS = [
    *(f"report_{code}" for code in (
        "pothole", "missed_collection", "bulky_items", "streetlight", "sidewalk_snow",
        "lost_item_transit", "road_safety", "water_leak", "animal", "graffiti",
    )),
    "complaint", "suggestion",
    *(f"faq/{topic}" for topic in (
        "library_hours", "tax_account", "collection_schedule", "zoning_permits", "dog_licence",
        "garage_sale_permit", "snow_removal_info", "contact_hours",
    )),
    "greet", "goodbye", "thank", "affirm", "deny", "request_human", "track_request",
    "emergency", "out_of_scope",
]  # fmt: skip

_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example)


def examples(language: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted((NLU / language).glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in block:
                lines = block["examples"].splitlines()
                found[block["intent"]] += [
                    line[2:].strip() for line in lines if line.startswith("- ")
                ]
    return found


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_design_intent_has_enough_examples(language: str) -> None:
    counts = {intent: len(texts) for intent, texts in examples(language).items()}
    short = {
        intent: counts.get(intent, 0)
        for intent in DESIGN_INTENTS
        if counts.get(intent, 0) < MIN_EXAMPLES
    }
    assert short == {}
    assert set(counts) == set(DESIGN_INTENTS)


def _key(text: str) -> str:
    """Duplicates modulo case, accents, punctuation and spacing."""
    text = unicodedata.normalize("NFKD", plain(text).lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text))


def test_no_example_is_under_two_intents() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for language in ("fr", "en"):
        for intent, texts in examples(language).items():
            for text in texts:
                owners[_key(text)].add(intent)
    clashes = {text: sorted(intents) for text, intents in owners.items() if len(intents) > 1}
    assert clashes == {}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_report_examples_annotate_addresses(language: str) -> None:
    for intent, texts in examples(language).items():
        if intent.startswith("report_") and intent != "report_lost_item_transit":
            annotated = [t for t in texts if "](address)" in t]
            assert len(annotated) >= 3, intent


def test_held_out_messages_are_never_trained_on() -> None:
    holdout = Path(__file__).resolve().parents[2] / "bot" / "tests" / "nlu_holdout.yml"
    held_out = {
        _key(line[2:])
        for block in yaml.safe_load(holdout.read_text(encoding="utf-8"))["nlu"]
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    }
    trained = {_key(t) for lang in ("fr", "en") for texts in examples(lang).values() for t in texts}
    assert held_out, "no held-out message found"
    assert sorted(held_out & trained) == []


def test_no_example_is_in_both_languages() -> None:
    # The folds of `make eval` are split per language: a text in both would be in train and test.
    french = {_key(t) for texts in examples("fr").values() for t in texts}
    english = {_key(t) for texts in examples("en").values() for t in texts}
    assert sorted(french & english) == []
