"""BusinessCalendar: opening hours across DST and holidays, business-day deadlines, words;
its configuration errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from livechat.calendar import BusinessCalendar
from livechat.requests.errors import CalendarConfigError

TORONTO = ZoneInfo("America/Toronto")
UTC = ZoneInfo("UTC")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TORONTO)  # type: ignore[misc]


@pytest.fixture
def calendar() -> BusinessCalendar:
    return BusinessCalendar()


def test_invalid_zone_and_province() -> None:
    with pytest.raises(CalendarConfigError, match="CITY_TZ 'Mars/Olympus'"):
        BusinessCalendar(tz="Mars/Olympus")
    with pytest.raises(CalendarConfigError, match="HOLIDAYS_PROVINCE 'XX'"):
        BusinessCalendar(province="XX")


def test_naive_datetime_is_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(datetime(2025, 3, 3, 10, 0))


# -- is_open ----------------------------------------------------------------------------


def test_open_and_closed_on_an_ordinary_week(calendar: BusinessCalendar) -> None:
    assert not calendar.is_open(local(2025, 3, 3, 7, 29))  # Monday
    assert calendar.is_open(local(2025, 3, 3, 7, 30))
    assert calendar.is_open(local(2025, 3, 3, 17, 59))
    assert not calendar.is_open(local(2025, 3, 3, 18, 0))
    assert not calendar.is_open(local(2025, 3, 8, 10, 0))  # Saturday


def test_is_open_judges_the_instant_in_city_time(calendar: BusinessCalendar) -> None:
    # 12:00 UTC on 2025-07-02 is 08:00 in Toronto (EDT, UTC-4): open.
    assert calendar.is_open(datetime(2025, 7, 2, 12, 0, tzinfo=UTC))
    # 11:00 UTC is 07:00 in Toronto: closed.
    assert not calendar.is_open(datetime(2025, 7, 2, 11, 0, tzinfo=UTC))
    # In winter (EST, UTC-5), 12:00 UTC is 07:00: closed; 12:30 UTC is 07:30: open.
    assert not calendar.is_open(datetime(2025, 1, 8, 12, 0, tzinfo=UTC))
    assert calendar.is_open(datetime(2025, 1, 8, 12, 30, tzinfo=UTC))


def test_ontario_holidays_are_closed(calendar: BusinessCalendar) -> None:
    assert not calendar.is_open(local(2025, 7, 1, 10, 0))  # Canada Day (Tuesday)
    assert not calendar.is_open(local(2025, 12, 25, 10, 0))  # Christmas (Thursday)
    assert not calendar.is_open(local(2025, 2, 17, 10, 0))  # Family Day, Ontario
    assert calendar.is_open(local(2025, 6, 24, 10, 0))  # Saint-Jean is not a holiday in ON
    assert calendar.holiday_name(date(2025, 7, 1), "en") == "Canada Day"
    assert calendar.holiday_name(date(2025, 7, 1), "fr") == "Fête du Canada"


def test_quebec_holidays() -> None:
    quebec = BusinessCalendar(tz="America/Toronto", province="qc")
    assert not quebec.is_open(local(2025, 6, 24, 10, 0))  # Fête nationale (Saint-Jean-Baptiste)
    assert quebec.holiday_name(date(2025, 6, 24), "fr") == "Fête nationale du Québec"
    assert not quebec.is_open(local(2025, 5, 19, 10, 0))  # Journée nationale des patriotes
    assert quebec.is_open(local(2025, 2, 17, 10, 0))  # no Family Day in Québec


def test_extra_closures() -> None:
    calendar = BusinessCalendar(extra_closures=[date(2025, 12, 24)])
    assert not calendar.is_open(local(2025, 12, 24, 10, 0))
    assert calendar.holiday_name(date(2025, 12, 24), "en") == "Special closure"


def test_around_the_clock_is_open_at_midnight_and_on_dst_night() -> None:
    calendar = BusinessCalendar(hours="Mon-Sun 00:00-24:00")
    assert calendar.is_open(local(2025, 3, 8, 0, 0))
    assert calendar.is_open(datetime(2025, 3, 9, 7, 30, tzinfo=UTC))  # 03:30 EDT, after the jump
    # Still closed on holidays.
    assert not calendar.is_open(local(2025, 12, 25, 3, 0))


# -- next_opening / next_closing ---------------------------------------------------------


def test_next_opening_when_open_is_now(calendar: BusinessCalendar) -> None:
    now = local(2025, 3, 4, 11, 15)
    assert calendar.next_opening(now) == now


def test_next_opening_over_a_weekend_that_changes_clocks(calendar: BusinessCalendar) -> None:
    # Friday 2025-03-07 19:00 EST -> Monday 2025-03-10 07:30 EDT (DST began Sunday 2025-03-09).
    opening = calendar.next_opening(local(2025, 3, 7, 19, 0))
    assert opening == local(2025, 3, 10, 7, 30)
    assert opening.utcoffset() == timedelta(hours=-4)
    assert opening.astimezone(UTC) == datetime(2025, 3, 10, 11, 30, tzinfo=UTC)
    # 60.5 hours of wall time minus the hour lost to DST (same-zone subtraction is wall time).
    elapsed = opening.astimezone(UTC) - local(2025, 3, 7, 19, 0).astimezone(UTC)
    assert elapsed == timedelta(hours=59, minutes=30)


def test_next_opening_november_fall_back(calendar: BusinessCalendar) -> None:
    # Friday 2025-10-31 18:00 EDT -> Monday 2025-11-03 07:30 EST (DST ended 2025-11-02).
    opening = calendar.next_opening(local(2025, 10, 31, 18, 0))
    assert opening.astimezone(UTC) == datetime(2025, 11, 3, 12, 30, tzinfo=UTC)
    elapsed = opening.astimezone(UTC) - local(2025, 10, 31, 18, 0).astimezone(UTC)
    assert elapsed == timedelta(hours=62, minutes=30)  # 61.5 h of wall time + the extra hour


def test_next_opening_skips_holidays(calendar: BusinessCalendar) -> None:
    # Christmas Eve evening -> Christmas and Boxing Day closed -> Monday 2025-12-29 (Sat/Sun).
    assert calendar.next_opening(local(2025, 12, 24, 18, 30)) == local(2025, 12, 29, 7, 30)
    # Canada Day 2025 is a Tuesday.
    assert calendar.next_opening(local(2025, 6, 30, 20, 0)) == local(2025, 7, 2, 7, 30)


def test_next_opening_with_several_ranges() -> None:
    calendar = BusinessCalendar(hours="Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-12:00")
    assert calendar.next_opening(local(2025, 3, 3, 12, 30)) == local(2025, 3, 3, 13, 0)
    assert calendar.next_opening(local(2025, 3, 7, 17, 0)) == local(2025, 3, 8, 9, 0)


def test_opening_inside_a_dst_gap_moves_forward() -> None:
    # 02:30 does not exist in Toronto on 2025-03-09: the office opens when clocks read 03:30.
    calendar = BusinessCalendar(hours="Sun 02:30-05:00")
    opening = calendar.next_opening(local(2025, 3, 8, 12, 0))
    assert opening.astimezone(UTC) == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)
    assert (opening.hour, opening.minute) == (3, 30)


def test_next_closing(calendar: BusinessCalendar) -> None:
    assert calendar.next_closing(local(2025, 3, 4, 9, 0)) == local(2025, 3, 4, 18, 0)
    assert calendar.next_closing(local(2025, 3, 7, 19, 0)) == local(2025, 3, 10, 18, 0)
    around = BusinessCalendar(hours="Mon-Sun 00:00-24:00")
    # Open around the clock: it closes only for Christmas.
    assert around.next_closing(local(2025, 12, 20, 10, 0)) == local(2025, 12, 25, 0, 0)


# -- add_business_days -------------------------------------------------------------------


def test_add_business_days_simple(calendar: BusinessCalendar) -> None:
    assert calendar.add_business_days(local(2025, 3, 3, 10, 0), 2) == local(2025, 3, 5, 18, 0)
    assert calendar.add_business_days(local(2025, 3, 3, 10, 0), 0) == local(2025, 3, 3, 18, 0)
    # After closing, "0 days" means the next business day's close.
    assert calendar.add_business_days(local(2025, 3, 3, 19, 0), 0) == local(2025, 3, 4, 18, 0)


def test_add_business_days_over_weekend_and_dst(calendar: BusinessCalendar) -> None:
    deadline = calendar.add_business_days(local(2025, 3, 7, 10, 0), 1)  # Friday, EST
    assert deadline == local(2025, 3, 10, 18, 0)
    assert deadline.utcoffset() == timedelta(hours=-4)  # Monday is EDT
    deadline = calendar.add_business_days(local(2025, 10, 31, 10, 0), 1)
    assert deadline.astimezone(UTC) == datetime(2025, 11, 3, 23, 0, tzinfo=UTC)  # 18:00 EST


def test_add_business_days_skips_holidays(calendar: BusinessCalendar) -> None:
    # Filed Monday 2025-06-30; Canada Day (Tuesday) does not count.
    assert calendar.add_business_days(local(2025, 6, 30, 9, 0), 1) == local(2025, 7, 2, 18, 0)
    # Filed 2025-12-23 with 3 days: 24th, (25th, 26th, 27th-28th skipped), 29th, 30th.
    assert calendar.add_business_days(local(2025, 12, 23, 9, 0), 3) == local(2025, 12, 30, 18, 0)
    quebec = BusinessCalendar(province="QC")
    # Filed Monday 2025-06-23: Saint-Jean-Baptiste (24th) closed in Québec.
    assert quebec.add_business_days(local(2025, 6, 23, 9, 0), 1) == local(2025, 6, 25, 18, 0)


def test_add_business_days_from_utc_input_returns_city_time(calendar: BusinessCalendar) -> None:
    # 2025-03-04 03:00 UTC is Monday 2025-03-03 22:00 in Toronto.
    deadline = calendar.add_business_days(datetime(2025, 3, 4, 3, 0, tzinfo=UTC), 1)
    assert deadline == local(2025, 3, 4, 18, 0)
    assert deadline.tzinfo is not None


def test_add_business_days_refuses_negative(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="n must be"):
        calendar.add_business_days(local(2025, 3, 3, 10, 0), -1)


# -- descriptions ------------------------------------------------------------------------


def test_describe_default_hours(calendar: BusinessCalendar) -> None:
    assert calendar.describe("fr") == "du lundi au vendredi, de 7 h 30 à 18 h"
    assert calendar.describe("en") == "Monday to Friday, 7:30 a.m. to 6:00 p.m."
    assert calendar.describe("fr", with_holidays=True).endswith("(fermé les jours fériés)")
    assert calendar.describe("en", with_holidays=True).endswith("(closed on statutory holidays)")


def test_describe_short(calendar: BusinessCalendar) -> None:
    assert calendar.describe("fr", short=True) == "lun. au ven., 7 h 30 à 18 h"
    assert calendar.describe("en", short=True) == "Mon to Fri, 7:30 a.m. to 6 p.m."
    split = BusinessCalendar(hours="Mon-Fri 07:30-18:00; Sat 09:00-12:00,13:00-16:30")
    assert split.describe("fr", short=True) == (
        "lun. au ven., 7 h 30 à 18 h; sam., 9 h à 12 h et 13 h à 16 h 30"
    )
    assert split.describe("en", short=True) == (
        "Mon to Fri, 7:30 a.m. to 6 p.m.; Sat, 9 a.m. to noon and 1 p.m. to 4:30 p.m."
    )


def test_describe_several_ranges() -> None:
    calendar = BusinessCalendar(hours="Mon-Fri 07:30-18:00; Sat 09:00-12:00")
    assert (
        calendar.describe("fr")
        == "du lundi au vendredi, de 7 h 30 à 18 h; le samedi, de 9 h à 12 h"
    )
    assert (
        calendar.describe("en")
        == "Monday to Friday, 7:30 a.m. to 6:00 p.m.; Saturday, 9:00 a.m. to noon"
    )
    split = BusinessCalendar(hours="Mon 08:00-12:00,13:00-16:30")
    assert split.describe("fr") == "le lundi, de 8 h à 12 h et de 13 h à 16 h 30"
    assert split.describe("en") == "Monday, 8:00 a.m. to noon and 1:00 p.m. to 4:30 p.m."


def test_describe_around_the_clock() -> None:
    calendar = BusinessCalendar(hours="Mon-Sun 00:00-24:00")
    assert calendar.describe("fr") == "tous les jours, 24 heures sur 24"
    assert calendar.describe("en") == "Every day, 24 hours a day"


def test_from_settings_reads_attributes() -> None:
    class Settings:
        business_hours = "Mon-Sat 09:00-17:00"
        city_tz = "America/Montreal"
        holidays_province = "QC"

    calendar = BusinessCalendar.from_settings(Settings())
    assert calendar.province == "QC"
    assert calendar.describe("en") == "Monday to Saturday, 9:00 a.m. to 5:00 p.m."
