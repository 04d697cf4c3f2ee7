"""Decide whether a citizen's message is *clearly* French or *clearly* English.

Pure Python (lingua + a small lexicon), no Rasa import, so it is cheap to unit-test.

Statistical detection is unreliable on one or two words (lingua scores "allo" English and
"thx" French), so short messages are decided by a lexicon of chat words that only one of the
two languages uses, and longer ones by lingua with a confidence margin, the lexicon breaking
ties. Anything else -- a bare "ok", digits, emoji, a reference number, an address alone, a
mixed "merci / thanks" -- is not clear and yields ``None``: the caller keeps the language it
already had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lingua import Language, LanguageDetectorBuilder

LanguageCode = Literal["fr", "en"]


def _lexicon(*words: str) -> frozenset[str]:
    return frozenset(" ".join(words).split())


# Words keep their apostrophes: "c'est", "don't" (typographic ’ is normalised first).
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*", re.UNICODE)
# Elision is French ("j'ai", "c'est", "qu'il"); these contractions are English ("don't", "I'm").
_FRENCH_ELISION = re.compile(r"^(?:c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu)'[^\W\d_]")
_ENGLISH_CONTRACTION = re.compile(r"[^\W\d_](?:n't|'s|'m|'re|'ll|'ve|'d)$")
_REPEATS = re.compile(r"(.)\1+")
# A civic number at the start ("1234", "12b", "1234-5") and a street-type word make an address.
_CIVIC_NUMBER = re.compile(r"^\s*\d{1,6}[a-z]?(?:-\d{1,6})?\b", re.IGNORECASE)

# Words both languages use in Canadian chat: never evidence.
CHAT_WORDS = _lexicon(
    "ok okay oki okok k kk kay lol bye byebye hey yo hmm hum ah oh wow cool super nice top"
)

# Address and place vocabulary: street names are French or English whoever writes them.
PLACE_WORDS = _lexicon(
    """
    rue st ste saint sainte ave av avenue boul boulevard blvd bd ch chemin rd road dr drive
    street côte cote place pl route rte rang montée montee crescent cres croissant terrasse
    way lane ln court ct promenade prom allée allee square parkway autoroute hwy highway
    est ouest nord sud east west north south app apt unit suite qc on ont
    québec quebec montréal montreal gatineau laval sudbury winnipeg ottawa toronto
    """
)

NEUTRAL_WORDS = CHAT_WORDS | PLACE_WORDS

# In an address, articles and particles belong to the street name ("chemin de la Côte").
ADDRESS_PARTICLES = _lexicon("de la le les des du d l of the")

FRENCH_MARKERS = _lexicon(
    """
    oui ouais ouin ouep wi non nan nenon bonjour bonjours bonsoir bjr bon bonne matin journée
    journee soirée soiree allo allô salut slt coucou salutations merci mercis mrc svp stp
    revoir bientôt bientot tchao bienvenue ben pis chu jsuis je j tu vous nous mon ma mes le
    la les un une des du et pas avec pour dans sur chez quoi quand comment où pourquoi aussi
    beaucoup bcp mais parce très tres là ça à parfait absolument certainement effet sûr
    vas jamais négatif affirmatif pantoute gentil de au aux il ils elle qui que veux voudrais
    faut peux suis ai
    """,
    # 311 vocabulary, so that two-word messages ("taxe municipale") are clear too.
    """
    vidanges poubelles ordures déchets collecte cueillette bac encombrants meubles permis vente
    bibliothèque biblio heures horaire calendrier courriel téléphone numéro bureau lampadaire
    lumière trottoir neige déneigement déneigeuse souffleuse charrue fuite eau feu urgence
    incendie plainte préposé humain personne suivi demande requête taxe compte ouvert
    ouverte fermé fermée médaille chien nid poule trou aqueduc brisé brisée mort morte
    signaler problème enlever ramasser
    """,
)

ENGLISH_MARKERS = _lexicon(
    """
    yes yeah yea yep yup nope no nah hello hi hiya howdy greetings thanks thank thx thnx tks
    ty tyvm please pls plz good morning afternoon evening night goodbye farewell cheers
    welcome see ya cya later ttyl gotta take care alright sure course exactly right indeed
    ahead thing never negative wrong tell about you my the is are i im it its what when how
    where who why with for and not your our this that there have to get of at by from can do
    does did want need
    """,
    # 311 vocabulary, so that two-word messages ("dog licence") are clear too.
    """
    garbage trash pickup bin bins furniture permit yard library hours schedule calendar
    email phone number office streetlight streetlite light sidewalk snow plow water leak
    watermain fire emergency complaint human person representative operator track request
    status fix report remove account tax dog open closed pothole hole dead broken
    rummage staff
    """,
)


@dataclass(frozen=True)
class LanguageRules:
    """Thresholds of the decision; defaults were tuned on the bot's own training examples."""

    # lingua confidence the top language needs on messages of >= `min_statistical_words` words
    min_confidence: float = 0.75
    # lingua's own margin between the two languages (see LanguageDetectorBuilder)
    min_relative_distance: float = 0.1
    # shorter messages (after dropping neutral words) are decided by the lexicon alone...
    min_statistical_words: int = 3
    # ...unless lingua is nearly certain on enough letters ("déneigement")
    short_text_confidence: float = 0.97
    short_text_min_letters: int = 8


