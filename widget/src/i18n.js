// Every text the widget shows, in Canadian French and English.

export const LANGUAGES = ["fr", "en"];

const TEXTS = {
  fr: {
    title: "Services 311",
    subtitle: "Assistant virtuel de la Ville",
    launcher: "Clavarder avec le 311",
    close: "Fermer le clavardage",
    switchLanguage: "English",
    log: "Conversation",
    inputLabel: "Votre message",
    placeholder: "Écrivez votre message…",
    send: "Envoyer",
    you: "Vous",
    bot: "Assistant 311",
    agent: "Agent",
    system: "Avis",
    welcome:
      "Bonjour! Je suis l'assistant virtuel du 311. Posez votre question ou signalez un problème (nid-de-poule, collecte manquée, lampadaire…). En cas d'urgence, composez le 911.",
    typing: "L'assistant écrit…",
    agentTyping: (name) => `${name} écrit…`,
    offline:
      "Connexion perdue. Vos messages seront envoyés dès le retour de la connexion.",
    queued: "En attente d'envoi",
    failed: "Non envoyé",
    tools: "Options",
    location: "Partager ma position",
    locationShort: "Ma position",
    locationText: (lat, long) => `📍 Ma position : ${lat}, ${long}`,
    locationDenied:
      "Votre position n'a pas pu être obtenue. Vous pouvez plutôt écrire l'adresse.",
    locationUnsupported: "Votre navigateur ne permet pas de partager votre position.",
    locating: "Recherche de votre position…",
    photo: "Joindre une photo",
    photoShort: "Photo",
    photoText: (url) => `📷 Photo jointe : ${url}`,
    photoType: "Seules les photos JPEG, PNG ou WebP sont acceptées.",
    photoTooBig: (mb) => `La photo est trop lourde : ${mb} Mo au maximum.`,
    photoFailed: "La photo n'a pas pu être envoyée. Veuillez réessayer.",
    uploading: "Envoi de la photo",
    cancel: "Annuler",
    agentRequest: "Parler à un agent",
    agentRequestText: "Je voudrais parler à un agent.",
    agentHours: (hours) => `Agents en direct : ${hours}`,
    replies: "Réponses suggérées",
    end: "Terminer",
    endLabel: "Terminer la conversation",
    ended: "La conversation est terminée.",
    ratingLegend: "Êtes-vous satisfait de cette conversation? (1 = pas du tout, 5 = très)",
    ratingValues: ["1 — Pas du tout satisfait", "2 — Peu satisfait", "3 — Moyennement satisfait", "4 — Satisfait", "5 — Très satisfait"],
    ratingSubmit: "Envoyer mon évaluation",
    ratingThanks: "Merci pour votre évaluation!",
    ratingFailed: "Votre évaluation n'a pas pu être envoyée. Veuillez réessayer.",
    ratingMissing: "Veuillez choisir une note de 1 à 5.",
    transcript: "Télécharger la transcription",
    transcriptTitle: "Transcription de la conversation 311",
    transcriptFile: "transcription-311",
    restart: "Nouvelle conversation",
    image: "Image envoyée par l'assistant",
    photoAlt: "Photo jointe",
    newWindow: "(s'ouvre dans une nouvelle fenêtre)",
    unread: (n) => (n === 1 ? "(1 nouveau message)" : `(${n} nouveaux messages)`),
  },
  en: {
    title: "311 Services",
    subtitle: "The City's virtual assistant",
    launcher: "Chat with 311",
    close: "Close the chat",
    switchLanguage: "Français",
    log: "Conversation",
    inputLabel: "Your message",
    placeholder: "Type your message…",
    send: "Send",
    you: "You",
    bot: "311 Assistant",
    agent: "Agent",
    system: "Notice",
    welcome:
      "Hello! I am the 311 virtual assistant. Ask your question or report a problem (pothole, missed collection, streetlight…). In an emergency, dial 911.",
    typing: "The assistant is typing…",
    agentTyping: (name) => `${name} is typing…`,
    offline: "Connection lost. Your messages will be sent as soon as the connection is back.",
    queued: "Waiting to be sent",
    failed: "Not sent",
    tools: "Options",
    location: "Share my location",
    locationShort: "My location",
    locationText: (lat, long) => `📍 My location: ${lat}, ${long}`,
    locationDenied: "Your location could not be obtained. You can type the address instead.",
    locationUnsupported: "Your browser cannot share your location.",
    locating: "Finding your location…",
    photo: "Attach a photo",
    photoShort: "Photo",
    photoText: (url) => `📷 Photo attached: ${url}`,
    photoType: "Only JPEG, PNG or WebP photos are accepted.",
    photoTooBig: (mb) => `The photo is too large: ${mb} MB at most.`,
    photoFailed: "The photo could not be sent. Please try again.",
    uploading: "Uploading the photo",
    cancel: "Cancel",
    agentRequest: "Talk to an agent",
    agentRequestText: "I would like to talk to an agent.",
    agentHours: (hours) => `Live agents: ${hours}`,
    replies: "Suggested answers",
    end: "End",
    endLabel: "End the conversation",
    ended: "The conversation has ended.",
    ratingLegend: "How satisfied are you with this conversation? (1 = not at all, 5 = very)",
    ratingValues: ["1 — Not at all satisfied", "2 — Slightly satisfied", "3 — Moderately satisfied", "4 — Satisfied", "5 — Very satisfied"],
    ratingSubmit: "Send my rating",
    ratingThanks: "Thank you for your rating!",
    ratingFailed: "Your rating could not be sent. Please try again.",
    ratingMissing: "Please choose a rating from 1 to 5.",
    transcript: "Download the transcript",
    transcriptTitle: "311 conversation transcript",
    transcriptFile: "transcript-311",
    restart: "New conversation",
    image: "Image sent by the assistant",
    photoAlt: "Attached photo",
    newWindow: "(opens in a new window)",
    unread: (n) => (n === 1 ? "(1 new message)" : `(${n} new messages)`),
  },
};

/** The text `key` in `lang`, called with `args` when it is a function. */
export function t(lang, key, ...args) {
  const value = (TEXTS[lang] || TEXTS.fr)[key];
  return typeof value === "function" ? value(...args) : value;
}

/** "fr" or "en" from a BCP 47 tag ("fr-CA", "en-US"...), or null. */
export function normalizeLanguage(tag) {
  const base = String(tag || "").trim().toLowerCase().slice(0, 2);
  return LANGUAGES.includes(base) ? base : null;
}

/** A gateway text {text, fr, en} in the UI language, falling back to `text`. */
export function pick(lang, body) {
  if (!body) return "";
  return body[lang] || body.text || body.fr || body.en || "";
}

export { TEXTS };
