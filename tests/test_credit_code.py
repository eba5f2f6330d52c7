"""Unified social credit code (GB 32100-2015): every part is checked, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.rules.credit_code import (
    ALPHABET,
    check_character,
    complete,
    division_codes,
    is_jilin,
    is_valid,
    normalize,
    organisation_check_character,
)

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
    assert is_jilin(complete("91220101MA17CX0Y"))
    assert not is_jilin(REAL_CODES[0])


def test_the_organisation_code_check_digit_of_real_codes() -> None:
    # GB 11714: M000100Y -> 4 and 60003734 -> 1, as printed on the licences above.
    assert organisation_check_character("M000100Y") == "4"
    assert organisation_check_character("60003734") == "1"
    assert organisation_check_character("00000006") == "X"  # a check value of 10 is written X
    assert organisation_check_character("00000000") == "0"  # and 11 is written 0


@pytest.mark.parametrize(
    "code",
    [
        complete("11220000MB123456"),
        complete("51220102MJ000001"),
        complete("92220104MA000001"),
        complete("N2220183MF000001"),
        complete("Y1220000MC000001"),
        complete("93220501MA000001"),
    ],
)
def test_codes_of_other_authorities_and_categories_are_valid(code: str) -> None:
    assert is_valid(code)


@pytest.mark.parametrize("first_two", ["94", "99", "B1", "01", "A2", "Y9", "54", "10"])
def test_an_authority_with_a_category_it_does_not_register_is_refused(first_two: str) -> None:
    assert not is_valid(complete(first_two + "220102MA1WEB7K"))


@pytest.mark.parametrize("division", ["000000", "990000", "220199", "229900", "12345A"])
def test_a_division_code_that_does_not_exist_is_refused(division: str) -> None:
    assert not is_valid(complete("91" + division + "MA1WEB7K"))


def test_the_shipped_division_list_covers_every_level_of_jilin() -> None:
    assert {"220000", "220100", "220102", "220581", "222401"} <= division_codes()
    assert "000000" not in division_codes()


def test_a_wrong_organisation_check_digit_is_refused_even_with_a_matching_final_check_character() -> None:
    code = complete("91220102MA1WEB7K")
    wrong = code[:16] + ("1" if code[16] != "1" else "2")
    assert not is_valid(wrong + check_character(wrong))


bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
divisions = st.sampled_from(sorted(division_codes()))


@given(divisions, bodies)
def test_every_code_completed_with_both_check_characters_is_valid(division: str, body: str) -> None:
    assert is_valid(complete("91" + division + body))


@given(divisions, bodies, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=30))
def test_any_single_mistyped_character_is_detected(division: str, body: str, position: int, shift: int) -> None:
    # 31 is prime and no weight is 0 mod 31, so changing one character always changes the check value.
    code = complete("91" + division + body)
    typo = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    assert not is_valid(code[:position] + typo + code[position + 1 :])
