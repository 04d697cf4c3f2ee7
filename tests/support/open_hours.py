"""Gateway settings under which the live chat is open now, whatever day the tests run."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays


def open_province(today: dt.date | None = None) -> str:
    """A province where `today` (default: today in city time) is no statutory holiday, so the
    live chat is open all day."""
    if today is None:
        today = dt.datetime.now(ZoneInfo("America/Toronto")).date()
    for province in ("ON", "QC", "BC", "AB", "MB", "NS", "SK", "NB", "NL", "PE"):
        if today not in holidays.country_holidays("CA", subdiv=province, years=today.year):
            return province
    raise RuntimeError(f"{today} is a holiday everywhere")


def open_hours_env() -> dict[str, str]:
    """Business hours open around the clock, today no holiday, agents checked every second."""
    return {
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "HOLIDAYS_PROVINCE": open_province(),
        "AGENT_HEARTBEAT_SECONDS": "1",
    }
