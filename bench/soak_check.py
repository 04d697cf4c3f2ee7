"""After a soak: what each citizen sent and received, against the gateway's database.

Web: every message sent (its client_message_id) must be stored exactly once; every stored bot
or agent message must have reached the citizen's socket exactly once (as bot_uttered events,
one per paragraph, as the gateway emits them). System notices are left out: queue-position
updates are sent without being stored, by design. SMS: every webhook (its MessageSid) stored
exactly once; every stored outgoing SMS sent to Twilio exactly once (its MessageSid is the
message's source_id) and nothing else sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.services import query

ROWS = ("SELECT k.web_session_id, k.phone, m.direction, m.sender, m.content, m.source_id, "
        "m.client_message_id, m.private FROM messages m "
        "JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id "
        "ORDER BY m.id")


@dataclass
class Ledger:
    """Lost and duplicated messages found, with a few examples."""

    checked_in: int = 0
    checked_out: int = 0
    lost: int = 0
    duplicated: int = 0
    examples: list[str] = field(default_factory=list)

    def differ(self, who: str, what: str, expected: Iterable[str], got: Iterable[str]) -> None:
        """Count `expected` items missing from `got` (lost) and surplus ones (duplicated)."""
        want, have = Counter(expected), Counter(got)
        lost, extra = want - have, have - want
        self.lost += sum(lost.values())
        self.duplicated += sum(extra.values())
        for kind, items in (("lost", lost), ("duplicated", extra)):
            if items and len(self.examples) < 5:
                self.examples.append(f"{who} {what} {kind}: {sorted(items)[:3]}")

    def as_dict(self) -> dict[str, Any]:
        return {"checked_in": self.checked_in, "checked_out": self.checked_out,
                "lost": self.lost, "duplicated": self.duplicated, "examples": self.examples}


def web_paragraphs(content: str | None) -> list[str]:
    """The bot_uttered texts the gateway emits for one stored message."""
    return (content or "").strip().split("\n\n") if content is not None else []


def check_web(ledger: Ledger, rows: list[tuple[Any, ...]], session: str, sent_ids: list[str],
              received: list[dict[str, Any]]) -> None:
    mine = [r for r in rows if r[0] == session]
    stored_in = [r[6] for r in mine if r[2] == "incoming" and r[3] == "citizen"]
    stored_out = [p for r in mine if r[2] == "outgoing" and r[3] in ("bot", "agent")
                  and not r[7] for p in web_paragraphs(r[4])]
    got = [str(e["text"]) for e in received if e.get("sender") != "system" and "text" in e]
    ledger.checked_in += len(sent_ids)
    ledger.checked_out += len(stored_out)
    ledger.differ(f"web {session[:8]}", "citizen messages", sent_ids, stored_in)
    ledger.differ(f"web {session[:8]}", "replies", stored_out, got)


def check_sms(ledger: Ledger, rows: list[tuple[Any, ...]], phone: str, sent_sids: list[str],
              delivered_sids: list[str]) -> None:
    mine = [r for r in rows if r[1] == phone]
    stored_in = [r[5] for r in mine if r[2] == "incoming"]
    stored_out = [r[5] or "never sent" for r in mine if r[2] == "outgoing"]
    ledger.checked_in += len(sent_sids)
    ledger.checked_out += len(stored_out)
    who = f"sms ...{phone[-4:]}"
    ledger.differ(who, "citizen messages", sent_sids, stored_in)
    ledger.differ(who, "SMS", stored_out, delivered_sids)


async def stored_rows(database_url: str) -> list[tuple[Any, ...]]:
    return await query(database_url, ROWS)
