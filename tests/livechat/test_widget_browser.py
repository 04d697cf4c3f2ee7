"""The built widget served by the real gateway, in Debian's Chromium (Playwright), against a fake
Rasa: demo page, quick reply with its display text, photo upload, end and rating."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from livechat.models import Conversation, Message
from livechat.requests.models import SurveyResponse
from livechat.routes import REPO_WIDGET_DIR
from tests.livechat.conftest import Gateway, GatewayFactory

CHROMIUM = Path("/usr/bin/chromium")
BUNDLE = REPO_WIDGET_DIR / "dist" / "city311-widget.js"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
WIDGET = "#city311-widget"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make chromium` installs it)")
    if not BUNDLE.exists():
        pytest.skip("the widget is not built (cd widget && npm ci && npm run build)")
    return CHROMIUM


@pytest.fixture
async def page(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        context = await browser.new_context(locale="fr-CA")
        try:
            yield await context.new_page()
        finally:
            await context.close()
            await browser.close()


def write_photo(folder: Path) -> Path:
    photo = folder / "nid.jpg"
    photo.write_bytes(JPEG)
    return photo


def stored_photos(media_dir: Path) -> list[bytes]:
    return [path.read_bytes() for path in media_dir.iterdir()]


async def citizen_messages(gateway: Gateway) -> list[Message]:
    async with gateway.sessionmaker() as session:
        query = select(Message).where(Message.sender == "citizen").order_by(Message.id)
        return list((await session.scalars(query)).all())


async def test_widget_on_the_demo_page_talks_to_the_gateway(
    make_gateway: GatewayFactory, page: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    gateway = await make_gateway(media_dir=str(tmp_path / "media"))
    await page.goto(gateway.url + "/")
    await page.locator(f"{WIDGET} button.launcher").click()
    log = page.locator(f'{WIDGET} [role="log"]')
    textarea = page.locator(f"{WIDGET} textarea")

    await textarea.fill("/buttons")
    await textarea.press("Enter")
    await log.locator(".replies").get_by_role("button", name="Oui").click()
    await expect(log.locator(".msg.bot .bubble").filter(has_text="echo: /affirm")).to_be_visible()

    photo = write_photo(tmp_path)
    await page.locator(f'{WIDGET} input[type="file"]').set_input_files(str(photo))
    await expect(log.locator(".msg.bot .bubble").filter(has_text="/uploads/")).to_be_visible()

    stored = await citizen_messages(gateway)
    assert [m.content for m in stored[:2]] == ["/buttons", "/affirm"]
    assert stored[1].payload == {"display_text": "Oui"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", m.client_message_id or "") for m in stored)
    photo_url = (stored[2].payload or {})["photo_url"]
    assert re.fullmatch(rf"{re.escape(gateway.url)}/uploads/[A-Za-z0-9_-]{{24}}\.jpg", photo_url)
    assert stored_photos(tmp_path / "media") == [JPEG]

    await page.locator(f"{WIDGET} button.end").click()
    ending = page.locator(f"{WIDGET} section.ending")
    await expect(ending).to_be_visible()
    await ending.locator('input[type="radio"][value="4"]').check()
    await ending.locator('form button[type="submit"]').click()
    await expect(ending.locator('input[type="radio"][value="4"]')).to_be_disabled()

    async with gateway.sessionmaker() as session:
        conversation = await session.scalar(select(Conversation))
        survey = await session.scalar(select(SurveyResponse))
    assert conversation is not None and conversation.status == "resolved"
    assert survey is not None
    assert (survey.rating, survey.channel, survey.conversation_public_id) == (
        4,
        "web",
        conversation.public_id,
    )
