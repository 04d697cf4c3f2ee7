"""Every console string exists in French and English, and the switch translates the whole page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.console.conftest import ConsoleGateway, PageFactory
from tests.console.pages import ConsolePage

pytestmark = pytest.mark.browser

KEYS_AND_MARKS = """async () => {
  const {STRINGS} = await import('/console/assets/i18n.js');
  const marked = [];
  for (const [attribute, name] of [['data-i18n', 'i18n'], ['data-i18n-aria-label', 'i18nAriaLabel'],
                                   ['data-i18n-placeholder', 'i18nPlaceholder']]) {
    for (const el of document.querySelectorAll(`[${attribute}]`)) marked.push(el.dataset[name]);
  }
  return {fr: STRINGS.fr, en: STRINGS.en, marked};
}"""

TEXTS = """() => [...document.querySelectorAll('[data-i18n]')]
  .map(el => [el.dataset.i18n, el.textContent])"""


async def test_every_string_in_both_languages(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    page = await new_page("fr-CA")
    await ConsolePage(page, console_gateway.url).open()
    found: dict[str, Any] = await page.evaluate(KEYS_AND_MARKS)
    assert set(found["fr"]) == set(found["en"])
    for language in ("fr", "en"):
        assert all(str(text).strip() for text in found[language].values()), language
    assert set(found["marked"]) <= set(found["fr"])
    # The JavaScript asks only for keys that exist.
    sources = await page.evaluate(
        """async () => Promise.all(['console.js', 'views.js', 'dom.js'].map(
             name => fetch('/console/assets/' + name).then(r => r.text())))"""
    )
    used = {key for source in sources for key in re.findall(r'\bt\("([a-z_]+)"', source)}
    assert used, "the scripts translate through t()"
    assert used <= set(found["fr"]), used - set(found["fr"])


async def test_language_follows_the_browser_and_switches(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    await console_gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("en-GB")
    console = await ConsolePage(page, console_gateway.url).login("marie@ville.example")
    strings: dict[str, Any] = await page.evaluate(KEYS_AND_MARKS)
    for key, text in await page.evaluate(TEXTS):
        assert text == strings["en"][key], key
    await page.click("#app-view .lang-toggle")
    assert await page.evaluate("document.documentElement.lang") == "fr-CA"
    for key, text in await page.evaluate(TEXTS):
        assert text == strings["fr"][key], key
    assert await page.text_content("#connection") == "Connecté"
    # The choice is remembered.
    await page.reload()
    await page.wait_for_selector("#app-view:not([hidden])")
    assert await page.text_content("#logout-button") == "Se déconnecter"
    await console.screenshot("french-empty")
