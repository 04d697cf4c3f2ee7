"""Photos: checked by their bytes, stored under unguessable names, linked to requests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.calendar import BusinessCalendar
from livechat.requests.catalogue import Catalogue
from livechat.requests.models import Photo
from livechat.requests.photos import PhotoRejected, find_upload, save_photo, sniff
from livechat.requests.service import RequestService
from livechat.requests.validation import NewRequest
from tests.livechat.requests.conftest import Clock


def png() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100 + b"\xff\xd9"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24


@pytest.mark.parametrize(
    ("data", "content_type", "suffix"),
    [(png(), "image/png", ".png"), (JPEG, "image/jpeg", ".jpg"), (WEBP, "image/webp", ".webp")],
)
def test_save_photo(tmp_path: Path, data: bytes, content_type: str, suffix: str) -> None:
    stored = save_photo(data, tmp_path / "uploads")
    assert stored.content_type == content_type and stored.size == len(data)
    assert stored.path.read_bytes() == data and stored.path.suffix == suffix
    assert len(stored.name) >= 24 + len(suffix)  # 18 random bytes, URL-safe
    assert stored.url == f"/uploads/{stored.name}"
    assert save_photo(data, tmp_path / "uploads").name != stored.name
    assert not list((tmp_path / "uploads").glob("*.part"))


def test_rejected_photos(tmp_path: Path) -> None:
    with pytest.raises(PhotoRejected) as info:
        save_photo(b"<svg onload=alert(1)>", tmp_path)
    assert info.value.code == "unsupported_type"
    assert "JPEG, PNG ou WebP" in info.value.localized("fr")
    with pytest.raises(PhotoRejected) as info:
        save_photo(JPEG + b"\x00" * 100, tmp_path, max_bytes=100)
    assert info.value.code == "too_large"
    assert sniff(b"GIF89a") is None
    assert list(tmp_path.iterdir()) == []


def test_find_upload(tmp_path: Path) -> None:
    stored = save_photo(png(), tmp_path)
    public = "https://311.ville.example"
    assert find_upload(stored.url, tmp_path, public) == stored
    assert find_upload(public + stored.url, tmp_path, public) == stored
    assert find_upload("https://elsewhere.example" + stored.url, tmp_path, public) is None
    assert find_upload("/uploads/../secret.png", tmp_path, public) is None
    assert find_upload("/uploads/missing.png", tmp_path, public) is None
    assert find_upload("/static/x.png", tmp_path, public) is None
    (tmp_path / "fake.png").write_bytes(b"not a png")
    assert find_upload("/uploads/fake.png", tmp_path, public) is None


async def test_filed_request_links_its_uploaded_photo(
    sessionmaker: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    calendar: BusinessCalendar,
    clock: Clock,
    tmp_path: Path,
) -> None:
    service = RequestService(
        sessionmaker, catalogue, calendar, "https://311.ville.example", clock, media_dir=tmp_path
    )
    stored = save_photo(png(), tmp_path)
    request, _ = await service.create_request(
        NewRequest(
            service_code="report_graffiti",
            address="2 rue du Pont",
            attributes={"surface": "public", "offensive": "yes"},
            media_urls=[stored.url, "https://photos.example/other.jpg"],
        )
    )
    assert request.media_urls == [
        f"https://311.ville.example{stored.url}",
        "https://photos.example/other.jpg",
    ]
    async with sessionmaker() as session:
        [photo] = (await session.scalars(select(Photo))).all()
    assert photo.request_id == request.id
    assert (photo.path, photo.content_type, photo.size, photo.sha256) == (
        str(stored.path),
        "image/png",
        stored.size,
        stored.sha256,
    )
