"""Reference numbers: format, normalisation, and detection of every typo the check promises."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livechat.requests import reference
from livechat.requests.errors import InvalidReference
from livechat.requests.reference import ALPHABET, extract, generate, normalize, validate

CANONICAL = re.compile(r"^311-[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}$")


def compact(ref: str) -> str:
    return ref.replace("-", "")[3:]


@st.composite
def references(draw: st.DrawFn) -> str:
    """Valid references built from hypothesis-chosen bodies (not only secrets' luck)."""
    body = draw(st.text(alphabet=ALPHABET, min_size=8, max_size=8))
    check = reference._check_value(body)
    if check == len(ALPHABET):
        body = body[:-1] + ("3" if body[-1] == "2" else "2")
        check = reference._check_value(body)
    if check == len(ALPHABET):  # pragma: no cover - two unissuable bodies in a row is impossible
        body = "2" * 8
        check = reference._check_value(body)
    return reference.format_reference(body + ALPHABET[check])


def test_alphabet_has_no_confusable_characters() -> None:
    assert len(ALPHABET) == 30 == len(set(ALPHABET))
    assert not set("01OILU") & set(ALPHABET)


def test_generated_references_are_canonical_and_valid() -> None:
    refs = {generate() for _ in range(2000)}
    assert len(refs) == 2000  # random, no collisions at this scale
    for ref in refs:
        assert CANONICAL.match(ref), ref
        assert validate(ref)
        assert normalize(ref) == ref


def test_generated_references_are_not_sequential() -> None:
    # The random part uses the whole alphabet in every position: no counter is visible.
    refs = [compact(generate()) for _ in range(3000)]
    for position in range(8):
        assert len({ref[position] for ref in refs}) == 30


@given(references())
def test_every_single_substitution_is_detected(ref: str) -> None:
    chars = list(compact(ref))
    for position, original in enumerate(chars):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            typo = chars.copy()
            typo[position] = replacement
            assert not validate("".join(typo)), (ref, position, replacement)


@given(references())
def test_every_transposition_is_detected(ref: str) -> None:
    chars = list(compact(ref))
    for i in range(len(chars)):
        for j in range(i + 1, len(chars)):
            if chars[i] == chars[j]:
                continue
            typo = chars.copy()
            typo[i], typo[j] = typo[j], typo[i]
            assert not validate("".join(typo)), (ref, i, j)


@given(
    references(),
    st.lists(st.sampled_from(["", " ", "-", "  ", ".", "_"]), min_size=9, max_size=9),
    st.booleans(),
    st.booleans(),
)
def test_normalisation_accepts_case_spacing_and_prefix(
    ref: str, separators: list[str], lower: bool, with_prefix: bool
) -> None:
    body = compact(ref)
    typed = "".join(sep + char for sep, char in zip(separators, body, strict=True))
    typed = ("311" + typed) if with_prefix else typed
    typed = typed.lower() if lower else typed
    assert normalize(f"  {typed} ") == ref


@pytest.mark.parametrize("confusable", list("01OILU"))
def test_confusables_are_typos_not_guesses(confusable: str) -> None:
    ref = compact(generate())
    typo = confusable + ref[1:]
    with pytest.raises(InvalidReference) as info:
        normalize(typo)
    assert "jamais utilisés" in info.value.localized("fr")
    assert "never used" in info.value.localized("en")


def test_wrong_length_and_check_messages_are_bilingual() -> None:
    with pytest.raises(InvalidReference) as info:
        normalize("311-K7M-4PX")
    assert "311-K7M-4PX-9QD" in info.value.localized("fr")
    assert "incomplete" in info.value.localized("en")
    ref = compact(generate())
    wrong_check = ref[:8] + next(c for c in ALPHABET if c != ref[8])
    with pytest.raises(InvalidReference) as info:
        normalize(wrong_check)
    assert info.value.localized("fr").startswith("Ce numéro de référence contient une faute")
    assert (
        info.value.localized("en") == "This reference number has a typo in it. Could you check it?"
    )
    assert not validate("")
    assert not validate("hello world")


def test_extract_from_free_text() -> None:
    ref = generate()
    body = compact(ref)
    assert extract(f"Bonjour, mon numéro est {ref}, merci") == ref
    assert extract(f"status {body.lower()}") == ref
    assert extract(f"STATUT 311 {body[:3]} {body[3:6]} {body[6:]}") == ref
    assert extract("je n'ai pas mon numéro") is None
    # A typo is not extracted as some other reference.
    typo = body[:4] + next(c for c in ALPHABET if c != body[4]) + body[5:]
    assert extract(f"ref {typo}") is None


def test_extract_does_not_glue_words_together() -> None:
    # Nine alphabet letters spread over words are not a reference, even with a valid check.
    ref = compact(generate())
    spaced = " ".join(ref)
    assert extract(f"ceci {spaced} cela") is None
    assert extract(f"ceci 311 {spaced} cela") == reference.format_reference(ref)
