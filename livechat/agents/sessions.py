"""Agent logins: random session tokens (only their SHA-256 is stored), expiry, revocation,
and rate limiting of failed attempts per email and per client address (in the database, so
every gateway process counts the same failures)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.agents.accounts import AgentInfo, normalise_email, verify_password
from livechat.agents.errors import AgentError
from livechat.db import utcnow
from livechat.models import Agent, AgentSession, LoginFailure


@dataclass(frozen=True)
class SessionInfo:
    """A valid login: its id, its agent and when it expires."""

    id: int
    agent: AgentInfo
    expires_at: dt.datetime


@dataclass(frozen=True)
class Login:
    """A successful login: the token to hand to the client once, and the session."""

    token: str
    session: SessionInfo


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionManager:
    """Logs agents in and out and checks session tokens."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        session_hours: float = 12.0,
        max_failures: int = 5,
        window_minutes: float = 15.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.lifetime = dt.timedelta(hours=session_hours)
        self.max_failures = max_failures
        self.window = dt.timedelta(minutes=window_minutes)
        self.clock = clock

    async def login(self, email: str, password: str, ip: str) -> Login:
        """Check the password and open a session.

        AgentError("too_many_attempts", retry_after=seconds) when the email or the address
        had too many recent failures; AgentError("invalid_credentials") otherwise on failure.
        """
        email = normalise_email(email)[:254]
        ip = ip[:64]
        now = self.clock()
        await self._check_rate(email, ip, now)
        async with self._sessionmaker() as session:
            agent = await session.scalar(select(Agent).where(Agent.email == email))
        # The hash is checked even for unknown or disabled accounts (same work, same answer).
        valid = verify_password(agent.password_hash if agent else None, password)
        if agent is None or not valid or not agent.active:
            async with self._sessionmaker() as session:
                session.add(LoginFailure(email=email, ip=ip, created_at=now))
                await session.commit()
            raise AgentError("invalid_credentials")
        token = secrets.token_urlsafe(32)
        row = AgentSession(
            agent_id=agent.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + self.lifetime,
        )
        async with self._sessionmaker() as session:
            session.add(row)
            await session.execute(delete(LoginFailure).where(LoginFailure.email == email))
            await session.commit()
        return Login(token, SessionInfo(row.id, AgentInfo.of(agent), row.expires_at))

    async def _check_rate(self, email: str, ip: str, now: dt.datetime) -> None:
        since = now - self.window
        async with self._sessionmaker() as session:
            for column, value in ((LoginFailure.email, email), (LoginFailure.ip, ip)):
                count, oldest = (
                    await session.execute(
                        select(func.count(), func.min(LoginFailure.created_at)).where(
                            column == value, LoginFailure.created_at > since
                        )
                    )
                ).one()
                if count >= self.max_failures:
                    retry_after = max(1, math.ceil((oldest + self.window - now).total_seconds()))
                    raise AgentError(
                        "too_many_attempts",
                        retry_after=retry_after,
                        minutes=math.ceil(retry_after / 60),
                    )
            # Old failures are of no use any more.
            await session.execute(
                delete(LoginFailure).where(LoginFailure.created_at <= now - 2 * self.window)
            )
            await session.commit()

    async def check(self, token: str | None) -> SessionInfo | None:
        """The session of `token` when it is valid (unexpired, unrevoked, agent active)."""
        if not token or len(token) > 200:
            return None
        return await self._valid(AgentSession.token_hash == token_hash(token))

    async def check_id(self, session_id: int) -> SessionInfo | None:
        """The session with this id when it is still valid."""
        return await self._valid(AgentSession.id == session_id)

    async def _valid(self, condition: object) -> SessionInfo | None:
        now = self.clock()
        async with self._sessionmaker() as session:
            found = (
                await session.execute(
                    select(AgentSession, Agent)
                    .join(Agent, Agent.id == AgentSession.agent_id)
                    .where(
                        condition,  # type: ignore[arg-type]
                        AgentSession.revoked_at.is_(None),
                        AgentSession.expires_at > now,
                        Agent.active.is_(True),
                    )
                )
            ).first()
        if found is None:
            return None
        row, agent = found
        return SessionInfo(row.id, AgentInfo.of(agent), row.expires_at)

    async def why_invalid(self, session_id: int) -> str:
        """ "logout", "expired" or "disabled": why a session stopped being valid."""
        now = self.clock()
        async with self._sessionmaker() as session:
            found = (
                await session.execute(
                    select(AgentSession, Agent)
                    .join(Agent, Agent.id == AgentSession.agent_id)
                    .where(AgentSession.id == session_id)
                )
            ).first()
        if found is None:
            return "logout"
        row, agent = found
        if not agent.active:
            return "disabled"
        if row.revoked_at is not None:
            return "logout"
        return "expired" if row.expires_at <= now else "logout"

    async def revoke(self, session_id: int) -> None:
        """Log a session out (idempotent)."""
        async with self._sessionmaker() as session:
            await session.execute(
                update(AgentSession)
                .where(AgentSession.id == session_id, AgentSession.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
            await session.commit()

    async def purge(self) -> None:
        """Forget sessions expired or revoked more than a day ago."""
        limit = self.clock() - dt.timedelta(days=1)
        async with self._sessionmaker() as session:
            await session.execute(
                delete(AgentSession).where(
                    or_(AgentSession.expires_at < limit, AgentSession.revoked_at < limit)
                )
            )
            await session.commit()
