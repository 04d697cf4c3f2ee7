"""Page objects for the web-chat widget, shared with the full-stack browser tests.

Usage (sync Playwright):

    browser = launch_chromium(playwright)
    page = browser.new_page()
    page.goto(gateway_url + "/")
    chat = ChatWidget(page)
    chat.open()
    chat.send("Bonjour")
    chat.wait_for_bot("Bonjour")

Playwright's CSS and role locators pierce the widget's open shadow root.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
DIST = WIDGET / "dist" / "city311-widget.js"
AXE = WIDGET / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "widget"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BUILD_INPUTS = ["src", "build.mjs", "build.sh", "package.json", "package-lock.json"]

# The innermost focused element, through shadow roots.
FOCUSED_JS = """() => {
  let node = document.activeElement;
  const inWidget = Boolean(node && node.id === "city311-widget");
  while (node && node.shadowRoot && node.shadowRoot.activeElement) {
    node = node.shadowRoot.activeElement;
  }
  if (!node) return null;
  return {
    inWidget,
    inDialog: Boolean(node.closest && node.closest('[role="dialog"]')),
    tag: node.tagName.toLowerCase(),
    className: String(node.className || ""),
    name: node.getAttribute("aria-label") || (node.textContent || "").trim(),
  };
}"""


def widget_needs_build() -> bool:
    """True when dist/ is missing or older than any build input, or node_modules is missing."""
    if not DIST.exists() or not AXE.exists():
        return True
    built = DIST.stat().st_mtime
    for name in BUILD_INPUTS:
        path = WIDGET / name
        files = path.rglob("*") if path.is_dir() else [path]
        if any(f.is_file() and f.stat().st_mtime > built for f in files):
            return True
    return False


def build_widget() -> None:
    """widget/build.sh (npm ci + esbuild) when needed."""
    if widget_needs_build():
        subprocess.run(["bash", str(WIDGET / "build.sh")], check=True)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class ChatWidget:
    """The widget on a page: launcher, dialog, log, composer, tools and end of conversation."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.host = page.locator("#city311-widget")
        self.launcher = self.host.locator("button.launcher")
        self.dialog = self.host.get_by_role("dialog")
        self.log = self.host.locator('[role="log"]')
        self.input = self.host.locator("textarea")
        self.banner = self.host.locator(".banner")
        self.typing = self.host.locator(".typing")
        self.progress = self.host.locator(".upload progress")
        self.ending = self.host.locator("section.ending")

    # ---- opening and keyboard -------------------------------------------------------------

    def open(self) -> None:
        expect(self.launcher).to_be_visible()
        if self.launcher.get_attribute("aria-expanded") != "true":
            self.launcher.click()
        expect(self.dialog).to_be_visible()

    def close(self) -> None:
        self.host.locator("button.close").click()
        expect(self.dialog).to_be_hidden()

    def focused(self) -> dict[str, Any] | None:
        """The focused element (through the shadow root): inWidget, inDialog, tag, name."""
        return self.page.evaluate(FOCUSED_JS)

    def tab_to_launcher(self, max_presses: int = 80) -> None:
        """Press Tab until the launcher has focus (keyboard only)."""
        for _ in range(max_presses):
            self.page.keyboard.press("Tab")
            focused = self.focused()
            if focused and focused["inWidget"] and "launcher" in focused["className"]:
                return
        raise AssertionError("the launcher was never reached with Tab")

    # ---- conversation ----------------------------------------------------------------------

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def citizen_messages(self) -> Locator:
        return self.log.locator(".msg.citizen .bubble")

    def bot_messages(self) -> Locator:
        return self.log.locator(".msg.bot .bubble, .msg.agent .bubble")

    def notes(self) -> Locator:
        return self.log.locator(".note")

    def wait_for_bot(self, text: str | re.Pattern[str], timeout: float = 15_000) -> Locator:
        """The bot (or agent) message containing `text`, once visible."""
        message = self.bot_messages().filter(has_text=text).last
        expect(message).to_be_visible(timeout=timeout)
        return message

    def wait_for_citizen(self, text: str, timeout: float = 10_000) -> Locator:
        message = self.citizen_messages().filter(has_text=text).last
        expect(message).to_be_visible(timeout=timeout)
        return message

    def quick_reply(self, title: str) -> Locator:
        return self.log.locator(".replies").get_by_role("button", name=title)

    def session_id(self) -> str | None:
        return self.page.evaluate(
            """() => { for (let i = 0; i < localStorage.length; i++) {
                 const key = localStorage.key(i);
                 if (key.startsWith("city311:") && key.endsWith(":session"))
                   return localStorage.getItem(key); } return null; }"""
        )

    # ---- header and tools --------------------------------------------------------------------

    def switch_language(self) -> None:
        self.host.locator("button.lang").click()

    def share_location(self) -> None:
        self.host.locator("button.location").click()

    def attach_photo(self, path: Path) -> None:
        self.host.locator('input[type="file"]').set_input_files(str(path))

    def agent_button(self) -> Locator:
        return self.host.locator("button.agent")

    # ---- end of conversation ----------------------------------------------------------------

    def end_conversation(self) -> None:
        self.host.locator("button.end").click()
        expect(self.ending).to_be_visible()

    def rate(self, value: int) -> None:
        self.ending.locator(f'input[type="radio"][value="{value}"]').check()
        self.ending.locator('form button[type="submit"]').click()

    def download_transcript(self) -> tuple[str, str]:
        """Click the transcript button; returns the file's suggested name and its text."""
        with self.page.expect_download() as info:
            self.ending.locator("button.transcript").click()
        download = info.value
        return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")

    # ---- checks -----------------------------------------------------------------------------

    def axe_violations(
        self, impacts: tuple[str, ...] = ("serious", "critical"), include: str | None = None
    ) -> list[Any]:
        """axe-core (from widget/node_modules) on the page or on `include` (a CSS selector),
        shadow DOM included; the violations of the given impacts."""
        if not self.page.evaluate("() => Boolean(window.axe)"):
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            """async (include) => {
                 const context = include ? {include: [[include]]} : document;
                 const r = await axe.run(context, {resultTypes: ["violations"]});
                 return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
               }""",
            include,
        )
        return [v for v in result if v["impact"] in impacts]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
