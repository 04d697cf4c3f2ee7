"""The BUSINESS_HOURS setting parsed into weekly ranges, and its errors naming the clause."""

from __future__ import annotations

import pytest

from livechat.business_hours import OpeningRange, parse_business_hours
from livechat.calendar import BusinessCalendar
from livechat.requests.errors import CalendarConfigError, RequestsError


def test_parse_default_hours() -> None:
    week = parse_business_hours("Mon-Fri 07:30-18:00")
    assert week[:5] == ((OpeningRange(450, 1080),),) * 5
    assert week[5:] == ((), ())


def test_parse_several_clauses_and_ranges() -> None:
    week = parse_business_hours("Mon-Fri 07:30-18:00; Sat 09:00-12:00; Sun 10:00-12:00,13:00-15:00")
    assert week[5] == (OpeningRange(540, 720),)
    assert week[6] == (OpeningRange(600, 720), OpeningRange(780, 900))


def test_parse_around_the_clock_and_day_list() -> None:
    assert parse_business_hours("Mon-Sun 00:00-24:00") == ((OpeningRange(0, 1440),),) * 7
    week = parse_business_hours("mon,wed 08:00-09:00")
    assert [bool(d) for d in week] == [True, False, True, False, False, False, False]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("Mon-Fri", "expected '<days> <HH:MM-HH:MM>'"),
        ("Mon-Fri 7h30-18h", "not a HH:MM time"),
        ("Lun-Ven 07:30-18:00", "unknown day 'Lun'"),
        ("Fri-Mon 07:30-18:00", "runs backwards"),
        ("Mon-Fri 18:00-07:30", "must end after it starts"),
        ("Mon-Fri 07:30-25:00", "not a valid time"),
        ("Mon-Fri 07:75-18:00", "not a valid time"),
        ("Mon-Fri 07:30", "not a HH:MM-HH:MM range"),
        ("Mon-Fri 08:00-12:00; Mon 11:00-13:00", "overlapping hours on Mon"),
    ],
)
def test_invalid_hours_are_clear_errors(text: str, fragment: str) -> None:
    with pytest.raises(CalendarConfigError) as info:
        BusinessCalendar(hours=text)
    assert fragment in str(info.value)
    assert isinstance(info.value, RequestsError)
