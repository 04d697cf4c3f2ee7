"""Logging in and out of the console in Chromium: language, errors, rate limiting, sessions."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import PASSWORD, ConsoleGateway, GatewayFactory, PageFactory
from tests.console.pages import ConsolePage

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


async def add_agent_with_cli(database_url: str, email: str, name: str, password: str) -> None:
    """`python -m livechat agent add EMAIL --name NAME`, the password on standard input."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livechat", "agent", "add", email, "--name", name,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate(f"{password}\n".encode())
    assert process.returncode == 0, (out, err)


async def test_login_reload_and_logout(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    await add_agent_with_cli(
        console_gateway.database_url, "marie@ville.example", "Marie Tremblay", PASSWORD
    )
    page = await new_page("fr-CA")
    console = await ConsolePage(page, console_gateway.url).open()
    assert await page.text_content("#login-view h1") == "Console des agents 311"
    assert await page.evaluate("document.documentElement.lang") == "fr-CA"
    assert await page.evaluate("document.activeElement.id") == "login-email"

    # Empty fields: told in the page, nothing sent.
    await page.click("#login-submit")
    assert await page.text_content("#login-error") == "Entrez votre courriel et votre mot de passe."

    await console.login("marie@ville.example")
    assert await page.text_content("#agent-name") == "Marie Tremblay"
    assert await page.text_content("#connection") == "Connecté"
    assert "Marie Tremblay (vous)" in await page.text_content("#agents-list")
    await console.screenshot("login-done")

    # The session cookie survives a reload.
    await page.reload()
    await page.wait_for_selector("#app-view:not([hidden])")
    await console.wait_connected()

    await page.click("#logout-button")
    await page.wait_for_selector("#login-view:not([hidden])")
    assert await page.text_content("#login-info") == "Vous êtes déconnecté."
    me = await page.evaluate("fetch('/api/v1/agent/me').then(r => r.status)")
    assert me == 401
    await page.reload()
    await page.wait_for_selector("#login-view:not([hidden])")
    assert page.errors == []


async def test_wrong_password_then_rate_limited_in_both_languages(
    make_console_gateway: GatewayFactory, new_page: PageFactory
) -> None:
    gateway = await make_console_gateway(env={"LOGIN_MAX_FAILURES": "3"})
    await gateway.add_agent("paul@ville.example", "Paul Smith")
    page = await new_page("en-US")
    await ConsolePage(page, gateway.url).open()
    assert await page.text_content("#login-view h1") == "311 Agent Console"

    async def attempt(password: str) -> str:
        await page.fill("#login-email", "paul@ville.example")
        await page.fill("#login-password", password)
        await page.click("#login-submit")
        await page.wait_for_function(
            "() => document.getElementById('login-submit').disabled === false"
            " && document.getElementById('login-error').textContent !== ''"
        )
        text: str = await page.text_content("#login-error")
        await page.evaluate("document.getElementById('login-error').textContent = ''")
        return text

    for _ in range(3):
        assert await attempt("wrong password!") == "Wrong email or password."
    assert await page.get_attribute("#login-password", "aria-invalid") == "true"
    # Further attempts are refused, even with the right password.
    assert await attempt(PASSWORD) == "Too many attempts. Try again in 15 min."
    await page.click("#login-view .lang-toggle")
    assert await page.text_content("#login-view h1") == "Console des agents 311"
    assert await attempt(PASSWORD) == "Trop de tentatives. Réessayez dans 15 min."
    # A language switch re-translates the message on screen.
    await page.fill("#login-password", "wrong password!")
    await page.click("#login-submit")
    await page.wait_for_function("() => document.getElementById('login-error').textContent !== ''")
    await page.click("#login-view .lang-toggle")
    assert await page.text_content("#login-error") == "Too many attempts. Try again in 15 min."
    await ConsolePage(page, gateway.url).screenshot("login-rate-limited")
    assert page.errors == []


async def test_a_socket_without_session_is_refused(
    console_gateway: ConsoleGateway, new_page: PageFactory
) -> None:
    page = await new_page("fr-CA")
    await ConsolePage(page, console_gateway.url).open()
    refused: Any = await page.evaluate(
        """() => new Promise((resolve) => {
             const socket = io('/agent', {transports: ['websocket'], reconnection: false});
             socket.on('connect', () => resolve('connected'));
             socket.on('connect_error', (error) => resolve(error.message));
           })"""
    )
    assert refused == "unauthorized"
