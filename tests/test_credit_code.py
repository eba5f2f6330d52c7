"""Unified social credit code (GB 32100-2015): the check character and what is refused."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.rules.credit_code import ALPHABET, check_character, is_jilin, is_valid, normalize

# Codes printed on real business licences.
REAL_CODES = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert is_valid(code)


def test_check_character_of_a_real_code() -> None:
    assert check_character("91350100M000100Y4") == "3"
    assert check_character("91110000600037341") == "L"


@pytest.mark.parametrize("code", REAL_CODES)
def test_a_wrong_check_character_is_refused(code: str) -> None:
    for wrong in ALPHABET.replace(code[-1], ""):
        assert not is_valid(code[:-1] + wrong)


def test_lowercase_and_spaces_are_normalised_before_checking() -> None:
    assert normalize("  91350100m000100y43 ") == "91350100M000100Y43"
    assert is_valid(normalize("91110000600037341l"))
    # Unnormalised input is not silently accepted by the checker itself.
    assert not is_valid("91110000600037341l")


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_outside_the_alphabet_are_refused(letter: str) -> None:
    code = REAL_CODES[0]
    assert not is_valid(code[:8] + letter + code[9:])
    assert not is_valid(code[:-1] + letter)


@pytest.mark.parametrize("code", ["", "9135010", REAL_CODES[0][:-1], REAL_CODES[0] + "3", REAL_CODES[0] + " "])
def test_wrong_length_is_refused(code: str) -> None:
    assert not is_valid(code)


def test_jilin_codes_are_recognised_by_their_division_code() -> None:
    stem = "91220101MA17CX0Y5"
    assert is_jilin(stem + check_character(stem))
    assert not is_jilin(REAL_CODES[0])


stems = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(stems)
def test_every_stem_with_its_check_character_is_valid(stem: str) -> None:
    assert is_valid(stem + check_character(stem))


@given(stems, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=30))
def test_any_single_mistyped_character_is_detected(stem: str, position: int, shift: int) -> None:
    # 31 is prime and no weight is 0 mod 31, so changing one character always changes the check value.
    code = stem + check_character(stem)
    typo = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    assert not is_valid(code[:position] + typo + code[position + 1:])
