"""bot.content.build: the generated responses are in sync and malformed content is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bot.content import build
from bot.content.build import ContentError, render_city, render_faq


def content() -> dict[str, Any]:
    return yaml.safe_load(build.CONTENT.read_text(encoding="utf-8"))


def catalogue() -> dict[str, Any]:
    return json.loads(build.CATALOGUE.read_text(encoding="utf-8"))


def test_generated_files_are_in_sync() -> None:
    """Fails when faq.yml or the catalogue changed without `python -m bot.content.build`."""
    assert build.main(["--check"]) == 0


def test_check_reports_a_stale_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    stale = tmp_path / "faq.yml"
    stale.write_text("old", encoding="utf-8")
    monkeypatch.setattr(build, "FAQ_TARGET", stale)
    assert build.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "old"
    assert build.main([]) == 0
    assert stale.read_text(encoding="utf-8") == render_faq(content())


def test_faq_answers_have_city_values_and_both_languages() -> None:
    generated = yaml.safe_load(render_faq(content()))["responses"]
    answer = generated["utter_faq/contact_hours"]
    assert [v.get("condition", [{}])[0].get("value") for v in answer] == ["fr", "en", None]
    city = content()["city"]
    assert city["email"] in answer[0]["text"]
    assert "7 h 30" in answer[0]["text"] and "7:30" in answer[1]["text"]
    assert answer[2]["text"] == answer[0]["text"] + "\n\n" + answer[1]["text"]


def test_service_names_come_from_the_catalogue() -> None:
    generated = yaml.safe_load(render_city(content(), catalogue()))["responses"]
    assert generated["utter_report_pothole"][0]["text"] == (
        "D'accord, une demande « Nid-de-poule ». J'ai quelques questions."
    )
    assert "Pothole" in generated["utter_report_pothole"][1]["text"]
    assert {f"utter_{code}" for code in build.SERVICE_INTENTS} <= set(generated)


def test_missing_translation_is_refused() -> None:
    broken = content()
    del broken["topics"]["dog_licence"]["en"]
    with pytest.raises(ContentError, match=r"topics\.dog_licence\.en"):
        render_faq(broken)


def test_unknown_placeholder_is_refused() -> None:
    broken = content()
    broken["topics"]["dog_licence"]["fr"] = "Voir {site_web}."
    with pytest.raises(ContentError, match="site_web"):
        render_faq(broken)


def test_stray_brace_is_refused() -> None:
    broken = content()
    broken["messages"]["other_channels"]["en"] = "Call 311 }"
    with pytest.raises(ContentError, match="brace"):
        render_city(broken, catalogue())


def test_bad_topic_name_is_refused() -> None:
    broken = content()
    broken["topics"]["Heures Biblio"] = {"fr": "a", "en": "b"}
    with pytest.raises(ContentError):
        render_faq(broken)


def test_catalogue_without_a_service_is_refused() -> None:
    services = catalogue()
    services["services"] = [s for s in services["services"] if s["service_code"] != "report_animal"]
    with pytest.raises(ContentError, match="report_animal"):
        render_city(content(), services)


def test_catalogue_without_a_name_is_refused() -> None:
    services = catalogue()
    services["services"][0]["name"]["en"] = " "
    with pytest.raises(ContentError, match="en name"):
        render_city(content(), services)
