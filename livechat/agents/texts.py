"""Bilingual texts of live chat: what citizens are told, and the agents' error messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from livechat.conversations.handoff import pick
from livechat.i18n import LANGUAGES

__all__ = ["ACTIVITY", "CITIZEN", "ERRORS", "both", "error_body", "moment", "pick"]

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_URGENT = {
    "fr": "Pour un problème urgent touchant les infrastructures municipales (bris d'aqueduc, "
    "route dangereuse, etc.), appelez le 311. En cas d'urgence, composez le 911.",
    "en": "For an urgent problem with municipal infrastructure (water main break, dangerous "
    "road, etc.), call 311. In an emergency, dial 911.",
}

CITIZEN: dict[str, dict[str, str]] = {
    "queue_position": {
        "fr": "Un agent du 311 va vous répondre. Vous êtes le numéro {position} dans la file "
        "d'attente; attente estimée : environ {wait_minutes} min.",
        "en": "A 311 agent will be with you shortly. You are number {position} in the queue; "
        "estimated wait: about {wait_minutes} min.",
    },
    "queue_position_update": {
        "fr": "Vous êtes maintenant le numéro {position} dans la file d'attente; attente "
        "estimée : environ {wait_minutes} min.",
        "en": "You are now number {position} in the queue; estimated wait: about "
        "{wait_minutes} min.",
    },
    "agent_joined": {
        "fr": "{agent_name}, agent du 311, s'est joint à la conversation.",
        "en": "{agent_name} from 311 has joined the conversation.",
    },
    "agent_left_transfer": {
        "fr": "{agent_name} transfère votre conversation à un autre agent du 311.",
        "en": "{agent_name} is transferring your conversation to another 311 agent.",
    },
    "agent_left_bot": {
        "fr": "{agent_name} a quitté la conversation; l'assistant virtuel du 311 reprend. "
        "Écrivez-moi si vous avez une autre question.",
        "en": "{agent_name} has left the conversation; the 311 virtual assistant is back. "
        "Write to me if you have another question.",
    },
    "agent_left_requeue": {
        "fr": "Votre agent a été déconnecté. Vous reprenez votre place dans la file d'attente; "
        "un autre agent va vous répondre.",
        "en": "Your agent was disconnected. You are back at your place in the queue; another "
        "agent will answer you.",
    },
    "resolved": {
        "fr": "La conversation est terminée. Merci d'avoir communiqué avec le 311! Vous pouvez "
        "nous écrire de nouveau en tout temps.",
        "en": "The conversation is over. Thank you for contacting 311! You can write to us "
        "again at any time.",
    },
    "survey": {
        "fr": "Êtes-vous satisfait de cette conversation? Donnez une note de 1 (pas du tout) "
        "à 5 (très satisfait).",
        "en": "Are you satisfied with this conversation? Give a rating from 1 (not at all) "
        "to 5 (very satisfied).",
    },
    "offline_closed": {
        "fr": "Nos agents du 311 sont disponibles {hours}; ils seront de retour {next_opening}. "
        "D'ici là, je peux vous aider à faire une demande de service, ou vous pouvez laisser "
        "un message : un agent vous répondra le prochain jour ouvrable. " + _URGENT["fr"],
        "en": "Our 311 agents are available {hours}; they will be back {next_opening}. "
        "Until then, I can help you file a service request, or you can leave a message: an "
        "agent will answer you on the next business day. " + _URGENT["en"],
    },
    "offline_no_agent": {
        "fr": "Aucun agent du 311 n'est disponible pour le moment (heures : {hours}). Je peux "
        "vous aider à faire une demande de service, ou vous pouvez laisser un message : un "
        "agent vous répondra dès que possible, au plus tard le prochain jour ouvrable. "
        + _URGENT["fr"],
        "en": "No 311 agent is available right now (hours: {hours}). I can help you file a "
        "service request, or you can leave a message: an agent will answer you as soon as "
        "possible, at the latest on the next business day. " + _URGENT["en"],
    },
    "leave_message_prompt": {
        "fr": "Écrivez votre message ici, avec les détails utiles (adresse, description). Un "
        "agent du 311 vous répondra ici le prochain jour ouvrable. " + _URGENT["fr"],
        "en": "Write your message here, with the useful details (address, description). A 311 "
        "agent will answer you here on the next business day. " + _URGENT["en"],
    },
    "offline_received": {
        "fr": "Merci, votre message est bien reçu. Un agent du 311 vous répondra le prochain "
        "jour ouvrable.",
        "en": "Thank you, your message was received. A 311 agent will answer you on the next "
        "business day.",
    },
    "bot_unavailable_offer": {
        "fr": "Notre assistant virtuel est temporairement indisponible, mais un agent du 311 "
        "peut prendre le relais : choisissez « Parler à un agent ». En cas d'urgence, "
        "composez le 911.",
        "en": "Our virtual assistant is temporarily unavailable, but a 311 agent can take "
        "over: choose “Talk to an agent”. In an emergency, dial 911.",
    },
    "request_filed": {
        "fr": "Votre demande de service est enregistrée. Numéro de référence : {reference}.",
        "en": "Your service request has been filed. Reference number: {reference}.",
    },
    "survey_thanks": {
        "fr": "Merci pour votre évaluation!",
        "en": "Thank you for your rating!",
    },
    "button_leave_message": {"fr": "Laisser un message", "en": "Leave a message"},
    "button_talk_to_agent": {"fr": "Parler à un agent", "en": "Talk to an agent"},
    "emergency": {
        "fr": "S'il s'agit d'une urgence, composez immédiatement le 911. Le 311 ne remplace "
        "pas le 911.",
        "en": "If this is an emergency, dial 911 right away. 311 does not replace 911.",
    },
}

# Lines of the transcript only agents see (direction "activity").
ACTIVITY: dict[str, dict[str, str]] = {
    "queued": {"fr": "Mise en file d'attente ({reason}).", "en": "Queued ({reason})."},
    "assigned": {"fr": "Prise en charge par {agent_name}.", "en": "Taken by {agent_name}."},
    "transferred": {
        "fr": "Transférée de {from_name} à {agent_name}.",
        "en": "Transferred from {from_name} to {agent_name}.",
    },
    "requeued": {
        "fr": "Remise en file : {agent_name} est déconnecté.",
        "en": "Back to the queue: {agent_name} disconnected.",
    },
    "resolved": {"fr": "Résolue par {agent_name}.", "en": "Resolved by {agent_name}."},
    "handed_back": {
        "fr": "Rendue à l'assistant virtuel par {agent_name}.",
        "en": "Handed back to the bot by {agent_name}.",
    },
    "request_filed": {
        "fr": "Demande {reference} ({service_code}) déposée par {agent_name}.",
        "en": "Request {reference} ({service_code}) filed by {agent_name}.",
    },
}

ERRORS: dict[str, dict[str, str]] = {
    "invalid_payload": {
        "fr": "Requête invalide : vérifiez les champs envoyés.",
        "en": "Invalid request: check the fields sent.",
    },
    "invalid_credentials": {
        "fr": "Courriel ou mot de passe incorrect.",
        "en": "Incorrect email or password.",
    },
    "too_many_attempts": {
        "fr": "Trop de tentatives de connexion. Réessayez dans {minutes} min.",
        "en": "Too many login attempts. Try again in {minutes} min.",
    },
    "origin_refused": {
        "fr": "Cette origine n'est pas autorisée.",
        "en": "This origin is not allowed.",
    },
    "unauthorized": {
        "fr": "Veuillez vous connecter.",
        "en": "Please log in.",
    },
    "forbidden": {
        "fr": "Accès réservé aux services internes.",
        "en": "Internal services only.",
    },
    "not_found": {"fr": "Conversation introuvable.", "en": "Conversation not found."},
    "not_assigned": {
        "fr": "Cette conversation ne vous est pas assignée.",
        "en": "This conversation is not assigned to you.",
    },
    "already_claimed": {
        "fr": "Un autre agent a déjà pris cette conversation.",
        "en": "Another agent already took this conversation.",
    },
    "not_queued": {
        "fr": "Cette conversation n'est pas en file d'attente.",
        "en": "This conversation is not in the queue.",
    },
    "agent_unavailable": {
        "fr": "Cet agent n'est pas disponible.",
        "en": "This agent is not available.",
    },
    "empty_message": {"fr": "Le message est vide.", "en": "The message is empty."},
    "too_long": {
        "fr": "Le message est trop long : {limit} caractères au maximum.",
        "en": "The message is too long: {limit} characters at most.",
    },
    "request_invalid": {
        "fr": "La demande n'a pas pu être déposée : {reason_fr}",
        "en": "The request could not be filed: {reason_en}",
    },
    "bot_unavailable": {
        "fr": "L'assistant virtuel ne répond pas pour le moment.",
        "en": "The virtual assistant is not answering right now.",
    },
    "storage_unavailable": {
        "fr": "La base de données est indisponible; réessayez.",
        "en": "The database is unavailable; try again.",
    },
    "requests_unavailable": {
        "fr": "Le dépôt de demandes n'est pas activé sur ce serveur.",
        "en": "Filing requests is not enabled on this server.",
    },
}


def both(table: dict[str, dict[str, str]], key: str, **params: Any) -> dict[str, str]:
    """{"fr": ..., "en": ...} of `key` in `table`; params may be {"fr": .., "en": ..} dicts."""
    return {
        language: table[key][language].format(
            **{k: (v[language] if isinstance(v, dict) else v) for k, v in params.items()}
        )
        for language in LANGUAGES
    }


def error_body(code: str, **params: Any) -> dict[str, Any]:
    """{"error": code, "message": {"fr", "en"}}."""
    return {"error": code, "message": both(ERRORS, code, **params)}


def moment(at: dt.datetime, tz: dt.tzinfo) -> dict[str, str]:
    """A future instant in words: "lundi 10 mars à 7 h 30" / "Monday, March 10 at 7:30 a.m."."""
    local = at.astimezone(tz)
    minutes = f" {local.minute:02d}" if local.minute else ""
    hour12 = (local.hour - 1) % 12 + 1
    suffix = "a.m." if local.hour < 12 else "p.m."
    return {
        "fr": f"{_DAYS_FR[local.weekday()]} {local.day} {_MONTHS_FR[local.month - 1]} "
        f"à {local.hour} h{minutes}",
        "en": f"{_DAYS_EN[local.weekday()]}, {_MONTHS_EN[local.month - 1]} {local.day} "
        f"at {hour12}:{local.minute:02d} {suffix}",
    }
