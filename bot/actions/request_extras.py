"""The optional steps of a service request (photo, contact, language) and corrections.

Pure functions like bot.actions.request_questions, which asks these after the catalogue's own
questions: "photo" (skipped once a photo came with any message), "contact" (web only: on SMS
the gateway itself asks the citizen to reply "Oui" for text updates), "language" (only after a
contact), and "edit", the menu that lets the citizen pick a detail to answer again. A detail can
also be named directly: "modifier l'adresse", "change the photo".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.actions import request_texts as texts
from bot.actions.catalogue import Service

ADDRESS, DESCRIPTION, ATTRIBUTE = "address", "description", "attribute:"
PHOTO, CONTACT, LANGUAGE, EDIT, CONFIRM = "photo", "contact", "language", "edit", "confirm"
BACK, CANCEL = "back", "cancel"

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_SKIP = {"non", "no", "nope", "nan", "non merci", "no thanks", "pas de photo", "no photo",
         "aucune", "none", "passer", "skip", "deny", "pas besoin", "no need"}  # fmt: skip
_EDIT_VERB = re.compile(r"^(?:je veux |i want to |i d like to )?(modifier|changer|corriger|"
                        r"modifie|change|corrige|edit|correct|fix)\b\s*(.*)$")  # fmt: skip
_FIELD_WORDS: Mapping[str, tuple[str, ...]] = {
    ADDRESS: ("adresse", "address", "endroit", "lieu", "location", "position", "rue", "street"),
    DESCRIPTION: ("description", "details", "texte", "text"),
    PHOTO: ("photo", "photos", "image", "picture"),
    CONTACT: ("contact", "courriel", "email", "e mail", "telephone", "phone", "numero", "number",
              "cellulaire", "cell", "mises a jour", "updates"),
    LANGUAGE: ("langue", "language"),
}  # fmt: skip
_QUESTION_WORDS = {
    "quand", "quel", "quelle", "quels", "quelles", "comment", "où", "combien", "pourquoi",
    "est-ce", "est-ce-que", "puis-je", "peut-on", "when", "what", "what's", "whats", "how",
    "where", "which", "why", "can", "could", "do", "does", "is", "are",
}  # fmt: skip
_LANGUAGE_ANSWERS = {
    "1": "fr", "fr": "fr", "francais": "fr", "french": "fr", "en francais": "fr",
    "2": "en", "en": "en", "anglais": "en", "english": "en", "in english": "en",
}  # fmt: skip


@dataclass
class Answer:
    """What an answer changes in the details, or why it was not understood."""

    updates: dict[str, Any] = field(default_factory=dict)
    problem: texts.Texts | None = None
    values: dict[str, str] = field(default_factory=dict)


def is_question(text: str) -> bool:
    """ "Quelles sont les heures de la bibliothèque?", "when is garbage day": a question, not
    an answer (request_form answers it only when the NLU also took it for an faq)."""
    plain = " ".join(re.findall(r"[a-zà-ÿ0-9']+", text.lower().replace("’", "'")))
    return text.rstrip().endswith("?") or plain.split(" ")[0] in _QUESTION_WORDS


def next_optional(details: dict[str, Any]) -> str | None:
    """The optional step still to ask, after the catalogue's questions."""
    if not details.get("photos") and not details.get("photo_skipped"):
        return PHOTO
    if details.get("channel") != "sms" and CONTACT not in details:
        return CONTACT
    if details.get(CONTACT) and not details.get("contact_language"):
        return LANGUAGE
    return None


