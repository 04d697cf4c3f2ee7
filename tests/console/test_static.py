"""The console's static files: served at /console with a strict CSP, self-contained, safe DOM."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from livechat.console import ASSETS_DIR, CONSOLE_DIR, setup

ASSETS = sorted(ASSETS_DIR.iterdir())


async def _client(aiohttp_client: Any) -> Any:
    app = web.Application()
    setup(app)
    return await aiohttp_client(app)


async def test_console_page_is_served_with_a_strict_policy(aiohttp_client: Any) -> None:
    client = await _client(aiohttp_client)
    response = await client.get("/console")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "<title>" in await response.text()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_trailing_slash_redirects_to_the_console(aiohttp_client: Any) -> None:
    client = await _client(aiohttp_client)
    response = await client.get("/console/", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == "/console"


async def test_every_asset_is_served(aiohttp_client: Any) -> None:
    client = await _client(aiohttp_client)
    for path in ASSETS:
        response = await client.get(f"/console/assets/{path.name}")
        assert response.status == 200, path.name
        assert await response.read() == path.read_bytes()
    assert (await client.get("/console/assets/../__init__.py")).status in (403, 404)


def test_page_references_only_local_files() -> None:
    html = (CONSOLE_DIR / "index.html").read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, "the page loads its scripts and styles"
    for source in sources:
        assert source.startswith(("/", "#")), source
    assert "/static/vendor/socket.io.min.js" in sources
    for path in ASSETS:
        # The SVG namespace is a name, not something fetched.
        text = path.read_text().replace('"http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text, path.name


def test_no_html_injection_sinks_in_the_scripts() -> None:
    # Message text is user data: it must only ever reach the page through textContent.
    for path in ASSETS:
        if path.suffix != ".js":
            continue
        text = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, f"{sink} in {path.name}"


def test_no_inline_script_or_style_in_the_page() -> None:
    html = (CONSOLE_DIR / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
