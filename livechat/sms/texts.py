"""What the SMS channel itself writes to citizens (and to agents), in French and English.

Kept short: every character is paid for. French keeps its accents (an SMS with ê or ç is
UCS-2, 70 characters per segment); keywords are written without accents so they are easy to type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

LANGUAGES = ("fr", "en")

TEXTS: dict[str, dict[str, str]] = {
    "opted_out": {
        "fr": "311 : vous ne recevrez plus de textos à ce numéro. Répondez DEBUT pour les "
        "recevoir de nouveau.",
        "en": "311: you will no longer receive text messages at this number. Reply START to "
        "receive them again.",
    },
    "opted_in": {
        "fr": "311 : vous recevrez de nouveau nos textos. Répondez AIDE pour de l'aide ou "
        "ARRET pour ne plus en recevoir.",
        "en": "311: you will receive our text messages again. Reply HELP for help or STOP to "
        "stop receiving them.",
    },
    "help": {
        "fr": "311 de la Ville : ce numéro répond par texto aux questions et demandes de "
        "service non urgentes. Urgence : 911. Par téléphone : 311. Clavardage avec un "
        "préposé : {hours}. Répondez ARRET pour ne plus recevoir de textos.",
        "en": "City 311: this number answers non-emergency questions and service requests by "
        "text. Emergency: 911. By phone: 311. Live chat with an agent: {hours}. Reply STOP "
        "to stop receiving texts.",
    },
    "subscription_confirmed": {
        "fr": "Merci! Vous recevrez par texto les mises à jour de la demande {refs}.",
        "en": "Thank you! You will get text updates about request {refs}.",
    },
    "subscriptions_confirmed": {
        "fr": "Merci! Vous recevrez par texto les mises à jour des demandes {refs}.",
        "en": "Thank you! You will get text updates about requests {refs}.",
    },
    "rate_limited": {
        "fr": "Vous envoyez trop de messages à la fois. Patientez une minute avant de "
        "réécrire. Urgence : 911.",
        "en": "You are sending too many messages at once. Please wait a minute before writing "
        "again. Emergency: 911.",
    },
    "storage_unavailable": {
        "fr": "Nous ne pouvons pas recevoir votre message pour le moment. Réessayez dans "
        "quelques minutes ou appelez le 311. Urgence : 911.",
        "en": "We cannot receive your message right now. Try again in a few minutes or call "
        "311. Emergency: 911.",
    },
    # For agents (activity in the conversation), not for citizens.
    "opted_out_note": {
        "fr": "Le citoyen a répondu {word} : plus aucun texto ne lui sera envoyé.",
        "en": "The citizen replied {word}: no text message will be sent to them anymore.",
    },
    "opted_in_note": {
        "fr": "Le citoyen a répondu {word} : il reçoit de nouveau les textos.",
        "en": "The citizen replied {word}: text messages are sent to them again.",
    },
    "delivery_failed": {
        "fr": "Texto non livré au {phone} après {attempts} tentative(s) (erreur {error}).",
        "en": "Text message not delivered to {phone} after {attempts} attempt(s) (error {error}).",
    },
}

_CHOICE_PROMPT = {"fr": ("Répondez", "ou"), "en": ("Reply", "or")}


def sms_text(key: str, language: str | None, **params: Any) -> str:
    """The text in `language`; French then English when the language is unknown."""
    if language in LANGUAGES:
        return TEXTS[key][language].format(**params)
    return both(key, **params)


def both(key: str, **params: Any) -> str:
    """French, then English on the next line."""
    return "\n".join(TEXTS[key][language].format(**params) for language in LANGUAGES)


def choice_prompt(count: int, language: str | None) -> str:
    """ "Répondez 1, 2 ou 3." / "Reply 1, 2 or 3." (both when the language is unknown)."""
    if language not in LANGUAGES:
        return " / ".join(choice_prompt(count, lang) for lang in LANGUAGES)
    verb, last = _CHOICE_PROMPT[language]
    numbers = [str(n) for n in range(1, count + 1)]
    listed = numbers[0] if count == 1 else f"{', '.join(numbers[:-1])} {last} {numbers[-1]}"
    return f"{verb} {listed}."


def numbered_choices(titles: Sequence[str], language: str | None) -> str:
    """The lines "1. Oui", "2. Non", then the prompt."""
    lines = [f"{number}. {title}" for number, title in enumerate(titles, start=1)]
    return "\n".join([*lines, choice_prompt(len(titles), language)])
