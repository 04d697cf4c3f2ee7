"""The weekly opening hours of the ``BUSINESS_HOURS`` setting: parsed from text
(``"Mon-Fri 07:30-18:00; Sat 09:00-12:00"``) into ranges of minutes per weekday, and described
back in words, in French and English. Dates, zones and holidays are `livechat.calendar`'s.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from livechat.requests.errors import CalendarConfigError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_DAYS_FR = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MINUTES_PER_DAY = 24 * 60

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True, order=True)
class OpeningRange:
    """Open from ``start`` to ``end`` (minutes after local midnight; ``end`` may be 1440)."""

    start: int
    end: int


# Seven tuples of ranges, Monday first.
Week = tuple[tuple[OpeningRange, ...], ...]


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


def parse_business_hours(text: str) -> Week:
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
            if start == MINUTES_PER_DAY or end <= start:
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


def describe_week(week: Week, language: str = "fr", short: bool = False) -> str:
    """The hours in words: "du lundi au vendredi, de 7 h 30 à 18 h" /
    "Monday to Friday, 7:30 a.m. to 6:00 p.m."; ``short``: "lun. au ven., 7 h 30 à 18 h" /
    "Mon to Fri, 7:30 a.m. to 6 p.m." (closed days left out)."""
    describe = _describe_group_en if language == "en" else _describe_group_fr
    return "; ".join(describe(days, ranges, short) for days, ranges in _group_days(week))


def _group_days(week: Week) -> list[tuple[list[int], tuple[OpeningRange, ...]]]:
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
    return ranges == (OpeningRange(0, MINUTES_PER_DAY),)


def _time_fr(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def _time_en(minutes: int, short: bool = False) -> str:
    if minutes in (0, MINUTES_PER_DAY):
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
