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
    "fr": "Je résume : {summary}. Je l'envoie à la Ville?",
    "en": "To sum up: {summary}. Shall I send it to the City?",
}
CANCEL_HINT: Texts = {
    "fr": "(Écrivez « annuler » pour arrêter.)",
    "en": '(Type "cancel" to stop.)',
}
# "CANCEL" and "STOP" are SMS opt-out keywords: the gateway would stop all texts.
CANCEL_HINT_SMS: Texts = {
    "fr": "(Écrivez « annuler » pour arrêter.)",
    "en": '(Type "never mind" to stop.)',
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

ADDRESS_LABEL: Texts = {"fr": "Adresse", "en": "Address"}
ASK_PHOTO: Texts = {
    "fr": "Avez-vous une photo? Joignez-la maintenant (photo ou MMS), ou répondez « non ».",
    "en": 'Do you have a photo? Attach it now (photo or MMS), or answer "no".',
}
ASK_CONTACT: Texts = {
    "fr": "Voulez-vous recevoir les mises à jour de la demande? Donnez un numéro de cellulaire "
    "(texto) ou un courriel, ou répondez « non ».",
    "en": "Would you like updates about the request? Give a mobile number (text) or an e-mail "
    'address, or answer "no".',
}
BAD_CONTACT: Texts = {
    "fr": "Ce numéro ou ce courriel ne semble pas valide. Exemple : 613 555-0142 ou "
    "nom@exemple.ca. Ou répondez « non ».",
    "en": "That number or e-mail address does not look valid. Example: 613-555-0142 or "
    'name@example.ca. Or answer "no".',
}
ASK_LANGUAGE: Texts = {
    "fr": "En quelle langue voulez-vous recevoir les mises à jour?",
    "en": "In which language would you like the updates?",
}
ASK_EDIT: Texts = {
    "fr": "Que voulez-vous modifier?",
    "en": "What would you like to change?",
}
CONFIRM_HINT: Texts = {
    "fr": "Répondez « oui » pour l'envoyer, « modifier » pour corriger un détail ou « annuler ».",
    "en": 'Answer "yes" to send it, "change" to correct a detail or "cancel".',
}
NO_PHOTO: Texts = {"fr": "Pas de photo", "en": "No photo"}
NO_CONTACT: Texts = {"fr": "Non merci", "en": "No thanks"}
SEND: Texts = {"fr": "Oui, envoyer", "en": "Yes, send it"}
EDIT: Texts = {"fr": "Modifier", "en": "Change"}
CANCEL: Texts = {"fr": "Annuler", "en": "Cancel"}
NOTHING: Texts = {"fr": "Rien, revenir au résumé", "en": "Nothing, back to the summary"}
DESCRIPTION_LABEL: Texts = {"fr": "Description", "en": "Description"}
PHOTO_LABEL: Texts = {"fr": "Photo", "en": "Photo"}
CONTACT_LABEL: Texts = {"fr": "Coordonnées (mises à jour)", "en": "Contact for updates"}
LANGUAGE_LABEL: Texts = {"fr": "Langue des mises à jour", "en": "Language of the updates"}
PHOTOS_SUMMARY: Texts = {"fr": "{count} photo(s)", "en": "{count} photo(s)"}
LOCATION_SUMMARY: Texts = {"fr": "position partagée", "en": "shared location"}
UPDATES_SUMMARY: Texts = {"fr": "mises à jour : {contact}", "en": "updates: {contact}"}
UPDATES_EMAIL: Texts = {
    "fr": "Les mises à jour vous seront envoyées par courriel.",
    "en": "Updates will be sent to you by e-mail.",
}
UPDATES_SMS: Texts = {
    "fr": "Pour recevoir les mises à jour par texto, répondez « Oui » au texto qui vient de vous "
    "être envoyé.",
    "en": 'To get updates by text, reply "Yes" to the text message just sent to you.',
}
UPDATES_FAILED: Texts = {
    "fr": "Je n'ai pas pu inscrire vos coordonnées pour les mises à jour; suivez la demande avec "
    "son numéro.",
    "en": "I could not sign you up for updates; track the request with its number.",
}
LANGUAGE_NAMES: Mapping[str, Texts] = {
    "fr": {"fr": "Français", "en": "Français"},
    "en": {"fr": "English", "en": "English"},
}

ALL: Mapping[str, Texts] = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and name not in ("ALL", "LANGUAGE_NAMES")
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
