"""Numbers and dates in the answers to a service request's questions (normalized text)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "deux": 2, "two": 2, "trois": 3, "three": 3, "quatre": 4,
    "four": 4, "cinq": 5, "five": 5, "six": 6, "sept": 7, "seven": 7, "huit": 8, "eight": 8,
    "neuf": 9, "nine": 9, "dix": 10, "ten": 10,
}  # fmt: skip
_RELATIVE_DAYS = {
    "aujourd hui": 0, "today": 0, "ce matin": 0, "this morning": 0, "ce soir": 0, "tonight": 0,
    "hier": 1, "yesterday": 1, "hier soir": 1, "last night": 1, "avant hier": 2,
}  # fmt: skip


def parse_number(plain: str) -> int | None:
    """A number from 1 to 1000, in digits or one word ("trois", "three")."""
    digits = re.search(r"\b\d{1,4}\b", plain)
    if digits:
        number = int(digits.group())
    else:
        words = [_NUMBER_WORDS[w] for w in plain.split() if w in _NUMBER_WORDS]
        if len(words) != 1:
            return None
        number = words[0]
    return number if 1 <= number <= 1000 else None


def parse_date(plain: str, today: date) -> str | None:
    """An ISO date not in the future: "hier", "today", 2025-03-14 or 14/03/2025."""
    if plain in _RELATIVE_DAYS:
        return (today - timedelta(days=_RELATIVE_DAYS[plain])).isoformat()
    iso = re.fullmatch(r"(\d{4}) (\d{1,2}) (\d{1,2})", plain)
    dmy = re.fullmatch(r"(\d{1,2}) (\d{1,2}) (\d{4})", plain)
    try:
        if iso:
            found = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif dmy:
            found = date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
        else:
            return None
    except ValueError:
        return None
    return found.isoformat() if found <= today else None
