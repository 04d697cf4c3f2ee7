"""The service catalogue file and its loader: every DESIGN.md service, clear errors on bad files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from livechat.requests.catalogue import Catalogue
from livechat.requests.catalogue_loader import DEFAULT_PATH, load_catalogue, parse_catalogue
from livechat.requests.errors import CatalogueError, RequestsError, UnknownService, ValidationError

DESIGN_CODES = {
    "report_pothole",
    "report_missed_collection",
    "report_bulky_items",
    "report_streetlight",
    "report_sidewalk_snow",
    "report_lost_item_transit",
    "report_road_safety",
    "report_water_leak",
    "report_animal",
    "report_graffiti",
    "complaint",
    "suggestion",
}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# -- the shipped file ---------------------------------------------------------------------


def test_shipped_catalogue_has_exactly_the_design_service_codes(catalogue: Catalogue) -> None:
    assert set(catalogue.services) == DESIGN_CODES


def test_every_service_is_bilingual_and_routed(catalogue: Catalogue) -> None:
    for service in catalogue.services.values():
        assert service.name.fr and service.name.en, service.code
        assert service.description.fr and service.description.en
        assert service.keywords["fr"] and service.keywords["en"]
        assert service.department.email.endswith("@ville.example")
        assert service.department.language in ("fr", "en")
        assert service.target_business_days >= 0
        for attribute in service.attributes:
            assert attribute.description.fr and attribute.description.en
            for value in attribute.values:
                assert value.name.fr and value.name.en


def test_department_languages_cover_both(catalogue: Catalogue) -> None:
    assert {d.language for d in catalogue.departments.values()} == {"fr", "en"}


def test_open311_shape(catalogue: Catalogue) -> None:
    pothole = catalogue.get("report_pothole").to_open311("fr")
    assert pothole == {
        "service_code": "report_pothole",
        "service_name": "Nid-de-poule",
        "description": pothole["description"],
        "metadata": True,
        "type": "realtime",
        "keywords": "nid-de-poule, trou, chaussée, asphalte, rue",
        "group": "Voirie",
    }
    assert catalogue.get("suggestion").to_open311("en")["metadata"] is False
    size = catalogue.get("report_pothole").attributes[0].to_open311("en")
    assert size["code"] == "size" and size["variable"] is True and size["order"] == 1
    assert size["values"][0] == {"key": "small", "name": "Small (smaller than a plate)"}


def test_bot_view_has_both_languages_and_no_department_email(catalogue: Catalogue) -> None:
    view = catalogue.as_dict()
    assert len(view["services"]) == 12
    assert "@" not in json.dumps(view)
    bulky = next(s for s in view["services"] if s["service_code"] == "report_bulky_items")
    assert bulky["name"] == {"fr": "Collecte d'encombrants", "en": "Bulky item pickup"}
    assert bulky["attributes"][0]["datatype"] == "multivaluelist"


def test_unknown_service_is_bilingual(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownService) as info:
        catalogue.get("report_ufo")
    assert "report_ufo" in info.value.localized("fr")
    assert info.value.localized("en") == "There is no service “report_ufo”."


# -- attribute validation -----------------------------------------------------------------


def test_validate_attributes_normalises(catalogue: Catalogue) -> None:
    bulky = catalogue.get("report_bulky_items")
    values = bulky.validate_attributes(
        {"items": ["mattress", "furniture", "mattress"], "item_count": "3"}
    )
    assert values == {"items": ["mattress", "furniture"], "item_count": 3}
    lost = catalogue.get("report_lost_item_transit")
    values = lost.validate_attributes(
        {"route": " 12 ", "travel_date": "2025-03-04T08:15:00-05:00", "item_category": "keys"}
    )
    assert values == {
        "route": "12",
        "travel_date": "2025-03-04T08:15:00-05:00",
        "item_category": "keys",
    }
    assert lost.validate_attributes(
        {"route": "7", "travel_date": "2025-03-04", "item_category": ["bag"]}
    )["travel_date"] == ("2025-03-04")


@pytest.mark.parametrize(
    ("code", "attributes", "field", "fr_fragment", "en_fragment"),
    [
        ("report_pothole", {}, "attribute[size]", "Il manque un détail", "A required detail"),
        ("report_pothole", {"size": "huge"}, "attribute[size]", "l'un de", "one of: small"),
        (
            "report_pothole",
            {"size": "small", "colour": "red"},
            "attribute[colour]",
            "inconnu",
            "Unknown",
        ),
        (
            "report_bulky_items",
            {"items": ["sofa"], "item_count": 1},
            "attribute[items]",
            "l'un de",
            "one of",
        ),
        (
            "report_bulky_items",
            {"items": ["furniture"], "item_count": "a few"},
            "attribute[item_count]",
            "un nombre",
            "a number",
        ),
        (
            "report_bulky_items",
            {"items": ["furniture"], "item_count": "nan"},
            "attribute[item_count]",
            "un nombre",
            "a number",
        ),
        (
            "report_lost_item_transit",
            {"route": "7", "travel_date": "yesterday", "item_category": "bag"},
            "attribute[travel_date]",
            "AAAA-MM-JJ",
            "YYYY-MM-DD",
        ),
        (
            "report_lost_item_transit",
            {"route": "7", "travel_date": "2025-03-04T08:00:00", "item_category": "bag"},
            "attribute[travel_date]",
            "AAAA-MM-JJ",
            "YYYY-MM-DD",
        ),
        (
            "report_lost_item_transit",
            {"route": "x" * 300, "travel_date": "2025-03-04", "item_category": "bag"},
            "attribute[route]",
            "au plus 255",
            "at most 255",
        ),
    ],
)
def test_bad_attributes_are_bilingual_validation_errors(
    catalogue: Catalogue,
    code: str,
    attributes: dict[str, Any],
    field: str,
    fr_fragment: str,
    en_fragment: str,
) -> None:
    with pytest.raises(ValidationError) as info:
        catalogue.get(code).validate_attributes(attributes)
    assert info.value.field == field
    assert fr_fragment in info.value.localized("fr")
    assert en_fragment in info.value.localized("en")


# -- broken files -------------------------------------------------------------------------


def _broken(raw: dict[str, Any], change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.pop("services"), "top level: missing 'services'"),
        (lambda d: d.update(services=[]), "services: expected a non-empty list"),
        (
            lambda d: d["services"].append(copy.deepcopy(d["services"][0])),
            "duplicate service_code 'report_pothole'",
        ),
        (
            lambda d: d["services"][0]["name"].pop("en"),
            "services[0] (report_pothole).name: missing the en text",
        ),
        (
            lambda d: d["services"][1].update(department="parks"),
            "services[1] (report_missed_collection).department: unknown department 'parks'",
        ),
        (
            lambda d: d["services"][0].update(service_code="Report Pothole"),
            "must be lower-case letters",
        ),
        (
            lambda d: d["services"][0].update(target_business_days=-1),
            "target_business_days: expected a whole number >= 0",
        ),
        (
            lambda d: d["services"][0].update(location="sometimes"),
            "location: 'sometimes' is not one of required, optional, none",
        ),
        (
            lambda d: d["services"][0]["attributes"][0].update(datatype="enum"),
            "attributes[0].datatype: 'enum' is not one of string, number",
        ),
        (
            lambda d: d["services"][0]["attributes"][0].update(values=[]),
            "a singlevaluelist needs at least one value",
        ),
        (
            lambda d: d["services"][0]["attributes"][0].update(datatype="string"),
            "only list datatypes have values, not string",
        ),
        (
            lambda d: d["services"][0]["attributes"][1].update(order=1),
            "two attributes share the same order",
        ),
        (
            lambda d: d["services"][0]["attributes"][0]["values"].append(
                {"key": "small", "name": {"fr": "x", "en": "y"}}
            ),
            "duplicate key 'small'",
        ),
        (
            lambda d: d["services"][0]["attributes"][0].update(required="yes"),
            "required: expected true or false",
        ),
        (
            lambda d: d["departments"]["roads"].update(email="voirie"),
            "departments.roads.email: 'voirie' is not an e-mail address",
        ),
        (
            lambda d: d["departments"]["roads"].update(language="es"),
            "departments.roads.language: 'es' is not one of fr, en",
        ),
        (lambda d: d["services"][0]["keywords"].update(en=[]), "keywords.en: expected a non-empty"),
        (lambda d: d["services"][0]["description"].update(fr="  "), "description.fr: expected a"),
    ],
)
def test_broken_catalogue_is_a_clear_error(
    raw: dict[str, Any], change: Any, fragment: str, tmp_path: Path
) -> None:
    file = tmp_path / "services.json"
    file.write_text(json.dumps(_broken(raw, change)), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(file)
    assert fragment in str(info.value)
    assert str(file) in str(info.value)
    assert isinstance(info.value, RequestsError)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "services.json"
    file.write_text('{\n  "departments": {,\n}', encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"invalid JSON at line 2, column 19"):
        load_catalogue(file)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read the service catalogue"):
        load_catalogue(tmp_path / "nope.json")
    file = tmp_path / "latin1.json"
    file.write_bytes('{"x": "é"}'.encode("latin-1"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(file)


def test_a_city_can_add_a_service(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["services"].append(
        {
            "service_code": "report_tree",
            "name": {"fr": "Arbre", "en": "Tree"},
            "description": {"fr": "Arbre tombé", "en": "Fallen tree"},
            "keywords": {"fr": ["arbre"], "en": ["tree"]},
            "group": {"fr": "Parcs", "en": "Parks"},
            "department": "roads",
            "target_business_days": 3,
        }
    )
    catalogue = parse_catalogue(data, "test")
    tree = catalogue.get("report_tree")
    assert (tree.location, tree.media, tree.description_required) == ("required", "optional", False)
    assert tree.attributes == ()
