"""Agents' `/agent` sockets and presence, kept in the database.

Each process records the sockets it holds and refreshes them (heartbeat); a row not refreshed
for a while belongs to a process that died, and is forgotten by whichever process sweeps
first. Socket ids of a login or an agent are thus known on every process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.models import Agent, AgentConnection, Presence


def _connection(sid: str, agent_id: int, session_id: int, now: dt.datetime) -> AgentConnection:
    """The row of a socket seen now."""
    return AgentConnection(
        sid=sid, agent_id=agent_id, session_id=session_id, connected_at=now, last_seen_at=now
    )


class PresenceStore:
    """Database operations on agents' connections and chosen presence."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def connect(self, sid: str, agent_id: int, session_id: int, now: dt.datetime) -> None:
        """Record a connected `/agent` socket."""
        async with self._sessionmaker() as session:
            session.add(_connection(sid, agent_id, session_id, now))
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
                    session.add(_connection(sid, agent_id, session_id, now))
            await session.commit()

    async def forget_stale(self, live_after: dt.datetime) -> None:
        """Delete connections not refreshed since `live_after` (their process died); their
        agent's `last_seen_at` becomes the last refresh, which starts the grace period."""
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
