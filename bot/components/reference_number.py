"""Rasa NLU component extracting 311 reference numbers ("311-K7M-4PX-9QD") deterministically.

A reference is random (see livechat/requests/reference.py), so DIET cannot learn it from
examples; a regex can. The entity value is the canonical upper-case form; the check
character is verified by the gateway, which knows the algorithm, so a typed typo still
reaches it and the citizen is told it is a typo rather than "not found".

Accepted, in free text:
* ``311-K7M-4PX-9QD`` (dashes, any case);
* 311 then nine characters, with or without spaces/dashes/dots, when they mix letters and
  digits (``311 k7m 4px 9qd``, ``311K7M4PX9QD``), so "311 car les bus" is never one;
* the nine characters alone as one token mixing letters and digits (``K7M4PX9QD``,
  ``k7m-4px-9qd``), so an ordinary nine-letter word or a phone number is never one.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

REFERENCE_ENTITY = "reference_number"
_SEP = r"[\s\-._]"
# A candidate is a whole token: not glued to letters/digits (even through a separator).
_START = r"(?<![0-9a-z])(?<![0-9a-z][\-._])"
_END = r"(?![\-._]?[0-9a-z])"
_CANONICAL = re.compile(
    rf"{_START}311-([0-9a-z]{{3}})-([0-9a-z]{{3}})-([0-9a-z]{{3}}){_END}", re.IGNORECASE
)
_PREFIXED = re.compile(
    rf"{_START}311{_SEP}*((?:[0-9a-z]{_SEP}?){{8}}[0-9a-z]){_END}", re.IGNORECASE
)
_BARE = re.compile(rf"{_START}((?:[0-9a-z][\-._]?){{8}}[0-9a-z]){_END}", re.IGNORECASE)
_SEPARATORS = re.compile(_SEP)
# The gateway's reference alphabet (livechat/requests/reference.py): no 0, 1, I, L, O, U.
_ALPHABET = set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
_GROUPED = re.compile(rf"^[0-9a-z]{{3}}{_SEP}[0-9a-z]{{3}}{_SEP}[0-9a-z]{{3}}$", re.IGNORECASE)


def find_reference(text: str) -> tuple[str, int, int] | None:
    """The first reference-shaped string in `text`: (canonical form, start, end), or None."""
    candidates: list[tuple[int, int, str]] = []
    for match in _CANONICAL.finditer(text):
        candidates.append((match.start(), match.end(), "".join(match.groups())))
    for pattern in (_PREFIXED, _BARE):
        for match in pattern.finditer(text):
            body = _SEPARATORS.sub("", match.group(1))
            # Some real numbers have no digit (311-RFQ-BHE-YBP): after "311", grouped 3-3-3 and
            # in the references' alphabet (no I, L, O, U), letters alone are a reference; a word
            # ("311 emergency") or words ("311 car les bus") are not.
            grouped = (pattern is _PREFIXED and _GROUPED.match(match.group(1)) is not None
                       and set(body.upper()) <= _ALPHABET)
            if grouped or _mixes_letters_and_digits(body):
                candidates.append((match.start(), match.end(), body))
    if not candidates:
        return None
    start, end, body = min(candidates, key=lambda c: (c[0], -c[1]))
    body = body.upper()
    return f"311-{body[0:3]}-{body[3:6]}-{body[6:9]}", start, end


def _mixes_letters_and_digits(body: str) -> bool:
    return any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ReferenceNumberExtractor(GraphComponent, EntityExtractorMixin):
    """Adds a `reference_number` entity (canonical form) when a message contains one."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReferenceNumberExtractor:
        """Nothing to load: the patterns are fixed by the reference format."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the entity to each message that contains a reference number."""
        for message in messages:
            found = find_reference(message.get(TEXT) or "")
            if found is None:
                continue
            value, start, end = found
            entity = {
                "entity": REFERENCE_ENTITY,
                "value": value,
                "start": start,
                "end": end,
                "confidence": 1.0,
            }
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name([entity]),
                add_to_output=True,
            )
        return messages
