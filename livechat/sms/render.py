"""A stored outgoing message as SMS text: its text, image or attachment link, numbered choices."""

from __future__ import annotations

from typing import Any

from livechat.conversations.snapshots import MessageInfo
from livechat.sms import texts


def render(message: MessageInfo, language: str | None) -> str:
    """A stored message as SMS text: its text, image or attachment link, numbered choices."""
    payload = message.payload or {}
    parts = [message.content] if message.content else []
    image = payload.get("image")
    if isinstance(image, str):
        parts.append(image)
    link = _attachment_link(payload.get("attachment"))
    if link:
        parts.append(link)
    buttons = payload.get("buttons")
    if isinstance(buttons, list) and buttons:
        titles = [str(b.get("title", "")) for b in buttons if isinstance(b, dict)]
        parts.append(texts.numbered_choices(titles, language))
    return "\n".join(part.strip() for part in parts if part and part.strip())


def _attachment_link(attachment: Any) -> str | None:
    if isinstance(attachment, str):
        return attachment
    if isinstance(attachment, dict):
        inner = attachment.get("payload")
        for candidate in (
            attachment.get("url"),
            inner.get("src") if isinstance(inner, dict) else None,
        ):
            if isinstance(candidate, str):
                return candidate
    return None
