"""SMS encoding and segmenting: GSM-7 (3GPP TS 23.038, with its extension table) or UCS-2.

A text is sent in GSM-7 when every character is in the GSM 03.38 basic table or its extension
table (an extension character costs two septets); otherwise the whole message is UCS-2.
One SMS holds 160 septets (GSM-7) or 70 UTF-16 code units (UCS-2); a concatenated message
loses room to the UDH header: 153 septets or 67 code units per segment. An extension
character's escape pair and a UTF-16 surrogate pair never straddle two segments.

French: é è à ù ì ò É Ç are in GSM-7, but â ê î ô û ë ï ç À È Ê « » œ are not, so one of them
turns the message into UCS-2.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# The basic table, in code order 0x00-0x7F (0x1B, the escape to the extension table, omitted).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each of these is sent as ESC + a septet.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
MAX_SEGMENTS = 3

# Typography that costs a UCS-2 message without adding meaning in an SMS (the same kind of
# substitution as Twilio's "smart encoding"); French « » and accented letters are kept.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’
        "\u02bc": "'",  # ʼ
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u2013": "-",  # –
        "\u2014": "-",  # —
        "\u2212": "-",  # −
        "\u2026": "...",  # …
        "\u00a0": " ",  # no-break space (French: before : ; ! ? and in "7 h 30")
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u200b": None,  # zero-width space
        "\u00ad": None,  # soft hyphen
        "\t": " ",
    }
)


class Encoding(enum.StrEnum):
    """How an SMS is encoded on the air."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class SmsSize:
    """What a text costs: its encoding, its length in septets / code units, its segments."""

    encoding: Encoding
    units: int
    segments: int


def plain_text(text: str) -> str:
    """Replace curly quotes, dashes, ellipses and special spaces by their GSM-7 equivalents."""
    return text.translate(_PLAIN)


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the basic or extension table, else UCS-2."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return Encoding.GSM7
    return Encoding.UCS2


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    """Per character: septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _count_segments(costs: list[int], per_segment: int) -> int:
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:  # an escape or surrogate pair is never cut in two
            segments, used = segments + 1, 0
        used += cost
    return segments


def measure(text: str) -> SmsSize:
    """Encoding, length and number of segments of `text` sent as one (concatenated) SMS."""
    encoding = encoding_of(text)
    costs = _unit_costs(text, encoding)
    units = sum(costs)
    single, multi = (
        (GSM7_SINGLE, GSM7_MULTI) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_MULTI)
    )
    segments = 1 if units <= single else _count_segments(costs, multi)
    return SmsSize(encoding, units, segments)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    """True when `text` goes out as one SMS of at most `max_segments` segments."""
    return measure(text).segments <= max_segments


# From the coarsest to the finest place to cut: paragraphs, lines, sentences, words.
_CUTS = (
    re.compile(r"(\n[ \t]*\n\s*)"),
    re.compile(r"(\n\s*)"),
    re.compile(r"(?<=[.!?])(\s+)"),
    re.compile(r"(\s+)"),
)


def split_sms(text: str, max_segments: int = MAX_SEGMENTS) -> list[str]:
    """Cut `text` into SMS of at most `max_segments` segments each, preferring to cut between
    paragraphs, then lines, then sentences, then words (a word longer than an SMS is cut)."""
    text = text.strip()
    if not text:
        return []
    chunks = _pack(text, 0, max_segments)
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def _pack(text: str, level: int, max_segments: int) -> list[str]:
    if fits(text, max_segments):
        return [text]
    if level == len(_CUTS):
        return _cut_characters(text, max_segments)
    parts = _CUTS[level].split(text)
    pieces, separators = parts[0::2], parts[1::2]
    if len(pieces) == 1:
        return _pack(text, level + 1, max_segments)
    chunks: list[str] = []
    current = ""
    for index, piece in enumerate(pieces):
        candidate = current + separators[index - 1] + piece if current else piece
        if fits(candidate, max_segments):
            current = candidate
            continue
        if fits(piece, max_segments):
            if current:
                chunks.append(current)
            current = piece
        else:
            # Too long even alone: cut it finer, filling up the current chunk first.
            finer = _pack(candidate, level + 1, max_segments)
            chunks.extend(finer[:-1])
            current = finer[-1]
    if current:
        chunks.append(current)
    return chunks


def _cut_characters(text: str, max_segments: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for ch in text:
        if current and not fits(current + ch, max_segments):
            chunks.append(current)
            current = ""
        current += ch
    if current:
        chunks.append(current)
    return chunks
