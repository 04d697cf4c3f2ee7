"""Rasa NLU component: a linear intent classifier over n-grams and pretrained vectors, blended
with DIET's ranking.

Why a second classifier: with ~50 examples per intent and language, DIET (trained from scratch)
learns the words of the examples but not what they mean; held-out questions with new words
("my wife passed out", "coucou", "the green light is too short") went to the wrong intent. A
linear SVM over TF-IDF word and character n-grams plus WordLlama's pretrained vectors
(bot/components/word_vectors.py) generalises better from few examples, and the two models make
different mistakes, so their blend beats either (figures in config.yml and bot/README.md).

Placed after DIETClassifier: it reads DIET's `intent_ranking`, blends it with its own
probabilities (`diet_weight` x DIET + (1 - diet_weight) x linear) and rewrites `intent` and
`intent_ranking`; the ResponseSelector and FallbackClassifier after it work as before. The SVM
is trained on full retrieval names (`faq/tax_account`), whose probabilities are summed into
`faq`, since the FAQ topics are as distinct as any two intents.

Two things it does that DIET cannot: a reference number becomes one token (`refnum`), so
"track 311YT4PZ8QJ3" is read like every "track <reference>" example; and a text with no known
word (keyboard mash, "???") gets an even distribution, so the FallbackClassifier asks the
citizen to rephrase instead of the nearest n-grams picking an intent ("asdf" was `affirm`).
"""

from __future__ import annotations

import logging
import pickle
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.reference_number import find_reference
from bot.components.word_vectors import shared_text_vectors

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent.pkl"
RANKING_LENGTH = 10


