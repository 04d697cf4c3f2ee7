"""Browser fixtures for the widget: the build, Debian's Chromium, the fake peer, a page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.widget.fake_gateway import FakeGateway
from tests.widget.pages import ARTIFACTS, CHROMIUM, ChatWidget, build_widget, launch_chromium


@pytest.fixture(scope="session")
def widget_built() -> Path:
    """The built widget; rebuilt (widget/build.sh) when missing or older than its sources."""
    build_widget()
    return Path("widget/dist/city311-widget.js")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright, widget_built: Path) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: `make chromium` installs it")
    running = launch_chromium(playwright)
    yield running
    running.close()


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway().start()
    yield fake
    fake.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    yield ctx
    ctx.close()


@pytest.fixture
def chat(context: BrowserContext, gateway: FakeGateway,
         request: pytest.FixtureRequest) -> Iterator[ChatWidget]:
    """The French demo page with the widget; a screenshot is kept after the test."""
    page = context.new_page()
    page.goto(gateway.url + "/")
    widget = ChatWidget(page)
    yield widget
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    except Exception as error:  # a closed page has nothing to show
        print(f"no screenshot for {name}: {error}")
