"""Reference numbers: the Open311 ``service_request_id`` a citizen is given.

Form: ``311-K7M-4PX-9QD`` -- eight random characters and one check character, in groups of
three so it reads well over the phone and types easily by SMS.

* Alphabet: ``23456789ABCDEFGHJKMNPQRSTVWXYZ`` (Crockford's base 32 without 0, 1, O, I, L, U).
  None of the look-alikes (0/O, 1/I/L) and no U is ever issued, so nothing is "corrected":
  a typed O, 0, I, L, 1 or U is reported as a typo rather than guessed, and a reference is
  never matched to another request.
* Random: ``secrets`` (30**8, about 6.6e11 values); references are not sequential, so the
  next or previous one cannot be derived.
* Check character: a weighted sum modulo the prime 31 with weights 3**k (3 is a primitive
  root mod 31, so all nine weights are distinct and non-zero). Every single-character
  substitution and every transposition of two characters (adjacent or not) changes the sum
  mod 31, so it is detected. The alphabet has 30 symbols, so a body whose check value would be
  30 is simply never issued (generate() draws again).
* Normalisation accepts any case, spaces, dashes, dots and underscores, with or without the
  ``311`` prefix.
"""

from __future__ import annotations

import re
import secrets

from livechat.requests.errors import InvalidReference

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "311"
BODY_LENGTH = 8
LENGTH = BODY_LENGTH + 1
_MODULUS = 31
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Weight of position i (0 = first body character); the check character has weight 1.
_WEIGHTS = tuple(pow(3, LENGTH - 1 - i, _MODULUS) for i in range(BODY_LENGTH))
_SEPARATORS = re.compile(r"[\s\-._]+")
_WORD_START = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z])")
# In free text a reference is either prefixed with 311 (then spaced groups are fine) or one
# token (dashes/dots allowed, no spaces), so ordinary words are never glued into a candidate.
_CANDIDATES = (
    re.compile(r"311[\s\-._]*(?:[0-9A-Za-z][\s\-._]?){8}[0-9A-Za-z](?![0-9A-Za-z])"),
    re.compile(r"(?:[0-9A-Za-z][\-._]?){8}[0-9A-Za-z](?![0-9A-Za-z])"),
)
_NEVER_ISSUED = set("01OILU")

_FORMAT_FR = "Un numéro de référence ressemble à 311-K7M-4PX-9QD (9 caractères après 311)."
_FORMAT_EN = "A reference number looks like 311-K7M-4PX-9QD (9 characters after 311)."


def _check_value(body: str) -> int:
    """The value the check character must have for ``body`` (may be 30: not issuable)."""
    total = sum(weight * _VALUES[char] for weight, char in zip(_WEIGHTS, body, strict=True))
    return (-total) % _MODULUS


def format_reference(compact: str) -> str:
    """``K7M4PX9QD`` -> ``311-K7M-4PX-9QD``."""
    return f"{PREFIX}-{compact[0:3]}-{compact[3:6]}-{compact[6:9]}"


def generate() -> str:
    """A new random reference number with its check character, e.g. ``311-K7M-4PX-9QD``."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = _check_value(body)
        if check < len(ALPHABET):
            return format_reference(body + ALPHABET[check])


def normalize(text: str) -> str:
    """Canonical form of a typed reference (``"311 k7m4px9qd"`` -> ``"311-K7M-4PX-9QD"``).

    Raises ``InvalidReference`` (message in French and English) when the text cannot be a
    reference number or fails its check character (a typo).
    """
    compact = _SEPARATORS.sub("", text).upper()
    if compact.startswith(PREFIX):  # a body never contains "1", so this is the prefix
        compact = compact[len(PREFIX) :]
    if len(compact) != LENGTH:
        raise InvalidReference(
            f"reference {text!r} does not have {LENGTH} characters after 311",
            fr=f"Ce numéro de référence est incomplet ou trop long. {_FORMAT_FR}",
            en=f"This reference number is incomplete or too long. {_FORMAT_EN}",
        )
    wrong = sorted({char for char in compact if char not in _VALUES})
    if wrong:
        chars = ", ".join(wrong)
        never = (
            " (0, 1, O, I, L et U ne sont jamais utilisés)" if _NEVER_ISSUED & set(wrong) else ""
        )
        never_en = " (0, 1, O, I, L and U are never used)" if _NEVER_ISSUED & set(wrong) else ""
        raise InvalidReference(
            f"reference {text!r} contains characters never issued: {chars}",
            fr=f"Ce numéro de référence contient un caractère impossible : {chars}{never}.",
            en=f"This reference number contains a character that is never used: {chars}{never_en}.",
        )
    if _check_value(compact[:BODY_LENGTH]) != _VALUES[compact[BODY_LENGTH]]:
        raise InvalidReference(
            f"reference {text!r} fails its check character (typo)",
            fr="Ce numéro de référence contient une faute de frappe. Pouvez-vous le vérifier?",
            en="This reference number has a typo in it. Could you check it?",
        )
    return format_reference(compact)


def validate(text: str) -> bool:
    """True when ``text`` is a well-formed reference number with a correct check character."""
    try:
        normalize(text)
    except InvalidReference:
        return False
    return True


def extract(text: str) -> str | None:
    """The first valid reference number in free text (e.g. an SMS), canonical, or None."""
    for start in _WORD_START.finditer(text):
        for pattern in _CANDIDATES:
            match = pattern.match(text, start.start())
            if match and validate(match.group(0)):
                return normalize(match.group(0))
    return None
