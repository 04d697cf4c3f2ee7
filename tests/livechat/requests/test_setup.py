"""The wing plugs into the gateway's app factory, and refuses to start on a broken catalogue."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from livechat.app import create_app
from livechat.requests.appkeys import CATALOGUE
from livechat.requests.errors import CalendarConfigError, CatalogueError
from livechat.settings import Settings


def test_default_app_includes_the_requests_wing() -> None:
    app = create_app(Settings())
    paths = {route.resource.canonical for route in app.router.routes() if route.resource}
    assert "/open311/v2/services.{format}" in paths
    assert "/api/v1/requests" in paths
    assert len(app[CATALOGUE].services) == 12


def test_broken_catalogue_stops_the_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "services.json"
    broken.write_text('{"departments": {}}', encoding="utf-8")
    monkeypatch.setenv("CATALOGUE_PATH", str(broken))
    with pytest.raises(CatalogueError, match="at least one department"):
        create_app(Settings())


def test_bad_hours_stop_the_start() -> None:
    # Settings validates the shape; the calendar catches what a regex cannot (closing first).
    with pytest.raises(CalendarConfigError, match="must end after it starts"):
        create_app(replace(Settings(), business_hours="Mon-Fri 18:00-07:30"))
