"""The LanguageDetector graph component: the `language` entity on clear messages only."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_detector import LanguageDetector


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> LanguageDetector:
    config = LanguageDetector.get_default_config()
    return LanguageDetector.create(
        config,
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("language_detector"),
        ExecutionContext(graph_schema=None),  # type: ignore[arg-type]
    )


def test_default_config_exposes_the_thresholds() -> None:
    config = LanguageDetector.get_default_config()
    assert config["min_confidence"] == 0.75
    assert set(config) >= {"min_relative_distance", "min_statistical_words"}


@pytest.mark.parametrize(("text", "language"), [("Bonjour", "fr"), ("Hello there", "en")])
def test_clear_message_gets_a_language_entity(
    component: LanguageDetector, text: str, language: str
) -> None:
    [message] = component.process([Message(data={TEXT: text})])
    assert message.get(ENTITIES) == [
        {
            "entity": "language",
            "value": language,
            "start": 0,
            "end": len(text),
            "confidence": 1.0,
            "extractor": "LanguageDetector",
        }
    ]


@pytest.mark.parametrize("text", ["ok", "1", "👍", "311-K7M-4PX-9QD", "1234 rue Sainte-Catherine"])
def test_unclear_message_gets_no_entity(component: LanguageDetector, text: str) -> None:
    [message] = component.process([Message(data={TEXT: text})])
    assert message.get(ENTITIES, []) == []


def test_other_entities_are_kept(component: LanguageDetector) -> None:
    address = {"entity": "address", "value": "12 rue Principale", "start": 20, "end": 37}
    message = Message(data={TEXT: "il y a un trou au 12 rue Principale", ENTITIES: [address]})
    component.process([message])
    assert [e["entity"] for e in message.get(ENTITIES)] == ["address", "language"]


def test_metadata_hint_does_not_make_an_unclear_message_clear(component: LanguageDetector) -> None:
    # The hint is applied once, at session start (bot.actions.session), where the slot is known.
    message = Message(data={TEXT: "ok", "metadata": {"language": "en"}})
    component.process([message])
    assert message.get(ENTITIES, []) == []


def test_thresholds_come_from_the_config(
    component: LanguageDetector, tmp_path_factory: pytest.TempPathFactory
) -> None:
    strict = LanguageDetector.create(
        {**LanguageDetector.get_default_config(), "min_confidence": 1.01},
        LocalModelStorage(tmp_path_factory.mktemp("strict")),
        Resource("strict"),
        ExecutionContext(graph_schema=None),  # type: ignore[arg-type]
    )
    # No statistical answer can reach 1.01; the lexicon still decides ties.
    [message] = strict.process([Message(data={TEXT: "the streetlight is out on the corner"})])
    assert [e["value"] for e in message.get(ENTITIES)] == ["en"]
    # No lexicon word: only lingua could tell, and the strict threshold stops it.
    [message] = strict.process([Message(data={TEXT: "recyclage compostage ramassage"})])
    assert message.get(ENTITIES, []) == []
    [message] = component.process([Message(data={TEXT: "recyclage compostage ramassage"})])
    assert [e["value"] for e in message.get(ENTITIES)] == ["fr"]
