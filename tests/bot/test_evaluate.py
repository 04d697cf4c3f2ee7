"""scripts/evaluate.py (`make eval`): folds, labels and scores, without training a model."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from scripts.evaluate import folds_of, macro_f1, predicted_name, same_text


def example(language: str, intent: str, text: str) -> tuple[str, str, Message]:
    return language, intent, Message(data={"text": text})


def test_twins_differing_only_by_case_accents_or_punctuation_share_a_fold() -> None:
    examples = [example("fr", "greet", "Bonjour!"), example("fr", "greet", "bonjour"),
                *(example("fr", "greet", f"salut {i}") for i in range(8))]
    folds = folds_of(examples, 5, seed=311)
    assert same_text("Bonne journée!") == same_text("bonne journee")
    [home] = [fold for fold in folds if 0 in fold]
    assert 1 in home


def test_folds_cover_every_example_once_and_stratify_by_language_and_intent() -> None:
    examples = [example(language, intent, f"{intent} {language} {i}")
                for language in ("fr", "en") for intent in ("a", "b") for i in range(10)]
    folds = folds_of(examples, 5, seed=311)
    assert sorted(i for fold in folds for i in fold) == list(range(len(examples)))
    for fold in folds:
        strata = sorted((examples[i][0], examples[i][1]) for i in fold)
        assert strata == sorted([(lang, intent) for lang in ("fr", "en") for intent in "ab"] * 2)


def test_retrieval_intents_count_by_their_full_name_and_fallback_can_be_ignored() -> None:
    parsed = {"intent": {"name": "nlu_fallback"},
              "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.7},
                                 {"name": "faq", "confidence": 0.29}],
              "response_selector": {"faq": {"response": {"intent_response_key":
                                                         "faq/tax_account"}}}}
    assert predicted_name(parsed) == "nlu_fallback"
    assert predicted_name(parsed, ignore_fallback=True) == "faq/tax_account"


def test_macro_f1_averages_the_labels_f1() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    # a: precision 1, recall 0.5 -> 2/3; b: precision 2/3, recall 1 -> 0.8
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 0.8) / 2)
