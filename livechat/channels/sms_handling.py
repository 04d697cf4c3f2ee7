"""What an incoming SMS means, once stored: keywords, the rate limit, survey ratings, choices.

In order: STOP / START (and "Oui" from an opted-out number), nothing more for an opted-out
number, the rate limit, HELP, "Oui" confirming request subscriptions, a bare rating answering a
survey, then the conversation router, a reply "2" (or a button's title) standing for the second
button of the bot's last message.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from livechat.calendar import BusinessCalendar
from livechat.conversations.router import ConversationRouter
from livechat.conversations.store import ConversationInfo, ConversationStore, MessageInfo
from livechat.errors import LivechatError
from livechat.logging import mask_contacts
from livechat.models import ConversationStatus, Direction, Sender
from livechat.sms import texts
from livechat.sms.delivery import SmsSender
from livechat.sms.keywords import Keyword, KeywordKind, choice_number, fold, match_keyword
from livechat.sms.ratelimit import PhoneRateLimiter
from livechat.sms.store import Received, SmsState

log = logging.getLogger(__name__)

# "Oui"/"Yes": confirm the number's pending subscriptions; returns the reference numbers.
ConfirmSubscriptions = Callable[[str], Awaitable[list[str]]]
# (phone, text) -> True when the text was a survey rating and was recorded (not for the bot).
SurveyReply = Callable[[str, str], Awaitable[bool]]


class SmsHandling:
    """Handles one stored citizen SMS at a time per number (the channel keeps the order)."""

    def __init__(
        self,
        store: ConversationStore,
        router: ConversationRouter,
        sender: SmsSender,
        calendar: BusinessCalendar,
        limiter: PhoneRateLimiter,
    ) -> None:
        self.store = store
        self.router = router
        self.sender = sender
        self.calendar = calendar
        self.limiter = limiter
        # Set by the requests wing.
        self.confirm_subscriptions: ConfirmSubscriptions | None = None
        self.survey_reply: SurveyReply | None = None

    async def handle(self, received: Received, phone: str, fresh: bool) -> None:
        """Answer a stored SMS; `fresh` says the state `received` holds is still current."""
        message = received.message
        state = received.state
        if not fresh:
            # An earlier message of this number was handled meanwhile (e.g. a handoff, STOP).
            state = await self.sender.sms_store.state(state.conversation.id) or state
        current = state.conversation
        body = message.content or ""
        keyword = match_keyword(body)
        language = _language(keyword, current)
        if keyword is not None and keyword.kind is KeywordKind.OPT_OUT:
            await self.sender.opt_out(phone)
            await self._note(current, "opted_out_note", keyword.word)
            await self._reply(phone, current, "opted_out", language, opt_out_confirmation=True)
            return
        opted_out = state.opted_out
        if keyword is not None and (
            keyword.kind is KeywordKind.OPT_IN
            or (opted_out and keyword.kind is KeywordKind.CONFIRM)
        ):
            await self.sender.sms_store.set_opted_out(phone, False)
            await self._note(current, "opted_in_note", keyword.word)
            await self._reply(phone, current, "opted_in", language)
            return
        if opted_out:
            log.info("sms from an opted-out number: stored, not answered")
            return
        if not self.limiter.allow(phone):
            if self.limiter.should_notify(phone):
                await self.sender.send_text(phone, texts.both("rate_limited"), conversation=current)
            log.info("sms rate limited", extra={"phone": mask_contacts(phone)})
            return
        if keyword is not None and keyword.kind is KeywordKind.HELP:
            hours = self.calendar.describe(language or "fr")
            if language is None:
                text = "\n".join(
                    texts.sms_text("help", lang, hours=self.calendar.describe(lang))
                    for lang in texts.LANGUAGES
                )
            else:
                text = texts.sms_text("help", language, hours=hours)
            await self.sender.send_text(phone, text, language=language, conversation=current)
            return
        if keyword is not None and keyword.kind is KeywordKind.CONFIRM:
            refs = await self._confirm(phone)
            if refs:
                key = "subscription_confirmed" if len(refs) == 1 else "subscriptions_confirmed"
                await self._reply(phone, current, key, language, refs=", ".join(refs))
                return
        if await self._survey_answered(phone, body):
            return
        await self._to_router(state, message)

    async def _survey_answered(self, phone: str, body: str) -> bool:
        """A bare "1".."5" answering a survey invitation is recorded, not sent to the bot."""
        if self.survey_reply is None:
            return False
        try:
            return await self.survey_reply(phone, body)
        except (LivechatError, SQLAlchemyError):
            # The bot still gets the message: better answered twice than dropped.
            log.exception("survey reply not recorded")
            return False

    async def _confirm(self, phone: str) -> list[str]:
        if self.confirm_subscriptions is None:
            return []
        try:
            return await self.confirm_subscriptions(phone)
        except LivechatError:
            log.exception("subscription confirmation failed")
            return []

    async def _note(self, conversation: ConversationInfo, key: str, word: str) -> None:
        """An activity in the conversation, so agents see why the number went silent."""
        await self.store.append_message(
            conversation.id,
            direction=Direction.ACTIVITY,
            sender=Sender.SYSTEM,
            content=texts.both(key, word=word),
            payload={"sms": {"keyword": word}},
        )

    async def _reply(
        self,
        phone: str,
        conversation: ConversationInfo,
        key: str,
        language: str | None,
        *,
        opt_out_confirmation: bool = False,
        **params: Any,
    ) -> None:
        await self.sender.send_text(
            phone,
            texts.sms_text(key, language, **params),
            language=language,
            conversation=conversation,
            opt_out_confirmation=opt_out_confirmation,
        )

    async def _to_router(self, state: SmsState, message: MessageInfo) -> None:
        conversation = state.conversation
        metadata: dict[str, Any] = {}
        photos = (message.payload or {}).get("photo_urls")
        if photos:
            metadata["photo_urls"] = list(photos)
        if conversation.status == ConversationStatus.BOT:
            chosen = _choice(state.last_bot, message.content or "")
            if chosen is not None:
                number, title, payload = chosen
                metadata["sms_choice"] = {"number": number, "title": title}
                # Rasa gets the button's payload; the stored message stays what was typed.
                message = dataclasses.replace(message, content=payload, language=None)
        # `state` was read after the message was stored, with nothing of this number between.
        self.router.submit(conversation, message, metadata, fresh=True)


def _choice(last_bot: MessageInfo | None, text: str) -> tuple[int, str, str] | None:
    """The button a reply picks in the bot's last message: by number, or by its title."""
    number = choice_number(text)
    folded = fold(text)
    if number is None and not folded:
        return None
    buttons = (last_bot.payload or {}).get("buttons") if last_bot is not None else None
    if not isinstance(buttons, list):
        return None
    for index, button in enumerate(buttons, start=1):
        if not isinstance(button, dict) or not isinstance(button.get("payload"), str):
            continue
        title = str(button.get("title", ""))
        if index == number or (number is None and fold(title) == folded):
            return index, title, button["payload"]
    return None


def _language(keyword: Keyword | None, conversation: ConversationInfo) -> str | None:
    if keyword is not None and keyword.language is not None:
        return keyword.language
    return conversation.language
