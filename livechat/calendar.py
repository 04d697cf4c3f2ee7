"""The city's business calendar: opening hours, time zone and statutory holidays.

Built from the settings strings ``BUSINESS_HOURS`` (e.g.
``"Mon-Fri 07:30-18:00; Sat 09:00-12:00"``), ``CITY_TZ`` (an IANA zone, default
``America/Toronto``) and ``HOLIDAYS_PROVINCE`` (Canada plus that province's statutory
holidays, via the ``holidays`` package). Every instant taken or returned is timezone-aware;
wall-clock arithmetic is done in the city's zone so DST changes never shift opening times.
The weekly hours themselves (parsing, words) are `livechat.business_hours`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from livechat.business_hours import (
    MINUTES_PER_DAY,
    OpeningRange,
    describe_week,
    parse_business_hours,
)
from livechat.requests.errors import CalendarConfigError

# How far next_opening() looks ahead before deciding the calendar is never open.
_SEARCH_DAYS = 400

_PROVINCES: tuple[str, ...] = tuple(holidays.country_holidays("CA").subdivisions)


class BusinessCalendar:
    """Opening hours in the city's zone, closed on Canadian + provincial statutory holidays."""

    def __init__(
        self,
        hours: str = "Mon-Fri 07:30-18:00",
        tz: str = "America/Toronto",
        province: str = "ON",
        extra_closures: Iterable[date] = (),
    ) -> None:
        self.hours_text = hours
        self.week = parse_business_hours(hours)
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarConfigError(f"CITY_TZ {tz!r} is not a known time zone") from exc
        self.province = province.strip().upper()
        if self.province not in _PROVINCES:
            raise CalendarConfigError(
                f"HOLIDAYS_PROVINCE {province!r} is not a Canadian province or territory "
                f"(one of {', '.join(_PROVINCES)})"
            )
        self._holidays_fr = holidays.country_holidays("CA", subdiv=self.province, language="fr")
        self._holidays_en = holidays.country_holidays("CA", subdiv=self.province, language="en_CA")
        self.extra_closures = frozenset(extra_closures)

    @classmethod
    def from_settings(cls, settings: Any) -> BusinessCalendar:
        """Build from settings attributes ``business_hours``, ``city_tz``, ``holidays_province``."""
        return cls(
            hours=getattr(settings, "business_hours", "Mon-Fri 07:30-18:00"),
            tz=getattr(settings, "city_tz", "America/Toronto"),
            province=getattr(settings, "holidays_province", "ON"),
        )

    # -- days -----------------------------------------------------------------------------

    def holiday_name(self, day: date, language: str = "fr") -> str | None:
        """The statutory holiday's name on ``day`` in ``language``, or None."""
        names = self._holidays_en if language == "en" else self._holidays_fr
        name = names.get(day)
        if name is None and day in self.extra_closures:
            return "Fermeture exceptionnelle" if language != "en" else "Special closure"
        return name

    def is_holiday(self, day: date) -> bool:
        """True when ``day`` is a statutory holiday (or an extra closure)."""
        return day in self._holidays_en or day in self.extra_closures

    def ranges_on(self, day: date) -> tuple[OpeningRange, ...]:
        """The opening ranges on local date ``day`` (empty on holidays and closed days)."""
        if self.is_holiday(day):
            return ()
        return self.week[day.weekday()]

    def is_business_day(self, day: date) -> bool:
        """True when the office opens at some point on local date ``day``."""
        return bool(self.ranges_on(day))

    # -- instants -------------------------------------------------------------------------

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("BusinessCalendar needs timezone-aware datetimes")
        return at.astimezone(self.tz)

    def _at(self, day: date, minutes: int) -> datetime:
        """The aware instant of local wall time ``minutes`` on ``day``.

        A wall time skipped by a DST change is moved forward by the gap (02:30 -> 03:30).
        """
        if minutes >= MINUTES_PER_DAY:
            return self._at(day + timedelta(days=1), minutes - MINUTES_PER_DAY)
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        aware = naive.replace(tzinfo=self.tz)
        # Round-trip through UTC normalises non-existent times into the zone's real offset.
        return aware.astimezone(ZoneInfo("UTC")).astimezone(self.tz)

    def is_open(self, at: datetime) -> bool:
        """True when the office is open at instant ``at`` (aware datetime)."""
        day = self._local(at).date()
        return any(self._at(day, r.start) <= at < self._at(day, r.end) for r in self.ranges_on(day))

    def next_opening(self, at: datetime) -> datetime:
        """The first instant at or after ``at`` when the office is open (``at`` itself if open)."""
        local = self._local(at)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            for r in self.ranges_on(day):
                start, end = self._at(day, r.start), self._at(day, r.end)
                if start <= at < end:
                    return at
                if start > at:
                    return start
        raise CalendarConfigError(f"BUSINESS_HOURS {self.hours_text!r}: never open")

    def next_closing(self, at: datetime) -> datetime:
        """When the office next closes after ``at`` (if closed now: the end of the next opening)."""
        instant = self.next_opening(at)
        for _ in range(_SEARCH_DAYS):
            day = instant.astimezone(self.tz).date()
            closing = next(
                self._at(day, r.end)
                for r in self.ranges_on(day)
                if self._at(day, r.start) <= instant < self._at(day, r.end)
            )
            # Back-to-back ranges (e.g. open around the clock) are one opening.
            if not self.is_open(closing):
                return closing
            instant = closing
        raise CalendarConfigError(f"BUSINESS_HOURS {self.hours_text!r}: never closes")

    def end_of_business(self, day: date) -> datetime:
        """The closing instant of the last range on business day ``day``."""
        ranges = self.ranges_on(day)
        if not ranges:
            raise ValueError(f"{day} is not a business day")
        return self._at(day, ranges[-1].end)

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """Close of business on the ``n``-th business day after ``start``'s local date.

        This is the deadline "within n business days" used for Open311 ``expected_datetime``:
        filed Monday 10:00 with n=2 -> Wednesday at closing time; filed Friday evening or on
        a weekend/holiday with n=1 -> the next business day's closing. ``n=0`` is today's
        closing if still ahead (else the next business day's closing).
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        day = self._local(start).date()
        if n == 0:
            if self.is_business_day(day) and self.end_of_business(day) > start:
                return self.end_of_business(day)
            n = 1
        counted = 0
        for _ in range(_SEARCH_DAYS * (n + 1)):
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
                if counted == n:
                    return self.end_of_business(day)
        raise CalendarConfigError(f"BUSINESS_HOURS {self.hours_text!r}: never open")

    # -- words ----------------------------------------------------------------------------

    def describe(
        self, language: str = "fr", *, with_holidays: bool = False, short: bool = False
    ) -> str:
        """Human description of the hours: "du lundi au vendredi, de 7 h 30 à 18 h" /
        "Monday to Friday, 7:30 a.m. to 6:00 p.m."; ``short``: "lun. au ven., 7 h 30 à 18 h" /
        "Mon to Fri, 7:30 a.m. to 6 p.m." (for buttons and status bars)."""
        text = describe_week(self.week, language, short)
        if with_holidays:
            text += (
                " (closed on statutory holidays)"
                if language == "en"
                else " (fermé les jours fériés)"
            )
        return text
