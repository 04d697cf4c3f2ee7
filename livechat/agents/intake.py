"""The citizen's way to the agents: hand-off requests, the live-chat status, messages left
outside business hours, the offer of an agent when the bot is down, and citizen messages and
typing forwarded to the agent who has the conversation."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from livechat.agents import assist, texts, views
from livechat.agents.dispatch import Dispatcher
from livechat.agents.errors import AgentError
from livechat.agents.snapshots import LiveConversation
from livechat.background import BackgroundTasks
from livechat.conversations.store import ConversationInfo, MessageInfo
from livechat.errors import LivechatError
from livechat.models import ConversationStatus, HandoffReason

log = logging.getLogger(__name__)

LEAVE_MESSAGE = "/leave_message"
REQUEST_HUMAN = "/request_human"
SURVEY_PREFIX = "/survey"
REASON_ALIASES = {"citizen_request": "request_human", "bot_offer": "fallback"}
SUMMARY_FIELDS = ("service_code", "address", "description")


class Intake:
    """Citizen-side entry points of the live chat (HTTP and router hooks)."""

    def __init__(self, dispatcher: Dispatcher, survey_recorder: SurveyRecorder | None) -> None:
        self.d = dispatcher
        self._record_survey = survey_recorder
        self._tasks = BackgroundTasks()

    # -- status and hand-off ----------------------------------------------------------------

    def hours(self) -> dict[str, str]:
        """The business hours in words, both languages."""
        return {lang: self.d.calendar.describe(lang, with_holidays=True) for lang in ("fr", "en")}

    async def status(self) -> dict[str, Any]:
        """GET /api/v1/livechat/status."""
        now = self.d.clock()
        open_now = self.d.calendar.is_open(now)
        agents = bool(await self.d.available_agents()) if open_now else False
        return {
            "open_now": open_now,
            "agents_available": open_now and agents,
            "hours": self.hours(),
            "next_opening": views.when(self.d.calendar.next_opening(now)),
        }

    async def request_handoff(
        self,
        public_hex: str,
        reason: str,
        language: str | None,
        summary: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The bot asks for an agent: queue, or say when agents are back (see the protocol)."""
        reason = REASON_ALIASES.get(reason, reason)
        if reason not in (HandoffReason.REQUEST_HUMAN, HandoffReason.FALLBACK):
            raise AgentError("invalid_payload", f"unknown reason {reason!r}")
        conversation = await self.d.queue.get(public_hex)
        if conversation is None:
            raise AgentError("not_found")
        if language in ("fr", "en") and conversation.language is None:
            conversation = dataclasses.replace(conversation, language=language)
        clean = {k: str(v)[:500] for k, v in (summary or {}).items() if k in SUMMARY_FIELDS and v}
        return await self.queue_or_decline(conversation, reason, clean)

    async def queue_or_decline(
        self, conversation: LiveConversation, reason: str, summary: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Queue during business hours with an agent online; else the offline answer."""
        now = self.d.clock()
        if not self.d.calendar.is_open(now):
            return await self._decline(conversation, "closed")
        available = await self.d.available_agents()
        if conversation.status in (ConversationStatus.QUEUED, ConversationStatus.OPEN):
            return await self._current_place(conversation, len(available))
        if not available:
            return await self._decline(conversation, "no_agent")
        if not await self.d.assignments.enqueue(conversation.id, reason, summary, now):
            current = await self.d.queue.get_by_id(conversation.id)
            if current is None or current.status not in ("queued", "open"):
                raise AgentError("not_queued")
            return await self._current_place(current, len(available))
        queued = await self.d.queue.get_by_id(conversation.id)
        assert queued is not None
        queued = dataclasses.replace(queued, language=conversation.language)
        await self.d.notifier.activity(
            queued.id, "queued", texts.both(texts.ACTIVITY, "queued", reason=reason)
        )
        position = await self.d.queue.position(queued) or 1
        wait = await self.d.wait_minutes(position, len(available))
        # Another process's update may have told this place already: say it once.
        if await self.d.assignments.announce(queued.id, position):
            await self.d.notifier.notice(
                queued.info(),
                "queue_position",
                texts.both(texts.CITIZEN, "queue_position", position=position, wait_minutes=wait),
                extra={"position": position, "wait_minutes": wait},
            )
        self.d.router.metrics.handoff("queued")
        self.d.bot.pause(queued.hex)
        self.spawn(self.d.after_queue_change())
        return {"status": "queued", "position": position, "wait_minutes": wait}

    async def _current_place(self, conversation: LiveConversation, agents: int) -> dict[str, Any]:
        position = await self.d.queue.position(conversation) or 0
        wait = await self.d.wait_minutes(position, agents) if position else 0
        return {"status": "queued", "position": position, "wait_minutes": wait}

    async def _decline(self, conversation: LiveConversation, status: str) -> dict[str, Any]:
        self.d.router.metrics.handoff(status)
        now = self.d.clock()
        opening = self.d.calendar.next_opening(now)
        hours = self.hours()
        key = "offline_closed" if status == "closed" else "offline_no_agent"
        message = texts.both(
            texts.CITIZEN, key, hours=hours, next_opening=texts.moment(opening, self.d.calendar.tz)
        )
        await self.d.notifier.notice(
            conversation.info(),
            "offline",
            message,
            extra={"hours": hours, "next_opening": views.when(opening), "status": status},
            buttons=[self._button("button_leave_message", LEAVE_MESSAGE, conversation.language)],
        )
        return {
            "status": status,
            "hours": hours,
            "next_opening": views.when(opening),
            "message": message,
        }

    @staticmethod
    def _button(key: str, payload: str, language: str | None) -> dict[str, str]:
        return {
            "title": texts.pick(texts.CITIZEN[key], language).replace("\n\n", " / "),
            "payload": payload,
        }

    # -- router hooks -----------------------------------------------------------------------

    async def intercept(
        self, info: ConversationInfo, message: MessageInfo, language: str | None
    ) -> bool:
        """Gateway quick replies: leave a message, rate the conversation."""
        text = (message.content or "").strip()
        if text == LEAVE_MESSAGE:
            await self._leave_message(info, language)
            return True
        if text.startswith(SURVEY_PREFIX + "{"):
            await self._survey(info, text[len(SURVEY_PREFIX) :], language)
            return True
        return False

    async def _leave_message(self, info: ConversationInfo, language: str | None) -> None:
        now = self.d.clock()
        if not await self.d.assignments.enqueue(info.id, HandoffReason.OFFLINE.value, None, now):
            return
        info = dataclasses.replace(info, language=info.language or language)
        await self.d.notifier.activity(
            info.id, "queued", texts.both(texts.ACTIVITY, "queued", reason="offline")
        )
        await self.d.notifier.notice(
            info, "leave_message", texts.both(texts.CITIZEN, "leave_message_prompt")
        )
        self.d.bot.pause(info.rasa_sender)
        await self.d.after_queue_change()

    async def _survey(self, info: ConversationInfo, raw: str, language: str | None) -> None:
        try:
            data = json.loads(raw)
            rating = int(data["rating"])
            about = str(data.get("conversation_id") or "") or None
        except (ValueError, KeyError, TypeError):
            return
        if self._record_survey is not None:
            try:
                await self._record_survey(rating, info.channel, language, about)
            except LivechatError as error:
                log.warning("survey not recorded", extra={"error": str(error)})
                return
        info = dataclasses.replace(info, language=info.language or language)
        await self.d.notifier.notice(
            info, "survey_thanks", texts.both(texts.CITIZEN, "survey_thanks")
        )

    async def bot_outage(
        self, info: ConversationInfo, message: MessageInfo, language: str | None
    ) -> bool:
        """Rasa is down: during business hours with an agent online, offer (or queue)."""
        if not self.d.calendar.is_open(self.d.clock()) or not await self.d.available_agents():
            return False
        conversation = await self.d.queue.get_by_id(info.id)
        if conversation is None:
            return False
        conversation = dataclasses.replace(conversation, language=info.language or language)
        if (message.content or "").strip() == REQUEST_HUMAN:
            await self.queue_or_decline(conversation, HandoffReason.BOT_UNAVAILABLE.value, None)
            return True
        await self.d.notifier.notice(
            conversation.info(),
            "bot_unavailable",
            texts.both(texts.CITIZEN, "bot_unavailable_offer"),
            buttons=[self._button("button_talk_to_agent", REQUEST_HUMAN, conversation.language)],
        )
        return True

    async def citizen_message(self, info: ConversationInfo, message: MessageInfo) -> None:
        """A stored citizen message of a queued/open conversation reaches the agents."""
        conversation = await self.d.queue.get_by_id(info.id)
        if conversation is None:
            return
        body = {"conversation_id": conversation.hex, "message": views.message_item(message)}
        if conversation.status == ConversationStatus.OPEN and conversation.assignee_id:
            await self.d.bus.to_agent(conversation.assignee_id, "message", body)
            suggestion = await assist.suggest(
                self.d.rasa, message.content or "", conversation.language
            )
            if suggestion is not None:
                await self.d.bus.to_agent(
                    conversation.assignee_id,
                    "assist_suggestion",
                    {
                        "conversation_id": conversation.hex,
                        "message_id": message.id,
                        "language": conversation.language,
                        **suggestion,
                    },
                )
            return
        await self.d.bus.to_all("message", body)
        first_left = False
        if conversation.handoff_reason == HandoffReason.OFFLINE and message.id is not None:
            # The first message written after the "leave your message" prompt is confirmed.
            before = await self.d.queue.previous_message(conversation.id, message.id)
            system = ((before.payload or {}).get("system") or {}) if before else {}
            first_left = system.get("kind") == "leave_message"
        if first_left:
            await self.d.notifier.notice(
                conversation.info(),
                "offline_received",
                texts.both(texts.CITIZEN, "offline_received"),
            )
        await self.d.bus.to_all("queue", await self.d.queue_snapshot())

    async def citizen_typing(self, info: ConversationInfo, typing: bool) -> None:
        """The web citizen types: only the assigned agent hears of it."""
        conversation = await self.d.queue.get_by_id(info.id)
        if conversation is None or conversation.status != ConversationStatus.OPEN:
            return
        if conversation.assignee_id is not None:
            await self.d.bus.to_agent(
                conversation.assignee_id,
                "typing",
                {"conversation_id": conversation.hex, "typing": typing},
            )

    # -- background work --------------------------------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, keeping a reference until it ends."""
        self._tasks.spawn(work)

    async def join(self) -> None:
        """Wait for background work (tests, shutdown)."""
        await self._tasks.join()


SurveyRecorder = Callable[[int, str, str | None, str | None], Coroutine[Any, Any, None]]
