"""Full-stack browser tests: the real stack (see tests/integration) with Debian's Chromium.

A separate pytest process from tests/integration: Playwright's sync API keeps an event loop
running in the main thread, which pytest-asyncio tests cannot share.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.integration.conftest import fake_twilio, stack  # noqa: F401 (the real stack)
from tests.widget.pages import build_widget, launch_chromium, widget_needs_build


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if widget_needs_build():
        build_widget()
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
