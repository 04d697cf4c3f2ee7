"""Typed keys of the agent side's resources on the aiohttp application."""

from __future__ import annotations

import asyncio

from aiohttp import web

from livechat.agents.actions import AgentActions
from livechat.agents.dispatch import Dispatcher
from livechat.agents.hub import AgentNamespace
from livechat.agents.intake import Intake
from livechat.agents.sessions import SessionManager
from livechat.agents.settings import AgentSettings
from livechat.calendar import BusinessCalendar

AGENT_SETTINGS = web.AppKey("agent_settings", AgentSettings)
CALENDAR = web.AppKey("agent_calendar", BusinessCalendar)
# Set while the app runs (cleanup_ctx):
DISPATCHER = web.AppKey("agent_dispatcher", Dispatcher)
INTAKE = web.AppKey("agent_intake", Intake)
ACTIONS = web.AppKey("agent_actions", AgentActions)
SESSIONS = web.AppKey("agent_sessions", SessionManager)
HUB = web.AppKey("agent_hub", AgentNamespace)
SWEEPER = web.AppKey("agent_sweeper", asyncio.Task[None])
