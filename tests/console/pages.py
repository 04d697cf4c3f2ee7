"""Page object of the agent console (Playwright, async API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.console.conftest import ARTIFACTS, PASSWORD


class ConsolePage:
    """One agent's console in one browser context."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    async def open(self) -> ConsolePage:
        await self.page.goto(self.base_url + "/console")
        await self.page.wait_for_selector("#login-view:not([hidden]), #app-view:not([hidden])")
        return self

    async def login(self, email: str, password: str = PASSWORD) -> ConsolePage:
        await self.open()
        await self.page.fill("#login-email", email)
        await self.page.fill("#login-password", password)
        await self.page.click("#login-submit")
        await self.page.wait_for_selector("#app-view:not([hidden])")
        await self.wait_connected()
        return self

    async def wait_connected(self) -> None:
        await self.page.wait_for_selector(
            '#connection[data-state="conn_connected"]', state="attached"
        )

    def queue_item(self, conversation_id: str, list_id: str = "queue-list") -> Any:
        return self.page.locator(f'#{list_id} li[data-id="{conversation_id}"]')

    async def claim(self, conversation_id: str, list_id: str = "queue-list") -> None:
        await self.queue_item(conversation_id, list_id).locator("button.primary").click()
        await self.page.wait_for_selector("#conv-body:not([hidden])")
        await self.page.wait_for_selector("#composer-text:not([disabled])")

    def messages(self, kind: str | None = None) -> Any:
        selector = "#transcript .msg" + (f".msg--{kind}" if kind else "")
        return self.page.locator(selector)

    def message(self, text: str, kind: str | None = None) -> Any:
        """The transcript line whose text is exactly `text`."""
        return self.messages(kind).filter(has=self.page.locator(".msg-text", has_text=text))

    async def wait_message(self, text: str, kind: str | None = None) -> Any:
        line = self.message(text, kind).last
        await line.wait_for()
        return line

    async def send(self, text: str, *, note: bool = False) -> None:
        await self.page.check(f'input[name="mode"][value="{"note" if note else "reply"}"]')
        await self.page.fill("#composer-text", text)
        await self.page.click("#send-button")
        await self.wait_message(text, "note" if note else "agent")

    async def mine_ids(self) -> list[str]:
        keys = await self.page.locator("#mine-list .chat-button").evaluate_all(
            "buttons => buttons.map(b => b.dataset.key)"
        )
        return [key.split(":", 1)[1] for key in keys]

    async def alerts(self) -> dict[str, Any]:
        """What the page asked the browser for: notifications shown, oscillators started."""
        result: dict[str, Any] = await self.page.evaluate("window.__alerts")
        return result

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path
