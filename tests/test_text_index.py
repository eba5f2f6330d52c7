"""Text -> index terms: Chinese as character bigrams, Latin words lower-cased, queries cut the same way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.infrastructure.text_index import contains, index_terms, is_term, parse_query


def test_chinese_runs_become_overlapping_bigrams_and_their_last_character() -> None:
    assert index_terms("注册申报") == "注册 册申 申报 报"
    assert index_terms("注") == "注"


def test_punctuation_and_latin_words_split_chinese_runs() -> None:
    assert index_terms("临床评价，CT机注册") == "临床 床评 评价 价 ct 机注 注册 册"


def test_latin_words_are_lower_cased_and_full_width_forms_folded() -> None:
    assert index_terms("EMC Test ＣＴ ２０２６ ISO-13485") == "emc test ct 2026 iso 13485"


def test_a_two_character_word_is_one_term_and_a_longer_one_a_phrase_of_bigrams() -> None:
    query = parse_query("注册 临床评价")
    assert [(c.terms, c.prefix) for c in query.clauses] == [(("注册",), False), (("临床", "床评", "评价"), False)]


def test_a_text_contains_a_word_where_the_index_would_find_it() -> None:
    """What a hit's "why it matched" relies on: a field holds a word exactly when the index says so."""

    def holds(text: str, word: str) -> bool:
        [clause] = parse_query(word).clauses
        return contains(text, clause)

    assert holds("长春某某医疗器械有限公司", "某某医疗") and holds("长春某某医疗器械有限公司", "长春")
    assert not holds("长春某某医疗器械有限公司", "医疗公司") and not holds("某某，医疗", "某某医疗")
    assert holds("91220101MA17CX0Y9H", "91220101ma17cx0y9h") and not holds("91220101MA17CX0Y9H", "91220101")
    assert holds("EMC test", "EMC") and not holds("EMCEE", "EMC") and holds("注册申报", "册")
    assert not holds("", "注册") and not holds(None, "注")  # type: ignore[arg-type]


def test_a_single_chinese_character_is_searched_as_a_prefix() -> None:
    [clause] = parse_query("注").clauses
    assert clause.prefix and clause.terms == ("注",)


def test_mixed_queries_keep_every_word_once() -> None:
    query = parse_query("CT 注册 ct  注册")
    assert [c.surface for c in query.clauses] == ["ct", "注册"]


def test_a_query_without_words_is_empty() -> None:
    assert not parse_query("  ，。!? ")


def test_queries_are_bounded() -> None:
    assert len(parse_query(" ".join(f"w{i}" for i in range(50))).clauses) == 8


@given(st.text(max_size=200))
def test_every_term_of_any_text_is_a_plain_term(text: str) -> None:
    for term in index_terms(text).split():
        assert is_term(term), term
    for clause in parse_query(text).clauses:
        assert all(is_term(t) for t in clause.terms)


@given(st.text(alphabet="注册临床评价申报资料ab1 ，", max_size=40))
def test_a_query_word_taken_from_a_text_finds_its_terms_in_that_text(text: str) -> None:
    terms = index_terms(text).split()
    for clause in parse_query(text).clauses:
        if clause.prefix:
            assert any(t.startswith(clause.terms[0]) for t in terms)
        else:
            joined = " " + " ".join(terms) + " "
            assert " " + " ".join(clause.terms) + " " in joined
