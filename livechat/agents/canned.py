"""Canned responses: a city-editable JSON file of bilingual answers for the console."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livechat.errors import ConfigurationError

DEFAULT_PATH = Path(__file__).with_name("canned.json")


@dataclass(frozen=True)
class CannedResponse:
    """One canned response: id, title and text in French and English."""

    id: str
    title: dict[str, str]
    text: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": dict(self.title), "text": dict(self.text)}


def _bilingual(entry: Any, field: str, where: str) -> dict[str, str]:
    value = entry.get(field) if isinstance(entry, dict) else None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in ("fr", "en")
    ):
        raise ConfigurationError(f"CANNED_RESPONSES_PATH: {where}: {field} needs fr and en texts")
    return {"fr": value["fr"], "en": value["en"]}


def load_canned(path: str | Path | None = None) -> list[CannedResponse]:
    """Read and check the file (ConfigurationError says what is wrong, at start-up)."""
    file = Path(path) if path else DEFAULT_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"CANNED_RESPONSES_PATH: cannot read {file}: {error}") from None
    entries = data.get("responses") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigurationError(f"CANNED_RESPONSES_PATH: {file} has no 'responses' list")
    responses: list[CannedResponse] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{file.name} entry {index + 1}"
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(ident, str) or not ident or ident in seen:
            raise ConfigurationError(f"CANNED_RESPONSES_PATH: {where}: missing or repeated id")
        seen.add(ident)
        responses.append(
            CannedResponse(
                ident, _bilingual(entry, "title", where), _bilingual(entry, "text", where)
            )
        )
    return responses
