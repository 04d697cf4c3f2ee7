"""Rasa NLU component adding a `language` entity ("fr"/"en") to clearly French/English messages.

The entity fills the `language` slot (domain.yml), so the bot answers in the language of the
citizen's latest *clear* message: a bare "ok", "1", an emoji or an address adds no entity and
the slot keeps its value. The gateway's metadata hint cannot be applied here, because an NLU
component does not see the tracker (it cannot tell whether the slot is empty); the
`action_session_start` custom action applies the hint when a session starts without a language.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.components.language_rules import ClearLanguageDetector, LanguageRules

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageDetector(GraphComponent, EntityExtractorMixin):
    """Adds the `language` entity when a message is clearly French or clearly English."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The thresholds of `LanguageRules`, overridable in config.yml."""
        defaults = LanguageRules()
        return {f.name: getattr(defaults, f.name) for f in fields(LanguageRules)}

    def __init__(self, config: dict[str, Any]) -> None:
        known = {f.name for f in fields(LanguageRules)}
        self._detector = ClearLanguageDetector(
            LanguageRules(**{k: v for k, v in config.items() if k in known})
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Build the component (lingua's French and English models are loaded once, here)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Append a `language` entity to each message that is clearly in one language."""
        for message in messages:
            text = message.get(TEXT) or ""
            language = self._detector.detect(text)
            if language is None:
                continue
            entity = {
                ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY,
                ENTITY_ATTRIBUTE_VALUE: language,
                ENTITY_ATTRIBUTE_START: 0,
                ENTITY_ATTRIBUTE_END: len(text),
                ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
            }
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name([entity]),
                add_to_output=True,
            )
        return messages
