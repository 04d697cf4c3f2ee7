"""What is in the agents' queue and who carries what, read from the database.

Every gateway process reads the same rows, so positions and loads are the same whichever
process an agent or a citizen is connected to. Changes are in `livechat.agents.assignment`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.agents.snapshots import AgentLoad, LiveConversation, QueueEntry
from livechat.conversations.store import MessageInfo
from livechat.models import (
    Agent,
    AgentConnection,
    Conversation,
    ConversationStatus,
    Direction,
    HandoffReason,
    Message,
)

QUEUED = ConversationStatus.QUEUED.value
OPEN = ConversationStatus.OPEN.value
OFFLINE = HandoffReason.OFFLINE.value
WAIT_SAMPLES = 20
WAIT_WINDOW = dt.timedelta(days=7)
PREVIEW_LENGTH = 140


def open_chat_count(agent_id: Any) -> ScalarSelect[int]:
    """How many open conversations the agent `agent_id` (a value or a column) carries."""
    return (
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.assignee_id == agent_id, Conversation.status == OPEN)
        .scalar_subquery()
    )


def waits_in_line() -> ColumnElement[bool]:
    """Queued and numbered: offline messages wait apart, without a place."""
    return and_(
        Conversation.status == QUEUED,
        or_(Conversation.handoff_reason.is_(None), Conversation.handoff_reason != OFFLINE),
    )


class QueueReader:
    """Reads of the queue, transcripts and agents' loads; `live_after` is the freshness
    limit of connections."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

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
                    waits_in_line(),
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
        open_count = open_chat_count(Agent.id)
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
