"""Agent accounts: argon2id password hashes, creation, listing, disabling."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livechat.agents.errors import AccountError
from livechat.db import utcnow
from livechat.models import Agent, AgentRole, AgentSession

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
# Verified against when the email is unknown, so that case costs the same time.
_DUMMY_HASH = _HASHER.hash("not a real password, only spends time")


@dataclass(frozen=True)
class AgentInfo:
    """An agent account as read (never carries the password hash)."""

    id: int
    email: str
    name: str
    role: str
    max_concurrent: int
    language: str
    active: bool
    presence: str

    @classmethod
    def of(cls, row: Agent) -> AgentInfo:
        return cls(
            id=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            max_concurrent=row.max_concurrent,
            language=row.language,
            active=row.active,
            presence=row.presence,
        )

    def public(self) -> dict[str, object]:
        """The `Agent` shape of docs/agent-protocol.md."""
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "max_concurrent": self.max_concurrent,
            "language": self.language,
        }


def hash_password(password: str) -> str:
    """An argon2id hash of `password`; AccountError when it is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "invalid_payload", f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown account (None) still spends the same work."""
    try:
        _HASHER.verify(password_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and lower-cased."""
    return email.strip().lower()


class AgentAccounts:
    """Creates, lists and disables agent accounts."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def add(
        self,
        email: str,
        name: str,
        password: str,
        *,
        role: AgentRole = AgentRole.AGENT,
        max_concurrent: int = 3,
        language: str = "fr",
    ) -> AgentInfo:
        """Create an active agent; AccountError on a duplicate or invalid value."""
        email = normalise_email(email)
        if "@" not in email or len(email) > 254:
            raise AccountError("invalid_payload", f"not an email address: {email!r}")
        if not name.strip():
            raise AccountError("invalid_payload", "the name is empty")
        if max_concurrent < 0:
            raise AccountError("invalid_payload", "--max-chats must be 0 or more")
        if language not in ("fr", "en"):
            raise AccountError("invalid_payload", "the language is fr or en")
        agent = Agent(
            email=email,
            name=name.strip(),
            password_hash=hash_password(password),
            role=role.value,
            max_concurrent=max_concurrent,
            language=language,
            active=True,
        )
        async with self._sessionmaker() as session:
            session.add(agent)
            try:
                await session.commit()
            except IntegrityError:
                raise AccountError("invalid_payload", f"{email} already has an account") from None
            return AgentInfo.of(agent)

    async def list(self) -> list[AgentInfo]:
        """Every account, by email."""
        async with self._sessionmaker() as session:
            rows = (await session.scalars(select(Agent).order_by(Agent.email))).all()
            return [AgentInfo.of(row) for row in rows]

    async def get(self, email: str) -> AgentInfo:
        """The account of `email`; AccountError when there is none."""
        async with self._sessionmaker() as session:
            row = await session.scalar(select(Agent).where(Agent.email == normalise_email(email)))
            if row is None:
                raise AccountError("not_found", f"no agent {normalise_email(email)}")
            return AgentInfo.of(row)

    async def set_active(self, email: str, active: bool) -> AgentInfo:
        """Enable or disable an account; disabling revokes all its sessions."""
        info = await self.get(email)
        now = utcnow()
        async with self._sessionmaker() as session:
            await session.execute(update(Agent).where(Agent.id == info.id).values(active=active))
            if not active:
                await session.execute(
                    update(AgentSession)
                    .where(AgentSession.agent_id == info.id, AgentSession.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            await session.commit()
        return await self.get(email)

    async def set_password(self, email: str, password: str) -> None:
        """Replace the password; every session of the agent is revoked."""
        info = await self.get(email)
        password_hash = hash_password(password)
        async with self._sessionmaker() as session:
            await session.execute(
                update(Agent).where(Agent.id == info.id).values(password_hash=password_hash)
            )
            await session.execute(
                update(AgentSession)
                .where(AgentSession.agent_id == info.id, AgentSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            await session.commit()
