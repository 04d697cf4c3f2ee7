"""Per-message language detection (French or English only) with lingua.

A message counts only when it is clearly in one language; a bare "ok", digits or an emoji
return None so the conversation keeps its last clear language.
"""

from __future__ import annotations

import functools
import re

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# Words used alike by French and English speakers in Canada: they never switch the language.
NEUTRAL_WORDS = frozenset(
    {"ok", "okay", "oké", "k", "kk", "allo", "allô", "alo", "bye", "lol", "taxi", "stop", "info"}
)
# Confidence lingua must give the winning language (the two values sum to 1).
MIN_CONFIDENCE = 0.6
_WORD = re.compile(r"[^\W\d_]+")
_CODES = {Language.FRENCH: "fr", Language.ENGLISH: "en"}


@functools.cache
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()


def warm_up() -> None:
    """Load lingua's models now rather than on the first citizen message."""
    _detector().compute_language_confidence_values("bonjour hello")


def detect_language(text: str) -> str | None:
    """ "fr" or "en" when `text` is clearly in that language, else None."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words or all(word in NEUTRAL_WORDS for word in words):
        return None
    if sum(len(word) for word in words) < 2:
        return None
    confidences = _detector().compute_language_confidence_values(text)
    if not confidences or confidences[0].value < MIN_CONFIDENCE:
        return None
    return _CODES.get(confidences[0].language)


@functools.lru_cache(maxsize=4096)
def reply_language(text: str | None) -> str | None:
    """`detect_language` for bot replies, cached: they come from a few hundred templates."""
    return detect_language(text) if text else None
