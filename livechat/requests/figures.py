"""Figures the city plans with (``GET /api/v1/figures``): requests by service, channel and
language, resolution without an agent, hand-offs, time to close, satisfaction.

Counted with SQL aggregates that run on SQLite and PostgreSQL; the medians are computed in
Python over the fetched durations (``percentile_cont`` is PostgreSQL-only). Nothing here
reads a contact detail. Exact definitions: docs/figures.md.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.models import Conversation, Message, Sender
from livechat.requests.catalogue import Catalogue
from livechat.requests.http import BadRequest
from livechat.requests.models import (
    EventKind,
    RequestChannel,
    RequestStatus,
    ServiceRequest,
    ServiceRequestEvent,
    SurveyResponse,
)
from livechat.requests.texts import CHANNEL_NAMES

DEFAULT_DAYS = 30
LABELS = {
    "requests_total": ("Demandes reçues", "Requests received"),
    "requests_by_service": ("Demandes par service", "Requests by service"),
    "requests_by_channel": ("Demandes par canal", "Requests by channel"),
    "requests_by_language": ("Demandes par langue", "Requests by language"),
    "conversations": (
        "Conversations (au moins un message du citoyen)",
        "Conversations (at least one citizen message)",
    ),
    "first_contact_resolution": (
        "Part des conversations réglées sans préposé (premier contact)",
        "Share of conversations resolved without an agent (first contact)",
    ),
    "handoff_rate": (
        "Part des conversations transférées à un préposé",
        "Share of conversations handed to an agent",
    ),
    "median_hours_to_close": (
        "Délai médian de fermeture d'une demande (heures)",
        "Median time to close a request (hours)",
    ),
    "median_hours_to_close_by_service": (
        "Délai médian de fermeture par service (heures)",
        "Median time to close by service (hours)",
    ),
    "satisfaction": ("Satisfaction moyenne (1 à 5)", "Average satisfaction (1 to 5)"),
    "satisfaction_requests": (
        "Satisfaction moyenne – demandes (1 à 5)",
        "Average satisfaction – requests (1 to 5)",
    ),
    "satisfaction_live_chat": (
        "Satisfaction moyenne – clavardage (1 à 5)",
        "Average satisfaction – live chat (1 to 5)",
    ),
}
LANGUAGE_LABELS = {"fr": ("Français", "French"), "en": ("Anglais", "English")}


@dataclass(frozen=True)
class Period:
    """Whole days ``first``..``last`` in the city's time zone, as UTC instants [start, end)."""

    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, first: dt.date, last: dt.date, tz: ZoneInfo) -> Period:
        def midnight(day: dt.date) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)

        return cls(first, last, midnight(first), midnight(last + dt.timedelta(days=1)))


def _day(query: Mapping[str, str], name: str) -> dt.date | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be a date like 2025-03-31",
            f"{name} doit être une date comme 2025-03-31.",
            field=name,
        ) from None


def parse_period(query: Mapping[str, str], tz: ZoneInfo, now: dt.datetime) -> Period:
    """``?from=&to=`` (ISO dates, city time, both included); default: the last 30 days
    ending today. BadRequest (bilingual) for a malformed or reversed period."""
    last = _day(query, "to") or now.astimezone(tz).date()
    first = _day(query, "from") or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadRequest(
            "from must not be after to", "« from » doit précéder « to ».", field="from"
        )
    try:
        return Period.of(first, last, tz)
    except OverflowError:
        raise BadRequest("to is too late", "« to » est trop loin.", field="to") from None


def _figure(key: str, value: Any, **extra: Any) -> dict[str, Any]:
    fr, en = LABELS[key]
    return {"key": key, "label": {"fr": fr, "en": en}, "value": value, **extra}


def _item(key: str, fr: str, en: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": {"fr": fr, "en": en}, "value": value, **extra}


def _ratio(numerator: int, denominator: int) -> dict[str, Any]:
    value = round(numerator / denominator, 4) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def _average(total: int, count: int) -> dict[str, Any]:
    return {"value": round(total / count, 2) if count else None, "count": count}


def _median_hours(hours: list[float]) -> dict[str, Any]:
    return {"value": round(statistics.median(hours), 2) if hours else None, "count": len(hours)}


async def _requests(session: AsyncSession, period: Period) -> list[tuple[str, str, str, int]]:
    in_period = and_(
        ServiceRequest.requested_datetime >= period.start,
        ServiceRequest.requested_datetime < period.end,
    )
    columns = (ServiceRequest.service_code, ServiceRequest.channel, ServiceRequest.language)
    rows = await session.execute(select(*columns, func.count()).where(in_period).group_by(*columns))
    return [(code, channel, language, int(count)) for code, channel, language, count in rows]


async def _conversations(session: AsyncSession, period: Period) -> tuple[int, int, int]:
    """(conversations, never queued nor assigned, queued at least once)."""
    citizen_spoke = (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.sender == Sender.CITIZEN.value,
            Message.created_at >= period.start,
            Message.created_at < period.end,
        )
        .exists()
    )
    never_handed = and_(
        Conversation.queued_at.is_(None),
        Conversation.assigned_at.is_(None),
        Conversation.assignee_id.is_(None),
    )
    total, without_agent, handed = (
        await session.execute(
            select(
                func.count(Conversation.id),
                func.count(case((never_handed, Conversation.id))),
                func.count(Conversation.queued_at),
            ).where(citizen_spoke)
        )
    ).one()
    return int(total), int(without_agent), int(handed)


async def _hours_to_close(session: AsyncSession, period: Period) -> list[tuple[str, float]]:
    """(service code, hours from filing to the last closing) of requests closed now whose
    last closing falls in the period."""
    closed_at = func.max(ServiceRequestEvent.at)
    rows = await session.execute(
        select(ServiceRequest.service_code, ServiceRequest.requested_datetime, closed_at)
        .join(ServiceRequestEvent, ServiceRequestEvent.request_id == ServiceRequest.id)
        .where(
            ServiceRequest.status == RequestStatus.CLOSED.value,
            ServiceRequestEvent.kind == EventKind.STATUS_CHANGE.value,
            ServiceRequestEvent.status_to == RequestStatus.CLOSED.value,
        )
        .group_by(ServiceRequest.id, ServiceRequest.service_code, ServiceRequest.requested_datetime)
        .having(and_(closed_at >= period.start, closed_at < period.end))
    )
    return [(code, (closed - filed).total_seconds() / 3600) for code, filed, closed in rows]


async def _satisfaction(session: AsyncSession, period: Period) -> dict[str, tuple[int, int]]:
    """{"requests" | "live_chat" | "other": (sum of ratings, count)}."""
    about_request = SurveyResponse.request_id.is_not(None)
    about_chat = SurveyResponse.conversation_public_id.is_not(None)
    rows = await session.execute(
        select(about_request, about_chat, func.sum(SurveyResponse.rating), func.count())
        .where(SurveyResponse.created_at >= period.start, SurveyResponse.created_at < period.end)
        .group_by(about_request, about_chat)
    )
    result = {"requests": (0, 0), "live_chat": (0, 0), "other": (0, 0)}
    for is_request, is_chat, total, count in rows:
        kind = "requests" if is_request else "live_chat" if is_chat else "other"
        before = result[kind]
        result[kind] = (before[0] + int(total or 0), before[1] + int(count))
    return result


def _by_service(
    catalogue: Catalogue,
    counts: Mapping[str, Any],
    make: Callable[[str, str, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    """One item per catalogue service (in catalogue order), then codes no longer in it."""
    codes = list(catalogue.services) + sorted(set(counts) - set(catalogue.services))
    items: list[dict[str, Any]] = []
    for code in codes:
        service = catalogue.services.get(code)
        fr, en = (service.name.get("fr"), service.name.get("en")) if service else (code, code)
        items.append(make(code, fr, en))
    return items


async def compute(
    sessionmaker: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    period: Period,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """Every figure over ``period`` as ``{"period", "figures": [{key, label, value}]}``."""
    async with sessionmaker() as session:
        requests = await _requests(session, period)
        conversations, without_agent, handed = await _conversations(session, period)
        closings = await _hours_to_close(session, period)
        ratings = await _satisfaction(session, period)
    by_service: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    for code, channel, language, count in requests:
        by_service[code] += count
        by_channel[channel] += count
        by_language[language] += count
    channels = [c.value for c in RequestChannel] + sorted(set(by_channel) - set(RequestChannel))
    hours: defaultdict[str, list[float]] = defaultdict(list)
    for code, duration in closings:
        hours[code].append(duration)
    every = [value for durations in hours.values() for value in durations]
    all_ratings = (sum(t for t, _ in ratings.values()), sum(c for _, c in ratings.values()))
    figures = [
        _figure("requests_total", sum(by_service.values())),
        _figure(
            "requests_by_service",
            _by_service(catalogue, by_service, lambda c, fr, en: _item(c, fr, en, by_service[c])),
        ),
        _figure(
            "requests_by_channel",
            [_item(c, *_names(CHANNEL_NAMES.get(c), c), by_channel[c]) for c in channels],
        ),
        _figure(
            "requests_by_language",
            [_item(lang, *LANGUAGE_LABELS[lang], by_language[lang]) for lang in ("fr", "en")],
        ),
        _figure("conversations", conversations),
        {**_figure("first_contact_resolution", None), **_ratio(without_agent, conversations)},
        {**_figure("handoff_rate", None), **_ratio(handed, conversations)},
        {**_figure("median_hours_to_close", None), **_median_hours(every)},
        _figure(
            "median_hours_to_close_by_service",
            _by_service(
                catalogue, hours, lambda c, fr, en: _item(c, fr, en, None) | _median_hours(hours[c])
            ),
        ),
        {**_figure("satisfaction", None), **_average(*all_ratings)},
        {**_figure("satisfaction_requests", None), **_average(*ratings["requests"])},
        {**_figure("satisfaction_live_chat", None), **_average(*ratings["live_chat"])},
    ]
    return {
        "period": {
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "time_zone": tz.key,
            "start": period.start.astimezone(tz).isoformat(),
            "end": period.end.astimezone(tz).isoformat(),
        },
        "figures": figures,
    }


def _names(names: Mapping[str, str] | None, code: str) -> tuple[str, str]:
    return (names["fr"], names["en"]) if names else (code, code)
