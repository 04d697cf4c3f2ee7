"""Photo uploads from the web chat over HTTP (aiohttp client against a running gateway), on
SQLite and PostgreSQL: size and type checks, session check, serving, CORS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from livechat import i18n
from livechat.requests.photos import MAX_BYTES
from tests.livechat.clients import ChatClient
from tests.livechat.conftest import Gateway, GatewayFactory

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
CITY = "https://city.example"


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
async def gateway(make_gateway: GatewayFactory, media_dir: Path) -> Gateway:
    return await make_gateway(media_dir=str(media_dir))


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=gateway.url) as session:
        yield session


async def citizen(gateway: Gateway, make_client: Any, write: bool = True) -> ChatClient:
    """A confirmed web session, with a conversation when `write`."""
    client: ChatClient = await make_client(gateway)
    await client.request_session(None)
    if write:
        await client.utter("Bonjour, il y a un nid-de-poule")
        await client.next("bot_uttered")
    return client


def stored_files(media_dir: Path) -> list[Path]:
    """What is in MEDIA_DIR (nothing when it was never created)."""
    return sorted(media_dir.iterdir()) if media_dir.exists() else []


def form(
    session_id: str | None, data: bytes | None, content_type: str = "image/jpeg"
) -> aiohttp.FormData:
    body = aiohttp.FormData()
    if session_id is not None:
        body.add_field("session_id", session_id)
    if data is not None:
        body.add_field("file", data, filename="photo.jpg", content_type=content_type)
    return body


def refused(code: str) -> dict[str, Any]:
    return {"error": code, "message": i18n.both(code, megabytes=MAX_BYTES // (1024 * 1024))}


async def post(
    http: aiohttp.ClientSession, body: Any, **headers: str
) -> tuple[int, dict[str, str], Any]:
    async with http.post("/api/v1/uploads", data=body, headers=headers) as response:
        return response.status, dict(response.headers), await response.json()


@pytest.mark.parametrize(
    ("data", "extension", "content_type"),
    [(JPEG, ".jpg", "image/jpeg"), (PNG, ".png", "image/png"), (WEBP, ".webp", "image/webp")],
)
async def test_upload_is_stored_and_served_with_its_type(
    gateway: Gateway,
    make_client: Any,
    http: aiohttp.ClientSession,
    media_dir: Path,
    data: bytes,
    extension: str,
    content_type: str,
) -> None:
    client = await citizen(gateway, make_client)
    # The declared type is not trusted: the bytes decide.
    status, headers, body = await post(http, form(client.session_id, data, "text/plain"))

    assert status == 201
    assert headers["Cache-Control"] == "no-store"
    url = body["url"]
    assert set(body) == {"url"} and url.startswith("/uploads/") and url.endswith(extension)
    [stored] = stored_files(media_dir)
    assert ("/uploads/" + stored.name, stored.read_bytes()) == (url, data)
    assert len(stored.stem) >= 24  # unguessable

    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == content_type
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'"
        assert await response.read() == data


async def test_a_confirmed_session_may_upload_before_its_first_message(
    gateway: Gateway, make_client: Any, http: aiohttp.ClientSession
) -> None:
    client = await citizen(gateway, make_client, write=False)
    status, _headers, body = await post(http, form(client.session_id, JPEG))
    assert status == 201 and body["url"].endswith(".jpg")


async def test_five_megabytes_are_accepted_beyond_the_default_body_limit(
    gateway: Gateway, make_client: Any, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    client = await citizen(gateway, make_client)
    photo = JPEG + b"\x00" * (MAX_BYTES - len(JPEG))
    status, _headers, _body = await post(http, form(client.session_id, photo))
    assert status == 201
    [stored] = stored_files(media_dir)
    assert stored.stat().st_size == MAX_BYTES


@pytest.mark.parametrize(
    "size", [MAX_BYTES + 1, MAX_BYTES + 2 * 1024 * 1024], ids=["one-byte-over", "declared-7mb"]
)
async def test_too_large_is_413(
    gateway: Gateway,
    make_client: Any,
    http: aiohttp.ClientSession,
    media_dir: Path,
    size: int,
) -> None:
    client = await citizen(gateway, make_client)
    photo = JPEG + b"\x00" * (size - len(JPEG))
    status, headers, body = await post(http, form(client.session_id, photo))
    assert (status, body) == (413, refused("too_large"))
    assert "5" in body["message"]["fr"] and "5 MB" in body["message"]["en"]
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert stored_files(media_dir) == []


async def test_streamed_upload_without_length_is_cut_at_the_limit(
    gateway: Gateway, make_client: Any, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    client = await citizen(gateway, make_client)
    assert client.session_id is not None
    boundary = "----city311"

    async def chunked() -> AsyncIterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="session_id"\r\n\r\n'
            f"{client.session_id}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            'name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        yield JPEG
        for _ in range(7):
            yield b"\x00" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    content_type = f"multipart/form-data; boundary={boundary}"
    status, _headers, body = await post(http, chunked(), **{"Content-Type": content_type})
    assert (status, body) == (413, refused("too_large"))
    assert stored_files(media_dir) == []


async def test_not_an_image_is_415(
    gateway: Gateway, make_client: Any, http: aiohttp.ClientSession, media_dir: Path
) -> None:
    client = await citizen(gateway, make_client)
    for data in (b"<svg onload=alert(1)>", b"GIF89a" + b"\x00" * 20, b"%PDF-1.7"):
        status, _headers, body = await post(http, form(client.session_id, data))
        assert (status, body) == (415, refused("unsupported_type"))
    assert stored_files(media_dir) == []


@pytest.mark.parametrize(
    "session_id", [None, "", "never-seen-session", "bad id!", "x" * 300], ids=repr
)
async def test_unknown_session_is_403(
    gateway: Gateway, http: aiohttp.ClientSession, media_dir: Path, session_id: str | None
) -> None:
    status, _headers, body = await post(http, form(session_id, JPEG))
    assert (status, body) == (403, refused("no_session"))
    assert stored_files(media_dir) == []


async def test_malformed_uploads_are_400(
    gateway: Gateway, make_client: Any, http: aiohttp.ClientSession
) -> None:
    client = await citizen(gateway, make_client)
    status, _headers, body = await post(http, form(client.session_id, None))  # no file
    assert (status, body) == (400, refused("invalid_upload"))
    status, _headers, body = await post(http, b'{"file": "x"}', **{"Content-Type": "text/json"})
    assert (status, body) == (400, refused("invalid_upload"))  # not multipart


def odd_files(media_dir: Path) -> None:
    """Files in MEDIA_DIR that save_photo never writes: other type, hidden, short name."""
    media_dir.mkdir()
    (media_dir / "abcdefghijkl.gif").write_bytes(b"GIF89a")
    (media_dir / ".hiddenhiddenhidden.jpg").write_bytes(JPEG)
    (media_dir / "short.jpg").write_bytes(JPEG)


@pytest.mark.parametrize(
    "name",
    [
        "missingmissingmissing.jpg",
        "..%2F..%2Fetc%2Fpasswd",
        "abcdefghijkl.gif",
        ".hiddenhiddenhidden.jpg",
        "short.jpg",
    ],
)
async def test_unknown_or_odd_upload_names_are_404(
    http: aiohttp.ClientSession, media_dir: Path, name: str
) -> None:
    odd_files(media_dir)
    async with http.get(f"/uploads/{name}") as response:
        assert response.status == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_cors_for_the_configured_city_origin(
    make_gateway: GatewayFactory, make_client: Any, media_dir: Path
) -> None:
    gateway = await make_gateway(media_dir=str(media_dir), cors_allowed_origins=(CITY,))
    client = await citizen(gateway, make_client, write=False)
    preflight = {
        "Origin": CITY,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with aiohttp.ClientSession(base_url=gateway.url) as http:
        async with http.options("/api/v1/uploads", headers=preflight) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == CITY
            assert response.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
            assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
            assert response.headers["Access-Control-Max-Age"] == "600"
            assert response.headers["Vary"] == "Origin"
        foreign = {**preflight, "Origin": "https://evil.example"}
        async with http.options("/api/v1/uploads", headers=foreign) as response:
            assert response.status == 403
            assert "Access-Control-Allow-Origin" not in response.headers
        status, headers, _body = await post(http, form(client.session_id, JPEG), Origin=CITY)
        assert status == 201 and headers["Access-Control-Allow-Origin"] == CITY
        status, headers, _body = await post(
            http, form(client.session_id, PNG), Origin="https://evil.example"
        )
        assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_any_origin_by_default(http: aiohttp.ClientSession) -> None:
    headers = {"Origin": "https://anywhere.example", "Access-Control-Request-Method": "POST"}
    async with http.options("/api/v1/uploads", headers=headers) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_an_uploaded_photo_joins_the_service_request_filed_with_it(
    settings: Any, make_client: Any, aiohttp_server: Any, media_dir: Path
) -> None:
    """The requests wing finds the upload in the same MEDIA_DIR (a Photo row, absolute URL)."""
    from dataclasses import replace

    from sqlalchemy import select

    import livechat.requests
    from livechat import keys
    from livechat.app import create_app
    from livechat.requests.models import Photo

    app = create_app(replace(settings, media_dir=str(media_dir)), wings=[livechat.requests.setup])
    server = await aiohttp_server(app)
    gateway = Gateway(server=server, app=app)
    client = await citizen(gateway, make_client)
    async with aiohttp.ClientSession(base_url=gateway.url) as http:
        status, _headers, body = await post(http, form(client.session_id, JPEG))
        assert status == 201
        request = {
            "service_code": "report_pothole",
            "address": "200, rue du Lac",
            "attributes": {"size": "large"},
            "media_url": body["url"],
            "language": "fr",
            "channel": "web",
            "idempotency_key": "upload-test:1",
        }
        async with http.post("/api/v1/requests", json=request) as response:
            assert response.status == 201, await response.text()
            ref = (await response.json())["service_request_id"]
        async with http.get(f"/open311/v2/requests/{ref}.json") as response:
            [filed] = await response.json()
    assert filed["media_url"] == settings.public_url + body["url"]
    async with app[keys.DB_SESSIONMAKER]() as session:
        [photo] = (await session.scalars(select(Photo))).all()
    assert (photo.content_type, photo.size) == ("image/jpeg", len(JPEG))
    assert Path(photo.path).name == body["url"].rsplit("/", 1)[1]
