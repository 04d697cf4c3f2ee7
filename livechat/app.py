"""The aiohttp application factory: resources, Socket.IO, core routes and wings."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

import aiohttp
import socketio
from aiohttp import web

from livechat import keys
from livechat.actions_guard import ActionsAwareRasaClient
from livechat.channels.web import WebChatNamespace
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationStore
from livechat.db import SQLiteThread, create_engine, create_sessionmaker
from livechat.language import warm_up
from livechat.metrics import METRICS, setup_metrics
from livechat.routes import setup_routes
from livechat.settings import Settings

log = logging.getLogger(__name__)

Wing = Callable[[web.Application], None]
# Modules whose `setup(app)` adds a wing (routes, sub-apps, resources); missing ones are skipped.
WING_MODULES: tuple[str, ...] = (
    "livechat.requests",
    "livechat.sms",
    "livechat.agents",
    "livechat.console",
)
SHUTDOWN_GRACE = 5.0


def default_wings() -> list[Wing]:
    """The `setup` function of every importable module in WING_MODULES."""
    wings: list[Wing] = []
    for name in WING_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is not None and (name + ".").startswith(error.name + "."):
                continue
            raise
        setup = getattr(module, "setup", None)
        if callable(setup):
            wings.append(setup)
    return wings


def create_socketio_server(settings: Settings) -> socketio.AsyncServer:
    """Socket.IO server for aiohttp; Redis manager when REDIS_URL is set (several processes)."""
    origins = settings.cors_allowed_origins
    manager = socketio.AsyncRedisManager(settings.redis_url) if settings.redis_url else None
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins="*" if "*" in origins else list(origins),
        # One event at a time per connection: a citizen's messages are stored in the order sent.
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )


def create_app(settings: Settings, wings: Sequence[Wing] | None = None) -> web.Application:
    """Build the gateway application (resources open on startup, close on cleanup)."""
    app = web.Application()
    app[keys.SETTINGS] = settings
    sio = create_socketio_server(settings)
    sio.attach(app, socketio_path="socket.io")
    app[keys.SIO] = sio
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_http_clients)
    app.cleanup_ctx.append(_conversations)
    app.on_shutdown.append(_disconnect_sockets)
    setup_routes(app)
    setup_metrics(app)
    for wing in default_wings() if wings is None else wings:
        wing(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    app[keys.DB_ENGINE] = engine
    app[keys.DB_SESSIONMAKER] = create_sessionmaker(engine)
    sqlite_thread = SQLiteThread.for_url(settings.database_url, settings.sqlite_synchronous)
    if sqlite_thread is not None:
        app[keys.SQLITE_THREAD] = sqlite_thread
    yield
    if sqlite_thread is not None:
        await sqlite_thread.close()
    await engine.dispose()


async def _http_clients(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    session = aiohttp.ClientSession()
    app[keys.HTTP] = session
    app[keys.RASA] = ActionsAwareRasaClient(
        session,
        settings.rasa_url,
        token=settings.rasa_token,
        timeout=settings.rasa_timeout,
        actions_url=settings.actions_url,
    )
    yield
    await session.close()


async def _conversations(app: web.Application) -> AsyncIterator[None]:
    store = ConversationStore(app[keys.DB_SESSIONMAKER], app.get(keys.SQLITE_THREAD))
    router = ConversationRouter(store, app[keys.RASA], app[METRICS])
    chat = WebChatNamespace(store, router, app[keys.SETTINGS])
    app[keys.SIO].register_namespace(chat)
    app[keys.STORE] = store
    app[keys.ROUTER] = router
    app[keys.WEB_CHAT] = chat
    await asyncio.to_thread(warm_up)
    yield
    try:
        await asyncio.wait_for(router.join(), SHUTDOWN_GRACE)
    except TimeoutError:
        log.warning("shutting down with messages still being handled")
    await router.close()
    await app[keys.SIO].shutdown()


async def _disconnect_sockets(app: web.Application) -> None:
    sio = app[keys.SIO]
    chat = app.get(keys.WEB_CHAT)
    if chat is not None:
        for sid in list(chat.sockets):
            await sio.disconnect(sid)
