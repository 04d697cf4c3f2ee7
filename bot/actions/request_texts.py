"""What the service-request questions say, in French and English.

These texts are assembled at run time around the catalogue's own questions and choices (which
come from the gateway in both languages), so they cannot be fixed domain responses. Every
entry has "fr" and "en"; `say` gives the citizen's language, or both while it is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

Texts = Mapping[str, str]

ASK_ADDRESS: Texts = {
    "fr": "À quelle adresse exactement? Ex. : 1234 rue Principale, ou le coin de deux rues.",
    "en": "At what address exactly? E.g. 1234 Main Street, or the corner of two streets.",
}
ASK_DESCRIPTION: Texts = {
    "fr": "Décrivez votre demande en quelques phrases.",
    "en": "Please describe your request in a few sentences.",
}
CHOICES_HINT: Texts = {
    "fr": "Répondez par le numéro ou le mot.",
    "en": "Answer with the number or the word.",
}
SEVERAL_HINT: Texts = {
    "fr": "Vous pouvez en donner plusieurs, séparés par des virgules.",
    "en": "You can give several, separated by commas.",
}
NUMBER_HINT: Texts = {"fr": "Répondez par un nombre.", "en": "Answer with a number."}
DATE_HINT: Texts = {
    "fr": "Par exemple « hier », « aujourd'hui » ou 2025-03-14.",
    "en": 'For example "yesterday", "today" or 2025-03-14.',
}
CONFIRM: Texts = {
    "fr": "Je résume : {summary}. Je l'envoie à la Ville? (oui / non)",
    "en": "To sum up: {summary}. Shall I send it to the City? (yes / no)",
}
CANCEL_HINT: Texts = {
    "fr": "(Écrivez « annuler » pour arrêter.)",
    "en": '(Type "cancel" to stop.)',
}
NOT_UNDERSTOOD: Texts = {
    "fr": "Désolé, je n'ai pas compris cette réponse.",
    "en": "Sorry, I didn't understand that answer.",
}
TOO_SHORT: Texts = {
    "fr": "Il me faut un peu plus de détails.",
    "en": "I need a few more details.",
}
TOO_LONG: Texts = {
    "fr": "C'est trop long : {limit} caractères au maximum.",
    "en": "That is too long: {limit} characters at most.",
}
YES_NO: Texts = {"fr": "Répondez « oui » ou « non ».", "en": 'Please answer "yes" or "no".'}
ADDRESS_LABEL: Texts = {"fr": "adresse", "en": "address"}

ALL: Mapping[str, Texts] = {
    name: value for name, value in dict(globals()).items() if name.isupper() and name != "ALL"
}


def say(texts: Texts, language: str | None, **values: str) -> str:
    """`texts` in `language` ("fr"/"en"); French then English when the language is unknown."""
    if language in ("fr", "en"):
        return texts[language].format(**values)
    return f"{texts['fr'].format(**values)}\n{texts['en'].format(**values)}"


def pick(names: Mapping[str, str], language: str | None) -> str:
    """A catalogue name ({"fr", "en"}) in `language`, or "fr / en" when it is unknown."""
    if language in ("fr", "en"):
        return names.get(language) or names.get("fr") or ""
    fr, en = names.get("fr") or "", names.get("en") or ""
    return fr if fr == en or not en else f"{fr} / {en}"
