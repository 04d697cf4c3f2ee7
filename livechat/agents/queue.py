"""The agents' queue, assignments and presence, kept in the database.

Every gateway process reads and changes the same rows, so positions, claims and loads are the
same whichever process an agent or a citizen is connected to. A claim is one conditional
UPDATE (status still 'queued'): of two agents claiming at once, exactly one wins. Automatic
assignment locks the oldest queued conversation with FOR UPDATE SKIP LOCKED and the chosen
agent's row with FOR UPDATE (PostgreSQL; SQLite serializes writers itself).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.conversations.store import ConversationInfo, MessageInfo
from livechat.models import (
    Agent,
    AgentConnection,
    Conversation,
    ConversationStatus,
    Direction,
    HandoffReason,
    Message,
    Presence,
)

QUEUED = ConversationStatus.QUEUED.value
OPEN = ConversationStatus.OPEN.value
OFFLINE = HandoffReason.OFFLINE.value
WAIT_SAMPLES = 20
WAIT_WINDOW = dt.timedelta(days=7)
PREVIEW_LENGTH = 140


@dataclass(frozen=True)
class LiveConversation:
    """A conversation with its hand-off state."""

    id: int
    public_id: uuid.UUID
    contact_id: int
    channel: str
    status: str
    language: str | None
    assignee_id: int | None
    assignee_name: str | None
    handoff_reason: str | None
    handoff_summary: dict[str, Any] | None
    queued_at: dt.datetime | None
    assigned_at: dt.datetime | None
    resolved_at: dt.datetime | None

    @property
    def hex(self) -> str:
        """The public id as the protocol names it (also the Rasa sender id)."""
        return self.public_id.hex

    def info(self) -> ConversationInfo:
        """The core snapshot the router and channels take."""
        return ConversationInfo(
            id=self.id,
            public_id=self.public_id,
            contact_id=self.contact_id,
            channel=self.channel,
            status=self.status,
            language=self.language,
        )

    @classmethod
    def of(cls, row: Conversation, assignee_name: str | None) -> LiveConversation:
        return cls(
            id=row.id,
            public_id=row.public_id,
            contact_id=row.contact_id,
            channel=row.channel,
            status=row.status,
            language=row.language,
            assignee_id=row.assignee_id,
            assignee_name=assignee_name,
            handoff_reason=row.handoff_reason,
            handoff_summary=row.handoff_summary,
            queued_at=row.queued_at,
            assigned_at=row.assigned_at,
            resolved_at=row.resolved_at,
        )


@dataclass(frozen=True)
class QueueEntry:
    """A queued conversation with its place (None for offline messages) and last words."""

    conversation: LiveConversation
    position: int | None
    preview: str | None


@dataclass(frozen=True)
class AgentLoad:
    """An agent's availability: chosen presence, connected or not, open chats."""

    id: int
    name: str
    presence: str
    connected: bool
    open_count: int
    max_concurrent: int
    active: bool

    @property
    def status(self) -> str:
        """ "online", "away" or "offline", as the console shows it."""
        return self.presence if self.connected else "offline"

    @property
    def available(self) -> bool:
        """Takes chats: active, connected and not away."""
        return self.active and self.connected and self.presence == Presence.ONLINE.value


