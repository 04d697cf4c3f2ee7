"""ReferenceNumberExtractor: 311 reference numbers found by pattern, in canonical form."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.reference_number import ReferenceNumberExtractor, find_reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("statut 311-K7M-4PX-9QD svp", "311-K7M-4PX-9QD"),
        ("311 k7m 4px 9qd", "311-K7M-4PX-9QD"),
        ("311K7M4PX9QD", "311-K7M-4PX-9QD"),
        ("K7M4PX9QD", "311-K7M-4PX-9QD"),
        ("k7m-4px-9qd", "311-K7M-4PX-9QD"),
        ("my ref is 311-6PD-3JW-5HA.", "311-6PD-3JW-5HA"),
        ("ref: k7m4px9qd, merci", "311-K7M-4PX-9QD"),
        # all letters is a valid reference, accepted in the canonical dashed form
        ("311-ABC-DEF-GHJ", "311-ABC-DEF-GHJ"),
        # ... and typed in lower case with spaces after "311", as citizens type it by SMS
        ("what's the status of my request 311 rfq bhe ybp", "311-RFQ-BHE-YBP"),
        # typos still reach the gateway, which tells the citizen it is a typo
        ("311-K7M-4PX-9Q0", "311-K7M-4PX-9Q0"),
    ],
)
def test_references_are_found(text: str, expected: str) -> None:
    found = find_reference(text)
    assert found is not None
    assert found[0] == expected
    assert expected.replace("-", "")[3:].lower() in text.lower().replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        "311 car les bus",  # 311 then ordinary words
        "311 emergency",  # 311 then a nine-letter word
        "call 311 the way you do",  # words of three letters are not grouped as a reference
        "appelez le 311 pour le service",
        "recyclage",  # a nine-letter word
        "514-555-1234",  # a phone number
        "5145551234",
        "H2X 1Y4",  # a postal code
        "311-k7m-4px-9qd1",  # too long
        "x311-K7M-4PX-9QD",  # glued to a word
        "1234 rue Principale",
        "",
    ],
)
def test_other_text_is_not_a_reference(text: str) -> None:
    assert find_reference(text) is None


def test_span_points_at_the_reference() -> None:
    text = "suivi de 311-K7M-4PX-9QD svp"
    value, start, end = find_reference(text)  # type: ignore[misc]
    assert text[start:end] == "311-K7M-4PX-9QD" == value


def test_first_reference_wins() -> None:
    found = find_reference("311-K7M-4PX-9QD et 311-2B4-Q8X-7MN")
    assert found is not None and found[0] == "311-K7M-4PX-9QD"


def test_component_adds_the_entity(tmp_path_factory: pytest.TempPathFactory) -> None:
    component = ReferenceNumberExtractor.create(
        {},
        LocalModelStorage(tmp_path_factory.mktemp("storage")),
        Resource("reference_number"),
        ExecutionContext(graph_schema=None),  # type: ignore[arg-type]
    )
    with_ref = Message(data={TEXT: "où en est 311 k7m 4px 9qd"})
    without = Message(data={TEXT: "où en est ma demande"})
    component.process([with_ref, without])
    assert with_ref.get(ENTITIES) == [
        {
            "entity": "reference_number",
            "value": "311-K7M-4PX-9QD",
            "start": 10,
            "end": 25,
            "confidence": 1.0,
            "extractor": "ReferenceNumberExtractor",
        }
    ]
    assert without.get(ENTITIES, []) == []
