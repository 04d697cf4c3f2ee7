"""Photos of service requests: checked by their bytes, stored under unguessable names.

``save_photo`` is what an upload endpoint calls (the widget's ``POST /api/v1/uploads``); a
request filed with a ``media_url`` pointing at one of these files (``/uploads/<name>``) gets a
``Photo`` row (path, content type, size, SHA-256) so staff find the file itself.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from livechat.requests.errors import RequestsError

MAX_BYTES = 5 * 1024 * 1024
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
UPLOADS_PATH = "/uploads/"


class PhotoRejected(RequestsError):
    """Not an accepted image, or too large (``code``: unsupported_type / too_large)."""

    def __init__(self, code: str, message: str, *, fr: str, en: str) -> None:
        super().__init__(message, fr=fr, en=en)
        self.code = code


@dataclass(frozen=True)
class StoredPhoto:
    name: str
    path: Path
    content_type: str
    size: int
    sha256: str

    @property
    def url(self) -> str:
        """Relative URL under which the gateway serves it."""
        return UPLOADS_PATH + self.name


def sniff(data: bytes) -> str | None:
    """The image type from the first bytes (the declared type is not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def save_photo(data: bytes, media_dir: Path, max_bytes: int = MAX_BYTES) -> StoredPhoto:
    """Check and store an uploaded photo; raises ``PhotoRejected`` (bilingual)."""
    if len(data) > max_bytes:
        megabytes = max_bytes // (1024 * 1024)
        raise PhotoRejected(
            "too_large",
            f"photo larger than {max_bytes} bytes",
            fr=f"La photo est trop lourde ({megabytes} Mo au maximum).",
            en=f"The photo is too large ({megabytes} MB at most).",
        )
    content_type = sniff(data)
    if content_type is None:
        raise PhotoRejected(
            "unsupported_type",
            "not a JPEG, PNG or WebP image",
            fr="Seules les photos JPEG, PNG ou WebP sont acceptées.",
            en="Only JPEG, PNG or WebP photos are accepted.",
        )
    media_dir.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(18) + EXTENSIONS[content_type]
    path = media_dir / name
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)  # never serve a half-written file
    digest = hashlib.sha256(data).hexdigest()
    return StoredPhoto(name, path, content_type, len(data), digest)


def find_upload(url: str, media_dir: Path, public_url: str = "") -> StoredPhoto | None:
    """The stored photo a media URL points at (``/uploads/<name>`` on this gateway), or None."""
    parts = urlsplit(url)
    if parts.netloc and (not public_url or parts.netloc != urlsplit(public_url).netloc):
        return None
    if not parts.path.startswith(UPLOADS_PATH):
        return None
    name = parts.path[len(UPLOADS_PATH) :]
    if (
        not name
        or "/" in name
        or name.startswith(".")
        or Path(name).suffix not in EXTENSIONS.values()
    ):
        return None
    path = media_dir / name
    if not path.is_file():
        return None
    data = path.read_bytes()
    content_type = sniff(data)
    if content_type is None:
        return None
    return StoredPhoto(name, path, content_type, len(data), hashlib.sha256(data).hexdigest())
