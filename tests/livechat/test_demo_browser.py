"""The minimal demo page (/demo-minimal) in Debian's Chromium (Playwright): type, send, see
the bot's reply and buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.livechat.conftest import Gateway

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make chromium` installs it)")
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_demo_page_chats_with_the_bot(gateway: Gateway, page: Any) -> None:
    await page.goto(gateway.url + "/demo-minimal")
    assert await page.text_content("#send") == "Envoyer"
    await page.wait_for_function("document.getElementById('status').textContent === 'connecté'")

    await page.fill("#text", "Bonjour")
    await page.press("#text", "Enter")
    await page.wait_for_selector(".msg.bot >> text=echo: Bonjour")

    await page.fill("#text", "/buttons")
    await page.click("#send")
    await page.click(".buttons button >> text=Oui")
    await page.wait_for_selector(".msg.bot >> text=echo: /affirm")

    # A reload resumes the same session and shows its history.
    session_id = await page.evaluate("localStorage.getItem('lc_session_id')")
    await page.reload()
    await page.wait_for_selector(".msg.bot >> text=echo: /affirm")
    assert await page.evaluate("localStorage.getItem('lc_session_id')") == session_id

    await page.click("#lang")
    assert await page.text_content("#send") == "Send"