def normalised(text: str) -> str:
    """Lower case, no accents, letters and digits only: citizens type "deneigement" as often as
    "déneigement"."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text))


REFERENCE_WORD = "refnum"
# Emoji said instead of words (SMS): normalised() would drop them.
EMOJI_WORDS = {"👍": "ok", "👌": "ok", "✅": "ok", "👎": "non", "❌": "non", "🙏": "merci"}


@lru_cache(maxsize=4096)  # each parse reads a text three times (words, characters, knows())
def classifier_text(text: str) -> str:
    """`normalised()` with every reference number replaced by one token: references are random,
    so "track 311YT4PZ8QJ3" must look like every other "track <reference>" example."""
    while (found := find_reference(text)) is not None:
        _, start, end = found
        text = f"{text[:start]} {REFERENCE_WORD} {text[end:]}"
    for emoji, word in EMOJI_WORDS.items():
        text = text.replace(emoji, f" {word} ")
    return normalised(text)


def squeezed(word: str) -> str:
    """Letters typed three or more times in a row once: "hellooo" is "hello", "allo" stays."""
    return re.sub(r"(.)\1{2,}", r"\1", word)


def deletions(word: str) -> set[str]:
    """`word` with one character removed, each way: two words one typo apart (a letter missing,
    extra or changed) share one of these, or one is the other's. Words under four letters have
    none, or "ok" would be one typo from most two-letter strings."""
    return {word[:i] + word[i + 1:] for i in range(len(word))} if len(word) >= 4 else set()


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class LinearIntentModel:
    """TF-IDF word and character n-grams + text vectors -> linear SVM, one score per label."""

    def __init__(self, config: dict[str, Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.words = TfidfVectorizer(analyzer="word", ngram_range=tuple(config["word_ngrams"]),
                                     sublinear_tf=True, preprocessor=classifier_text)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"]),
                                     sublinear_tf=True, preprocessor=classifier_text,
                                     min_df=2)
        self.svm = LinearSVC(C=config["C"], random_state=config["random_seed"])
        self.vectors_weight = float(config["vectors_weight"])
        self.known_words: set[str] = set()
        self.known_deletions: set[str] = set()

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.svm.classes_]

    def _features(self, texts: list[str], fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        parts = [self.words.fit_transform(texts) if fit else self.words.transform(texts),
                 self.chars.fit_transform(texts) if fit else self.chars.transform(texts)]
        if self.vectors_weight:
            parts.append(csr_matrix(shared_text_vectors().embed(texts) * self.vectors_weight))
        return hstack(parts).tocsr()

    def fit(self, texts: list[str], labels: list[str]) -> None:
        self.svm.fit(self._features(texts, fit=True), labels)
        self.known_words = {word for text in texts for word in classifier_text(text).split()}
        self.known_deletions = {d for word in self.known_words for d in deletions(word)}

    def knows(self, text: str) -> bool:
        """Whether a word of `text` is known, give or take one typo ("helo", "thnks"), from the
        examples or the French vectors' 500,000 words (many English ones among them).

        Keyboard mash ("asdf", "???") is not, and would otherwise get whichever intent its
        character n-grams happen to be nearest (affirm, at about 0.6)."""
        if not hasattr(self, "known_words"):  # pickled before this check existed
            return True
        words = classifier_text(text)
        for word in map(squeezed, words.split()):
            if word in self.known_words or word == REFERENCE_WORD:
                return True
            typos = deletions(word)
            if (word in self.known_deletions or not self.known_words.isdisjoint(typos)
                    or not self.known_deletions.isdisjoint(typos)):
                return True
        vectors = shared_text_vectors()
        return vectors.knows_a_word(text) or vectors.knows_a_word(words)

    def scores(self, texts: list[str]) -> np.ndarray:
        """The SVM's margins, one row per text and one column per label."""
        scores = self.svm.decision_function(self._features(texts))
        return scores if scores.ndim == 2 else np.stack([-scores, scores], axis=1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Blends a linear n-gram + word-vector classifier with the intent ranking before it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The settings measured with `make eval` (figures in config.yml and bot/README.md)."""
        return {
            "word_ngrams": [1, 1],
            "char_ngrams": [2, 5],
            "C": 1.0,
            # Scale of the pretrained vectors against the TF-IDF features (0 turns them off).
            "vectors_weight": 1.0,
            # SVM margins -> probabilities: softmax(margin x temperature).
            "temperature": 8.0,
            # Share of the previous classifier's (DIET's) confidence in the blend.
            "diet_weight": 0.2,
            "random_seed": 311,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: LinearIntentModel | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on every intent example (retrieval intents by their full name) and persist."""
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [str(m.get(INTENT_RESPONSE_KEY) or m.get(INTENT)) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents, nothing to learn")
            return self._resource
        model = LinearIntentModel(self._config)
        model.fit([str(m.get(TEXT)) for m in examples], labels)
        self._model = model
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(pickle.dumps(model))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        """The trained classifier, or an untrained one (leaving the ranking as it is)."""
        try:
            with model_storage.read_from(resource) as directory:
                # The model archive is as trusted as code: Rasa loads TensorFlow graphs from it.
                model = pickle.loads((directory / MODEL_FILE).read_bytes())  # noqa: S301
        except (ValueError, FileNotFoundError):
            logger.debug("LinearIntentClassifier: no trained model, messages pass unchanged")
            model = None
        return cls(config, model_storage, resource, model)

    def intent_probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        """Per text, a probability per intent (retrieval sub-intents summed into their intent).

        A text with no known word gets the same probability for every intent: blended with
        DIET's share (0.2) its top intent stays under the FallbackClassifier's threshold (0.3),
        so the citizen is asked to rephrase instead of, in a form, confirming a request."""
        assert self._model is not None
        probabilities = softmax(self._model.scores(texts) * float(self._config["temperature"]))
        intents = [label.split("/", 1)[0] for label in self._model.labels]
        out = []
        for text, row in zip(texts, probabilities, strict=True):
            if not self._model.knows(text):
                out.append(dict.fromkeys(intents, 1 / len(set(intents))))
                continue
            summed: dict[str, float] = defaultdict(float)
            for intent, p in zip(intents, row, strict=True):
                summed[intent] += float(p)
            out.append(dict(summed))
        return out

    def process(self, messages: list[Message]) -> list[Message]:
        """Rewrite `intent` and `intent_ranking` with the blend of both classifiers."""
        if self._model is None:
            return messages
        texts = [str(m.get(TEXT) or "") for m in messages]
        weight = float(self._config["diet_weight"])
        for message, linear in zip(messages, self.intent_probabilities(texts), strict=True):
            ranking_before = message.get("intent_ranking") or []
            before = {r["name"]: float(r["confidence"]) for r in ranking_before}
            share = weight if before else 0.0  # alone in a pipeline: its own probabilities
            blended = {name: share * before.get(name, 0.0) + (1 - share) * linear.get(name, 0.0)
                       for name in set(linear) | set(before)}
            ranking = sorted(({"name": name, "confidence": confidence}
                              for name, confidence in blended.items()),
                             key=lambda r: -r["confidence"])[:RANKING_LENGTH]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages
