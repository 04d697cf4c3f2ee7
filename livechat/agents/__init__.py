"""Live chat with human agents: accounts, logins, the `/agent` hub, queue and hand-off.

`setup(app)` plugs it into the gateway (listed in livechat.app.WING_MODULES); the protocol is
docs/agent-protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from aiohttp import web

from livechat.db import utcnow


def setup(
    app: web.Application,
    *,
    agent_settings: Any = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> None:
    """Add the live chat to the gateway: routes now, resources and the hub on startup."""
    from livechat import keys
    from livechat.agents.appkeys import AGENT_SETTINGS, CALENDAR
    from livechat.agents.canned import load_canned
    from livechat.agents.routes import routes
    from livechat.agents.settings import AgentSettings
    from livechat.calendar import BusinessCalendar

    settings = app[keys.SETTINGS]
    app[AGENT_SETTINGS] = agent_settings or AgentSettings.from_env()
    app[CALENDAR] = BusinessCalendar.from_settings(settings)
    canned = load_canned(app[AGENT_SETTINGS].canned_path or None)
    app.router.add_routes(routes)

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with _running(app, canned, clock):
            yield

    app.cleanup_ctx.append(context)
    app.on_shutdown.append(_disconnect_agents)


@contextlib.asynccontextmanager
async def _running(app: web.Application, canned: Any, clock: Callable[[], dt.datetime]) -> Any:
    from livechat import keys
    from livechat.agents.actions import AgentActions
    from livechat.agents.appkeys import (
        ACTIONS,
        AGENT_SETTINGS,
        CALENDAR,
        DISPATCHER,
        HUB,
        INTAKE,
        SESSIONS,
        SWEEPER,
    )
    from livechat.agents.assignment import AssignmentStore
    from livechat.agents.dispatch import AgentBus, Dispatcher
    from livechat.agents.hub import AgentNamespace
    from livechat.agents.intake import Intake
    from livechat.agents.presence import PresenceStore
    from livechat.agents.queue import QueueReader
    from livechat.agents.routes import allowed_origins
    from livechat.agents.sessions import SessionManager
    from livechat.conversations.handoff import BotControl, CitizenNotifier

    agent_settings = app[AGENT_SETTINGS]
    router, web_chat = app[keys.ROUTER], app[keys.WEB_CHAT]
    bot = BotControl(app[keys.RASA])
    dispatcher = Dispatcher(
        settings=app[keys.SETTINGS],
        agent_settings=agent_settings,
        store=app[keys.STORE],
        queue=QueueReader(app[keys.DB_SESSIONMAKER]),
        assignments=AssignmentStore(app[keys.DB_SESSIONMAKER]),
        presence=PresenceStore(app[keys.DB_SESSIONMAKER]),
        router=router,
        rasa=app[keys.RASA],
        notifier=CitizenNotifier(app[keys.STORE], router),
        bot=bot,
        calendar=app[CALENDAR],
        bus=AgentBus(app[keys.SIO]),
        clock=clock,
    )
    intake = Intake(dispatcher, _survey_recorder(app))
    actions = AgentActions(dispatcher, web_chat.send_typing, _request_filer(app))
    sessions = SessionManager(
        app[keys.DB_SESSIONMAKER],
        session_hours=agent_settings.session_hours,
        max_failures=agent_settings.login_max_failures,
        window_minutes=agent_settings.login_window_minutes,
        clock=clock,
    )
    hub = AgentNamespace(dispatcher, sessions, actions, canned, allowed_origins(app))
    app[keys.SIO].register_namespace(hub)
    router.agent_handoff = intake.citizen_message
    router.intercept = intake.intercept
    router.bot_outage = intake.bot_outage
    web_chat.typing_listener = intake.citizen_typing
    app[DISPATCHER], app[INTAKE], app[ACTIONS], app[SESSIONS], app[HUB] = (
        dispatcher,
        intake,
        actions,
        sessions,
        hub,
    )
    sweeper = asyncio.create_task(_sweep(dispatcher, hub, sessions), name="agent-sweeper")
    app[SWEEPER] = sweeper
    refresher = _gauges(dispatcher)
    router.metrics.refreshers.append(refresher)
    try:
        yield
    finally:
        router.metrics.refreshers.remove(refresher)
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
        await intake.join()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(bot.join(), 5.0)
        await bot.close()
        await hub.close()


async def _sweep(dispatcher: Any, hub: Any, sessions: Any) -> None:
    """The dispatcher's sweep, plus ending this process's sockets whose login ended."""

    async def end_stale_sessions() -> None:
        while True:
            await asyncio.sleep(dispatcher.agent_settings.heartbeat_seconds)
            for sid, session in list(hub.local.items()):
                try:
                    if await sessions.check_id(session.id) is None:
                        reason = await sessions.why_invalid(session.id)
                        await hub.end(sid, reason)
                except Exception:  # noqa: S112 - retried on the next round
                    continue

    await asyncio.gather(dispatcher.run_sweeper(hub.local_connections), end_stale_sessions())


def _gauges(dispatcher: Any) -> Any:
    """Sets the queue-length and agents-online gauges from the database (all processes)."""

    async def refresh(metrics: Any) -> None:
        entries = await dispatcher.queue.queue()
        waiting = sum(1 for entry in entries if entry.position is not None)
        metrics.queue_length.labels("waiting").set(waiting)
        metrics.queue_length.labels("offline").set(len(entries) - waiting)
        metrics.agents_online.set(len(await dispatcher.available_agents()))

    return refresh


async def _disconnect_agents(app: web.Application) -> None:
    from livechat import keys
    from livechat.agents.appkeys import HUB

    hub = app.get(HUB)
    if hub is not None:
        for sid in hub.local_sids():
            await app[keys.SIO].disconnect(sid, namespace="/agent")


def _survey_recorder(app: web.Application) -> Any:
    """Records ratings through the requests wing when it is installed."""

    async def record(rating: int, channel: str, language: str | None, about: str | None) -> None:
        from livechat.requests import subscriptions
        from livechat.requests.appkeys import SERVICE

        service = app.get(SERVICE)
        if service is not None:
            await subscriptions.record_survey(
                service, rating, channel, language=language, conversation_id=about
            )

    return record


def _request_filer(app: web.Application) -> Any:
    """Files requests through the requests wing's service layer (when installed)."""

    async def file(conversation: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
        from livechat.agents import views
        from livechat.agents.errors import AgentError
        from livechat.requests.appkeys import SERVICE
        from livechat.requests.errors import RequestsError
        from livechat.requests.validation import NewRequest

        service = app.get(SERVICE)
        if service is None:
            raise AgentError("requests_unavailable")

        def text(name: str) -> str | None:
            value = fields.get(name)
            return value if isinstance(value, str) and value.strip() else None

        def number(name: str) -> float | None:
            value = fields.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return float(value)

        attributes = fields.get("attributes")
        new = NewRequest(
            service_code=str(fields["service_code"]),
            description=text("description"),
            address=text("address"),
            lat=number("lat"),
            long=number("long"),
            attributes=attributes if isinstance(attributes, dict) else {},
            language=conversation.language or "fr",
            channel=conversation.channel,
            conversation_id=conversation.hex,
        )
        try:
            filed, _created = await service.create_request(new)
        except RequestsError as error:
            raise AgentError(
                "request_invalid",
                str(error),
                reason_fr=error.localized("fr"),
                reason_en=error.localized("en"),
            ) from None
        return {
            "service_request_id": filed.service_request_id,
            "expected_datetime": views.when(filed.expected_datetime),
        }

    return file
