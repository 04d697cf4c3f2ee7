"""Typed keys of the aiohttp application's shared resources."""

from __future__ import annotations

import aiohttp
import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from livechat.channels.web import WebChatNamespace
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationStore
from livechat.db import SQLiteThread
from livechat.rasa_client import RasaClient
from livechat.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SIO = web.AppKey("sio", socketio.AsyncServer)
# Set while the app runs (cleanup_ctx), not yet inside create_app():
DB_ENGINE = web.AppKey("db_engine", AsyncEngine)
DB_SESSIONMAKER = web.AppKey("db_sessionmaker", async_sessionmaker[AsyncSession])
# Only for a SQLite file: the thread that runs the per-message transactions.
SQLITE_THREAD = web.AppKey("sqlite_thread", SQLiteThread)
HTTP = web.AppKey("http", aiohttp.ClientSession)
RASA = web.AppKey("rasa", RasaClient)
STORE = web.AppKey("store", ConversationStore)
ROUTER = web.AppKey("router", ConversationRouter)
WEB_CHAT = web.AppKey("web_chat", WebChatNamespace)