class ClearLanguageDetector:
    """French/English detector that answers only when the message is unambiguous."""

    def __init__(self, rules: LanguageRules | None = None) -> None:
        self.rules = rules or LanguageRules()
        self._lingua = (
            LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
            .with_minimum_relative_distance(self.rules.min_relative_distance)
            .with_preloaded_language_models()
            .build()
        )

    def detect(self, text: str | None) -> LanguageCode | None:
        """Return "fr" or "en" when `text` is clearly in that language, else None."""
        if not text:
            return None
        # Tokens with a digit (civic numbers, "3e", reference numbers, postal codes) say nothing
        # about the language, and their letters ("K7M" -> "K", "M") would only add noise.
        letters_only = " ".join(t for t in text.split() if not any(c.isdigit() for c in t))
        words = [w.lower() for w in _WORD.findall(letters_only.replace("’", "'"))]
        if _looks_like_address(text, words):
            return _by_markers([w for w in words if w not in NEUTRAL_WORDS | ADDRESS_PARTICLES])
        content = [w for w in words if w not in NEUTRAL_WORDS]
        if not content:
            return None
        by_markers = _by_markers(content)
        if len(content) < self.rules.min_statistical_words:
            if by_markers is not None:
                return by_markers
            return self._statistical(content, self.rules.short_text_confidence, short=True)
        statistical = self._statistical(content, self.rules.min_confidence, short=False)
        return statistical if statistical is not None else by_markers

    def _statistical(self, words: list[str], threshold: float, short: bool) -> LanguageCode | None:
        if short and sum(len(w) for w in words) < self.rules.short_text_min_letters:
            return None
        joined = " ".join(words)
        if self._lingua.detect_language_of(joined) is None:
            return None
        best = max(self._lingua.compute_language_confidence_values(joined), key=lambda c: c.value)
        if best.value < threshold:
            return None
        return "fr" if best.language == Language.FRENCH else "en"


def _looks_like_address(text: str, words: list[str]) -> bool:
    """A civic number first and a street-type word: "1234 rue Sainte-Catherine Est"."""
    if not _CIVIC_NUMBER.match(text) or len(words) > 8:
        return False
    return any(w in PLACE_WORDS for w in words)


def _squeeze(word: str) -> str:
    """Collapse repeated letters so SMS spellings match: "merciii", "hellooo", "heyy"."""
    return _REPEATS.sub(r"\1", word)


_FRENCH_SQUEEZED = frozenset(_squeeze(w) for w in FRENCH_MARKERS)
_ENGLISH_SQUEEZED = frozenset(_squeeze(w) for w in ENGLISH_MARKERS)


def is_french_marker(word: str) -> bool:
    """A word only French uses in chat ("oui", "merciii", "c'est")."""
    return _in_lexicon(word, FRENCH_MARKERS, _FRENCH_SQUEEZED) or bool(_FRENCH_ELISION.match(word))


def is_english_marker(word: str) -> bool:
    """A word only English uses in chat ("yes", "hellooo", "don't")."""
    return _in_lexicon(word, ENGLISH_MARKERS, _ENGLISH_SQUEEZED) or bool(
        _ENGLISH_CONTRACTION.search(word)
    )


def _in_lexicon(word: str, lexicon: frozenset[str], squeezed: frozenset[str]) -> bool:
    # Squeeze only words that have repeats, so "se" never matches English "see".
    return word in lexicon or (_squeeze(word) != word and _squeeze(word) in squeezed)


def _by_markers(words: list[str]) -> LanguageCode | None:
    french = sum(is_french_marker(w) for w in words)
    english = sum(is_english_marker(w) for w in words)
    if french and not english:
        return "fr"
    if english and not french:
        return "en"
    return None