class QueueStore:
    """Database operations of the queue; `live_after` is the freshness limit of connections."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
        # SQLite: one writer at a time in this process (its locks cannot be upgraded safely).
        self._assign_lock = asyncio.Lock()

    # -- reading ----------------------------------------------------------------------------

    async def get(self, public_hex: str) -> LiveConversation | None:
        """The conversation whose public id (hex) is `public_hex`, or None."""
        try:
            public_id = uuid.UUID(hex=public_hex)
        except (ValueError, TypeError):
            return None
        return await self._one(Conversation.public_id == public_id)

    async def get_by_id(self, conversation_id: int) -> LiveConversation | None:
        """The conversation with this internal id, or None."""
        return await self._one(Conversation.id == conversation_id)

    async def _one(self, condition: Any) -> LiveConversation | None:
        async with self._sessionmaker() as session:
            found = (
                await session.execute(
                    select(Conversation, Agent.name)
                    .outerjoin(Agent, Agent.id == Conversation.assignee_id)
                    .where(condition)
                )
            ).first()
        return None if found is None else LiveConversation.of(found[0], found[1])

    async def queue(self) -> list[QueueEntry]:
        """Queued conversations, oldest first: numbered ones, then offline messages."""
        last_incoming = (
            select(Message.conversation_id, func.max(Message.id).label("message_id"))
            .where(Message.direction == Direction.INCOMING.value)
            .group_by(Message.conversation_id)
            .subquery()
        )
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Conversation, Message.content)
                    .outerjoin(last_incoming, last_incoming.c.conversation_id == Conversation.id)
                    .outerjoin(Message, Message.id == last_incoming.c.message_id)
                    .where(Conversation.status == QUEUED)
                    .order_by(Conversation.queued_at, Conversation.id)
                )
            ).all()
        numbered: list[QueueEntry] = []
        offline: list[QueueEntry] = []
        for row, content in rows:
            preview = None if content is None else content[:PREVIEW_LENGTH]
            conversation = LiveConversation.of(row, None)
            if row.handoff_reason == OFFLINE:
                offline.append(QueueEntry(conversation, None, preview))
            else:
                numbered.append(QueueEntry(conversation, len(numbered) + 1, preview))
        return numbered + offline

    async def position(self, conversation: LiveConversation) -> int | None:
        """1 for the next to be served; None when not (numbered) in the queue."""
        if conversation.status != QUEUED or conversation.handoff_reason == OFFLINE:
            return None
        assert conversation.queued_at is not None
        async with self._sessionmaker() as session:
            ahead = await session.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(
                    Conversation.status == QUEUED,
                    or_(
                        Conversation.handoff_reason.is_(None),
                        Conversation.handoff_reason != OFFLINE,
                    ),
                    or_(
                        Conversation.queued_at < conversation.queued_at,
                        and_(
                            Conversation.queued_at == conversation.queued_at,
                            Conversation.id < conversation.id,
                        ),
                    ),
                )
            )
        return int(ahead or 0) + 1

    async def assigned_to(self, agent_id: int) -> list[LiveConversation]:
        """The open conversations of an agent, oldest assignment first."""
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Conversation, Agent.name)
                    .join(Agent, Agent.id == Conversation.assignee_id)
                    .where(Conversation.assignee_id == agent_id, Conversation.status == OPEN)
                    .order_by(Conversation.assigned_at, Conversation.id)
                )
            ).all()
        return [LiveConversation.of(row, name) for row, name in rows]

    async def transcript(self, conversation_id: int, limit: int = 1000) -> list[MessageInfo]:
        """Every message of the conversation, notes and activity included, oldest first."""
        async with self._sessionmaker() as session:
            rows = (
                await session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.id.desc())
                    .limit(limit)
                )
            ).all()
        return [MessageInfo.of(row) for row in reversed(rows)]

    async def previous_message(self, conversation_id: int, before_id: int) -> MessageInfo | None:
        """The message the citizen saw last before message `before_id` (activity left out)."""
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.id < before_id,
                    Message.direction != Direction.ACTIVITY.value,
                )
                .order_by(Message.id.desc())
                .limit(1)
            )
        return None if row is None else MessageInfo.of(row)

    async def median_wait(self, now: dt.datetime) -> float | None:
        """Median seconds from queued to assigned over the last 20 hand-offs of the week."""
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Conversation.queued_at, Conversation.assigned_at)
                    .where(
                        Conversation.assigned_at.is_not(None),
                        Conversation.queued_at.is_not(None),
                        Conversation.assigned_at > now - WAIT_WINDOW,
                    )
                    .order_by(Conversation.assigned_at.desc())
                    .limit(WAIT_SAMPLES)
                )
            ).all()
        waits = [
            (assigned - queued).total_seconds()
            for queued, assigned in rows
            if queued is not None and assigned is not None and assigned >= queued
        ]
        return statistics.median(waits) if waits else None

    async def agents(self, live_after: dt.datetime) -> list[AgentLoad]:
        """Every active agent with presence and load, by name."""
        return [a for a in await self._loads(live_after) if a.active]

    async def agent(self, agent_id: int, live_after: dt.datetime) -> AgentLoad | None:
        """One agent's load, or None."""
        return next((a for a in await self._loads(live_after, agent_id) if a.id == agent_id), None)

    async def _loads(self, live_after: dt.datetime, agent_id: int | None = None) -> list[AgentLoad]:
        open_count = (
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.assignee_id == Agent.id, Conversation.status == OPEN)
            .scalar_subquery()
        )
        connected = (
            select(func.count())
            .select_from(AgentConnection)
            .where(AgentConnection.agent_id == Agent.id, AgentConnection.last_seen_at > live_after)
            .scalar_subquery()
        )
        query = select(Agent, open_count, connected).order_by(Agent.name, Agent.id)
        if agent_id is not None:
            query = query.where(Agent.id == agent_id)
        async with self._sessionmaker() as session:
            rows = (await session.execute(query)).all()
        return [
            AgentLoad(
                id=row.id,
                name=row.name,
                presence=row.presence,
                connected=bool(links),
                open_count=int(count),
                max_concurrent=row.max_concurrent,
                active=row.active,
            )
            for row, count, links in rows
        ]

    # -- changing ---------------------------------------------------------------------------

    async def enqueue(
        self,
        conversation_id: int,
        reason: str,
        summary: dict[str, Any] | None,
        now: dt.datetime,
    ) -> bool:
        """Move a bot conversation into the queue; False when it was not the bot's."""
        return await self._update(
            and_(Conversation.id == conversation_id, Conversation.status == ConversationStatus.BOT),
            status=QUEUED,
            handoff_reason=reason,
            handoff_summary=summary or None,
            queued_at=now,
            assigned_at=None,
            resolved_at=None,
            assignee_id=None,
            announced_position=None,
            updated_at=now,
        )

    async def announce(self, conversation_id: int, position: int) -> bool:
        """Record that the citizen is told `position`; False when already told (any process)."""
        return await self._update(
            and_(
                Conversation.id == conversation_id,
                Conversation.status == QUEUED,
                or_(
                    Conversation.announced_position.is_(None),
                    Conversation.announced_position != position,
                ),
            ),
            announced_position=position,
        )

    async def claim(self, conversation_id: int, agent_id: int, now: dt.datetime) -> bool:
        """Take a queued conversation; False when someone else was faster or it left."""
        claimed = await self._update(
            and_(Conversation.id == conversation_id, Conversation.status == QUEUED),
            status=OPEN,
            assignee_id=agent_id,
            assigned_at=now,
            announced_position=None,
            updated_at=now,
        )
        if claimed:
            await self._touch_agent(agent_id, now)
        return claimed

    async def assign_next(
        self, now: dt.datetime, live_after: dt.datetime
    ) -> tuple[int, int] | None:
        """Give the oldest numbered queued conversation to the least busy available agent.

        Returns (conversation id, agent id), or None when the queue is empty or every
        available agent is at their maximum.
        """
        async with self._assign_lock, self._sessionmaker() as session, session.begin():
            conversation_id = await session.scalar(
                select(Conversation.id)
                .where(
                    Conversation.status == QUEUED,
                    or_(
                        Conversation.handoff_reason.is_(None),
                        Conversation.handoff_reason != OFFLINE,
                    ),
                )
                .order_by(Conversation.queued_at, Conversation.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if conversation_id is None:
                return None
            for agent_id in await self._candidates(session, live_after):
                if self._postgres:
                    await session.execute(
                        select(Agent.id).where(Agent.id == agent_id).with_for_update()
                    )
                busy, limit = (
                    await session.execute(
                        select(
                            select(func.count())
                            .select_from(Conversation)
                            .where(
                                Conversation.assignee_id == agent_id, Conversation.status == OPEN
                            )
                            .scalar_subquery(),
                            Agent.max_concurrent,
                        ).where(Agent.id == agent_id)
                    )
                ).one()
                if busy >= limit:
                    continue
                result = await session.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation_id, Conversation.status == QUEUED)
                    .values(
                        status=OPEN,
                        assignee_id=agent_id,
                        assigned_at=now,
                        announced_position=None,
                        updated_at=now,
                    )
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return None
                await session.execute(
                    update(Agent).where(Agent.id == agent_id).values(last_assigned_at=now)
                )
                return conversation_id, agent_id
        return None

    async def _candidates(self, session: AsyncSession, live_after: dt.datetime) -> list[int]:
        open_count = (
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.assignee_id == Agent.id, Conversation.status == OPEN)
            .scalar_subquery()
        )
        connected = (
            select(AgentConnection.id)
            .where(AgentConnection.agent_id == Agent.id, AgentConnection.last_seen_at > live_after)
            .exists()
        )
        rows = await session.execute(
            select(Agent.id)
            .where(
                Agent.active.is_(True),
                Agent.presence == Presence.ONLINE.value,
                connected,
                open_count < Agent.max_concurrent,
            )
            .order_by(open_count, Agent.last_assigned_at.asc().nulls_first(), Agent.id)
        )
        return [int(agent_id) for (agent_id,) in rows]

    async def transfer(
        self, conversation_id: int, from_agent: int, to_agent: int, now: dt.datetime
    ) -> bool:
        """Hand an open conversation from one agent to another."""
        moved = await self._update(
            and_(
                Conversation.id == conversation_id,
                Conversation.status == OPEN,
                Conversation.assignee_id == from_agent,
            ),
            assignee_id=to_agent,
            updated_at=now,
        )
        if moved:
            await self._touch_agent(to_agent, now)
        return moved

    async def finish(
        self, conversation_id: int, agent_id: int, status: ConversationStatus, now: dt.datetime
    ) -> bool:
        """Resolve an open conversation, or give it back to the bot."""
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if status is ConversationStatus.RESOLVED:
            values["resolved_at"] = now
        else:
            values["assignee_id"] = None
        return await self._update(
            and_(
                Conversation.id == conversation_id,
                Conversation.status == OPEN,
                Conversation.assignee_id == agent_id,
            ),
            **values,
        )

    async def requeue(self, conversation_id: int, agent_id: int, now: dt.datetime) -> bool:
        """Put an agent's open conversation back in the queue, keeping its original place."""
        return await self._update(
            and_(
                Conversation.id == conversation_id,
                Conversation.status == OPEN,
                Conversation.assignee_id == agent_id,
            ),
            status=QUEUED,
            assignee_id=None,
            assigned_at=None,
            announced_position=None,
            updated_at=now,
        )

    async def orphans(
        self, now: dt.datetime, grace: dt.timedelta, live_after: dt.datetime
    ) -> list[tuple[int, int]]:
        """(conversation id, agent id) of open chats whose agent is gone for longer than
        `grace`. Stale connections (their process died) are forgotten first."""
        async with self._sessionmaker() as session:
            stale = (
                await session.execute(
                    select(AgentConnection.agent_id, func.max(AgentConnection.last_seen_at))
                    .where(AgentConnection.last_seen_at <= live_after)
                    .group_by(AgentConnection.agent_id)
                )
            ).all()
            for agent_id, seen in stale:
                await session.execute(
                    update(Agent)
                    .where(
                        Agent.id == agent_id,
                        or_(Agent.last_seen_at.is_(None), Agent.last_seen_at < seen),
                    )
                    .values(last_seen_at=seen)
                )
            await session.execute(
                delete(AgentConnection).where(AgentConnection.last_seen_at <= live_after)
            )
            await session.commit()
            connected = (
                select(AgentConnection.id).where(AgentConnection.agent_id == Agent.id).exists()
            )
            rows = (
                await session.execute(
                    select(Conversation.id, Agent.id)
                    .join(Agent, Agent.id == Conversation.assignee_id)
                    .where(
                        Conversation.status == OPEN,
                        ~connected,
                        or_(Agent.last_seen_at.is_(None), Agent.last_seen_at <= now - grace),
                    )
                    .order_by(Conversation.id)
                )
            ).all()
        return [(int(c), int(a)) for c, a in rows]

    # -- connections and presence -----------------------------------------------------------

    async def connect(self, sid: str, agent_id: int, session_id: int, now: dt.datetime) -> None:
        """Record a connected `/agent` socket."""
        async with self._sessionmaker() as session:
            session.add(
                AgentConnection(
                    sid=sid,
                    agent_id=agent_id,
                    session_id=session_id,
                    connected_at=now,
                    last_seen_at=now,
                )
            )
            await session.commit()

    async def disconnect(self, sid: str, now: dt.datetime) -> int | None:
        """Forget a socket; the agent's `last_seen_at` starts the grace period."""
        async with self._sessionmaker() as session:
            agent_id = await session.scalar(
                select(AgentConnection.agent_id).where(AgentConnection.sid == sid)
            )
            if agent_id is None:
                return None
            await session.execute(delete(AgentConnection).where(AgentConnection.sid == sid))
            await session.execute(
                update(Agent).where(Agent.id == agent_id).values(last_seen_at=now)
            )
            await session.commit()
        return int(agent_id)

    async def heartbeat(
        self, connections: Sequence[tuple[str, int, int]], now: dt.datetime
    ) -> None:
        """Keep this process's sockets (sid, agent id, session id) fresh; a row another
        process took for stale (e.g. after a long pause) is written again."""
        if not connections:
            return
        async with self._sessionmaker() as session:
            sids = [sid for sid, _, _ in connections]
            await session.execute(
                update(AgentConnection)
                .where(AgentConnection.sid.in_(sids))
                .values(last_seen_at=now)
            )
            known = set(
                await session.scalars(
                    select(AgentConnection.sid).where(AgentConnection.sid.in_(sids))
                )
            )
            for sid, agent_id, session_id in connections:
                if sid not in known:
                    session.add(
                        AgentConnection(
                            sid=sid,
                            agent_id=agent_id,
                            session_id=session_id,
                            connected_at=now,
                            last_seen_at=now,
                        )
                    )
            await session.commit()

    async def session_sids(self, session_id: int) -> list[str]:
        """Sockets of a login, on every process."""
        async with self._sessionmaker() as session:
            rows = await session.scalars(
                select(AgentConnection.sid).where(AgentConnection.session_id == session_id)
            )
            return list(rows)

    async def agent_sids(self, agent_id: int) -> list[str]:
        """Sockets of an agent, on every process."""
        async with self._sessionmaker() as session:
            rows = await session.scalars(
                select(AgentConnection.sid).where(AgentConnection.agent_id == agent_id)
            )
            return list(rows)

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        """Online (takes chats) or away."""
        async with self._sessionmaker() as session:
            await session.execute(
                update(Agent).where(Agent.id == agent_id).values(presence=presence.value)
            )
            await session.commit()

    async def _touch_agent(self, agent_id: int, now: dt.datetime) -> None:
        async with self._sessionmaker() as session:
            await session.execute(
                update(Agent).where(Agent.id == agent_id).values(last_assigned_at=now)
            )
            await session.commit()

    async def _update(self, condition: Any, **values: Any) -> bool:
        async with self._sessionmaker() as session:
            result = await session.execute(update(Conversation).where(condition).values(**values))
            await session.commit()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
