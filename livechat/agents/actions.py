"""What an agent does with a conversation: claim, reply, type, note, transfer, resolve, hand
back to the bot, file a service request, and set their presence."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from livechat.agents import texts, views
from livechat.agents.accounts import AgentInfo
from livechat.agents.dispatch import Dispatcher
from livechat.agents.errors import AgentError
from livechat.agents.snapshots import LiveConversation
from livechat.conversations.store import ConversationInfo
from livechat.models import Channel, ConversationStatus, Presence

SURVEY_URL = "/api/v1/surveys"
# Files a request for a conversation: (conversation, fields) -> {"service_request_id", ...}.
RequestFiler = Callable[[LiveConversation, Mapping[str, Any]], Awaitable[dict[str, Any]]]
TypingSender = Callable[[ConversationInfo, bool, str | None], Awaitable[None]]


class AgentActions:
    """Agent operations; each raises AgentError with a protocol error code when refused."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        typing_sender: TypingSender | None = None,
        request_filer: RequestFiler | None = None,
    ) -> None:
        self.d = dispatcher
        self._typing_sender = typing_sender
        self._file = request_filer

    async def _find(self, conversation_id: Any) -> LiveConversation:
        if not isinstance(conversation_id, str):
            raise AgentError("invalid_payload", "conversation_id must be a string")
        conversation = await self.d.queue.get(conversation_id)
        if conversation is None:
            raise AgentError("not_found")
        return conversation

    async def _mine(self, agent: AgentInfo, conversation_id: Any) -> LiveConversation:
        conversation = await self._find(conversation_id)
        if conversation.status != ConversationStatus.OPEN or conversation.assignee_id != agent.id:
            raise AgentError("not_assigned")
        return conversation

    def _text(self, text: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise AgentError("empty_message")
        limit = self.d.settings.max_message_length
        if len(text) > limit:
            raise AgentError("too_long", limit=limit)
        return text.strip()

    # -- taking and reading -----------------------------------------------------------------

    async def claim(self, agent: AgentInfo, conversation_id: Any) -> dict[str, Any]:
        """Take a queued conversation (atomic: one winner)."""
        conversation = await self._find(conversation_id)
        if conversation.status != ConversationStatus.QUEUED:
            raise AgentError(
                "already_claimed"
                if conversation.status == ConversationStatus.OPEN
                else "not_queued"
            )
        if not await self.d.assignments.claim(conversation.id, agent.id, self.d.clock()):
            raise AgentError("already_claimed")
        claimed = await self.d.queue.get_by_id(conversation.id)
        assert claimed is not None
        await self.d.on_assigned(claimed, "claim")
        await self.d.after_queue_change()
        return await self.d.detail(claimed)

    async def conversation(self, conversation_id: Any) -> dict[str, Any]:
        """Any conversation that was ever handed to agents, with its whole transcript."""
        conversation = await self._find(conversation_id)
        if conversation.handoff_reason is None:
            raise AgentError("not_found")
        return await self.d.detail(conversation)

    async def mine(self, agent: AgentInfo) -> list[LiveConversation]:
        """The agent's open conversations."""
        return await self.d.queue.assigned_to(agent.id)

    # -- talking ----------------------------------------------------------------------------

    async def reply(self, agent: AgentInfo, conversation_id: Any, text: Any) -> dict[str, Any]:
        """Store the reply, deliver it through the conversation's channel, echo to the agent."""
        text = self._text(text)
        conversation = await self._mine(agent, conversation_id)
        message = await self.d.notifier.agent_reply(conversation.info(), agent.id, agent.name, text)
        item = views.message_item(message)
        await self.d.bus.to_agent(
            agent.id, "message", {"conversation_id": conversation.hex, "message": item}
        )
        return item

    async def typing(self, agent: AgentInfo, conversation_id: Any, typing: Any) -> None:
        """Show the web citizen that the agent is typing."""
        if not isinstance(typing, bool):
            raise AgentError("invalid_payload", "typing must be true or false")
        conversation = await self._mine(agent, conversation_id)
        if self._typing_sender is not None and conversation.channel == Channel.WEB.value:
            await self._typing_sender(conversation.info(), typing, agent.name)

    async def note(self, agent: AgentInfo, conversation_id: Any, text: Any) -> dict[str, Any]:
        """A private note on your open conversation or a queued one; never sent to citizens."""
        text = self._text(text)
        conversation = await self._find(conversation_id)
        mine = (
            conversation.status == ConversationStatus.OPEN and conversation.assignee_id == agent.id
        )
        if not mine and conversation.status != ConversationStatus.QUEUED:
            raise AgentError("not_assigned")
        message = await self.d.notifier.note(conversation.id, agent.id, agent.name, text)
        item = views.message_item(message)
        await self.d.bus.to_agent(
            agent.id, "message", {"conversation_id": conversation.hex, "message": item}
        )
        return item

    # -- passing on -------------------------------------------------------------------------

    async def transfer(
        self, agent: AgentInfo, conversation_id: Any, target_id: Any, note: Any = None
    ) -> None:
        """Give your conversation to another online agent."""
        if not isinstance(target_id, int) or isinstance(target_id, bool):
            raise AgentError("invalid_payload", "agent_id must be a number")
        conversation = await self._mine(agent, conversation_id)
        now = self.d.clock()
        target = await self.d.queue.agent(target_id, self.d.live_after(now))
        if target is None or not target.available or target.id == agent.id:
            raise AgentError("agent_unavailable")
        if note is not None:
            await self.d.notifier.note(conversation.id, agent.id, agent.name, self._text(note))
        if not await self.d.assignments.transfer(conversation.id, agent.id, target.id, now):
            raise AgentError("not_assigned")
        await self.d.notifier.notice(
            conversation.info(),
            "agent_left",
            texts.both(texts.CITIZEN, "agent_left_transfer", agent_name=agent.name),
            extra={"agent_name": agent.name},
        )
        await self.d.bus.to_agent(
            agent.id, "unassigned", {"conversation_id": conversation.hex, "reason": "transferred"}
        )
        moved = await self.d.queue.get_by_id(conversation.id)
        assert moved is not None
        await self.d.on_assigned(moved, "transfer", from_agent={"id": agent.id, "name": agent.name})
        await self.d.broadcast_presence(agent.id)

    async def resolve(self, agent: AgentInfo, conversation_id: Any, survey: Any = True) -> None:
        """Close the conversation; the citizen is thanked and asked for a rating."""
        if not isinstance(survey, bool):
            raise AgentError("invalid_payload", "survey must be true or false")
        conversation = await self._mine(agent, conversation_id)
        now = self.d.clock()
        if not await self.d.assignments.finish(
            conversation.id, agent.id, ConversationStatus.RESOLVED, now
        ):
            raise AgentError("not_assigned")
        await self.d.notifier.activity(
            conversation.id,
            "resolved",
            texts.both(texts.ACTIVITY, "resolved", agent_name=agent.name),
        )
        info = conversation.info()
        await self.d.notifier.notice(info, "resolved", texts.both(texts.CITIZEN, "resolved"))
        if survey:
            await self.d.notifier.notice(
                info,
                "survey",
                texts.both(texts.CITIZEN, "survey"),
                extra={"conversation_id": conversation.hex, "survey_url": SURVEY_URL},
                buttons=[
                    {
                        "title": str(rating),
                        "payload": "/survey"
                        + json.dumps({"rating": rating, "conversation_id": conversation.hex}),
                    }
                    for rating in range(1, 6)
                ],
            )
        self.d.bot.resume(conversation.hex)
        await self._released(agent, conversation, "resolved")

    async def hand_back(self, agent: AgentInfo, conversation_id: Any) -> None:
        """Give the conversation back to the bot, which answers the next message."""
        conversation = await self._mine(agent, conversation_id)
        now = self.d.clock()
        if not await self.d.assignments.finish(
            conversation.id, agent.id, ConversationStatus.BOT, now
        ):
            raise AgentError("not_assigned")
        await self.d.notifier.activity(
            conversation.id,
            "handed_back",
            texts.both(texts.ACTIVITY, "handed_back", agent_name=agent.name),
        )
        self.d.bot.resume(conversation.hex)
        await self.d.notifier.notice(
            conversation.info(),
            "agent_left",
            texts.both(texts.CITIZEN, "agent_left_bot", agent_name=agent.name),
            extra={"agent_name": agent.name},
        )
        await self._released(agent, conversation, "handed_back")

    async def _released(self, agent: AgentInfo, conversation: LiveConversation, why: str) -> None:
        await self.d.bus.to_agent(
            agent.id, "unassigned", {"conversation_id": conversation.hex, "reason": why}
        )
        await self.d.broadcast_presence(agent.id)
        await self.d.after_queue_change()

    # -- requests and presence --------------------------------------------------------------

    async def file_request(
        self, agent: AgentInfo, conversation_id: Any, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        """File a service request for the citizen and send them its reference number."""
        conversation = await self._mine(agent, conversation_id)
        if self._file is None:
            raise AgentError("requests_unavailable")
        if not isinstance(fields.get("service_code"), str):
            raise AgentError("invalid_payload", "service_code must be a string")
        filed = await self._file(conversation, fields)
        reference = filed["service_request_id"]
        await self.d.notifier.activity(
            conversation.id,
            "request_filed",
            texts.both(
                texts.ACTIVITY,
                "request_filed",
                reference=reference,
                service_code=fields["service_code"],
                agent_name=agent.name,
            ),
        )
        await self.d.notifier.notice(
            conversation.info(),
            "request_filed",
            texts.both(texts.CITIZEN, "request_filed", reference=reference),
            extra={"service_request_id": reference},
        )
        return filed

    async def set_presence(self, agent: AgentInfo, status: Any) -> str:
        """ "online" (takes chats) or "away"."""
        if status not in (Presence.ONLINE.value, Presence.AWAY.value):
            raise AgentError("invalid_payload", "status is online or away")
        await self.d.presence.set_presence(agent.id, Presence(status))
        await self.d.broadcast_presence(agent.id)
        if status == Presence.ONLINE.value:
            await self.d.after_queue_change()
        return str(status)
