"""The per-message writes, as synchronous steps of one unit of work (see `SessionRunner`).

`ConversationStore` runs each in a transaction of its own; a channel's store can run several
in one (e.g. the SMS webhook opens the number's conversation, stores the message and reads
the opt-out in one hop to the database thread). None of them commits.
"""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import Update, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import InstrumentedAttribute

from livechat.conversations.snapshots import CONVERSATION_COLUMNS, ConversationInfo, MessageInfo
from livechat.db import utcnow
from livechat.errors import ConversationNotFound
from livechat.models import (
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Sender,
)


class AppendOptions(TypedDict, total=False):
    """The optional details of a stored message."""

    payload: dict[str, Any] | None
    language: str | None
    source_id: str | None
    private: bool
    client_message_id: str | None
    unresolved_only: bool


# The hot statements are built once: SQLAlchemy memoises a statement's cache key on the
# object, so executing a prebuilt statement with new parameters skips building and hashing it
# (about a third of each statement's cost here). They run on the session's connection (Core),
# inside the session's transaction, without ORM bookkeeping.
_OPEN_CONVERSATION = (
    select(*CONVERSATION_COLUMNS)
    .where(
        Conversation.contact_id == bindparam("contact_id"),
        Conversation.channel == bindparam("channel"),
        Conversation.status != ConversationStatus.RESOLVED.value,
    )
    .order_by(Conversation.id.desc())
    .limit(1)
)
_INSERT_MESSAGE = insert(Message).returning(Message.id)


def _touch(language: bool, unresolved_only: bool) -> Update:
    statement = update(Conversation).where(Conversation.id == bindparam("conversation_id"))
    if unresolved_only:
        statement = statement.where(Conversation.status != ConversationStatus.RESOLVED.value)
    values: dict[str, Any] = {"last_activity_at": bindparam("now")}
    if language:
        values["language"] = bindparam("language")
    return statement.values(**values).returning(*CONVERSATION_COLUMNS)


# (sets the language, unresolved only) -> UPDATE conversations ... RETURNING
_TOUCH = {(lang, only): _touch(lang, only) for lang in (False, True) for only in (False, True)}
_CONTACT_ID = {
    attribute.key: select(Contact.id).where(attribute == bindparam("value"))
    for attribute in (Contact.phone, Contact.web_session_id)
}


def open_conversation(
    session: Session, identifier: InstrumentedAttribute[Any], value: str, channel: Channel
) -> ConversationInfo:
    """The contact's (found by `identifier == value`, created if new) unresolved conversation
    on `channel`, created when there is none. Flushed, not committed."""
    connection = session.connection()
    contact_id = connection.execute(_CONTACT_ID[identifier.key], {"value": value}).scalar()
    if contact_id is not None:
        row = connection.execute(
            _OPEN_CONVERSATION, {"contact_id": contact_id, "channel": channel.value}
        ).first()
        if row is not None:
            return ConversationInfo.of(row)
    # A new contact or conversation (once per conversation): the ORM fills the defaults.
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact is None:
        contact = Contact(**{identifier.key: value})
        session.add(contact)
        session.flush()
    conversation = Conversation(
        contact_id=contact.id,
        channel=channel.value,
        status=ConversationStatus.BOT.value,
        language=contact.language,
    )
    session.add(conversation)
    session.flush()
    return ConversationInfo.of(conversation)


def append_message(
    session: Session,
    conversation_id: int,
    *,
    direction: Direction,
    sender: Sender,
    content: str | None,
    payload: dict[str, Any] | None = None,
    language: str | None = None,
    source_id: str | None = None,
    private: bool = False,
    client_message_id: str | None = None,
    unresolved_only: bool = False,
) -> tuple[ConversationInfo, MessageInfo]:
    """Insert a message and touch its conversation (a citizen's clear language becomes the
    conversation's); return the conversation as the statement left it, and the message.

    With `unresolved_only`, a resolved conversation raises ConversationNotFound.
    """
    now = utcnow()
    sets_language = sender is Sender.CITIZEN and language is not None
    connection = session.connection()
    # UPDATE ... RETURNING (SQLite >= 3.35, PostgreSQL): the conversation as it now is.
    # Only the statement's own parameters: Core would add any other key that names a column
    # (e.g. "language") to the SET clause.
    parameters: dict[str, Any] = {"conversation_id": conversation_id, "now": now}
    if sets_language:
        parameters["language"] = language
    row = connection.execute(_TOUCH[sets_language, unresolved_only], parameters).first()
    if row is None:
        raise ConversationNotFound(f"conversation {conversation_id}")
    message_id = connection.execute(
        _INSERT_MESSAGE,
        {
            "conversation_id": conversation_id,
            "direction": direction.value,
            "sender": sender.value,
            "content": content,
            "payload": payload,
            "language": language,
            "source_id": source_id,
            "private": private,
            "created_at": now,
            "client_message_id": client_message_id,
        },
    ).scalar_one()
    message = MessageInfo(
        id=message_id,
        conversation_id=conversation_id,
        direction=direction.value,
        sender=sender.value,
        content=content,
        payload=payload,
        language=language,
        private=private,
        created_at=now,
        client_message_id=client_message_id,
    )
    return ConversationInfo.of(row), message
