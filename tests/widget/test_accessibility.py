"""WCAG 2.1 AA checks: axe-core in every state, 360 px width, reduced motion, focus, contrast."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.widget.fake_gateway import FakeGateway
from tests.widget.pages import ChatWidget

pytestmark = pytest.mark.browser


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(part) for part in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    def luminance(colour: tuple[int, ...]) -> float:
        channels = [c / 255 for c in colour]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def assert_no_axe_violations(chat: ChatWidget, state: str) -> None:
    violations = chat.axe_violations()
    assert violations == [], (state, violations)


@pytest.mark.parametrize("path", ["/", "/en"])
def test_axe_finds_no_serious_violation_in_any_state(
    context: BrowserContext, gateway: FakeGateway, path: str
) -> None:
    gateway.state.agents_available = True
    page = context.new_page()
    page.goto(gateway.url + path)
    chat = ChatWidget(page)
    expect(chat.launcher).to_be_visible()
    assert_no_axe_violations(chat, "closed")
    chat.open()
    chat.send("buttons" if path == "/en" else "boutons")
    expect(chat.log.locator(".replies button")).to_have_count(2)
    chat.send("html")
    chat.wait_for_bot("gras")
    chat.send("image")
    expect(chat.log.locator(".msg.bot img")).to_be_visible()
    assert_no_axe_violations(chat, "conversation")
    chat.page.evaluate("() => City311Widget.widget.sendText('   ')")  # an error note
    expect(chat.notes()).to_have_count(1)
    context.set_offline(True)
    expect(chat.banner).not_to_have_text("")
    assert_no_axe_violations(chat, "offline")
    context.set_offline(False)
    expect(chat.banner).to_have_text("", timeout=15_000)
    chat.end_conversation()
    assert_no_axe_violations(chat, "ended")
    chat.close()
    assert_no_axe_violations(chat, "closed with unread")


def test_usable_at_360_px(browser: Browser, gateway: FakeGateway) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.goto(gateway.url + "/")
        chat = ChatWidget(page)
        chat.open()
        chat.send("boutons")
        chat.wait_for_bot("Que voulez-vous signaler?")
        box = chat.dialog.bounding_box()
        assert box == {"x": 0, "y": 0, "width": 360, "height": 740}
        for control in [chat.input, chat.host.locator("button.send"), chat.host.locator(
                "button.close"), chat.host.locator("button.lang"), chat.host.locator("button.end"),
                chat.host.locator("button.location"), chat.host.locator("button.photo")]:
            expect(control).to_be_in_viewport(ratio=1)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert chat.log.evaluate("n => n.scrollWidth <= n.clientWidth")
        assert_no_axe_violations(chat, "360 px")
        chat.screenshot("small_screen_360")
        page.keyboard.press("Escape")
        expect(chat.launcher).to_be_visible()
        assert "launcher" in chat.focused()["className"]
    finally:
        context.close()


def test_reduced_motion_is_respected(chat: ChatWidget) -> None:
    chat.open()
    assert chat.dialog.evaluate("n => getComputedStyle(n).animationName") == "rise"
    chat.close()
    chat.page.emulate_media(reduced_motion="reduce")
    chat.open()
    assert chat.dialog.evaluate("n => getComputedStyle(n).animationName") == "none"


def test_focus_is_visible_and_default_colours_contrast(chat: ChatWidget) -> None:
    chat.tab_to_launcher()
    launcher = chat.launcher
    assert launcher.evaluate("n => getComputedStyle(n).outlineStyle") == "solid"
    assert launcher.evaluate("n => getComputedStyle(n).outlineWidth") == "3px"
    chat.page.keyboard.press("Enter")
    chat.send("Bonjour")
    chat.wait_for_bot("Vous avez écrit : Bonjour")
    chat.page.keyboard.press("Tab")  # from the message box to the send button
    send = chat.host.locator("button.send")
    assert send.evaluate("n => getComputedStyle(n).outlineStyle") == "solid"

    def pair(selector: str) -> float:
        node = chat.host.locator(selector).first
        colours = node.evaluate(
            """n => { let bg = "rgba(0, 0, 0, 0)", e = n;
                 while (e && bg === "rgba(0, 0, 0, 0)") {
                   bg = getComputedStyle(e).backgroundColor; e = e.parentElement; }
                 if (bg === "rgba(0, 0, 0, 0)") bg = "rgb(255, 255, 255)";
                 return [getComputedStyle(n).color, bg]; }"""
        )
        return contrast(rgb(colours[0]), rgb(colours[1]))

    for selector in [".launcher", ".header h2", ".msg.citizen .bubble", ".msg.bot .bubble",
                     ".msg .meta", ".intro", "button.location", ".send", ".hours"]:
        assert pair(selector) >= 4.5, selector


def test_new_messages_are_announced_politely(chat: ChatWidget) -> None:
    chat.open()
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.log).to_have_attribute("role", "log")
    expect(chat.log).to_have_accessible_name("Conversation")
    chat.send("Bonjour")
    reply = chat.log.locator(".msg.bot").last
    expect(reply).to_contain_text("Vous avez écrit : Bonjour")
    # The speaker is part of what is read out.
    expect(reply.locator(".sr-only")).to_have_text("Assistant 311 : ")
    # Every control has a name.
    for control in chat.dialog.locator("button:visible, textarea, input:visible").all():
        name = control.evaluate("n => n.getAttribute('aria-label') || n.labels?.[0]?.textContent "
                                "|| n.textContent")
        assert name.strip(), control
