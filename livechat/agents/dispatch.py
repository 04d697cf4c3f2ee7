"""Queue dynamics shared by hand-offs and agent actions: assignment, positions, broadcasts,
presence and the grace-period sweep. State is in the database; this only reacts to changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import socketio
from sqlalchemy.exc import SQLAlchemyError

from livechat.agents import texts, views
from livechat.agents.assignment import AssignmentStore
from livechat.agents.presence import PresenceStore
from livechat.agents.queue import QueueReader
from livechat.agents.settings import AgentSettings
from livechat.agents.snapshots import AgentLoad, LiveConversation
from livechat.calendar import BusinessCalendar
from livechat.conversations.handoff import BotControl, CitizenNotifier
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationStore
from livechat.errors import BotUnavailable, LivechatError
from livechat.models import Channel
from livechat.rasa_client import RasaClient
from livechat.settings import Settings

log = logging.getLogger(__name__)

NAMESPACE = "/agent"
ALL_AGENTS = "agents"
# Slots of the bot that are bookkeeping, not something the citizen told.
_INTERNAL_SLOTS = frozenset({"requested_slot", "session_started_metadata", "handoff_status"})


def agent_room(agent_id: int) -> str:
    """Room of every socket of one agent."""
    return f"agent:{agent_id}"


def session_room(session_id: int) -> str:
    """Room of every socket of one login."""
    return f"agent-session:{session_id}"


class AgentBus:
    """Emits to the `/agent` namespace (through Redis to every process when configured)."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def to_agent(self, agent_id: int, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room=agent_room(agent_id), namespace=NAMESPACE)

    async def to_all(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room=ALL_AGENTS, namespace=NAMESPACE)

    async def end_session(self, session_id: int, sids: list[str], reason: str) -> None:
        """Tell a login's sockets why, then disconnect them wherever they are."""
        await self.sio.emit(
            "session_ended", {"reason": reason}, room=session_room(session_id), namespace=NAMESPACE
        )
        for sid in sids:
            await self.sio.disconnect(sid, namespace=NAMESPACE)


