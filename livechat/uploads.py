"""Photos sent from the web chat: `POST /api/v1/uploads` and `GET /uploads/{name}`.

The body is read as a stream with its own 5 MB limit (the app's `client_max_size` stays at
aiohttp's 1 MB default for every other route). The photo is checked by its bytes and stored
under an unguessable name by the requests wing's `save_photo`, in MEDIA_DIR, which is also
where a service request filed with `media_url` "/uploads/<name>" finds it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from livechat import i18n, keys
from livechat.channels.web_input import SESSION_ID
from livechat.cors import cors_headers
from livechat.errors import LivechatError
from livechat.requests.photos import EXTENSIONS, MAX_BYTES, PhotoRejected, save_photo

log = logging.getLogger(__name__)

# Room for the multipart boundaries and the session_id field around the photo itself.
FORM_OVERHEAD = 64 * 1024
CHUNK = 64 * 1024
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}
STORED_NAME = re.compile(r"[A-Za-z0-9_-]{8,64}(\.jpg|\.png|\.webp)")
STATUS = {
    "too_large": 413,
    "unsupported_type": 415,
    "no_session": 403,
    "invalid_upload": 400,
    "storage_unavailable": 503,
}


class UploadRefused(LivechatError):
    """An upload we do not keep; `code` names the i18n text and the HTTP status."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def media_dir(request: web.Request) -> Path:
    """Where photos are stored (MEDIA_DIR)."""
    return Path(request.app[keys.SETTINGS].media_dir)


def refusal(request: web.Request, code: str) -> web.Response:
    """{"error": code, "message": {"fr", "en"}} with the code's HTTP status."""
    params: dict[str, Any] = {"megabytes": MAX_BYTES // (1024 * 1024)}
    body = {"error": code, "message": i18n.both(code, **params)}
    headers = {"Cache-Control": "no-store", **cors_headers(request)}
    return web.json_response(body, status=STATUS.get(code, 400), headers=headers)


async def upload_photo(request: web.Request) -> web.Response:
    """POST /api/v1/uploads (multipart: session_id, file) -> 201 {"url": "/uploads/<name>"}."""
    if (request.content_length or 0) > MAX_BYTES + FORM_OVERHEAD:
        return refusal(request, "too_large")
    try:
        session_id, data = await _read_form(request)
        if session_id is None or not SESSION_ID.fullmatch(session_id):
            raise UploadRefused("no_session")
        if not await request.app[keys.WEB_CHAT].is_known_session(session_id):
            raise UploadRefused("no_session")
        if data is None:
            raise UploadRefused("invalid_upload")
        photo = await asyncio.to_thread(save_photo, data, media_dir(request))
    except UploadRefused as error:
        log.info("upload refused", extra={"code": error.code})
        return refusal(request, error.code)
    except PhotoRejected as error:
        log.info("upload refused", extra={"code": error.code})
        return refusal(request, error.code)
    except LivechatError as error:
        log.error("upload not stored", extra={"error": str(error)})
        return refusal(request, "storage_unavailable")
    except OSError as error:
        log.error("upload not stored", extra={"error": type(error).__name__})
        return refusal(request, "storage_unavailable")
    log.info("photo uploaded", extra={"content_type": photo.content_type, "size": photo.size})
    headers = {"Cache-Control": "no-store", **cors_headers(request)}
    return web.json_response({"url": photo.url}, status=201, headers=headers)


async def _read_form(request: web.Request) -> tuple[str | None, bytes | None]:
    """The session_id field and the file's bytes, each read with a limit."""
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):  # not multipart/form-data
        raise UploadRefused("invalid_upload") from None
    session_id: str | None = None
    data: bytes | None = None
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise UploadRefused("invalid_upload")
            if part.name == "session_id":
                raw = await _read_part(part, 256, "no_session")
                session_id = raw.decode("utf-8", "replace").strip()
            elif part.name == "file":
                data = await _read_part(part, MAX_BYTES, "too_large")
            else:
                await part.release()
    except ValueError:  # malformed multipart body
        raise UploadRefused("invalid_upload") from None
    return session_id, data


async def _read_part(part: BodyPartReader, limit: int, code: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadRefused(code)
        chunks.append(chunk)
    return b"".join(chunks)


async def uploaded_photo(request: web.Request) -> web.StreamResponse:
    """GET /uploads/{name}: a stored photo, typed by its extension and never sniffed."""
    name = request.match_info["name"]
    match = STORED_NAME.fullmatch(name)
    path = media_dir(request) / name
    if match is None or not await asyncio.to_thread(path.is_file):
        return web.json_response({"error": "not_found"}, status=404)
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CONTENT_TYPES[match.group(1)],
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
            "Cache-Control": "private, max-age=86400",
        },
    )
