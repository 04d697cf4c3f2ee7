"""Text any database can store: what reaches the gateway from outside is made so at the edge.

Two things valid in a JSON string (or a Python str) cannot be stored: a lone UTF-16 surrogate
(a broken client, or a widget cutting an emoji in two, sends "\\ud83d") cannot be encoded as
UTF-8, and PostgreSQL text cannot hold NUL. Both become U+FFFD, the replacement character, as
a UTF-8 decoder would do; everything else, control characters included, is kept as sent.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` with lone surrogates and NUL replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable_json(value: Any) -> Any:
    """A decoded JSON value with every string (keys too) made storable; same shape."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_json(key): storable_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    return value
