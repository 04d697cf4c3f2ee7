"""The console driven by the keyboard alone: log in, claim, reply, note, switch, canned, resolve."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.conftest import PASSWORD, ConsoleGateway, PageFactory, citizen_received
from tests.console.pages import ConsolePage

pytestmark = pytest.mark.browser


async def focused_id(page: Any) -> str:
    return str(await page.evaluate("document.activeElement && document.activeElement.id"))


async def focus_is_visible(page: Any) -> bool:
    """The focused element draws an outline of at least 2 px (our :focus-visible style)."""
    style = await page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    )
    return bool(style[0] != "none" and style[1] >= 2)


async def test_keyboard_only(console_gateway: ConsoleGateway, new_page: PageFactory) -> None:
    gateway = console_gateway
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("fr-CA")
    console = await ConsolePage(page, gateway.url).open()
    assert await focused_id(page) == "login-email"
    await page.keyboard.type("marie@ville.example")
    await page.keyboard.press("Tab")
    assert await focused_id(page) == "login-password"
    assert await focus_is_visible(page)
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#app-view:not([hidden])")
    await console.wait_connected()
    # Two citizens are handed off while the agent is online (no auto-assignment here).
    first, first_id = await gateway.citizen("Bonjour")
    assert (await gateway.handoff(first_id))["status"] == "queued"
    second, second_id = await gateway.citizen("Allo")
    assert (await gateway.handoff(second_id))["status"] == "queued"
    await console.queue_item(second_id).wait_for()

    # Alt+C claims the oldest chat and puts the cursor in the reply box.
    await page.keyboard.press("Alt+c")
    await page.wait_for_function(
        "() => document.activeElement.id === 'composer-text' && !document.activeElement.disabled"
    )
    assert await console.mine_ids() == [first_id]
    await page.keyboard.type("Bonjour! Ici Marie.")
    await page.keyboard.press("Control+Enter")
    await citizen_received(first, "bot_uttered", text="Bonjour! Ici Marie.", sender="agent")
    assert await page.input_value("#composer-text") == ""

    # Alt+N: a private note, saved with Ctrl+Enter; Alt+N again: back to replies.
    await page.keyboard.press("Alt+n")
    assert await page.is_checked('input[name="mode"][value="note"]')
    await page.keyboard.type("Citoyen pressé.")
    await page.keyboard.press("Control+Enter")
    await console.wait_message("Citoyen pressé.", "note")
    await page.keyboard.press("Alt+n")
    assert await page.is_checked('input[name="mode"][value="reply"]')

    # Alt+C again, then Alt+1 / Alt+2 switch between the two chats.
    await page.keyboard.press("Alt+c")
    await page.wait_for_selector(f'[data-key="mine:{second_id}"]')
    await console.wait_message("Allo", "citizen")
    await page.keyboard.press("Alt+1")
    await console.wait_message("Citoyen pressé.", "note")
    assert await page.get_attribute(f'[data-key="mine:{first_id}"]', "aria-current") == "true"
    await page.keyboard.press("Alt+2")
    await console.wait_message("Allo", "citizen")
    assert await page.get_attribute(f'[data-key="mine:{second_id}"]', "aria-current") == "true"

    # "/" (outside a text field) searches the canned responses; Enter inserts the first match.
    await page.keyboard.press("Tab")  # from the reply box to the Send button
    assert await focus_is_visible(page)
    await page.keyboard.press("/")
    assert await focused_id(page) == "canned-search"
    first_canned = page.locator("#canned-list .canned-insert .canned-text").first
    await first_canned.wait_for()
    expected = await first_canned.text_content()
    await page.keyboard.press("Enter")
    assert await focused_id(page) == "composer-text"
    assert await page.input_value("#composer-text") == expected
    await page.keyboard.press("Control+Enter")
    await citizen_received(second, "bot_uttered", text=expected.strip(), sender="agent")

    # Alt+R resolves the chat in view; the other one comes into view.
    await page.keyboard.press("Alt+r")
    await citizen_received(second, "system_message", kind="resolved")
    await page.wait_for_selector(f'[data-key="mine:{first_id}"][aria-current="true"]')
    assert await console.mine_ids() == [first_id]

    # "?" opens the shortcuts; Escape closes them.
    await page.keyboard.press("Escape")
    await page.locator("#transcript").focus()
    await page.keyboard.press("?")
    assert await page.is_visible("#help-dialog")
    await console.screenshot("shortcuts")
    await page.keyboard.press("Escape")
    assert not await page.is_visible("#help-dialog")
    assert page.errors == []


async def test_live_regions_and_labels(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    gateway = console_gateway
    await gateway.add_agent("marie@ville.example", "Marie Tremblay")
    page = await new_page("en-CA")
    console = await ConsolePage(page, gateway.url).login("marie@ville.example")
    assert await page.get_attribute("#transcript", "role") == "log"
    assert await page.get_attribute("#transcript", "aria-live") == "polite"
    assert await page.get_attribute("#announcer", "aria-live") == "polite"
    # Every form control has an accessible name.
    unnamed = await page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
              .filter(el => !el.closest('[hidden]'))
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                            && !el.textContent.trim())
              .map(el => el.id || el.outerHTML.slice(0, 60))"""
    )
    assert unnamed == []

    citizen, conversation_id = await gateway.citizen("Hello")
    await gateway.handoff(conversation_id, language="en")
    await console.queue_item(conversation_id).wait_for()
    claim = console.queue_item(conversation_id).locator("button.primary")
    label = await claim.get_attribute("aria-label")
    assert label.startswith("Claim the Web chat waiting for ")
    await page.wait_for_function(
        "() => document.getElementById('announcer').textContent.startsWith('New chat in the queue')"
    )
    assert citizen.sio.connected