def parse_contact(text: str) -> dict[str, str] | None:
    """{"email": ...} or {"phone": "+1XXXXXXXXXX"} (a North American number), else None."""
    text = text.strip().strip(".")
    if _EMAIL.match(text) and len(text) <= 254:
        return {"email": text.lower()}
    if re.fullmatch(r"[\d\s().+-]{10,20}", text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789":
            return {"phone": "+1" + digits}
    return None


def edit_target(plain: str) -> str | None:
    """ "modifier l adresse" -> "address"; "modifier" alone -> the edit menu; else None."""
    matched = _EDIT_VERB.match(plain)
    if not matched:
        return None
    rest = f" {matched.group(2)} "
    found = [key for key, words in _FIELD_WORDS.items() if any(f" {w} " in rest for w in words)]
    return found[0] if len(found) == 1 else EDIT


def edit_choices(service: Service, details: dict[str, Any]) -> list[tuple[str, texts.Texts]]:
    """The details the citizen can answer again, then "nothing" and "cancel"."""
    choices: list[tuple[str, texts.Texts]] = []
    if service.location != "none":
        choices.append((ADDRESS, texts.ADDRESS_LABEL))
    if service.description_required or details.get(DESCRIPTION):
        choices.append((DESCRIPTION, texts.DESCRIPTION_LABEL))
    for attribute in service.required_attributes:
        choices.append((ATTRIBUTE + attribute.code, attribute.question))
    choices.append((PHOTO, texts.PHOTO_LABEL))
    if details.get("channel") != "sms":
        choices.append((CONTACT, texts.CONTACT_LABEL))
    if details.get(CONTACT):
        choices.append((LANGUAGE, texts.LANGUAGE_LABEL))
    return [*choices, (BACK, texts.NOTHING), (CANCEL, texts.CANCEL)]


def interpret_optional(
    question: str, service: Service, details: dict[str, Any], text: str, plain: str,
    intent: str | None,
) -> Answer:  # fmt: skip
    """What the answer to "photo", "contact", "language" or "edit" means."""
    skip = intent == "deny" or plain in _SKIP
    if question == PHOTO:
        # A photo itself never reaches here: request_form records it from the metadata.
        return (
            Answer({"photos": [], "photo_skipped": True})
            if skip
            else Answer(problem=texts.NOT_UNDERSTOOD)
        )
    if question == CONTACT:
        # A mistyped address or number is an attempt to give one, whatever the NLU made of it
        # (it took "name@example" for a "deny"): re-prompt rather than skip.
        tried = "@" in text or sum(character.isdigit() for character in text) >= 3
        if skip and not tried:
            return Answer({CONTACT: {}, "contact_language": None})
        contact = parse_contact(text)
        return Answer({CONTACT: contact}) if contact else Answer(problem=texts.BAD_CONTACT)
    if question == LANGUAGE:
        language = _LANGUAGE_ANSWERS.get(plain)
        return (
            Answer({"contact_language": language})
            if language
            else Answer(problem=texts.NOT_UNDERSTOOD)
        )
    choices = [key for key, _ in edit_choices(service, details)]
    picked = edit_target(f"modifier {plain}")
    if plain.isdigit() and 1 <= int(plain) <= len(choices):
        picked = choices[int(plain) - 1]
    elif plain in ("annuler", "cancel"):
        picked = CANCEL
    elif plain in ("rien", "nothing", "aucun", "none"):
        picked = BACK
    if picked == CANCEL:
        return Answer({"cancelled": True, "editing": None})
    if picked == BACK:
        return Answer({"editing": None})
    if picked in (None, EDIT) or picked not in choices:
        return Answer(problem=texts.NOT_UNDERSTOOD)
    return Answer({"editing": picked})


def render_optional(
    question: str, service: Service, details: dict[str, Any], language: str | None
) -> tuple[str, list[tuple[str, str]]]:
    """The text of an optional step and its buttons as (title, payload)."""
    if question == PHOTO:
        return texts.say(texts.ASK_PHOTO, language), [(texts.pick(texts.NO_PHOTO, language),
                                                       "/deny")]  # fmt: skip
    if question == CONTACT:
        return texts.say(texts.ASK_CONTACT, language), [
            (texts.pick(texts.NO_CONTACT, language), "/deny")
        ]
    if question == LANGUAGE:
        names = [texts.LANGUAGE_NAMES["fr"]["fr"], texts.LANGUAGE_NAMES["en"]["en"]]
        return texts.say(texts.ASK_LANGUAGE, language), [(n, str(i)) for i, n in
                                                         enumerate(names, start=1)]  # fmt: skip
    titles = [texts.pick(label, language) for _, label in edit_choices(service, details)]
    return texts.say(texts.ASK_EDIT, language), [(t, str(i)) for i, t in
                                                 enumerate(titles, start=1)]  # fmt: skip


def summary_optional(details: dict[str, Any], language: str | None) -> list[str]:
    """The optional details in the confirmation: photos, shared location, contact."""
    parts = []
    location = details.get("location")
    if isinstance(location, dict) and not details.get(ADDRESS):
        where = texts.say(texts.LOCATION_SUMMARY, language).replace("\n", " / ")
        parts.append(f"{where} ({location.get('lat')}, {location.get('long')})")
    if details.get("photos"):
        count = str(len(details["photos"]))
        parts.append(texts.say(texts.PHOTOS_SUMMARY, language, count=count).split("\n")[0])
    contact = details.get(CONTACT) or {}
    shown = contact.get("email") or contact.get("phone")
    if shown:
        chosen = details.get("contact_language")
        if chosen in texts.LANGUAGE_NAMES:
            shown = f"{shown} ({texts.pick(texts.LANGUAGE_NAMES[chosen], language)})"
        parts.append(texts.say(texts.UPDATES_SUMMARY, language, contact=shown).replace("\n", " / "))
    return parts
