"""SMS keywords handled before the bot (STOP, START, HELP, "Oui"), and numbered choices.

A keyword is the whole message, in any case, with or without accents and surrounding
punctuation: "arrêt", "Stop!", " AIDE " all count; "stop the snow plow" does not.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class KeywordKind(enum.StrEnum):
    """What a keyword asks for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    CONFIRM = "confirm"


@dataclass(frozen=True)
class Keyword:
    """A recognised keyword and the language it is written in (None: both languages use it)."""

    kind: KeywordKind
    word: str
    language: str | None


_KEYWORDS: dict[str, tuple[KeywordKind, str | None]] = {
    # Opt-out: the words carriers and Twilio treat as STOP, plus French.
    "STOP": (KeywordKind.OPT_OUT, None),
    "STOPALL": (KeywordKind.OPT_OUT, "en"),
    "ARRET": (KeywordKind.OPT_OUT, "fr"),
    "UNSUBSCRIBE": (KeywordKind.OPT_OUT, "en"),
    "CANCEL": (KeywordKind.OPT_OUT, "en"),
    "END": (KeywordKind.OPT_OUT, "en"),
    "QUIT": (KeywordKind.OPT_OUT, "en"),
    "OPTOUT": (KeywordKind.OPT_OUT, "en"),
    "REVOKE": (KeywordKind.OPT_OUT, "en"),
    # Opt back in.
    "START": (KeywordKind.OPT_IN, "en"),
    "UNSTOP": (KeywordKind.OPT_IN, "en"),
    "DEBUT": (KeywordKind.OPT_IN, "fr"),
    # Help.
    "HELP": (KeywordKind.HELP, "en"),
    "AIDE": (KeywordKind.HELP, "fr"),
    "INFO": (KeywordKind.HELP, None),
    # "Reply Oui to get updates" (also opts a stopped number back in, as Twilio does for YES).
    "OUI": (KeywordKind.CONFIRM, "fr"),
    "YES": (KeywordKind.CONFIRM, "en"),
}

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_CHOICE = re.compile(r"^#?(\d{1,2})$")


def fold(text: str) -> str:
    """Upper case without accents, trimmed of spaces and punctuation: "  Arrêt! " -> "ARRET"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_EDGES.sub("", bare).upper().split())


def match_keyword(text: str) -> Keyword | None:
    """The keyword that the whole message is, if any."""
    word = fold(text)
    found = _KEYWORDS.get(word)
    if found is None:
        return None
    return Keyword(kind=found[0], word=word, language=found[1])


def choice_number(text: str) -> int | None:
    """The number of a numbered choice ("2", "2.", "#2", " 2 ") or None."""
    matched = _CHOICE.match(fold(text))
    return int(matched.group(1)) if matched else None
