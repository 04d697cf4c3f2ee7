"""Every response the model can say exists in French, English and a bilingual default.

The domain is loaded the way `rasa train` builds it: domain.yml merged with the generated
responses in bot/data/responses/ (FAQ answers, contact messages, service names).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.importers.importer import TrainingDataImporter

ROOT = Path(__file__).resolve().parents[2]
_TEMPLATE = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module")
def domain() -> Domain:
    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "bot" / "data")],
    )
    return importer.get_domain()


def _language(variation: dict[str, Any]) -> str | None:
    conditions = variation.get("condition") or []
    values = [c["value"] for c in conditions if c.get("name") == "language"]
    return values[0] if values else None


def test_there_are_responses(domain: Domain) -> None:
    assert len(domain.responses) >= 40
    assert "utter_faq/contact_hours" in domain.responses
    assert "utter_report_pothole" in domain.responses


def test_every_response_has_fr_en_and_a_default(domain: Domain) -> None:
    missing = {}
    for name, variations in domain.responses.items():
        found = {_language(v) for v in variations}
        if not {"fr", "en", None} <= found:
            missing[name] = sorted(str(f) for f in found)
    assert missing == {}


def test_conditions_only_use_the_language_slot_with_known_values(domain: Domain) -> None:
    for name, variations in domain.responses.items():
        for variation in variations:
            for condition in variation.get("condition") or []:
                assert condition["type"] == "slot", name
                assert condition["name"] == "language", name
                assert condition["value"] in ("fr", "en"), name


def test_defaults_are_bilingual(domain: Domain) -> None:
    """The default is said while the language is unknown: both texts must be in it."""
    for name, variations in domain.responses.items():
        by_language = {_language(v): v for v in variations}
        default = by_language[None].get("text", "")
        assert default.strip(), name
        assert default not in (by_language["fr"].get("text"), by_language["en"].get("text")), name


def test_every_variation_has_text_and_buttons_alike(domain: Domain) -> None:
    for name, variations in domain.responses.items():
        button_counts = {len(v.get("buttons") or []) for v in variations}
        assert len(button_counts) == 1, f"{name}: variations offer different buttons"
        for variation in variations:
            assert (variation.get("text") or "").strip(), name


def test_button_payloads_are_known_intents(domain: Domain) -> None:
    for name, variations in domain.responses.items():
        for variation in variations:
            for button in variation.get("buttons") or []:
                payload = button["payload"]
                assert payload.startswith("/"), name
                assert payload[1:] in domain.intents, f"{name}: {payload}"


def test_templates_only_use_existing_slots(domain: Domain) -> None:
    slots = {slot.name for slot in domain.slots}
    for name, variations in domain.responses.items():
        for variation in variations:
            for variable in _TEMPLATE.findall(variation.get("text") or ""):
                assert variable in slots, f"{name} uses {{{variable}}}"


def test_every_faq_topic_has_an_answer(domain: Domain) -> None:
    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "bot" / "data")],
    )
    nlu = importer.get_nlu_data()
    topics = {m.get("intent_response_key") for m in nlu.intent_examples if m.get("intent") == "faq"}
    assert len(topics) == 8
    assert {f"utter_{topic}" for topic in topics} <= set(domain.responses)


def test_not_understood_replies_say_911(domain: Domain) -> None:
    """A message the NLU could not place may be an emergency in unusual words ("on a besoin
    des pompiers"): the reply asking to rephrase gives 911 in every variation."""
    for variation in domain.responses["utter_ask_rephrase"]:
        assert "911" in variation["text"], variation