@dataclass
class Dispatcher:
    """Shared services of the live chat, and what follows any change of the queue."""

    settings: Settings
    agent_settings: AgentSettings
    store: ConversationStore
    queue: QueueReader
    assignments: AssignmentStore
    presence: PresenceStore
    router: ConversationRouter
    rasa: RasaClient
    notifier: CitizenNotifier
    bot: BotControl
    calendar: BusinessCalendar
    bus: AgentBus
    clock: Callable[[], dt.datetime]

    def live_after(self, now: dt.datetime) -> dt.datetime:
        """Connections not refreshed since then belong to a process that died."""
        return now - dt.timedelta(seconds=3 * self.agent_settings.heartbeat_seconds)

    async def available_agents(self) -> list[AgentLoad]:
        """Agents that take chats now (active, connected somewhere, not away)."""
        loads = await self.queue.agents(self.live_after(self.clock()))
        return [load for load in loads if load.available]

    async def wait_minutes(self, position: int, agents: int | None = None) -> int:
        """Estimated wait of the `position`-th in line, in whole minutes (at least 1)."""
        if agents is None:
            agents = len(await self.available_agents())
        median = await self.queue.median_wait(self.clock())
        per_chat = median if median is not None else self.agent_settings.default_wait_minutes * 60
        return max(1, math.ceil(per_chat * position / max(1, agents) / 60))

    async def queue_snapshot(self) -> dict[str, Any]:
        """{"queue": [QueueItem], "offline": [QueueItem]}."""
        now = self.clock()
        entries = await self.queue.queue()
        return {
            "queue": [views.queue_item(e, now) for e in entries if e.position is not None],
            "offline": [views.queue_item(e, now) for e in entries if e.position is None],
        }

    async def after_queue_change(self) -> None:
        """Assign what can be, tell citizens their new places, show agents the queue."""
        try:
            await self.auto_assign()
            await self.announce_positions()
            await self.bus.to_all("queue", await self.queue_snapshot())
        except (LivechatError, SQLAlchemyError, OSError) as error:
            log.error("queue update failed", extra={"error": str(error)})

    async def auto_assign(self) -> int:
        """Give queued conversations to the least busy available agents (AUTO_ASSIGN);
        returns how many were assigned."""
        count = 0
        while self.agent_settings.auto_assign:
            now = self.clock()
            assigned = await self.assignments.assign_next(now, self.live_after(now))
            if assigned is None:
                break
            count += 1
            conversation = await self.queue.get_by_id(assigned[0])
            if conversation is not None:
                await self.on_assigned(conversation, "auto")
        return count

    async def announce_positions(self) -> None:
        """Send each queued web citizen their place when it changed (once, any process)."""
        entries = [e for e in await self.queue.queue() if e.position is not None]
        if not entries:
            return
        agents = len(await self.available_agents())
        for entry in entries:
            assert entry.position is not None
            if entry.conversation.channel != Channel.WEB.value:
                continue  # one SMS, at queueing, is enough
            if not await self.assignments.announce(entry.conversation.id, entry.position):
                continue
            wait = await self.wait_minutes(entry.position, agents)
            await self.notifier.notice(
                entry.conversation.info(),
                "queue_position",
                texts.both(
                    texts.CITIZEN,
                    "queue_position_update",
                    position=entry.position,
                    wait_minutes=wait,
                ),
                extra={"position": entry.position, "wait_minutes": wait},
                keep=False,
            )

    async def on_assigned(
        self,
        conversation: LiveConversation,
        by: str,
        from_agent: dict[str, Any] | None = None,
    ) -> None:
        """An agent now has the conversation: log it, tell the citizen and the agent."""
        assert conversation.assignee_id is not None
        name = conversation.assignee_name or ""
        if from_agent is None:
            activity = texts.both(texts.ACTIVITY, "assigned", agent_name=name)
        else:
            activity = texts.both(
                texts.ACTIVITY, "transferred", agent_name=name, from_name=from_agent["name"]
            )
        await self.notifier.activity(conversation.id, "assigned", activity)
        await self.notifier.notice(
            conversation.info(),
            "agent_joined",
            texts.both(texts.CITIZEN, "agent_joined", agent_name=name),
            extra={"agent_name": name},
        )
        body: dict[str, Any] = {"conversation": await self.detail(conversation), "by": by}
        if from_agent is not None:
            body["from_agent"] = from_agent
        await self.bus.to_agent(conversation.assignee_id, "assigned", body)
        await self.broadcast_presence(conversation.assignee_id)

    async def detail(self, conversation: LiveConversation) -> dict[str, Any]:
        """The `Conversation` shape: transcript and the bot's slots (None if Rasa is down)."""
        messages = await self.queue.transcript(conversation.id)
        return views.conversation_detail(conversation, messages, await self.collected(conversation))

    async def collected(self, conversation: LiveConversation) -> dict[str, Any] | None:
        """The non-empty slots of the conversation's Rasa tracker."""
        try:
            tracker = await self.rasa.tracker(conversation.hex)
        except BotUnavailable:
            return None
        slots = tracker.get("slots")
        if not isinstance(slots, dict):
            return {}
        return {
            name: value
            for name, value in slots.items()
            if value not in (None, "", [], {}) and name not in _INTERNAL_SLOTS
        }

    async def broadcast_presence(self, agent_id: int) -> None:
        """Every agent learns one agent's presence and load."""
        load = await self.queue.agent(agent_id, self.live_after(self.clock()))
        if load is not None:
            await self.bus.to_all("presence", views.agent_presence(load))

    async def requeue_orphans(self) -> None:
        """Chats of agents gone longer than AGENT_GRACE_SECONDS go back to the queue."""
        now = self.clock()
        grace = dt.timedelta(seconds=self.agent_settings.grace_seconds)
        await self.presence.forget_stale(self.live_after(now))
        orphans = await self.assignments.orphans(now, grace)
        changed = False
        for conversation_id, agent_id in orphans:
            before = await self.queue.get_by_id(conversation_id)
            if before is None or not await self.assignments.requeue(conversation_id, agent_id, now):
                continue
            changed = True
            name = before.assignee_name or ""
            await self.notifier.activity(
                conversation_id, "requeued", texts.both(texts.ACTIVITY, "requeued", agent_name=name)
            )
            await self.notifier.notice(
                before.info(),
                "agent_left",
                texts.both(texts.CITIZEN, "agent_left_requeue"),
                extra={"agent_name": name},
            )
            await self.bus.to_agent(
                agent_id, "unassigned", {"conversation_id": before.hex, "reason": "requeued"}
            )
            await self.broadcast_presence(agent_id)
        if changed:
            await self.after_queue_change()

    async def run_sweeper(self, local: Callable[[], list[tuple[str, int, int]]]) -> None:
        """Heartbeat this process's sockets, requeue orphans, retry assignment; forever."""
        period = max(
            0.05,
            min(self.agent_settings.heartbeat_seconds, self.agent_settings.grace_seconds / 4, 5.0),
        )
        next_heartbeat = 0.0
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(LivechatError):
                try:
                    if loop.time() >= next_heartbeat:
                        await self.presence.heartbeat(local(), self.clock())
                        next_heartbeat = loop.time() + self.agent_settings.heartbeat_seconds
                    await self.requeue_orphans()
                    if await self.auto_assign():
                        await self.after_queue_change()
                except Exception:
                    log.exception("agent sweeper failed")
            await asyncio.sleep(period)
