"""The questions of a service request: which comes next, how it reads, what an answer means.

Pure functions over the catalogue `Service` and the details collected so far (a dict kept in
the `request_details` slot), so the dialogue logic is tested without Rasa. Questions are:
"address" (when the service needs a location), "description" (when required), one
"attribute:<code>" per required attribute, the optional steps of bot.actions.request_extras
(photo, contact, language), then "confirm". List answers are accepted by number, by name (French
or English, accents optional) or by a word of the name; "annuler"/"cancel" stops at any question
and "modifier l'adresse"/"change the address" goes back to a detail. On SMS the choices are not
numbered here: the gateway numbers the buttons itself ("Répondez 1, 2 ou 3").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from bot.actions import request_texts as texts
from bot.actions.catalogue import Attribute, Service
from bot.actions.request_extras import (
    ADDRESS,
    ATTRIBUTE,
    CONFIRM,
    CONTACT,
    DESCRIPTION,
    EDIT,
    LANGUAGE,
    PHOTO,
    Answer,
    edit_target,
    interpret_optional,
    next_optional,
    render_optional,
    summary_optional,
)
from bot.actions.request_values import parse_date as _date
from bot.actions.request_values import parse_number as _number

__all__ = ["ADDRESS", "ATTRIBUTE", "CONFIRM", "DESCRIPTION", "EDIT", "PHOTO", "Answer"]
MAX_ADDRESS, MAX_STRING, MAX_DESCRIPTION = 255, 255, 4000

_CANCEL = re.compile(
    r"^(annuler?|annulez|cancel|stop|arr[eê]te[rz]?|laisse[rz]? faire|oublie[rz]? [cç]a|"
    r"forget it|never ?mind)\W*$"
)
_YES = {"oui", "ouais", "yes", "yeah", "yep", "ok", "okay", "d accord", "parfait", "envoie", "go"}
_NO = {"non", "no", "nope", "nan", "pas vraiment"}
_SEPARATORS = re.compile(r",|;|/|\+|\bet\b|\band\b")


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "Allô!" -> "allo"."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def next_question(service: Service, details: dict[str, Any]) -> str | None:
    """The next question to ask, or None when the request is confirmed or cancelled."""
    if details.get("cancelled") or details.get("confirmed"):
        return None
    if details.get("editing"):
        return str(details["editing"])
    if service.location == "required" and not details.get(ADDRESS) and not details.get("location"):
        return ADDRESS
    if service.description_required and not details.get(DESCRIPTION):
        return DESCRIPTION
    answered = details.get("attributes") or {}
    for attribute in service.required_attributes:
        if attribute.code not in answered:
            return ATTRIBUTE + attribute.code
    return next_optional(details) or CONFIRM


def render(
    question: str, service: Service, details: dict[str, Any], language: str | None
) -> tuple[str, list[dict[str, str]]]:
    """The question's text and buttons, in the citizen's language (both when unknown)."""
    buttons: list[dict[str, str]] = []
    sms = details.get("channel") == "sms"
    if question in (PHOTO, CONTACT, LANGUAGE, EDIT):
        text, pairs = render_optional(question, service, details, language)
        buttons = [{"title": title, "payload": payload} for title, payload in pairs]
    elif question == ADDRESS:
        text = texts.say(texts.ASK_ADDRESS, language)
    elif question == DESCRIPTION:
        text = texts.say(texts.ASK_DESCRIPTION, language)
    elif question == CONFIRM:
        text = texts.say(texts.CONFIRM, language, summary=summary(service, details, language))
        cancel = "never mind" if language == "en" else "annuler"  # "cancel": SMS opt-out
        buttons = [
            {"title": texts.pick(texts.SEND, language), "payload": "/affirm"},
            {"title": texts.pick(texts.EDIT, language), "payload": "/deny"},
            {"title": texts.pick(texts.CANCEL, language), "payload": cancel},
        ]
    else:
        attribute = _attribute(service, question)
        lines = [texts.pick(attribute.question, language)]
        for number, choice in enumerate(attribute.choices, start=1):
            title = texts.pick(choice.name, language)
            if not sms:  # the gateway numbers the buttons of an SMS itself
                lines.append(f"{number}. {title}")
            # The number, not the title: free text goes through NLU first, and a choice title
            # such as "Moyen (comme un pneu)" can look like another intent (an emergency) there.
            buttons.append({"title": title, "payload": str(number)})
        hint = {
            "singlevaluelist": texts.CHOICES_HINT,
            "multivaluelist": texts.SEVERAL_HINT,
            "number": texts.NUMBER_HINT,
            "datetime": texts.DATE_HINT,
        }.get(attribute.datatype)
        if hint and not (sms and hint is texts.CHOICES_HINT):
            lines.append(texts.say(hint, language))
        text = "\n".join(lines)
    if not details.get("answered"):
        cancel_hint = texts.CANCEL_HINT_SMS if sms else texts.CANCEL_HINT
        text = f"{text}\n{texts.say(cancel_hint, language)}"
    return text, buttons


def interpret(
    question: str,
    service: Service,
    answer: str,
    intent: str | None,
    today: date,
    details: dict[str, Any] | None = None,
) -> Answer:
    """What `answer` (the citizen's message; `intent` its NLU intent) means for `question`."""
    plain = normalize(answer)
    if _CANCEL.match(plain):
        return Answer({"cancelled": True})
    target = edit_target(plain) if question != DESCRIPTION else None
    if target is not None:
        return Answer({"editing": target})
    text = " ".join(answer.split())
    if question in (PHOTO, CONTACT, LANGUAGE, EDIT):
        return interpret_optional(question, service, details or {}, text, plain, intent)
    if question == ADDRESS:
        return _bounded_text(ADDRESS, text, MAX_ADDRESS, min_words=2)
    if question == DESCRIPTION:
        return _bounded_text(DESCRIPTION, text, MAX_DESCRIPTION, min_words=3)
    if question == CONFIRM:
        if intent == "affirm" or plain in _YES:
            return Answer({"confirmed": True})
        if intent == "deny" or plain in _NO:
            return Answer({"editing": EDIT})
        return Answer(problem=texts.CONFIRM_HINT)
    attribute = _attribute(service, question)
    value = _attribute_value(attribute, text, plain, today)
    if value is None:
        return Answer(problem=texts.NOT_UNDERSTOOD)
    return Answer({"attributes": {attribute.code: value}})


def prefill(service: Service, message: str) -> dict[str, str]:
    """Choices the first message already names ("my *recycling* wasn't picked up").

    Only single-choice attributes, only when exactly one choice's short name appears as words,
    and never yes/no choices; the confirmation shows them, so a wrong guess is seen.
    """
    plain = normalize(message)
    found = {}
    for attribute in service.required_attributes:
        keys = {c.key for c in attribute.choices}
        if attribute.datatype != "singlevaluelist" or keys == {"yes", "no"}:
            continue
        named = {
            choice.key
            for choice in attribute.choices
            for name in choice.name.values()
            if (short := normalize(name.split("(")[0])) and _has_words(plain, short)
        }
        if len(named) == 1:
            found[attribute.code] = named.pop()
    return found


def summary(service: Service, details: dict[str, Any], language: str | None) -> str:
    """ "Nid-de-poule — 455 rue Laurier — Grand (plus qu'un pneu)" for the confirmation."""
    parts = [texts.pick(service.name, language)]
    if details.get(ADDRESS):
        parts.append(str(details[ADDRESS]))
    answered = details.get("attributes") or {}
    for attribute in service.required_attributes:
        if attribute.code in answered:
            parts.append(_display(attribute, answered[attribute.code], language))
    if service.description_required and details.get(DESCRIPTION):
        description = str(details[DESCRIPTION])
        short = description[:80].rstrip() + "…" if len(description) > 80 else description
        parts.append(f"« {short} »")
    return " — ".join([*parts, *summary_optional(details, language)])


def _attribute(service: Service, question: str) -> Attribute:
    attribute = service.attribute(question.removeprefix(ATTRIBUTE))
    if attribute is None:
        raise KeyError(f"{service.code} has no {question}")
    return attribute


def _bounded_text(key: str, text: str, limit: int, min_words: int) -> Answer:
    if len(text) > limit:
        return Answer(problem=texts.TOO_LONG, values={"limit": str(limit)})
    if len(text.split()) < min_words and not any(c.isdigit() for c in text):
        return Answer(problem=texts.TOO_SHORT)
    return Answer({key: text})


def _attribute_value(attribute: Attribute, text: str, plain: str, today: date) -> Any:
    if attribute.datatype == "singlevaluelist":
        return _choice(attribute, plain)
    if attribute.datatype == "multivaluelist":
        parts = [normalize(part) for part in _SEPARATORS.split(text.lower())]
        keys = [_choice(attribute, part) for part in parts if part]
        keys = [k for k in keys if k is not None] if all(keys) else []
        return list(dict.fromkeys(keys)) or None
    if attribute.datatype == "number":
        return _number(plain)
    if attribute.datatype == "datetime":
        return _date(plain, today)
    return text if 0 < len(text) <= MAX_STRING else None


def _choice(attribute: Attribute, plain: str) -> str | None:
    choices = attribute.choices
    if plain.isdigit() and 1 <= int(plain) <= len(choices):
        return choices[int(plain) - 1].key
    found: set[str] = set()
    for choice in choices:
        if plain in (normalize(choice.key.replace("_", " ")), choice.key):
            return choice.key
        for name in choice.name.values():
            full, short = normalize(name), normalize(name.split("(")[0])
            if plain in (full, short):
                return choice.key
            # "il est grand" names the choice; "frigo" is a word of its long name.
            said = bool(short) and _has_words(plain, short)
            if said or (len(plain) >= 4 and _has_words(full, plain)):
                found.add(choice.key)
    return found.pop() if len(found) == 1 else None


def _has_words(text: str, words: str) -> bool:
    return re.search(rf"\b{re.escape(words)}\b", text) is not None


def _display(attribute: Attribute, value: Any, language: str | None) -> str:
    by_key = {choice.key: choice for choice in attribute.choices}
    values = value if isinstance(value, list) else [value]
    shown = [texts.pick(by_key[v].name, language) if v in by_key else str(v) for v in values]
    return ", ".join(shown)
