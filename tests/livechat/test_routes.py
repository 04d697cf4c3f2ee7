"""The core's pages: the widget's demo city pages, the built widget, the minimal demo."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from livechat.routes import REPO_WIDGET_DIR
from tests.livechat.conftest import Gateway, GatewayFactory

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BUNDLE = "/* city311 widget (test build) */\nconsole.log('widget');\n"


@pytest.fixture
def widget_dir(tmp_path: Path) -> Path:
    """A widget folder like the repository's, with a built dist/."""
    root = tmp_path / "widget"
    (root / "demo").mkdir(parents=True)
    (root / "dist").mkdir()
    (root / "demo" / "index.html").write_text("<!doctype html><title>Ville</title>fr")
    (root / "demo" / "en.html").write_text("<!doctype html><title>City</title>en")
    (root / "demo" / "demo.css").write_text("body { color: #222; }")
    (root / "demo" / ".secret").write_text("hidden")
    (root / "dist" / "city311-widget.js").write_text(BUNDLE)
    (root / "dist" / "city311-widget.js.map").write_text('{"version": 3}')
    (root / "outside.txt").write_text("not served")
    return root


async def get(gateway: Gateway, path: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession(base_url=gateway.url) as http, http.get(path) as response:
        return response.status, dict(response.headers), await response.text()


async def test_demo_pages_and_widget_are_served(
    make_gateway: GatewayFactory, widget_dir: Path
) -> None:
    gateway = await make_gateway(widget_dir=str(widget_dir))
    pages = [
        ("/", "text/html; charset=utf-8", "<!doctype html><title>Ville</title>fr"),
        ("/en", "text/html; charset=utf-8", "<!doctype html><title>City</title>en"),
        ("/demo/demo.css", "text/css; charset=utf-8", "body { color: #222; }"),
        ("/widget/city311-widget.js", "text/javascript; charset=utf-8", BUNDLE),
        ("/widget/city311-widget.js.map", "application/json", '{"version": 3}'),
    ]
    for path, content_type, body in pages:
        status, headers, text = await get(gateway, path)
        assert (status, text) == (200, body), path
        assert headers["Content-Type"] == content_type, path
        assert headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize(
    "path",
    [
        "/demo/.secret",
        "/demo/missing.css",
        "/demo/..%2Foutside.txt",
        "/demo/%2E%2E%2Foutside.txt",
        "/widget/..%2Foutside.txt",
        "/widget/nothing.js",
        "/widget/",
    ],
)
async def test_nothing_outside_the_served_folders(
    make_gateway: GatewayFactory, widget_dir: Path, path: str
) -> None:
    gateway = await make_gateway(widget_dir=str(widget_dir))
    status, _headers, text = await get(gateway, path)
    assert status == 404
    assert "not served" not in text and "hidden" not in text


async def test_widget_not_built_is_a_clear_404_and_a_log_line(
    make_gateway: GatewayFactory, widget_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for built in (widget_dir / "dist").iterdir():
        built.unlink()
    (widget_dir / "dist").rmdir()
    gateway = await make_gateway(widget_dir=str(widget_dir))

    with caplog.at_level(logging.ERROR, logger="livechat.routes"):
        status, _headers, text = await get(gateway, "/widget/city311-widget.js")

    assert status == 404
    assert "not built" in text and "npm run build" in text
    [record] = [r for r in caplog.records if r.name == "livechat.routes"]
    assert "widget not built" in record.getMessage()
    assert "npm ci && npm run build" in record.getMessage()
    # The pages themselves are still served.
    assert (await get(gateway, "/"))[0] == 200


async def test_the_repository_demo_pages_load_the_widget(gateway: Gateway) -> None:
    status, _headers, french = await get(gateway, "/")
    assert status == 200
    assert french == (REPO_WIDGET_DIR / "demo" / "index.html").read_text()
    assert '<html lang="fr-CA">' in french
    assert 'src="/widget/city311-widget.js"' in french
    status, _headers, english = await get(gateway, "/en")
    assert status == 200
    assert 'lang="en' in english and 'src="/widget/city311-widget.js"' in english
    assert (await get(gateway, "/demo/demo.css"))[0] == 200


async def test_minimal_demo_moved_to_demo_minimal(gateway: Gateway) -> None:
    status, _headers, page = await get(gateway, "/demo-minimal")
    assert status == 200
    assert '<script src="/static/vendor/socket.io.min.js"></script>' in page
