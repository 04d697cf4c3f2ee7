"""Texts of the satisfaction survey after a request is closed, in French and English."""

from __future__ import annotations

LANGUAGES = ("fr", "en")

# {ref}: reference number; {name}: service name in the text's language.
SMS_INVITATION = {
    "fr": "Ville – 311 : votre demande {ref} ({name}) est traitée. Comment évaluez-vous notre "
    "service? Répondez de 1 à 5 (1 = très insatisfait, 5 = très satisfait).",
    "en": "City 311: your request {ref} ({name}) is completed. How would you rate our "
    "service? Reply 1 to 5 (1 = very dissatisfied, 5 = very satisfied).",
}
SMS_THANKS = {
    "fr": "Ville – 311 : merci! Votre note de {rating} sur 5 est enregistrée.",
    "en": "City 311: thank you! Your rating of {rating} out of 5 has been recorded.",
}
EMAIL_SUBJECT = {
    "fr": "Votre avis sur la demande 311 {ref}",
    "en": "Your opinion on 311 request {ref}",
}
EMAIL_BODY = {
    "fr": (
        "Bonjour,\n\n"
        "Votre demande {ref} ({name}) est maintenant fermée (traitée).\n"
        "Comment évaluez-vous notre service? Donnez-nous une note de 1 à 5 :\n\n"
        "{url}\n\n"
        "Ce lien est personnel, ne sert qu'une fois et expire le {expires}.\n"
        "In English: {url_other}\n\n"
        "Ville – 311\n"
    ),
    "en": (
        "Hello,\n\n"
        "Your request {ref} ({name}) is now closed (completed).\n"
        "How would you rate our service? Give us a rating from 1 to 5:\n\n"
        "{url}\n\n"
        "This link is personal, works once and expires on {expires}.\n"
        "En français : {url_other}\n\n"
        "City 311\n"
    ),
}

# The survey page (GET /survey/{token}) and its answers.
PAGE = {
    "fr": {
        "lang_name": "Français",
        "title": "Sondage de satisfaction – 311",
        "heading": "Votre avis sur le service 311",
        "intro": "Votre demande {ref} ({name}) a été traitée. Comment évaluez-vous notre service?",
        "legend": "Votre note, de 1 (très insatisfait) à 5 (très satisfait)",
        "rating_1": "1 – très insatisfait",
        "rating_2": "2 – insatisfait",
        "rating_3": "3 – neutre",
        "rating_4": "4 – satisfait",
        "rating_5": "5 – très satisfait",
        "comment": "Commentaire (facultatif, sans renseignements personnels)",
        "submit": "Envoyer ma note",
        "switch": "English",
        "thanks_heading": "Merci!",
        "thanks": "Votre note de {rating} sur 5 est enregistrée. Elle nous aide à améliorer "
        "le service 311.",
        "invalid_rating": "Choisissez une note de 1 à 5.",
        "not_found_heading": "Sondage introuvable",
        "not_found": "Ce lien de sondage n'est pas valide. Vérifiez qu'il a été copié en entier.",
        "closed_heading": "Sondage terminé",
        "closed": "Ce sondage a déjà reçu une réponse ou il a expiré. Merci de votre intérêt!",
        "emergency": "Pour une urgence, composez le 911.",
    },
    "en": {
        "lang_name": "English",
        "title": "Satisfaction survey – 311",
        "heading": "Your opinion of the 311 service",
        "intro": "Your request {ref} ({name}) has been completed. How would you rate our service?",
        "legend": "Your rating, from 1 (very dissatisfied) to 5 (very satisfied)",
        "rating_1": "1 – very dissatisfied",
        "rating_2": "2 – dissatisfied",
        "rating_3": "3 – neutral",
        "rating_4": "4 – satisfied",
        "rating_5": "5 – very satisfied",
        "comment": "Comment (optional, no personal information)",
        "submit": "Send my rating",
        "switch": "Français",
        "thanks_heading": "Thank you!",
        "thanks": "Your rating of {rating} out of 5 has been recorded. It helps us improve "
        "the 311 service.",
        "invalid_rating": "Choose a rating from 1 to 5.",
        "not_found_heading": "Survey not found",
        "not_found": "This survey link is not valid. Check that it was copied in full.",
        "closed_heading": "Survey closed",
        "closed": "This survey was already answered or has expired. Thank you for your interest!",
        "emergency": "For an emergency, call 911.",
    },
}


def language(value: object, default: str = "fr") -> str:
    """``fr`` or ``en`` from a language tag (fr, fr-CA, en_CA...), else ``default``."""
    if isinstance(value, str) and value[:2].lower() in LANGUAGES:
        return value[:2].lower()
    return default
