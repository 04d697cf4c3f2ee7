"""The city's business calendar: opening hours, time zone and statutory holidays.

Built from the settings strings ``BUSINESS_HOURS`` (e.g.
``"Mon-Fri 07:30-18:00; Sat 09:00-12:00"``), ``CITY_TZ`` (an IANA zone, default
``America/Toronto``) and ``HOLIDAYS_PROVINCE`` (Canada plus that province's statutory
holidays, via the ``holidays`` package). Every instant taken or returned is timezone-aware;
wall-clock arithmetic is done in the city's zone so DST changes never shift opening times.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from livechat.requests.errors import CalendarConfigError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_DAYS_FR = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_MINUTES_PER_DAY = 24 * 60
# How far next_opening() looks ahead before deciding the calendar is never open.
_SEARCH_DAYS = 400

_PROVINCES: tuple[str, ...] = tuple(holidays.country_holidays("CA").subdivisions)
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, order=True)
class OpeningRange:
    """Open from ``start`` to ``end`` (minutes after local midnight; ``end`` may be 1440)."""

    start: int
    end: int


def _parse_time(text: str, source: str) -> int:
    match = _TIME_RE.match(text)
    if not match:
        raise CalendarConfigError(f"BUSINESS_HOURS {source!r}: {text!r} is not a HH:MM time")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes != 0):
        raise CalendarConfigError(f"BUSINESS_HOURS {source!r}: {text!r} is not a valid time")
    return hours * 60 + minutes


def _parse_day(text: str, source: str) -> int:
    for index, name in enumerate(DAY_NAMES):
        if text.strip().lower() == name.lower():
            return index
    raise CalendarConfigError(
        f"BUSINESS_HOURS {source!r}: unknown day {text!r} (use {', '.join(DAY_NAMES)})"
    )


def _parse_days(text: str, source: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first_text, last_text = part.split("-", 1)
            first, last = _parse_day(first_text, source), _parse_day(last_text, source)
            if last < first:
                raise CalendarConfigError(
                    f"BUSINESS_HOURS {source!r}: day range {part!r} runs backwards"
                )
            days.extend(range(first, last + 1))
        else:
            days.append(_parse_day(part, source))
    return days


def parse_business_hours(text: str) -> tuple[tuple[OpeningRange, ...], ...]:
    """Parse ``"Mon-Fri 07:30-18:00; Sat 09:00-12:00"`` into 7 tuples of ranges (Mon first).

    Days are ``Mon``..``Sun``, as ranges (``Mon-Fri``) or lists (``Mon,Wed``); a day may
    have several time ranges (``Mon 08:00-12:00,13:00-17:00``). Ranges may not overlap or
    cross midnight (``24:00`` ends a day). Raises ``CalendarConfigError`` with the reason.
    """
    week: list[list[OpeningRange]] = [[] for _ in DAY_NAMES]
    clauses = [clause.strip() for clause in text.split(";") if clause.strip()]
    if not clauses:
        raise CalendarConfigError("BUSINESS_HOURS is empty (expected e.g. 'Mon-Fri 07:30-18:00')")
    for clause in clauses:
        parts = clause.split()
        if len(parts) != 2:
            raise CalendarConfigError(
                f"BUSINESS_HOURS {clause!r}: expected '<days> <HH:MM-HH:MM>', "
                "e.g. 'Mon-Fri 07:30-18:00'"
            )
        days_text, ranges_text = parts
        ranges: list[OpeningRange] = []
        for range_text in ranges_text.split(","):
            if range_text.count("-") != 1:
                raise CalendarConfigError(
                    f"BUSINESS_HOURS {clause!r}: {range_text!r} is not a HH:MM-HH:MM range"
                )
            start_text, end_text = range_text.split("-")
            start, end = _parse_time(start_text, clause), _parse_time(end_text, clause)
            if start == _MINUTES_PER_DAY or end <= start:
                raise CalendarConfigError(
                    f"BUSINESS_HOURS {clause!r}: {range_text!r} must end after it starts, "
                    "on the same day"
                )
            ranges.append(OpeningRange(start, end))
        for day in _parse_days(days_text, clause):
            week[day].extend(ranges)
    for day, day_ranges in enumerate(week):
        day_ranges.sort()
        for before, after in itertools.pairwise(day_ranges):
            if after.start < before.end:
                raise CalendarConfigError(
                    f"BUSINESS_HOURS {text!r}: overlapping hours on {DAY_NAMES[day]}"
                )
    return tuple(tuple(day_ranges) for day_ranges in week)


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
        if minutes >= _MINUTES_PER_DAY:
            return self._at(day + timedelta(days=1), minutes - _MINUTES_PER_DAY)
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
        groups = _group_days(self.week)
        describe = _describe_group_en if language == "en" else _describe_group_fr
        text = "; ".join(describe(days, ranges, short) for days, ranges in groups)
        if with_holidays:
            text += (
                " (closed on statutory holidays)"
                if language == "en"
                else " (fermé les jours fériés)"
            )
        return text


def _group_days(
    week: tuple[tuple[OpeningRange, ...], ...],
) -> list[tuple[list[int], tuple[OpeningRange, ...]]]:
    """Consecutive days with identical ranges, in week order (closed days left out)."""
    groups: list[tuple[list[int], tuple[OpeningRange, ...]]] = []
    for day, ranges in enumerate(week):
        if not ranges:
            continue
        if groups and groups[-1][1] == ranges and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], ranges))
    return groups


def _is_all_day(ranges: tuple[OpeningRange, ...]) -> bool:
    return ranges == (OpeningRange(0, _MINUTES_PER_DAY),)


def _time_fr(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def _time_en(minutes: int, short: bool = False) -> str:
    if minutes in (0, _MINUTES_PER_DAY):
        return "midnight"
    if minutes == 12 * 60:
        return "noon"
    hours, mins = divmod(minutes, 60)
    suffix = "a.m." if hours < 12 else "p.m."
    if short and not mins:
        return f"{(hours - 1) % 12 + 1} {suffix}"
    return f"{(hours - 1) % 12 + 1}:{mins:02d} {suffix}"


def _describe_group_fr(days: list[int], ranges: tuple[OpeningRange, ...], short: bool) -> str:
    names = _SHORT_DAYS_FR if short else _DAYS_FR
    if len(days) == 7:
        day_text = "tous les jours"
    elif len(days) == 1:
        day_text = names[days[0]] if short else f"le {names[days[0]]}"
    else:
        day_text = f"{'' if short else 'du '}{names[days[0]]} au {names[days[-1]]}"
    if _is_all_day(ranges):
        return f"{day_text}, 24 h sur 24" if short else f"{day_text}, 24 heures sur 24"
    spans = [f"{_time_fr(r.start)} à {_time_fr(r.end)}" for r in ranges]
    times = " et ".join(spans if short else [f"de {span}" for span in spans])
    return f"{day_text}, {times}"


def _describe_group_en(days: list[int], ranges: tuple[OpeningRange, ...], short: bool) -> str:
    names = [name[:3] for name in _DAYS_EN] if short else _DAYS_EN
    if len(days) == 7:
        day_text = "Every day"
    elif len(days) == 1:
        day_text = names[days[0]]
    else:
        day_text = f"{names[days[0]]} to {names[days[-1]]}"
    if _is_all_day(ranges):
        return f"{day_text}, 24 hours a day"
    times = " and ".join(f"{_time_en(r.start, short)} to {_time_en(r.end, short)}" for r in ranges)
    return f"{day_text}, {times}"
