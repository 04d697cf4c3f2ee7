"""The `/agent` Socket.IO namespace: authenticated agents, their queue and conversations.

Events and payloads are those of docs/agent-protocol.md. Each socket joins the room of all
agents, of its agent and of its login; with REDIS_URL, emits to those rooms reach sockets on
every gateway process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

import socketio
from sqlalchemy.exc import SQLAlchemyError

from livechat.agents import canned, texts, views
from livechat.agents.actions import AgentActions
from livechat.agents.dispatch import ALL_AGENTS, NAMESPACE, Dispatcher, agent_room, session_room
from livechat.agents.errors import AgentError
from livechat.agents.sessions import SessionInfo, SessionManager
from livechat.agents.snapshots import QueueEntry
from livechat.background import BackgroundTasks
from livechat.errors import BotUnavailable, LivechatError
from livechat.storable import storable_json

log = logging.getLogger(__name__)

COOKIE_NAME = "livechat_agent"
CONNECTED_WAIT = 2.0


def cookie_token(cookie_header: str | None) -> str | None:
    """The session token in a Cookie header, if any."""
    if not cookie_header:
        return None
    try:
        cookies = SimpleCookie(cookie_header)
    except CookieError:
        return None
    morsel = cookies.get(COOKIE_NAME)
    return morsel.value if morsel is not None else None


class AgentNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Agents' live connection: queue snapshots, assignments, messages, typing, presence."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        sessions: SessionManager,
        actions: AgentActions,
        canned_responses: list[canned.CannedResponse],
        allowed_origins: frozenset[str],
    ) -> None:
        super().__init__(NAMESPACE)
        self.d = dispatcher
        self.sessions = sessions
        self.actions = actions
        self.canned = canned_responses
        self.allowed_origins = allowed_origins
        self.local: dict[str, SessionInfo] = {}
        self._tasks = BackgroundTasks()

    # -- connection -------------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        origin = environ.get("HTTP_ORIGIN")
        if origin and origin.rstrip("/").lower() not in self.allowed_origins:
            raise socketio.exceptions.ConnectionRefusedError("origin_refused")
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            token = cookie_token(environ.get("HTTP_COOKIE"))
        try:
            session = await self.sessions.check(token)
        except SQLAlchemyError:
            raise socketio.exceptions.ConnectionRefusedError("storage_unavailable") from None
        if session is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        self.local[sid] = session
        for room in (ALL_AGENTS, agent_room(session.agent.id), session_room(session.id)):
            await self.enter_room(sid, room)
        await self.d.presence.connect(sid, session.agent.id, session.id, self.d.clock())
        self._tasks.spawn(self._welcome(sid, session))

    async def _welcome(self, sid: str, session: SessionInfo) -> None:
        # Events emitted before the CONNECT packet would be lost: wait for it to be sent.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECTED_WAIT
        while not self.server.manager.is_connected(sid, NAMESPACE):
            if loop.time() > deadline or sid not in self.local:
                return
            await asyncio.sleep(0.01)
        try:
            agent = session.agent
            load = await self.d.queue.agent(agent.id, self.d.live_after(self.d.clock()))
            hello = {
                "agent": agent.public(),
                "expires_at": views.when(session.expires_at),
                "presence": load.presence if load else agent.presence,
                "settings": {
                    "auto_assign": self.d.agent_settings.auto_assign,
                    "grace_seconds": self.d.agent_settings.grace_seconds,
                },
            }
            await self.emit("hello", hello, to=sid)
            await self.emit("queue", await self.d.queue_snapshot(), to=sid)
            for conversation in await self.actions.mine(agent):
                detail = await self.d.detail(conversation)
                await self.emit("assigned", {"conversation": detail, "by": "reconnect"}, to=sid)
            await self.d.broadcast_presence(agent.id)
            await self.d.after_queue_change()
        except (LivechatError, SQLAlchemyError) as error:
            log.error("agent welcome failed", extra={"error": str(error)})

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        session = self.local.pop(sid, None)
        try:
            agent_id = await self.d.presence.disconnect(sid, self.d.clock())
            if agent_id is not None:
                await self.d.broadcast_presence(agent_id)
                if self.d.agent_settings.grace_seconds <= 0:
                    await self.d.requeue_orphans()
        except (LivechatError, SQLAlchemyError) as error:
            log.error("agent disconnect bookkeeping failed", extra={"error": str(error)})
        if session is not None:
            log.info("agent disconnected", extra={"agent_id": session.agent.id})

    async def end(self, sid: str, reason: str) -> None:
        """Tell a socket its login ended, then disconnect it (after the current ack)."""
        await self.emit("session_ended", {"reason": reason}, to=sid)

        async def cut() -> None:
            await asyncio.sleep(0.05)
            await self.disconnect(sid)

        self._tasks.spawn(cut())

    def local_sids(self) -> list[str]:
        """Sockets connected to this process."""
        return list(self.local)

    def local_connections(self) -> list[tuple[str, int, int]]:
        """(sid, agent id, session id) of this process's sockets, for heartbeats."""
        return [(sid, s.agent.id, s.id) for sid, s in list(self.local.items())]

    async def close(self) -> None:
        """Cancel pending welcomes (shutdown)."""
        await self._tasks.close()

    # -- events -----------------------------------------------------------------------------

    async def _handle(
        self,
        sid: str,
        data: Any,
        work: Callable[[SessionInfo, dict[str, Any]], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        session = self.local.get(sid)
        if session is None:
            return {"ok": False, **texts.error_body("unauthorized")}
        try:
            current = await self.sessions.check_id(session.id)
            if current is None:
                reason = await self.sessions.why_invalid(session.id)
                await self.end(sid, reason)
                return {"ok": False, **texts.error_body("unauthorized")}
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise AgentError("invalid_payload")
            return {"ok": True, **await work(current, storable_json(data))}
        except AgentError as error:
            return {"ok": False, **error.body()}
        except BotUnavailable:
            return {"ok": False, **texts.error_body("bot_unavailable")}
        except (LivechatError, SQLAlchemyError, OSError) as error:
            log.error("agent event failed", extra={"error": str(error)})
            return {"ok": False, **texts.error_body("storage_unavailable")}

    async def on_queue_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, _: dict[str, Any]) -> dict[str, Any]:
            snapshot = await self.d.queue_snapshot()
            mine = await self.actions.mine(session.agent)
            now = self.d.clock()
            snapshot["mine"] = [views.queue_item(QueueEntry(c, None, None), now) for c in mine]
            return snapshot

        return await self._handle(sid, data, work)

    async def on_agents_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(_: SessionInfo, __: dict[str, Any]) -> dict[str, Any]:
            loads = await self.d.queue.agents(self.d.live_after(self.d.clock()))
            return {"agents": [views.agent_presence(load) for load in loads]}

        return await self._handle(sid, data, work)

    async def on_presence(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            return {"status": await self.actions.set_presence(session.agent, data.get("status"))}

        return await self._handle(sid, data, work)

    async def on_claim(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            detail = await self.actions.claim(session.agent, data.get("conversation_id"))
            return {"conversation": detail}

        return await self._handle(sid, data, work)

    async def on_conversation_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(_: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            return {"conversation": await self.actions.conversation(data.get("conversation_id"))}

        return await self._handle(sid, data, work)

    async def on_reply(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            message = await self.actions.reply(
                session.agent, data.get("conversation_id"), data.get("text")
            )
            return {"message": message}

        return await self._handle(sid, data, work)

    async def on_typing(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            await self.actions.typing(
                session.agent, data.get("conversation_id"), data.get("typing")
            )
            return {}

        return await self._handle(sid, data, work)

    async def on_note(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            message = await self.actions.note(
                session.agent, data.get("conversation_id"), data.get("text")
            )
            return {"message": message}

        return await self._handle(sid, data, work)

    async def on_transfer(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            await self.actions.transfer(
                session.agent, data.get("conversation_id"), data.get("agent_id"), data.get("note")
            )
            return {}

        return await self._handle(sid, data, work)

    async def on_resolve(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            await self.actions.resolve(
                session.agent, data.get("conversation_id"), data.get("survey", True)
            )
            return {}

        return await self._handle(sid, data, work)

    async def on_hand_back(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            await self.actions.hand_back(session.agent, data.get("conversation_id"))
            return {}

        return await self._handle(sid, data, work)

    async def on_file_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(session: SessionInfo, data: dict[str, Any]) -> dict[str, Any]:
            return await self.actions.file_request(session.agent, data.get("conversation_id"), data)

        return await self._handle(sid, data, work)

    async def on_canned_request(self, sid: str, data: Any = None) -> dict[str, Any]:
        async def work(_: SessionInfo, __: dict[str, Any]) -> dict[str, Any]:
            return {"canned": [item.as_dict() for item in self.canned]}

        return await self._handle(sid, data, work)
