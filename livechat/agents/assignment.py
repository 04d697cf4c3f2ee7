"""Changes to the agents' queue: hand-offs in, claims, automatic assignment, transfers,
endings and requeues, kept in the database.

Every gateway process changes the same rows. A claim is one conditional UPDATE (status still
'queued'): of two agents claiming at once, exactly one wins. Automatic assignment locks the
oldest queued conversation with FOR UPDATE SKIP LOCKED and the chosen agent's row with FOR
UPDATE (PostgreSQL; SQLite serializes writers itself).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.agents.queue import OPEN, QUEUED, open_chat_count, waits_in_line
from livechat.models import Agent, AgentConnection, Conversation, ConversationStatus, Presence


def _opened_by(agent_id: int, now: dt.datetime) -> dict[str, Any]:
    """The columns of a queued conversation an agent takes (claimed or assigned)."""
    return {
        "status": OPEN,
        "assignee_id": agent_id,
        "assigned_at": now,
        "announced_position": None,
        "updated_at": now,
    }


class AssignmentStore:
    """Database changes of the queue; `live_after` is the freshness limit of connections."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
        # SQLite: one writer at a time in this process (its locks cannot be upgraded safely).
        self._assign_lock = asyncio.Lock()

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
            **_opened_by(agent_id, now),
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
                .where(waits_in_line())
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
                        select(open_chat_count(agent_id), Agent.max_concurrent).where(
                            Agent.id == agent_id
                        )
                    )
                ).one()
                if busy >= limit:
                    continue
                result = await session.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation_id, Conversation.status == QUEUED)
                    .values(**_opened_by(agent_id, now))
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return None
                await session.execute(
                    update(Agent).where(Agent.id == agent_id).values(last_assigned_at=now)
                )
                return conversation_id, agent_id
        return None

    async def _candidates(self, session: AsyncSession, live_after: dt.datetime) -> list[int]:
        open_count = open_chat_count(Agent.id)
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

    async def orphans(self, now: dt.datetime, grace: dt.timedelta) -> list[tuple[int, int]]:
        """(conversation id, agent id) of open chats whose agent has no connection and was
        last seen longer than `grace` ago (forget stale connections first:
        `PresenceStore.forget_stale`)."""
        async with self._sessionmaker() as session:
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
