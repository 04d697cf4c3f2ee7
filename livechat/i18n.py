"""Every citizen-facing text the gateway writes itself, in Canadian French and English."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fr", "en")

TEXTS: dict[str, dict[str, str]] = {
    "bot_unavailable": {
        "fr": "Notre assistant virtuel est temporairement indisponible. Votre message a bien été "
        "reçu; veuillez réessayer dans quelques minutes ou appeler le 311. En cas d'urgence, "
        "composez le 911.",
        "en": "Our virtual assistant is temporarily unavailable. Your message was received; "
        "please try again in a few minutes or call 311. In an emergency, dial 911.",
    },
    "storage_unavailable": {
        "fr": "Nous n'avons pas pu recevoir votre message pour le moment. Veuillez réessayer "
        "dans quelques instants.",
        "en": "We could not receive your message right now. Please try again in a moment.",
    },
    "invalid_payload": {
        "fr": "Ce message n'a pas le bon format et n'a pas pu être lu.",
        "en": "This message is not in the expected format and could not be read.",
    },
    "missing_message": {
        "fr": "Le message est manquant. Veuillez écrire votre question.",
        "en": "The message is missing. Please type your question.",
    },
    "not_a_string": {
        "fr": "Le message doit être du texte.",
        "en": "The message must be text.",
    },
    "empty_message": {
        "fr": "Le message est vide. Veuillez écrire votre question.",
        "en": "The message is empty. Please type your question.",
    },
    "too_long": {
        "fr": "Le message est trop long : {limit} caractères au maximum. Veuillez le raccourcir "
        "ou l'envoyer en plusieurs parties.",
        "en": "The message is too long: {limit} characters at most. Please shorten it or send "
        "it in several parts.",
    },
    "invalid_session_id": {
        "fr": "L'identifiant de session est invalide. Veuillez recharger la page.",
        "en": "The session identifier is invalid. Please reload the page.",
    },
    "no_session": {
        "fr": "La session de clavardage n'est pas encore ouverte. Veuillez recharger la page.",
        "en": "The chat session is not open yet. Please reload the page.",
    },
    "session_mismatch": {
        "fr": "Ce message n'appartient pas à votre session de clavardage et a été refusé.",
        "en": "This message does not belong to your chat session and was refused.",
    },
    "rate_limited": {
        "fr": "Vous envoyez des messages trop rapidement. Veuillez patienter quelques secondes.",
        "en": "You are sending messages too quickly. Please wait a few seconds.",
    },
    "invalid_rating": {
        "fr": "La note doit être un chiffre de 1 à 5.",
        "en": "The rating must be a number from 1 to 5.",
    },
    "no_conversation": {
        "fr": "Il n'y a pas encore de conversation à évaluer. Écrivez-nous d'abord.",
        "en": "There is no conversation to rate yet. Please write to us first.",
    },
    "too_large": {
        "fr": "La photo est trop lourde ({megabytes} Mo au maximum).",
        "en": "The photo is too large ({megabytes} MB at most).",
    },
    "unsupported_type": {
        "fr": "Seules les photos JPEG, PNG ou WebP sont acceptées.",
        "en": "Only JPEG, PNG or WebP photos are accepted.",
    },
    "invalid_upload": {
        "fr": "L'envoi de la photo n'a pas pu être lu. Veuillez choisir la photo de nouveau.",
        "en": "The photo upload could not be read. Please choose the photo again.",
    },
    "internal_error": {
        "fr": "Une erreur inattendue est survenue. Veuillez réessayer.",
        "en": "An unexpected error occurred. Please try again.",
    },
}


def translate(key: str, language: str, **params: Any) -> str:
    """The text `key` in `language` ("fr" or "en"), with {placeholders} filled from params."""
    return TEXTS[key][language].format(**params)


def text_for(key: str, language: str | None, **params: Any) -> str:
    """The text in `language`, or French then English when the language is unknown."""
    if language in LANGUAGES:
        return translate(key, language, **params)
    return bilingual(key, **params)


def bilingual(key: str, **params: Any) -> str:
    """French then English, separated by a blank line."""
    return "\n\n".join(translate(key, language, **params) for language in LANGUAGES)


def both(key: str, **params: Any) -> dict[str, str]:
    """{"fr": ..., "en": ...} for `key`."""
    return {language: translate(key, language, **params) for language in LANGUAGES}


def find_key(text: str | None) -> str | None:
    """The key of a stored text without placeholders (French, English or both), else None.

    Lets history give `fr`/`en` for notices stored as plain text (e.g. `bot_unavailable`).
    """
    if not text:
        return None
    for key, texts in TEXTS.items():
        if "{" in texts["fr"]:
            continue
        if text in (texts["fr"], texts["en"], bilingual(key)):
            return key
    return None
